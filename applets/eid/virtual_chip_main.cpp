// cardd-virtual-chip: one virtual chip (cardd e-ID or the JMRTD model) in one
// vpcd reader, until SIGTERM / SIGINT.
//
//   cardd-virtual-chip --vpcd 127.0.0.1:40000 --serial 0011223344556677
//                      --master-key-file master.key [--applet eid|jmrtd]
//                      [--state chip.state]
//
// The master key file holds the station's SCP03 master key as hex (32, 48
// or 64 digits; spaces and newlines ignored) or as 16/24/32 raw bytes. With
// --state, the chip's persistent state is loaded from FILE when it exists
// (its serial and applet must match) and saved back (mode 0600, atomically)
// within a second of every change and at exit. The connection to vpcd is
// re-made whenever vpcd drops it. Exit status: 0 after a signal, 2 for bad
// arguments or files.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "eid/chip_catalogue.hpp"
#include "virtual_chip/vpcd_connection.hpp"

namespace {

using namespace cardd;
using namespace cardd::applets;

struct Options {
  std::string vpcdHost = "127.0.0.1";
  std::uint16_t vpcdPort = 35963;
  Bytes serial;
  std::string masterKeyFile;
  eid::AppletKind applet = eid::AppletKind::Eid;
  std::string stateFile;
};

void usage() {
  std::fprintf(stderr,
               "usage: cardd-virtual-chip --vpcd HOST:PORT --serial HEX16 --master-key-file FILE\n"
               "                          [--applet eid|jmrtd] [--state FILE]\n");
}

int fail(const std::string& message) {
  std::fprintf(stderr, "cardd-virtual-chip: %s\n", message.c_str());
  return 2;
}

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Result<Bytes> readMasterKey(const std::string& path) {
  auto content = readFile(path);
  if (!content) {
    return Error{ErrorCode::InvalidArgument, "cannot read the master key file " + path};
  }
  /* Raw key bytes, or hex text. */
  if (content->size() == 16 || content->size() == 24 || content->size() == 32) {
    auto asHex = fromHex(*content);
    if (!asHex || asHex->size() * 2 != content->size()) {
      return Bytes(content->begin(), content->end());
    }
  }
  auto hex = fromHex(*content);
  if (!hex) {
    return Error{ErrorCode::InvalidArgument,
                 "the master key file " + path + " holds neither hex digits nor a raw AES key"};
  }
  return std::move(hex).value();
}

Status saveState(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error{ErrorCode::StoreIo,
                 "cannot write the chip state file " + temporary + ": " + std::strerror(errno)};
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Error{ErrorCode::StoreIo, "cannot write the chip state file " + temporary};
    }
    done += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return Error{ErrorCode::StoreIo, "cannot replace the chip state file " + path};
  }
  return Ok{};
}

std::optional<Options> parseArguments(int argc, char** argv, std::string& error) {
  Options options;
  bool haveSerial = false;
  bool haveVpcd = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool hasValue = i + 1 < argc;
    if (!hasValue) {
      error = "option " + std::string(arg) + " needs a value";
      return std::nullopt;
    }
    const std::string value = argv[++i];
    if (arg == "--vpcd") {
      const auto colon = value.rfind(':');
      if (colon == std::string::npos || colon == 0) {
        error = "--vpcd wants HOST:PORT";
        return std::nullopt;
      }
      char* end = nullptr;
      const unsigned long port = std::strtoul(value.c_str() + colon + 1, &end, 10);
      if (*end != '\0' || port == 0 || port > 65535) {
        error = "--vpcd: bad port";
        return std::nullopt;
      }
      options.vpcdHost = value.substr(0, colon);
      options.vpcdPort = static_cast<std::uint16_t>(port);
      haveVpcd = true;
    } else if (arg == "--serial") {
      auto serial = fromHex(value);
      if (!serial || serial->size() != eid::kSerialSize) {
        error = "--serial wants 16 hex digits (8 bytes)";
        return std::nullopt;
      }
      options.serial = std::move(serial).value();
      haveSerial = true;
    } else if (arg == "--master-key-file") {
      options.masterKeyFile = value;
    } else if (arg == "--applet") {
      auto kind = eid::parseAppletKind(value);
      if (!kind) {
        error = kind.error().message;
        return std::nullopt;
      }
      options.applet = *kind;
    } else if (arg == "--state") {
      options.stateFile = value;
    } else {
      error = "unknown option " + std::string(arg);
      return std::nullopt;
    }
  }
  if (!haveVpcd || !haveSerial || options.masterKeyFile.empty()) {
    error = "--vpcd, --serial and --master-key-file are required";
    return std::nullopt;
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  const auto options = parseArguments(argc, argv, error);
  if (!options) {
    usage();
    return fail(error);
  }
  auto masterKey = readMasterKey(options->masterKeyFile);
  if (!masterKey) return fail(masterKey.error().message);
  auto factory = eid::VirtualChipFactory::create(std::move(masterKey).value());
  if (!factory) return fail(factory.error().message);

  /* The chip: restored from the state file when there is one. */
  std::unique_ptr<eid::VirtualChip> chip;
  if (!options->stateFile.empty()) {
    if (auto text = readFile(options->stateFile); text && !text->empty()) {
      auto restored = factory->restore(*text);
      if (!restored) return fail(options->stateFile + ": " + restored.error().message);
      chip = std::move(restored).value();
      if (chip->serial() != options->serial || chip->kind() != options->applet) {
        return fail("the state file " + options->stateFile +
                    " belongs to another chip (serial or applet differ)");
      }
    }
  }
  if (!chip) {
    auto blank = factory->makeBlank(options->applet, options->serial);
    if (!blank) return fail(blank.error().message);
    chip = std::move(blank).value();
  }

  /* Signals are taken synchronously below; block them before any thread. */
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  virtual_chip::VpcdEndpoint endpoint;
  endpoint.host = options->vpcdHost;
  endpoint.port = options->vpcdPort;
  virtual_chip::VpcdConnection connection(*chip, endpoint);
  if (auto connected = connection.connect(); !connected) return fail(connected.error().message);
  std::fprintf(stderr, "cardd-virtual-chip: %s chip %s in vpcd reader %s:%u\n",
               std::string(eid::appletKindName(chip->kind())).c_str(),
               toHex(chip->serial()).c_str(), options->vpcdHost.c_str(), options->vpcdPort);

  /* Save within a second of a change; stop on a signal. */
  std::uint64_t saved = options->stateFile.empty() ? 0 : ~std::uint64_t{0};
  const auto saveIfChanged = [&] {
    if (options->stateFile.empty()) return;
    const std::uint64_t generation = chip->stateGeneration();
    if (generation == saved) return;
    if (auto written = saveState(options->stateFile, chip->exportState()); !written) {
      std::fprintf(stderr, "cardd-virtual-chip: %s\n", written.error().message.c_str());
      return;
    }
    saved = generation;
  };
  saveIfChanged();
  for (;;) {
    const timespec tick{1, 0};
    const int received = ::sigtimedwait(&signals, nullptr, &tick);
    if (received == SIGTERM || received == SIGINT) break;
    saveIfChanged();
  }
  connection.disconnect();
  saveIfChanged();
  return 0;
}
