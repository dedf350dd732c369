#include "private_pcscd.hpp"

#include <PCSC/winscard.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <thread>

extern char** environ;

namespace cardd::test {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kPcscd = "/usr/sbin/pcscd";
constexpr const char* kVpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
constexpr std::size_t kMaxReaders = 8;

/* The one socket directory of this process (see the header: libpcsclite
   caches PCSCLITE_CSOCK_NAME), and whether an instance is alive. */
std::mutex processMutex;
std::string processSocketDir;
bool instanceAlive = false;

void removeProcessDir() {
  if (processSocketDir.empty()) return;
  std::error_code ignored;
  fs::remove_all(processSocketDir, ignored);
}

Result<std::string> processSocketPath() {
  std::lock_guard lock(processMutex);
  if (processSocketDir.empty()) {
    char pattern[] = "/tmp/cardd-pcscd-sock-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      return Error{ErrorCode::Internal,
                   std::string("cannot create a temp dir: ") + std::strerror(errno)};
    }
    processSocketDir = pattern;
    std::atexit(removeProcessDir);
  }
  return processSocketDir + "/pcscd.comm";
}

bool portFree(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(port);
  const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return free;
}

/* The lowest ephemeral port (outgoing connections take their local port
   from ip_local_port_range): vpcd ports are picked below it, so a card's or
   a client's connection can never hold one between the check and pcscd's
   bind. */
int ephemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  if (!(in >> low) || low <= 0) low = 32768;
  return low;
}

/* vpcd channel C listens on C and C + 1: pick even C with both free, below
   the ephemeral range (else 40000..48000), away from Debian's default
   35963/35964 and from other picks of this instance. */
std::uint16_t pickChannel(const std::vector<std::uint16_t>& taken) {
  static std::mt19937 random(std::random_device{}());
  const int low = ephemeralLow();
  const int base = low >= 22000 ? 20000 : 40000;
  const int span = low >= 22000 ? (low - 2 - base) / 2 : 4000;
  std::uniform_int_distribution<int> offset(0, span);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<std::uint16_t>(base + 2 * offset(random));
    if (std::find(taken.begin(), taken.end(), port) != taken.end()) continue;
    if (portFree(port) && portFree(static_cast<std::uint16_t>(port + 1))) return port;
  }
  return 0;
}

std::string twoDigits(std::size_t n) {
  char text[8];
  std::snprintf(text, sizeof text, "%02zu", n);
  return text;
}

}  // namespace

bool PrivatePcscd::available(std::string* why) {
  for (const char* path : {kPcscd, kVpcdDriver}) {
    if (!fs::exists(path)) {
      if (why != nullptr) {
        *why = std::string("needs ") + path + " (Debian packages pcscd, vsmartcard-vpcd)";
      }
      return false;
    }
  }
  return true;
}

Result<std::unique_ptr<PrivatePcscd>> PrivatePcscd::start(PrivatePcscdOptions options) {
  std::string why;
  if (!available(&why)) return Error{ErrorCode::Unavailable, why};
  if (options.readers == 0 || options.readers > kMaxReaders) {
    return Error{
        ErrorCode::InvalidArgument,
        "a private pcscd serves 1 to 8 vpcd readers; asked for " + std::to_string(options.readers)};
  }
  auto socketPath = processSocketPath();
  if (!socketPath) return std::move(socketPath).error();
  {
    std::lock_guard lock(processMutex);
    if (instanceAlive) {
      return Error{ErrorCode::InvalidArgument,
                   "a PrivatePcscd is already alive in this process (pcsc-lite caches the "
                   "socket path per process)"};
    }
    instanceAlive = true;
  }
  std::unique_ptr<PrivatePcscd> p(new PrivatePcscd());
  p->options_ = std::move(options);
  p->socketPath_ = std::move(socketPath).value();

  char pattern[] = "/tmp/cardd-pcscd-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    return Error{ErrorCode::Internal, "cannot create a temp dir"};
  }
  p->dir_ = pattern;
  fs::create_directory(fs::path(p->dir_) / "conf");

  /* One private copy of the vpcd driver per pair of slots: a copy is
     another inode, so glibc loads it again with its own static slot table
     (a second entry naming the same .so would take over the first one's
     slots). */
  const std::size_t pairs = (p->options_.readers + 1) / 2;
  for (std::size_t k = 0; k < pairs; ++k) {
    std::error_code error;
    fs::copy_file(kVpcdDriver, p->driverCopy(k), fs::copy_options::overwrite_existing, error);
    if (error) {
      return Error{ErrorCode::Internal,
                   "cannot copy the vpcd driver to " + p->driverCopy(k) + ": " + error.message()};
    }
  }

  /* Reader names: pair 0 is "<name> 00 00" / "<name> 00 01", pair k > 0
     "<name> <k+1> 00 00" / "... 00 01" (pcscd does not number entries that
     share a FRIENDLYNAME: it would list two "<name> 00 00"). */
  for (std::size_t i = 0; i < p->options_.readers; ++i) {
    VirtualReader reader;
    reader.name = p->pairName(i / 2) + " 00 " + twoDigits(i % 2);
    p->readers_.push_back(reader);
  }

  ::setenv("PCSCLITE_CSOCK_NAME", p->socketPath_.c_str(), 1);

  /* Ports are picked free but another process may bind one before pcscd
     does; vpcd then fails to open that channel and its readers never list.
     So a start whose readers do not appear is tried again on fresh ports. */
  Status ready = Ok{};
  for (int attempt = 0; attempt < 3; ++attempt) {
    p->stop();
    p->channels_.clear();
    for (std::size_t k = 0; k < pairs; ++k) {
      const std::uint16_t channel = pickChannel(p->channels_);
      if (channel == 0) return Error{ErrorCode::Unavailable, "no free port pair for vpcd"};
      p->channels_.push_back(channel);
    }
    for (std::size_t i = 0; i < p->readers_.size(); ++i) {
      p->readers_[i].port = static_cast<std::uint16_t>(p->channels_[i / 2] + i % 2);
    }
    if (auto written = p->writeConfig(pairs); !written) return std::move(written).error();
    if (auto launched = p->launch(); !launched) return std::move(launched).error();
    ready = p->waitForReaders(p->readers_.size());
    if (ready) return p;
  }
  return std::move(ready).error();
}

PrivatePcscd::~PrivatePcscd() {
  stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::lock_guard lock(processMutex);
  instanceAlive = false;
}

applets::virtual_chip::VpcdEndpoint PrivatePcscd::endpoint(std::size_t index) const {
  applets::virtual_chip::VpcdEndpoint e;
  e.host = "127.0.0.1";
  e.port = vpcdPort(index);
  e.initialBackoff = 20ms;
  e.maxBackoff = 200ms;
  return e;
}

std::string PrivatePcscd::log() const {
  std::ifstream in(fs::path(dir_) / "pcscd.log");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string PrivatePcscd::pairName(std::size_t pair) const {
  if (pair == 0) return options_.friendlyName;
  return options_.friendlyName + " " + std::to_string(pair + 1);
}

std::string PrivatePcscd::driverCopy(std::size_t pair) const {
  return (fs::path(dir_) / ("vpcd-" + std::to_string(pair) + ".so")).string();
}

Status PrivatePcscd::writeConfig(std::size_t pairs) {
  /* One reader.conf entry per vpcd channel, each with its own driver copy
     (none: readers removed). */
  const fs::path conf = fs::path(dir_) / "conf" / "vpcd";
  std::ofstream out(conf, std::ios::trunc);
  for (std::size_t k = 0; k < pairs && k < channels_.size(); ++k) {
    char hexChannel[8];
    std::snprintf(hexChannel, sizeof hexChannel, "0x%04X", channels_[k]);
    out << "FRIENDLYNAME \"" << pairName(k) << "\"\n"
        << "DEVICENAME /dev/null:" << hexChannel << "\n"
        << "LIBPATH " << driverCopy(k) << "\n"
        << "CHANNELID " << hexChannel << "\n\n";
  }
  out.close();
  if (!out) return Error{ErrorCode::Internal, "cannot write " + conf.string()};
  return Ok{};
}

Status PrivatePcscd::launch() {
  /* The listening socket, bound here and passed as systemd would: pcscd
     1.9.9 hard-codes /run/pcscd/pcscd.comm but serves an activated fd. */
  std::error_code ignored;
  fs::remove(socketPath_, ignored);
  listenFd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) return Error{ErrorCode::Internal, "cannot create a unix socket"};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socketPath_.c_str());
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listenFd_, 64) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(listenFd_);
    listenFd_ = -1;
    return Error{ErrorCode::Internal, "cannot listen on " + socketPath_ + ": " + reason};
  }

  /* Everything the child needs is built before fork(): after it only
     async-signal-safe calls. LISTEN_PID gets the child's pid in place. */
  const std::string confDir = (fs::path(dir_) / "conf").string();
  const std::string logPath = (fs::path(dir_) / "pcscd.log").string();
  std::vector<std::string> args = {kPcscd, "-f", "-c", confDir};
  if (options_.debug) {
    args.emplace_back("-d");
    args.emplace_back("-a");
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "LISTEN_", 7) != 0) env.emplace_back(*e);
  }
  env.emplace_back("LISTEN_FDS=1");
  env.emplace_back("LISTEN_PID=" + std::string(20, '\0'));
  const std::size_t pidIndex = env.size() - 1;
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char* pidDigits = env[pidIndex].data() + std::strlen("LISTEN_PID=");
  const pid_t parent = ::getpid();

  const int logFd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  pid_ = ::fork();
  if (pid_ < 0) {
    if (logFd >= 0) ::close(logFd);
    return Error{ErrorCode::Internal, "fork failed"};
  }
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);
    if (logFd >= 0) {
      ::dup2(logFd, 1);
      ::dup2(logFd, 2);
    }
    if (listenFd_ == 3) {
      ::fcntl(3, F_SETFD, 0);
    } else {
      ::dup2(listenFd_, 3);
    }
    char digits[20];
    int n = 0;
    for (pid_t self = ::getpid(); self > 0 && n < 20; self /= 10) {
      digits[n++] = static_cast<char>('0' + self % 10);
    }
    for (int i = 0; i < n; ++i) pidDigits[i] = digits[n - 1 - i];
    pidDigits[n] = '\0';
    ::execve(kPcscd, argv.data(), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  if (logFd >= 0) ::close(logFd);
  return Ok{};
}

Status PrivatePcscd::waitForReaders(std::size_t count) {
  /* Poll the client API until every configured reader is listed (pcscd
     loads the vpcd driver right after start). */
  const auto deadline = std::chrono::steady_clock::now() + options_.readyTimeout;
  std::string last = "no answer";
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Error{ErrorCode::Internal, "pcscd exited at start; log: " + log()};
    }
    SCARDCONTEXT context = 0;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
    if (rv == SCARD_S_SUCCESS) {
      DWORD size = 0;
      rv = SCardListReaders(context, nullptr, nullptr, &size);
      std::string names;
      if (rv == SCARD_S_SUCCESS) {
        names.assign(size, '\0');
        rv = SCardListReaders(context, nullptr, names.data(), &size);
      }
      SCardReleaseContext(context);
      if (rv == static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE)) {
        names.clear();
        rv = SCARD_S_SUCCESS;
      }
      if (rv == SCARD_S_SUCCESS) {
        std::size_t found = 0;
        for (std::size_t i = 0; i < count && i < readers_.size(); ++i) {
          if (names.find(readers_[i].name + '\0') != std::string::npos) ++found;
        }
        if (found == std::min(count, readers_.size())) return Ok{};
      }
    }
    last = pcsc_stringify_error(rv);
    std::this_thread::sleep_for(20ms);
  }
  return Error{ErrorCode::Internal,
               "pcscd did not list its vpcd readers (" + last + "); log: " + log()};
}

void PrivatePcscd::stop() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
    pid_ = -1;
  }
  if (listenFd_ >= 0) {
    ::close(listenFd_);
    listenFd_ = -1;
  }
  std::error_code ignored;
  fs::remove(socketPath_, ignored);
}

Status PrivatePcscd::startAgain() {
  if (running()) return Error{ErrorCode::InvalidArgument, "pcscd is already running"};
  if (auto launched = launch(); !launched) return launched;
  return waitForReaders(readers_.size());
}

Status PrivatePcscd::restart() {
  stop();
  if (auto written = writeConfig(channels_.size()); !written) return written;
  return startAgain();
}

Status PrivatePcscd::restartWithReaders(std::size_t count) {
  stop();
  const std::size_t pairs = (count + 1) / 2;
  if (auto written = writeConfig(pairs); !written) return written;
  if (auto launched = launch(); !launched) return launched;
  return waitForReaders(std::min(count, readers_.size()));
}

}  // namespace cardd::test
