// cardd-virtual-chip behind the real PC/SC stack: a private pcscd (socket-
// activated in a temporary directory, its own reader.conf naming a vpcd
// reader on a free port), the executable as the card, and pcsc-lite's client
// API as the station. The station opens SCP03 with keys diversified from the
// master key, writes with extended APDUs (offsets above 32767 included),
// "removes" the card (SIGTERM: the chip saves its state file and leaves the
// reader), "reinserts" it (a new process on the same state file), reads the
// same data back and locks. Then scriptor, an independent PC/SC client,
// reads a file in the clear after VERIFY. Skips when pcscd or the vpcd
// driver is not installed; the scriptor part skips without scriptor.

#include <PCSC/winscard.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "eid/eid_applet.hpp"
#include "eid/jmrtd_applet.hpp"
#include "eid_test_support.hpp"
#include "scp03/host_session.hpp"
#include "scp03/initialize_update.hpp"
#include "tlv/tlv_node.hpp"

namespace cardd::applets::eid {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::command;
using testing::fcp;
using testing::hex;
using testing::pattern;

constexpr const char* kPcscd = "/usr/sbin/pcscd";
constexpr const char* kVpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
constexpr const char* kSocketActivate = "systemd-socket-activate";
constexpr const char* kChipExe = CARDD_VIRTUAL_CHIP_EXE;
const std::string kReader = "Station Reader 00 00";
const Bytes kMasterKey = hex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
const Bytes kChipSerial = hex("4341524444000042");
const Bytes kAccessKey = hex("5A5A5A5A01020304050607080910A5A5");

bool portFree(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(port);
  const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return free;
}

std::uint16_t pickChannel() {
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> offset(0, 2000);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto port = static_cast<std::uint16_t>(0x9C40 + 2 * offset(random));
    if (portFree(port) && portFree(static_cast<std::uint16_t>(port + 1))) return port;
  }
  return 0;
}

bool onPath(const char* program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// "0A 0B 0C": scriptor wants every byte separated.
std::string spaced(ByteView bytes) {
  std::string out;
  for (auto b : bytes) {
    if (!out.empty()) out += ' ';
    out += toHex(ByteView(&b, 1));
  }
  return out;
}

// Waits for a child with a deadline; SIGKILL after it. Returns the status.
int reap(pid_t pid, std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(10ms);
  }
  return status;
}

/* One private pcscd for the whole suite: pcsc-lite reads PCSCLITE_CSOCK_NAME
   once per process, so every test of this binary must use the same socket.
   Each test starts its own chip process on its own state file. */
class EidPcscdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kPcscd) || !fs::exists(kVpcdDriver)) {
      skipReason_ = std::string("needs ") + kPcscd + " and " + kVpcdDriver +
                    " (packages pcscd, vsmartcard-vpcd)";
      return;
    }
    char pattern[] = "/tmp/cardd-eid-pcscd-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      setUpError_ = "mkdtemp failed";
      return;
    }
    dir_ = pattern;
    fs::create_directory(dir_ / "conf");
    channel_ = pickChannel();
    if (channel_ == 0) {
      setUpError_ = "no free port pair for vpcd";
      return;
    }
    char hexChannel[8];
    std::snprintf(hexChannel, sizeof hexChannel, "0x%04X", channel_);
    {
      std::ofstream conf(dir_ / "conf" / "vpcd");
      conf << "FRIENDLYNAME \"Station Reader\"\n"
           << "DEVICENAME /dev/null:" << hexChannel << "\n"
           << "LIBPATH " << kVpcdDriver << "\n"
           << "CHANNELID " << hexChannel << "\n";
    }
    {
      std::ofstream key(dir_ / "master.key");
      key << toHex(kMasterKey) << "\n";
    }
    const std::string socketPath = (dir_ / "pcscd.comm").string();
    const std::string confPath = (dir_ / "conf").string();
    const std::string logPath = (dir_ / "pcscd.log").string();

    pcscd_ = ::fork();
    if (pcscd_ < 0) {
      setUpError_ = "fork failed";
      return;
    }
    if (pcscd_ == 0) {
      ::setpgid(0, 0);
      const int log = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (log >= 0) {
        ::dup2(log, 1);
        ::dup2(log, 2);
      }
      const std::string listen = "--listen=" + socketPath;
      ::execlp(kSocketActivate, kSocketActivate, listen.c_str(), kPcscd, "-f", "-c",
               confPath.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pcscd_, pcscd_);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!fs::exists(socketPath) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    if (!fs::exists(socketPath)) {
      setUpError_ = "systemd-socket-activate did not listen";
      return;
    }
    ::setenv("PCSCLITE_CSOCK_NAME", socketPath.c_str(), 1);
  }

  static void TearDownTestSuite() {
    if (pcscd_ > 0) {
      ::kill(-pcscd_, SIGTERM);
      reap(pcscd_, 3000ms);
      pcscd_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ignored;
      fs::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

  void SetUp() override {
    if (!skipReason_.empty()) GTEST_SKIP() << skipReason_;
    ASSERT_TRUE(setUpError_.empty()) << setUpError_;
    statePath_ =
        dir_ /
        (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".state");
    /* pcscd starts on the first connection; on a loaded machine that can
       take longer than one attempt of the client library waits. */
    LONG rv = SCARD_E_NO_SERVICE;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context_);
      if (rv == SCARD_S_SUCCESS) break;
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(rv, SCARD_S_SUCCESS) << pcsc_stringify_error(rv) << "; " << log();
    haveContext_ = true;
  }

  void TearDown() override {
    disconnectCard();
    if (chip_ > 0) {
      ::kill(-chip_, SIGTERM);
      reap(chip_, 3000ms);
      chip_ = -1;
      /* The next test must not meet this card still "present". */
      if (haveContext_) waitFor(false);
    }
    if (haveContext_) SCardReleaseContext(context_);
  }

  std::string log() const {
    std::ifstream in(dir_ / "pcscd.log");
    std::ifstream chip(dir_ / "chip.log");
    return "pcscd log: " + std::string(std::istreambuf_iterator<char>(in), {}) +
           "\nchip log: " + std::string(std::istreambuf_iterator<char>(chip), {});
  }

  // Inserts the card: starts cardd-virtual-chip on the state file.
  void startChip(const char* applet = "eid") {
    const std::string vpcd = "127.0.0.1:" + std::to_string(channel_);
    const std::string serial = toHex(kChipSerial);
    const std::string key = (dir_ / "master.key").string();
    const std::string state = statePath_.string();
    const std::string logPath = (dir_ / "chip.log").string();
    chip_ = ::fork();
    ASSERT_GE(chip_, 0);
    if (chip_ == 0) {
      ::setpgid(0, 0);
      const int log = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (log >= 0) ::dup2(log, 2);
      ::execl(kChipExe, kChipExe, "--vpcd", vpcd.c_str(), "--serial", serial.c_str(),
              "--master-key-file", key.c_str(), "--applet", applet, "--state", state.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(chip_, chip_);
  }

  // Removes the card: SIGTERM, which saves the state and exits 0.
  void stopChip() {
    ASSERT_GT(chip_, 0);
    ::kill(chip_, SIGTERM);
    const int status = reap(chip_, 5000ms);
    chip_ = -1;
    ASSERT_TRUE(WIFEXITED(status)) << log();
    EXPECT_EQ(WEXITSTATUS(status), 0) << log();
  }

  void waitFor(bool present) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    bool listed = false;
    while (!listed && std::chrono::steady_clock::now() < deadline) {
      DWORD size = 0;
      if (SCardListReaders(context_, nullptr, nullptr, &size) == SCARD_S_SUCCESS) {
        std::string names(size, '\0');
        if (SCardListReaders(context_, nullptr, names.data(), &size) == SCARD_S_SUCCESS) {
          listed = names.find(kReader) != std::string::npos;
        }
      }
      if (!listed) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(listed) << kReader << " not listed; " << log();
    SCARD_READERSTATE state{};
    state.szReader = kReader.c_str();
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    while (std::chrono::steady_clock::now() < deadline) {
      const LONG rv = SCardGetStatusChange(context_, 500, &state, 1);
      if (rv == SCARD_S_SUCCESS) {
        const bool isPresent = (state.dwEventState & SCARD_STATE_PRESENT) != 0;
        if (isPresent == present) return;
      } else if (rv != static_cast<LONG>(SCARD_E_TIMEOUT)) {
        break;
      }
      state.dwCurrentState = state.dwEventState & ~SCARD_STATE_CHANGED;
    }
    FAIL() << "card never became " << (present ? "present" : "absent") << "; " << log();
  }

  void connectCard(const Bytes& expectedAtr = eidAtr()) {
    DWORD protocol = 0;
    ASSERT_EQ(SCardConnect(context_, kReader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1,
                           &handle_, &protocol),
              SCARD_S_SUCCESS)
        << log();
    haveHandle_ = true;
    BYTE atr[MAX_ATR_SIZE];
    DWORD atrLength = sizeof atr;
    DWORD readerLength = 0;
    DWORD state = 0;
    ASSERT_EQ(SCardStatus(handle_, nullptr, &readerLength, &state, &protocol, atr, &atrLength),
              SCARD_S_SUCCESS);
    EXPECT_EQ(Bytes(atr, atr + atrLength), expectedAtr);
  }

  void disconnectCard() {
    if (haveHandle_) SCardDisconnect(handle_, SCARD_LEAVE_CARD);
    haveHandle_ = false;
  }

  apdu::ResponseApdu transmit(const apdu::CommandApdu& command) {
    auto wire = apdu::encodeCommandApdu(command);
    EXPECT_TRUE(wire.ok());
    std::vector<BYTE> answer(65538);
    DWORD length = static_cast<DWORD>(answer.size());
    const LONG rv =
        SCardTransmit(handle_, SCARD_PCI_T1, wire->data(), static_cast<DWORD>(wire->size()),
                      nullptr, answer.data(), &length);
    EXPECT_EQ(rv, SCARD_S_SUCCESS) << pcsc_stringify_error(rv);
    if (rv != SCARD_S_SUCCESS) return {{}, 0x0000};
    auto parsed = apdu::parseResponseApdu(ByteView(answer.data(), length));
    EXPECT_TRUE(parsed.ok());
    return parsed ? *parsed : apdu::ResponseApdu{{}, 0x0000};
  }

  // SELECT, GET DATA serial, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE at 33
  // with keys derived from the master key and the serial the chip reports.
  void openChannel() {
    host_.reset();
    ASSERT_EQ(transmit(command(0x00, 0xA4, 0x04, 0x0C, kEidAid)).sw, 0x9000);
    const auto serial = transmit(command(0x00, 0xCA, 0x00, 0x5A, {}, 256));
    ASSERT_EQ(serial.sw, 0x9000);
    ASSERT_EQ(serial.data, kChipSerial);
    auto keys = eidChipKeys(kMasterKey, serial.data);
    ASSERT_TRUE(keys.ok());
    const Bytes challenge = hex("F1F2F3F4F5F6F7F8");
    auto iu = transmit(*scp03::initializeUpdateCommand(0x30, challenge));
    ASSERT_EQ(iu.sw, 0x9000);
    auto parsed = scp03::parseInitializeUpdateResponse(iu.data);
    ASSERT_TRUE(parsed.ok());
    auto session = scp03::HostSession::open(*keys, challenge, *parsed, 0x33);
    ASSERT_TRUE(session.ok()) << session.error().message;
    auto ea = transmit(*session->externalAuthenticate());
    ASSERT_EQ(ea.sw, 0x9000);
    ASSERT_TRUE(session->confirmExternalAuthenticate(ea).ok());
    host_.emplace(std::move(session).value());
  }

  apdu::ResponseApdu send(const apdu::CommandApdu& plain) {
    auto wrapped = host_->wrap(plain);
    EXPECT_TRUE(wrapped.ok());
    auto answer = host_->unwrap(transmit(*wrapped));
    EXPECT_TRUE(answer.ok());
    return answer ? *answer : apdu::ResponseApdu{{}, 0x0000};
  }

  void write(std::uint16_t fid, const Bytes& data) {
    ASSERT_EQ(send(command(0x80, 0xE0, 0x00, 0x00, fcp(fid, data.size()))).sw, 0x9000);
    const std::size_t first = std::min<std::size_t>(data.size(), 0x8000);
    ASSERT_EQ(send(command(0x80, 0xD6, 0x00, 0x00, Bytes(data.begin(), data.begin() + first))).sw,
              0x9000);
    if (first < data.size()) {
      Bytes odd = {0x54, 0x02, static_cast<std::uint8_t>(first >> 8),
                   static_cast<std::uint8_t>(first)};
      auto rest = tlv::encodeTlv(0x53, ByteView(data).subspan(first));
      ASSERT_TRUE(rest.ok());
      append(odd, *rest);
      ASSERT_EQ(send(command(0x80, 0xD7, 0x00, 0x00, odd)).sw, 0x9000);
    }
  }

  Bytes read(std::uint16_t fid, std::size_t size) {
    EXPECT_EQ(send(command(0x80, 0xA4, 0x02, 0x0C,
                           {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)}))
                  .sw,
              0x9000);
    Bytes out;
    while (out.size() < size) {
      const std::size_t offset = out.size();
      const std::size_t n = std::min<std::size_t>(16384, size - offset);
      if (offset <= 0x7FFF) {
        auto answer = send(command(0x80, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                                   static_cast<std::uint8_t>(offset), {}, n));
        if (answer.sw != 0x9000 && answer.sw != 0x6282) break;
        append(out, answer.data);
      } else {
        Bytes offsetDo = {0x54, 0x03, static_cast<std::uint8_t>(offset >> 16),
                          static_cast<std::uint8_t>(offset >> 8),
                          static_cast<std::uint8_t>(offset)};
        auto answer = send(command(0x80, 0xB1, 0x00, 0x00, offsetDo, n + 4));
        if (answer.sw != 0x9000 && answer.sw != 0x6282) break;
        auto body = tlv::decodeNode(answer.data);
        if (!body) break;
        append(out, body->value);
      }
    }
    return out;
  }

  static inline fs::path dir_;
  static inline std::uint16_t channel_ = 0;
  static inline pid_t pcscd_ = -1;
  static inline std::string skipReason_;
  static inline std::string setUpError_;
  fs::path statePath_;
  pid_t chip_ = -1;
  SCARDCONTEXT context_ = 0;
  bool haveContext_ = false;
  SCARDHANDLE handle_ = 0;
  bool haveHandle_ = false;
  std::optional<scp03::HostSession> host_;
};

TEST_F(EidPcscdTest, PersonaliseRemoveReinsertReadBackLockAndReadWithScriptor) {
  const Bytes dg1 = pattern(100, 0x61);
  const Bytes dg2 = pattern(40000, 0x75);

  /* Insert a blank chip and personalise it through pcscd. */
  startChip();
  waitFor(true);
  if (HasFatalFailure()) return;
  connectCard();
  if (HasFatalFailure()) return;
  openChannel();
  if (HasFatalFailure()) return;
  write(0x0101, dg1);
  write(0x0102, dg2);
  if (HasFatalFailure()) return;
  EXPECT_EQ(read(0x0102, dg2.size()), dg2);
  ASSERT_EQ(send(command(0x80, 0xDA, 0x00, 0x81, kAccessKey)).sw, 0x9000);
  ASSERT_EQ(send(command(0x80, 0xF0, 0x00, 0x01)).sw, 0x9000);

  /* Remove the card (the chip saves its state), then insert it again. */
  disconnectCard();
  stopChip();
  waitFor(false);
  if (HasFatalFailure()) return;
  struct stat info {};
  ASSERT_EQ(::stat(statePath_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  startChip();
  waitFor(true);
  if (HasFatalFailure()) return;
  connectCard();
  if (HasFatalFailure()) return;
  openChannel();
  if (HasFatalFailure()) return;
  EXPECT_EQ(read(0x0101, dg1.size()), dg1);
  EXPECT_EQ(read(0x0102, dg2.size()), dg2);
  ASSERT_EQ(send(command(0x80, 0xF0, 0x00, 0x02)).sw, 0x9000);
  EXPECT_EQ(send(command(0x80, 0xD6, 0x00, 0x00, hex("00"))).sw, 0x6985);
  disconnectCard();

  /* An independent PC/SC client reads DG1 in the clear after VERIFY. */
  if (!onPath("scriptor")) GTEST_SKIP() << "scriptor (package pcsc-tools) not installed";
  {
    std::ofstream script(dir_ / "read.apdu");
    script << "00 A4 04 0C 07 F0 63 61 72 64 64 01\n"
           << "00 B0 00 00 10\n"  // refused before VERIFY
           << "00 20 00 81 10 " << spaced(kAccessKey) << "\n"
           << "00 A4 02 0C 02 01 01\n"
           << "00 B0 00 00 64\n";
  }
  const std::string commandLine = "scriptor -r '" + kReader + "' '" +
                                  (dir_ / "read.apdu").string() + "' > '" +
                                  (dir_ / "scriptor.out").string() + "' 2>&1";
  const int exitStatus = std::system(commandLine.c_str());
  std::ifstream in(dir_ / "scriptor.out");
  const std::string output(std::istreambuf_iterator<char>(in), {});
  ASSERT_EQ(exitStatus, 0) << output << log();

  /* Collect the responses: lines starting "< ", hex bytes up to " : ". */
  std::vector<Bytes> responses;
  std::istringstream lines(output);
  std::string line;
  bool inResponse = false;
  while (std::getline(lines, line)) {
    if (line.rfind("< ", 0) == 0) {
      responses.emplace_back();
      inResponse = true;
      line = line.substr(2);
    } else if (!inResponse || line.rfind("> ", 0) == 0) {
      inResponse = false;
      continue;
    }
    const auto colon = line.find(':');
    const bool last = colon != std::string::npos;
    auto bytes = fromHex(line.substr(0, last ? colon : line.size()));
    ASSERT_TRUE(bytes.ok()) << output;
    append(responses.back(), *bytes);
    if (last) inResponse = false;
  }
  ASSERT_EQ(responses.size(), 5u) << output;
  EXPECT_EQ(responses[0], hex("9000"));
  EXPECT_EQ(responses[1], hex("6982"));
  EXPECT_EQ(responses[2], hex("9000"));
  EXPECT_EQ(responses[3], hex("9000"));
  Bytes expected = dg1;
  append(expected, hex("9000"));
  EXPECT_EQ(responses[4], expected) << output;
}

TEST_F(EidPcscdTest, JmrtdModelPersonalisedInTheClearThroughPcscd) {
  startChip("jmrtd");
  waitFor(true);
  if (HasFatalFailure()) return;
  connectCard(jmrtdAtr());
  if (HasFatalFailure()) return;
  const Bytes dg1 = pattern(90, 0x61);
  ASSERT_EQ(transmit(command(0x00, 0xA4, 0x04, 0x0C, kIcaoLdsAid)).sw, 0x9000);
  ASSERT_EQ(transmit(command(0x00, 0xE0, 0x00, 0x00, hex("63 04 005A 0101"))).sw, 0x9000);
  ASSERT_EQ(transmit(command(0x00, 0xA4, 0x02, 0x0C, hex("0101"))).sw, 0x9000);
  ASSERT_EQ(transmit(command(0x00, 0xD6, 0x00, 0x00, dg1)).sw, 0x9000);
  auto back = transmit(command(0x00, 0xB0, 0x00, 0x00, {}, 256));
  EXPECT_EQ(back.sw, 0x9000);
  EXPECT_EQ(back.data, dg1);
  ASSERT_EQ(transmit(command(0x00, 0xDA, 0xDE, 0xAD)).sw, 0x9000);
  EXPECT_EQ(transmit(command(0x00, 0xE0, 0x00, 0x00, hex("63 04 0010 0102"))).sw, 0x6985);
  EXPECT_EQ(transmit(command(0x00, 0xA4, 0x02, 0x0C, hex("0101"))).sw, 0x6982);
  disconnectCard();
  stopChip();
  std::ifstream state(statePath_);
  const std::string text(std::istreambuf_iterator<char>(state), {});
  EXPECT_NE(text.find("kind jmrtd\n"), std::string::npos);
  EXPECT_NE(text.find("locked 1\n"), std::string::npos);
}

}  // namespace
}  // namespace cardd::applets::eid
