#include "emulator/vpcd_chip_slot.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "eid/chip_state.hpp"
#include "eid/eid_applet.hpp"
#include "scp03/aes.hpp"

namespace cardd::emulator {

namespace eid = applets::eid;

namespace {

constexpr std::string_view kSerialLabel = "cardd-emulator-chip-serial/1:";

Bytes sha256(ByteView data) {
  Bytes digest(32);
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    return {};  // OpenSSL cannot fail SHA-256 on memory; an empty digest marks it if it does.
  }
  digest.resize(size);
  return digest;
}

std::string lowerHex(ByteView bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  char pair[3];
  for (std::uint8_t b : bytes) {
    std::snprintf(pair, sizeof pair, "%02x", b);
    out += pair;
  }
  return out;
}

std::string modeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

// ---- Serials, keys, state ----------------------------------------------------------

Bytes chipSerialFor(std::string_view blank_serial) {
  std::string input(kSerialLabel);
  input += blank_serial;
  Bytes digest =
      sha256(ByteView(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()));
  digest.resize(eid::kSerialSize);
  return digest;
}

Result<Bytes> readChipMasterKey(const std::string& path) {
  // Permissions first: a key others can read is refused before it is read.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: cannot read the chip master key file " + path);
  }
  if (!S_ISREG(st.st_mode)) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: the chip master key file " + path + " is not a regular file");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Error(
        ErrorCode::InvalidArgument,
        "emulator: the chip master key file " + path + " has mode " + modeText(st.st_mode) +
            "; it must not be readable or writable by group or others (chmod 600 " + path + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: cannot read the chip master key file " + path);
  }
  const std::string text(std::istreambuf_iterator<char>(in), {});
  auto key = applets::fromHex(text);
  if (!key || !applets::scp03::isAesKeySize(key->size())) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: the chip master key file " + path +
                     " must hold an AES key as 32, 48 or 64 hex digits");
  }
  return std::move(key).value();
}

Status describeChipState(std::string_view state, ChipCardReport& out) {
  auto parsed = eid::parseStateText(state);
  if (!parsed) return std::move(parsed).error();
  eid::FileMap files;
  out.lifecycle.clear();
  for (const auto& line : parsed->lines) {
    if (line.key == "file") {
      if (auto st = eid::parseFileLine(line, files); !st) return st;
    } else if (line.key == "lifecycle" && parsed->kind == eid::AppletKind::Eid) {
      auto value = eid::parseNumber(line, 0, 2);
      if (!value) return std::move(value).error();
      static constexpr const char* kNames[] = {"blank", "personalised", "locked"};
      out.lifecycle = kNames[*value];
    } else if (line.key == "locked" && parsed->kind == eid::AppletKind::Jmrtd) {
      auto value = eid::parseNumber(line, 0, 1);
      if (!value) return std::move(value).error();
      out.lifecycle = *value == 1 ? "locked" : "open";
    }
  }
  out.files.clear();
  for (const auto& [fid, file] : files) {
    const ByteView content(file.data.data(), file.size);
    out.files.push_back(ChipFileReport{fid, file.size, lowerHex(sha256(content))});
  }
  return Ok{};
}

// ---- CatalogueChipBackend ----------------------------------------------------------

CatalogueChipBackend::CatalogueChipBackend(eid::VirtualChipFactory factory, eid::AppletKind kind,
                                           applets::virtual_chip::VpcdEndpoint endpoint)
    : catalogue_(std::move(factory)), kind_(kind), endpoint_(std::move(endpoint)) {}

Status CatalogueChipBackend::create(ByteView chip_serial) {
  if (catalogue_.find(chip_serial) != nullptr) return Ok{};
  return catalogue_.addBlank(kind_, chip_serial);
}

Status CatalogueChipBackend::insert(ByteView chip_serial) {
  return catalogue_.insert(chip_serial, endpoint_);
}

void CatalogueChipBackend::remove(ByteView chip_serial) {
  catalogue_.remove(chip_serial);
}

bool CatalogueChipBackend::isLinked(ByteView chip_serial) const {
  return catalogue_.isLinked(chip_serial);
}

std::uint64_t CatalogueChipBackend::stateGeneration(ByteView chip_serial) const {
  const eid::VirtualChip* chip = catalogue_.find(chip_serial);
  return chip == nullptr ? 0 : chip->stateGeneration() + 1;
}

std::optional<std::string> CatalogueChipBackend::exportState(ByteView chip_serial) const {
  const eid::VirtualChip* chip = catalogue_.find(chip_serial);
  if (chip == nullptr) return std::nullopt;
  return chip->exportState();
}

// ---- VpcdChipSlot ------------------------------------------------------------------

VpcdChipSlot::VpcdChipSlot(std::unique_ptr<ChipBackend> backend, ChipSlotOptions options)
    : backend_(std::move(backend)), options_(std::move(options)) {
  worker_ = std::thread([this] { run(); });
}

VpcdChipSlot::~VpcdChipSlot() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  worker_.join();
}

VpcdChipSlot::Record& VpcdChipSlot::record(const std::string& serial) {
  auto [it, added] = records_.try_emplace(serial);
  Record& r = it->second;
  if (added) {
    r.chip_serial = chipSerialFor(serial);
    // A blank chip costs three CMACs: made here, so report() always finds it.
    if (auto made = backend_->create(r.chip_serial); !made) {
      r.error = "the chip of card " + serial + " could not be made: " + made.error().message;
    }
  }
  return r;
}

void VpcdChipSlot::enqueue(Operation operation) {
  queue_.push_back(std::move(operation));
  changed_.notify_all();
}

void VpcdChipSlot::cardArrivedAtContactStation(const Blank& blank) {
  std::lock_guard lock(mutex_);
  Record& r = record(blank.serial);
  r.at_station = true;
  enqueue(Operation{true, blank.serial, r.chip_serial});
}

void VpcdChipSlot::cardLeftContactStation(const Blank& blank) {
  std::lock_guard lock(mutex_);
  Record& r = record(blank.serial);
  r.at_station = false;
  enqueue(Operation{false, blank.serial, r.chip_serial});
}

void VpcdChipSlot::cardLeftPrinter(const Blank& blank, bool rejected) {
  std::lock_guard lock(mutex_);
  record(blank.serial).where = rejected ? "reject_box" : "hopper";
}

void VpcdChipSlot::setError(const std::string& serial, const std::string& message) {
  std::lock_guard lock(mutex_);
  records_[serial].error = message;
}

// Carries out the queue in order. A remove starts the reader's empty time; an
// insert waits until that time has lasted min_absent.
void VpcdChipSlot::run() {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> empty_since;
  std::unique_lock lock(mutex_);
  for (;;) {
    busy_ = false;
    changed_.notify_all();
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Operation op = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;

    if (op.insert && empty_since) {
      const auto until = *empty_since + options_.min_absent;
      changed_.wait_until(lock, until, [&] { return stopping_; });
      if (stopping_) return;
    }
    lock.unlock();
    if (op.insert) {
      if (auto inserted = backend_->insert(op.chip_serial); !inserted) {
        setError(op.serial, "the chip of card " + op.serial +
                                " could not join the reader: " + inserted.error().message);
      } else {
        setError(op.serial, "");  // A later success clears an earlier failure.
      }
    } else {
      backend_->remove(op.chip_serial);
      empty_since = Clock::now();
    }
    lock.lock();
  }
}

bool VpcdChipSlot::waitIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return stopping_ || (queue_.empty() && !busy_); });
}

std::optional<ChipSlotReport> VpcdChipSlot::report() const {
  ChipSlotReport out;
  out.applet = options_.applet;
  out.vpcd = options_.vpcd;
  std::lock_guard lock(mutex_);
  for (const auto& [serial, r] : records_) {
    // Lifecycle and digests are recomputed only when the chip changed.
    const std::uint64_t generation = backend_->stateGeneration(r.chip_serial);
    if (!r.cached || r.cached_generation != generation) {
      ChipCardReport digest;
      if (auto state = backend_->exportState(r.chip_serial)) {
        if (auto st = describeChipState(*state, digest); !st) {
          digest.error = "the chip state cannot be read: " + st.error().message;
        }
      }
      r.cached = std::move(digest);
      r.cached_generation = generation;
    }
    ChipCardReport card = *r.cached;
    card.serial = serial;
    card.chip_serial = applets::toHex(r.chip_serial);
    card.where = r.where;
    card.at_station = r.at_station;
    card.linked = backend_->isLinked(r.chip_serial);
    if (!r.error.empty()) card.error = r.error;
    out.cards.push_back(std::move(card));
  }
  return out;
}

// ---- Construction from options ------------------------------------------------------

Result<std::unique_ptr<VpcdChipSlot>> makeVpcdChipSlot(const ChipConfig& config) {
  if (config.vpcd_host.empty() || config.applet == "none") {
    return std::unique_ptr<VpcdChipSlot>();
  }
  auto kind = eid::parseAppletKind(config.applet);
  if (!kind) {
    return Error(ErrorCode::InvalidArgument, "emulator: --chip-applet must be eid, jmrtd or none");
  }
  Bytes master;
  if (!config.master_key_file.empty()) {
    auto key = readChipMasterKey(config.master_key_file);
    if (!key) return std::move(key).error();
    master = std::move(key).value();
  } else if (*kind == eid::AppletKind::Eid) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: e-ID chips need --chip-master-key FILE (the station's SCP03 master "
                 "key as hex, mode 0600)");
  } else {
    master.assign(16, 0x00);  // JMRTD chips have no SCP03 keys; the factory wants one anyway.
  }
  auto factory = eid::VirtualChipFactory::create(std::move(master));
  if (!factory) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: cannot make virtual chips: " + factory.error().message);
  }
  applets::virtual_chip::VpcdEndpoint endpoint;
  endpoint.host = config.vpcd_host;
  endpoint.port = config.vpcd_port;
  ChipSlotOptions options;
  options.applet = config.applet;
  options.vpcd = config.vpcd_host + ":" + std::to_string(config.vpcd_port);
  options.min_absent = config.min_absent;
  return std::make_unique<VpcdChipSlot>(
      std::make_unique<CatalogueChipBackend>(std::move(factory).value(), *kind, endpoint),
      std::move(options));
}

}  // namespace cardd::emulator
