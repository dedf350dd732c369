#include "emulated_station.hpp"

#include "daemon_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "client/connection.hpp"

#ifndef CARDD_STATION_SOURCE_DIR
#error "CARDD_STATION_SOURCE_DIR must be defined by the build"
#endif
#ifndef CARDD_STATION_DAEMON_BINARY
#error "CARDD_STATION_DAEMON_BINARY must be defined by the build"
#endif
#ifndef CARDD_STATION_EMULATOR_BINARY
#error "CARDD_STATION_EMULATOR_BINARY must be defined by the build"
#endif

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace cardd::test {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxPrinters = 8;

std::string readText(const std::string& path, std::size_t maxBytes = 16 * 1024) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (text.size() > maxBytes) text = "[...]" + text.substr(text.size() - maxBytes);
  return text;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string yamlQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/* fork + exec `args` with stdout to `stdoutFd` (or stderrFd when -1) and
   stderr to `stderrFd`; stdin /dev/null; every other fd closed. The child
   dies with this thread (PR_SET_PDEATHSIG). */
Result<pid_t> spawn(std::vector<std::string> args, int stdoutFd, int stderrFd) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = carddChildEnvironment();
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int nullFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    if (nullFd >= 0) ::close(nullFd);
    return Error{ErrorCode::Internal, std::string("fork failed: ") + std::strerror(errno)};
  }
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (nullFd >= 0) ::dup2(nullFd, STDIN_FILENO);
    ::dup2(stdoutFd >= 0 ? stdoutFd : stderrFd, STDOUT_FILENO);
    ::dup2(stderrFd, STDERR_FILENO);
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    static constexpr char kMsg[] = "emulated_station: execve failed\n";
    (void)!::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    ::_exit(127);
  }
  if (nullFd >= 0) ::close(nullFd);
  return child;
}

/* Waits up to `timeout` for `pid` to end; its wait status, or nullopt. */
std::optional<int> waitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // not our child any more
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

/* SIGTERM, then SIGKILL after `grace`; always reaps. */
void terminate(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  if (waitExit(pid, grace)) return;
  ::kill(pid, SIGKILL);
  waitExit(pid, 10s);
}

std::optional<std::string> readLine(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string line;
  for (;;) {
    if (const auto eol = line.find('\n'); eol != std::string::npos) return line.substr(0, eol);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return std::nullopt;
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);  // byte by byte: nothing past the line is consumed
    if (n <= 0) return std::nullopt;
    line += c;
  }
}

std::optional<std::uint16_t> intField(std::string_view line, std::string_view key) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(line, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto* field = value.as_object().if_contains(key);
  if (field == nullptr || !field->is_int64()) return std::nullopt;
  const auto n = field->as_int64();
  if (n <= 0 || n > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(n);
}

}  // namespace

Result<std::unique_ptr<EmulatedStation>> EmulatedStation::start(EmulatedStationOptions options) {
  if (options.printers == 0 || options.printers > kMaxPrinters) {
    return Error{ErrorCode::InvalidArgument, "an emulated station has 1 to 8 printers; asked for " +
                                                 std::to_string(options.printers)};
  }
  std::string why;
  if (!PrivatePcscd::available(&why)) return Error{ErrorCode::Unavailable, why};
  if (!fs::exists(CARDD_STATION_EMULATOR_BINARY)) {
    return Error{ErrorCode::Unavailable,
                 std::string("no emulator at ") + CARDD_STATION_EMULATOR_BINARY};
  }
  std::unique_ptr<EmulatedStation> s(new EmulatedStation());
  s->options_ = std::move(options);

  std::string pattern = (fs::temp_directory_path() / "cardd-station-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Error{ErrorCode::Internal, std::string("mkdtemp failed: ") + std::strerror(errno)};
  }
  s->dir_ = pattern;
  std::error_code ec;
  for (const char* sub : {"pki", "keys", "cards", "state"})
    fs::create_directory(s->dir_ + "/" + sub, ec);
  fs::permissions(s->dir_ + "/pki", fs::perms::owner_all, ec);
  fs::permissions(s->dir_ + "/keys", fs::perms::owner_all, ec);

  if (auto made = s->makePki(); !made) return std::move(made).error();
  if (auto written = s->writeMasterKey(); !written) return std::move(written).error();

  PrivatePcscdOptions pcscOptions;
  pcscOptions.readers = s->options_.printers;
  auto pcscd = PrivatePcscd::start(pcscOptions);
  if (!pcscd) return std::move(pcscd).error();
  s->pcscd_ = std::move(pcscd).value();

  for (std::size_t i = 0; i < s->options_.printers; ++i) {
    if (auto started = s->startEmulator(i); !started) return std::move(started).error();
  }
  if (auto written = s->writeConfig(); !written) return std::move(written).error();
  return s;
}

EmulatedStation::~EmulatedStation() {
  if (carddPid_ > 0) {
    terminate(carddPid_, 15s);
    carddPid_ = -1;
  }
  for (const auto& e : emulators_) {
    if (e.pid > 0) ::kill(e.pid, SIGTERM);
  }
  for (auto& e : emulators_) {
    terminate(e.pid, 5s);
    e.pid = -1;
  }
  pcscd_.reset();
  if (dir_.empty()) return;
  if (std::getenv("CARDD_TEST_KEEP_DIRS") != nullptr) {
    std::cerr << "kept " << dir_ << " (CARDD_TEST_KEEP_DIRS)\n";
    return;
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string EmulatedStation::cardsDir(std::size_t i) const {
  return dir_ + "/cards/" + printerId(i);
}

Status EmulatedStation::makePki() {
  /* The recipe of tests/chip_e2e makeCliPki: a self-signed CSCA and a
     document signer (EC P-256) it issues; private keys 0600. */
  const std::string d = quoted(pkiDir());
  const std::string log = quoted(pkiDir() + "/openssl.log");
  {
    std::ofstream ext(pkiDir() + "/ds.ext");
    ext << "keyUsage=critical,digitalSignature\n";
  }
  const std::string script =
      "set -e; cd " + d +
      "; umask 077"
      "; openssl ecparam -name prime256v1 -genkey -noout -out csca.key"
      "; openssl req -new -x509 -days 30 -key csca.key -subj '/C=ID/CN=Emulated Station CSCA'"
      " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
      " -out csca.pem"
      "; openssl ecparam -name prime256v1 -genkey -noout -out ds.key"
      "; openssl req -new -key ds.key -subj '/C=ID/CN=Emulated Station Document Signer'"
      " -out ds.csr"
      "; openssl x509 -req -days 30 -in ds.csr -CA csca.pem -CAkey csca.key -set_serial 2"
      " -extfile ds.ext -out ds.pem"
      "; chmod 600 csca.key ds.key; chmod 644 csca.pem ds.pem";
  const std::string command = "sh -c " + quoted(script) + " >" + log + " 2>&1";
  if (std::system(command.c_str()) != 0) {
    return Error{ErrorCode::Internal, "the openssl CLI could not make the station's PKI: " +
                                          readText(pkiDir() + "/openssl.log", 2048)};
  }
  return Ok{};
}

Status EmulatedStation::writeMasterKey() {
  std::random_device random;
  masterKey_.clear();
  for (int n = 0; n < 16; ++n) masterKey_.push_back(static_cast<std::uint8_t>(random() & 0xFF));
  std::string hex;
  for (auto b : masterKey_) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", b);
    hex += two;
  }
  const std::string path = masterKeyPath();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return Error{ErrorCode::Internal, "cannot write " + path + ": " + std::strerror(errno)};
  hex += '\n';
  const bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size());
  ::close(fd);
  if (!ok) return Error{ErrorCode::Internal, "cannot write " + path};
  return Ok{};
}

Status EmulatedStation::startEmulator(std::size_t i) {
  /* stdout (the ready line) and stderr go to files in the station dir. */
  std::error_code ec;
  fs::create_directories(cardsDir(i), ec);
  const std::string id = printerId(i);
  const std::string outPath = dir_ + "/emu-" + id + ".out";
  const std::string logPath = dir_ + "/emu-" + id + ".log";
  const int outFd = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int logFd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (outFd < 0 || logFd < 0) {
    if (outFd >= 0) ::close(outFd);
    if (logFd >= 0) ::close(logFd);
    return Error{ErrorCode::Internal, "cannot open " + outPath + " or " + logPath};
  }
  char scale[32];
  std::snprintf(scale, sizeof scale, "%g", options_.timeScale);
  char serial[16];  // the printer's own serial (Rsn): EMU00001, EMU00002, ...
  std::snprintf(serial, sizeof serial, "EMU%05zu", i + 1);
  std::vector<std::string> argv{CARDD_STATION_EMULATOR_BINARY,
                                "--port",
                                "0",
                                "--control-port",
                                "0",
                                "--vpcd",
                                "127.0.0.1:" + std::to_string(pcscd_->vpcdPort(i)),
                                "--chip-master-key",
                                masterKeyPath(),
                                "--time-scale",
                                scale,
                                "--output-dir",
                                cardsDir(i),
                                "--feeder",
                                std::to_string(options_.feeder),
                                "--serial-prefix",
                                id + "-",
                                "--seed",
                                std::to_string(i + 1),
                                "--ribbon",
                                "ymckok"};
  if (i < options_.emulatorArgs.size())
    argv.insert(argv.end(), options_.emulatorArgs[i].begin(), options_.emulatorArgs[i].end());
  auto pid = spawn(argv, outFd, logFd);
  ::close(outFd);
  ::close(logFd);
  if (!pid) return std::move(pid).error();
  Emulator e;
  e.pid = *pid;
  emulators_.push_back(e);

  /* The first stdout line: {"event":"ready","port":..,"control_port":..}. */
  std::string line;
  waitUntil(
      [&] {
        line = readText(outPath);
        if (line.find('\n') != std::string::npos) return true;
        int status = 0;
        if (::waitpid(*pid, &status, WNOHANG) != *pid) return false;
        emulators_.back().pid = -1;  // exited: reaped
        return true;
      },
      10s, 10ms);
  line = line.substr(0, line.find('\n'));
  const auto port = intField(line, "port");
  const auto control = intField(line, "control_port");
  if (!port || !control) {
    return Error{ErrorCode::Internal, "emulator " + id + " did not report its ports (" +
                                          (line.empty() ? std::string("no ready line") : line) +
                                          "); its log: " + emulatorLog(i)};
  }
  emulators_.back().port = *port;
  emulators_.back().controlPort = *control;
  return Ok{};
}

Status EmulatedStation::writeConfig() {
  const std::string source = CARDD_STATION_SOURCE_DIR;
  std::ostringstream y;
  y << "# written by EmulatedStation (tests/support) for an integration test\n"
    << "station:\n  name: \"Emulated station (" << printers() << " printers)\"\n"
    << "state_dir: " << yamlQuote(stateDir()) << "\n"
    << "log_level: info\n"
    << "api:\n  socket: " << yamlQuote(socketPath()) << "\n  socket_mode: \"0600\"\n"
    << "access:\n  operator: {}\n  supervisor: {}\n  technician: {}\n  admin: {}\n"
    << "jobs:\n"
    << "  person_schema: " << yamlQuote(source + "/config/schemas/ektp.yaml") << "\n"
    << "  templates_dir: " << yamlQuote(source + "/config/templates") << "\n"
    << "  templates: [ektp-specimen]\n"
    << "  profiles: [cardd-eid]\n";
  if (options_.configurePrinters) {
    y << "issuance:\n"
      << "  profiles:\n"
      << "    cardd-eid: " << yamlQuote(source + "/applets/profiles/eid.yaml") << "\n"
      << "  signers:\n"
      << "    document-signer: { certificate: " << yamlQuote(pkiDir() + "/ds.pem")
      << ", key: " << yamlQuote(pkiDir() + "/ds.key") << " }\n"
      << "  key_sets:\n"
      << "    station-master: { file: " << yamlQuote(masterKeyPath()) << " }\n"
      << "  csca: " << yamlQuote(pkiDir() + "/csca.pem") << "\n"
      << options_.issuanceYaml << "printers:\n";
    for (std::size_t i = 0; i < printers(); ++i) {
      y << "  - id: " << printerId(i) << "\n"
        << "    uri: tcp://127.0.0.1:" << emulators_[i].port << "\n"
        << "    family: evolis\n"
        << "    reader: " << yamlQuote(readerName(i)) << "\n"
        << "    ribbon: ymckok\n"
        << options_.printerYaml;
    }
  }
  y << options_.extraYaml;
  std::ofstream out(configPath(), std::ios::trunc);
  out << y.str();
  out.close();
  if (!out) return Error{ErrorCode::Internal, "cannot write " + configPath()};
  return Ok{};
}

std::string EmulatedStation::emulatorLog(std::size_t i) const {
  return readText(dir_ + "/emu-" + printerId(i) + ".log");
}

Result<std::string> EmulatedStation::emulatorControl(std::size_t i, std::string_view json) {
  if (i >= emulators_.size()) {
    return Error{ErrorCode::InvalidArgument, "no emulator " + std::to_string(i)};
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{ErrorCode::Internal, "socket failed"};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(emulators_[i].controlPort);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    return Error{ErrorCode::Unavailable, "emulator " + printerId(i) + " refuses its control port " +
                                             std::to_string(emulators_[i].controlPort) + ": " +
                                             reason};
  }
  std::string line(json);
  line += '\n';
  const bool sent =
      ::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
  const auto reply = sent ? readLine(fd, 10s) : std::nullopt;
  ::close(fd);
  if (!reply) {
    return Error{ErrorCode::Unavailable,
                 "emulator " + printerId(i) + " did not answer a control line within 10 s"};
  }
  return *reply;
}

Result<boost::json::object> EmulatedStation::emulatorState(std::size_t i) {
  auto reply = emulatorControl(i, R"({"cmd":"state"})");
  if (!reply) return std::move(reply).error();
  boost::system::error_code ec;
  const auto value = boost::json::parse(*reply, ec);
  if (ec || !value.is_object()) {
    return Error{ErrorCode::Internal, "emulator " + printerId(i) + " answered no JSON object"};
  }
  const auto* state = value.as_object().if_contains("state");
  if (state == nullptr || !state->is_object()) {
    return Error{ErrorCode::Internal, "emulator " + printerId(i) + " refused state: " + *reply};
  }
  return state->as_object();
}

Status EmulatedStation::startCardd(std::chrono::milliseconds timeout) {
  if (carddRunning()) {
    return Error{ErrorCode::InvalidArgument,
                 "cardd already runs (pid " + std::to_string(carddPid_) + ")"};
  }
  const std::string logPath = dir_ + "/cardd.log";
  const int logFd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (logFd < 0) return Error{ErrorCode::Internal, "cannot open " + logPath};
  auto pid =
      spawn({CARDD_STATION_DAEMON_BINARY, "--config", configPath(), "--log-stderr"}, -1, logFd);
  ::close(logFd);
  if (!pid) return std::move(pid).error();
  carddPid_ = *pid;

  /* Ready = the socket answers GET /v1/_ping with 200. */
  const auto deadline = Clock::now() + timeout;
  std::string last = "never tried";
  for (;;) {
    int status = 0;
    if (::waitpid(carddPid_, &status, WNOHANG) == carddPid_) {
      carddPid_ = -1;
      return Error{ErrorCode::Internal, "cardd exited during start-up (wait status " +
                                            std::to_string(status) + "); its log: " + carddLog()};
    }
    auto ping = get("/v1/_ping");
    if (ping && ping->status == 200) return Ok{};
    last = ping ? "HTTP " + std::to_string(ping->status) : ping.error().message;
    if (Clock::now() >= deadline) {
      terminate(carddPid_, 5s);
      carddPid_ = -1;
      return Error{ErrorCode::Internal, "cardd did not answer on " + socketPath() + " (" + last +
                                            "); its log: " + carddLog()};
    }
    std::this_thread::sleep_for(50ms);
  }
}

Result<int> EmulatedStation::killCardd(int signal, std::chrono::milliseconds timeout) {
  if (carddPid_ <= 0) return Error{ErrorCode::InvalidArgument, "cardd is not running"};
  ::kill(carddPid_, signal);
  const auto status = waitExit(carddPid_, timeout);
  if (!status) {
    return Error{ErrorCode::Internal, "cardd (pid " + std::to_string(carddPid_) +
                                          ") still runs after signal " + std::to_string(signal)};
  }
  carddPid_ = -1;
  return *status;
}

Status EmulatedStation::restartCardd() {
  if (carddRunning()) {
    auto stopped = killCardd(SIGTERM);
    if (!stopped) return std::move(stopped).error();
  }
  return startCardd();
}

bool EmulatedStation::carddRunning() {
  if (carddPid_ <= 0) return false;
  int status = 0;
  if (::waitpid(carddPid_, &status, WNOHANG) == carddPid_) {
    carddPid_ = -1;
    return false;
  }
  return true;
}

std::string EmulatedStation::carddLog() const {
  return readText(dir_ + "/cardd.log");
}

Status EmulatedStation::checkConfig() const {
  const std::string output = dir_ + "/check-config.out";
  const std::string command = quoted(CARDD_STATION_DAEMON_BINARY) + " --config " +
                              quoted(configPath()) + " --check-config >" + quoted(output) + " 2>&1";
  const int rc = std::system(command.c_str());
  if (rc == 0) return Ok{};
  return Error{ErrorCode::InvalidArgument, "cardd --check-config: " + readText(output)};
}

Result<client::Response> EmulatedStation::request(std::string_view method, std::string_view target,
                                                  std::string_view body) {
  auto connection = client::Connection::connect(socketPath(), 10s);
  if (!connection) return std::move(connection).error();
  return connection->request(method, target, body);
}

Result<client::Response> EmulatedStation::get(std::string_view target) {
  return request("GET", target, {});
}

Result<client::Response> EmulatedStation::post(std::string_view target, std::string_view jsonBody) {
  return request("POST", target, jsonBody);
}

boost::json::value EmulatedStation::json(const client::Response& response) {
  boost::system::error_code ec;
  auto value = boost::json::parse(response.body, ec);
  if (ec) return nullptr;
  return value;
}

bool EmulatedStation::waitUntil(const std::function<bool()>& predicate,
                                std::chrono::milliseconds timeout,
                                std::chrono::milliseconds interval) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace cardd::test
