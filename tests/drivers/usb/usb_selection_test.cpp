// Pure parts of the USB transport: the printer address syntax (UsbSelector)
// and the choice of interface and endpoints (findPrinterInterface).
#include <gtest/gtest.h>

#include "transport/usb/scripted_usb_backend.hpp"
#include "transport/usb/usb_printer_transport.hpp"

namespace cardd::drivers {
namespace {

TEST(UsbSelector, ParsesTheFourForms) {
  auto a = UsbSelector::parse("0f49:3007");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->vendor_id, 0x0f49);
  EXPECT_EQ(a->product_id, 0x3007);
  EXPECT_TRUE(a->serial.empty());
  EXPECT_TRUE(a->port_path.empty());
  EXPECT_EQ(a->toString(), "0f49:3007");

  auto b = UsbSelector::parse("0F49:3007:A1-B2");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->serial, "A1-B2");
  EXPECT_EQ(b->toString(), "0f49:3007:A1-B2");

  auto c = UsbSelector::parse("0f49:3007@1-2.4");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port_path, "1-2.4");
  EXPECT_EQ(c->toString(), "0f49:3007@1-2.4");

  auto d = UsbSelector::parse("@3-1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->vendor_id, 0);
  EXPECT_EQ(d->port_path, "3-1");
}

TEST(UsbSelector, RejectsMalformedAddressesWithTheExpectedForms) {
  for (const char* text : {"", "0f49", "0f49:", ":3007", "0f49:30077", "zz49:3007", "0f49:3007:",
                           "0f49:3007@", "0f49:3007@1", "0f49:3007@1-", "0f49:3007@1-2..3",
                           "0f49:3007@-2", "0f49:3007:SN@1-2", "0f49:3007@1-2x"}) {
    auto s = UsbSelector::parse(text);
    EXPECT_FALSE(s.ok()) << text;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
      EXPECT_NE(s.error().message.find("vvvv:pppp"), std::string::npos);
    }
  }
}

TEST(UsbSelector, MatchesIdsSerialAndPath) {
  UsbDeviceInfo d = fakeUsbPrinter(0x0f49, 0x3007, "1-2", "SN1").info;
  EXPECT_TRUE(UsbSelector::parse("0f49:3007")->matches(d));
  EXPECT_TRUE(UsbSelector::parse("0f49:3007:SN1")->matches(d));
  EXPECT_FALSE(UsbSelector::parse("0f49:3007:SN2")->matches(d));
  EXPECT_TRUE(UsbSelector::parse("0f49:3007@1-2")->matches(d));
  EXPECT_FALSE(UsbSelector::parse("0f49:3007@1-3")->matches(d));
  EXPECT_FALSE(UsbSelector::parse("0f49:3008")->matches(d));
  EXPECT_TRUE(UsbSelector::parse("@1-2")->matches(d));
}

UsbInterfaceInfo printerAlt(std::uint8_t number, std::uint8_t alt, std::uint8_t protocol,
                            std::vector<UsbEndpointInfo> eps) {
  UsbInterfaceInfo i;
  i.number = number;
  i.alt_setting = alt;
  i.interface_class = kUsbClassPrinter;
  i.interface_subclass = 1;
  i.interface_protocol = protocol;
  i.endpoints = std::move(eps);
  return i;
}

constexpr std::uint8_t kBulk = LIBUSB_TRANSFER_TYPE_BULK;
constexpr std::uint8_t kInterrupt = LIBUSB_TRANSFER_TYPE_INTERRUPT;

TEST(FindPrinterInterface, TakesTheBulkPairOfTheEvolisLayout) {
  auto itf = findPrinterInterface(fakeUsbPrinter(0x0f49, 0x3007, "1-2").info);
  ASSERT_TRUE(itf.ok()) << itf.error().message;
  EXPECT_EQ(itf->interface_number, 0);
  EXPECT_EQ(itf->endpoint_out, 0x01);
  EXPECT_EQ(itf->endpoint_in, 0x82);
  EXPECT_EQ(itf->in_max_packet_size, 64);
  EXPECT_EQ(itf->protocol, kUsbPrinterProtocolBidirectional);
}

TEST(FindPrinterInterface, PrefersBidirectionalAltSettingAndSkips1284_4AndIppUsb) {
  UsbDeviceInfo d;
  d.vendor_id = 0x0f49;
  d.product_id = 0x3007;
  d.port_path = "1-2";
  d.interfaces = {
      printerAlt(0, 0, 1, {{0x01, kBulk, 512}}),
      printerAlt(0, 1, 2, {{0x01, kBulk, 512}, {0x81, kBulk, 512}}),
      printerAlt(0, 2, 3, {{0x01, kBulk, 512}, {0x81, kBulk, 512}}),
      printerAlt(1, 0, 4, {{0x02, kBulk, 512}, {0x83, kBulk, 512}}),
  };
  auto itf = findPrinterInterface(d);
  ASSERT_TRUE(itf.ok()) << itf.error().message;
  EXPECT_EQ(itf->interface_number, 0);
  EXPECT_EQ(itf->alt_setting, 1);
  EXPECT_EQ(itf->endpoint_in, 0x81);
  EXPECT_EQ(itf->in_max_packet_size, 512);
}

TEST(FindPrinterInterface, IgnoresNonBulkEndpoints) {
  UsbDeviceInfo d;
  d.port_path = "1-2";
  d.interfaces = {
      printerAlt(0, 0, 2, {{0x83, kInterrupt, 8}, {0x01, kBulk, 64}, {0x82, kBulk, 64}})};
  auto itf = findPrinterInterface(d);
  ASSERT_TRUE(itf.ok());
  EXPECT_EQ(itf->endpoint_in, 0x82);
}

TEST(FindPrinterInterface, ExplainsAMissingPrinterClassInterface) {
  UsbDeviceInfo d = fakeUsbPrinter(0x0f49, 0x3007, "1-2").info;
  d.interfaces[0].interface_class = 0xff;
  auto itf = findPrinterInterface(d);
  ASSERT_FALSE(itf.ok());
  EXPECT_EQ(itf.error().code, ErrorCode::Unavailable);
  EXPECT_NE(itf.error().message.find("usb:0f49:3007:1-2 has no printer-class interface"),
            std::string::npos)
      << itf.error().message;
  EXPECT_NE(itf.error().message.find("class ff"), std::string::npos);
}

TEST(FindPrinterInterface, ExplainsWrongEndpoints) {
  UsbDeviceInfo d;
  d.vendor_id = 0x0f49;
  d.port_path = "1-2";
  // Unidirectional printer, and a bidirectional one whose IN is interrupt.
  d.interfaces = {printerAlt(0, 0, 1, {{0x01, kBulk, 64}}),
                  printerAlt(1, 0, 2, {{0x02, kBulk, 64}, {0x83, kInterrupt, 8}})};
  auto itf = findPrinterInterface(d);
  ASSERT_FALSE(itf.ok());
  EXPECT_NE(itf.error().message.find("no printer interface with both a bulk OUT and a bulk IN"),
            std::string::npos)
      << itf.error().message;
  EXPECT_NE(itf.error().message.find("non-bulk IN 0x83"), std::string::npos);
}

TEST(FindPrinterInterface, ExplainsPacketProtocolsOnly) {
  UsbDeviceInfo d;
  d.port_path = "1-2";
  d.interfaces = {printerAlt(0, 0, 4, {{0x01, kBulk, 512}, {0x81, kBulk, 512}})};
  auto itf = findPrinterInterface(d);
  ASSERT_FALSE(itf.ok());
  EXPECT_NE(itf.error().message.find("IPP-over-USB"), std::string::npos);
}

}  // namespace
}  // namespace cardd::drivers
