#include "personaliser.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "apdu/status_word.hpp"
#include "content.hpp"
#include "secure_channel.hpp"
#include "tlv/tlv_node.hpp"
#include "tlv/tlv_reader.hpp"

namespace cardd::applets::personalisation {
namespace {

using apdu::CommandApdu;
using apdu::ResponseApdu;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxShortOffset = 0x7FFF;

/* Counts the APDUs that really go to the card. */
class CountingChannel final : public apdu::ApduChannel {
 public:
  explicit CountingChannel(apdu::ApduChannel& inner) : inner_(inner) {}
  Result<ResponseApdu> transmit(const CommandApdu& command) override {
    ++count_;
    return inner_.transmit(command);
  }
  std::size_t maxCommandData() const override { return inner_.maxCommandData(); }
  std::size_t maxResponseData() const override { return inner_.maxResponseData(); }
  std::string describe() const override { return inner_.describe(); }
  std::size_t count() const { return count_; }

 private:
  apdu::ApduChannel& inner_;
  std::size_t count_ = 0;
};

Error stepError(const std::string& step, const Error& e) {
  return Error{e.code, step + ": " + e.message};
}

Bytes u16(std::size_t v) {
  return {static_cast<std::uint8_t>((v >> 8) & 0xFF), static_cast<std::uint8_t>(v & 0xFF)};
}

std::string fidText(std::uint16_t fid) {
  return toHex(u16(fid));
}

std::string signerSubject(const signing::Signer& signer) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(signer.certificate()), buf, sizeof buf);
  return buf;
}

/* Step 1: every file, the LDSSecurityObject and the signed EF.SOD (last). */
Result<PreparedCard> prepareCard(const Profile& profile, const CardSubject& subject,
                                 const SigningContext& signing) {
  const auto start = Clock::now();
  auto signerIt = signing.signers.find(profile.sod.signer);
  if (signerIt == signing.signers.end() || signerIt->second == nullptr) {
    return Error{ErrorCode::NotFound,
                 "no document signer '" + profile.sod.signer + "' is configured"};
  }
  if (signing.trustAnchors == nullptr || signing.trustAnchors->certificates.empty()) {
    return Error{ErrorCode::NotFound, "no CSCA certificate is configured to verify EF.SOD"};
  }
  PreparedCard card;
  auto files = buildFiles(profile, subject);
  if (!files) return std::move(files).error();
  card.files = std::move(files).value();
  auto object = securityObjectFor(card.files, profile.sod.options.digest);
  if (!object) return std::move(object).error();
  card.object = std::move(object).value();
  auto sod = signing.sodBuilders
                 ? signing.sodBuilders->build(*signerIt->second, profile.sod.options, card.object)
                 : signing::buildSod(card.object, *signerIt->second, profile.sod.options);
  if (!sod) return std::move(sod).error();
  const FileSpec* sodSpec = profile.findFile("EF.SOD");
  auto size = fileSizeFor(profile, *sodSpec, sod->size());
  if (!size) return std::move(size).error();
  card.files.push_back({sodSpec, std::move(sod).value(), *size});
  card.signer = signerSubject(*signerIt->second);
  card.buildTime = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  return card;
}

/* One personalisation run: the channel in use, the step being run, and the
   report being filled. */
class Run {
 public:
  /* `card`: the content made by prepareCard(), or null to build it here
     (timed as the "build" step). */
  Run(apdu::ApduChannel& channel, const Profile& profile, const CardSubject* subject,
      const PreparedCard* card, const SigningContext& signing, const PersonaliserOptions& options)
      : counting_(channel),
        channel_(&counting_),
        profile_(profile),
        subject_(subject),
        signing_(signing),
        options_(options) {
    if (card != nullptr) {
      files_ = card->files;
      object_ = card->object;
      report_.signer = card->signer;
      report_.steps.push_back({"build", card->buildTime});
    }
  }

  Result<PersonalisationReport> execute() {
    Status st = Ok{};
    if (subject_ != nullptr) st = timed("build", [&] { return build(); });
    if (st) st = timed("select", [&] { return select(); });
    if (st && eid()) st = timed("serial", [&] { return readSerial(); });
    if (st && profile_.channel == ChannelType::Scp03) {
      st = timed("channel", [&] { return openChannel(); });
    }
    if (st) st = timed("write", [&] { return writeAll(); });
    if (st) st = timed("verify", [&] { return verifyAll(); });
    if (st) st = timed("lock", [&] { return lock(); });
    report_.apduCount = counting_.count();
    if (!st) return std::move(st).error();
    return std::move(report_);
  }

 private:
  bool eid() const { return profile_.applet == AppletType::CarddEid; }
  /* Class byte of the commands: cardd-eid's channel commands use the
     proprietary class 80 (84 once wrapped); JMRTD takes ISO class 00. */
  std::uint8_t cla() const { return eid() ? 0x80 : 0x00; }

  template <typename F>
  Status timed(const std::string& step, F&& body) {
    const auto start = Clock::now();
    Status st = body();
    report_.steps.push_back(
        {step, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start)});
    if (!st) return stepError(step, st.error());
    return Ok{};
  }

  Result<ResponseApdu> send(const CommandApdu& command) { return channel_->transmit(command); }

  /* Sends and requires 9000 (or one of `alsoOk`). */
  Result<ResponseApdu> expect(const CommandApdu& command, const std::string& what,
                              std::uint16_t alsoOk = apdu::sw::kOk) {
    auto r = send(command);
    if (!r) return Error{r.error().code, what + ": " + r.error().message};
    if (r->sw != apdu::sw::kOk && r->sw != alsoOk) {
      return Error{ErrorCode::Unavailable, what + " answered " + apdu::describeStatusWord(r->sw)};
    }
    return r;
  }

  Status build() {
    auto card = prepareCard(profile_, *subject_, signing_);
    if (!card) return std::move(card).error();
    files_ = std::move(card->files);
    object_ = std::move(card->object);
    report_.signer = std::move(card->signer);
    return Ok{};
  }

  Status select() {
    auto r = expect({0x00, 0xA4, 0x04, 0x0C, profile_.aid, 0}, "SELECT of the applet");
    if (!r) return std::move(r).error();
    return Ok{};
  }

  Status readSerial() {
    auto r = expect({0x00, 0xCA, 0x00, 0x5A, {}, 256}, "GET DATA (chip serial)");
    if (!r) return std::move(r).error();
    if (r->data.size() != 8) {
      return Error{ErrorCode::InvalidArgument, "the chip serial is not 8 bytes"};
    }
    serial_ = r->data;
    report_.chipSerial = toHex(serial_);
    return Ok{};
  }

  Status openChannel() {
    auto master = signing_.keySets.find(profile_.keySet);
    if (master == signing_.keySets.end() || master->second == nullptr) {
      return Error{ErrorCode::NotFound,
                   "no master key set '" + profile_.keySet + "' is configured"};
    }
    Scp03Params params;
    params.master = master->second;
    params.keySetName = profile_.keySet;
    params.keyVersion = profile_.keyVersion;
    params.level = profile_.securityLevel;
    params.hostChallenge = options_.hostChallenge;
    if (!serial_.empty()) {
      params.expectedKdd = {0x00, 0x00};
      append(params.expectedKdd, serial_);
    }
    auto channel = openScp03(counting_, params);
    if (!channel) return std::move(channel).error();
    secure_.emplace(std::move(channel).value());
    channel_ = &*secure_;
    kdd_ = params.expectedKdd;
    return Ok{};
  }

  std::size_t maxWrite() const {
    std::size_t max = channel_->maxCommandData();
    if (profile_.maxChunk != 0) max = std::min(max, profile_.maxChunk);
    return max;
  }

  Status createFile(const BuiltFile& file) {
    const auto fid = file.spec->fid;
    CommandApdu create{cla(), 0xE0, 0x00, 0x00, {}, 0};
    if (eid()) {
      auto fcp = tlv::TlvNode::constructed(0x62, {tlv::TlvNode::primitive(0x80, u16(file.fileSize)),
                                                  tlv::TlvNode::primitive(0x82, {0x01}),
                                                  tlv::TlvNode::primitive(0x83, u16(fid))})
                     .encode();
      if (!fcp) return std::move(fcp).error();
      create.data = std::move(fcp).value();
    } else {
      create.data = {0x63, 0x04};
      append(create.data, u16(file.fileSize));
      append(create.data, u16(fid));
    }
    auto r = expect(create, "CREATE FILE " + fidText(fid) + " (" + file.spec->name + ", " +
                                std::to_string(file.fileSize) + " bytes)");
    if (!r) return std::move(r).error();
    /* cardd-eid makes the new EF current; JMRTD needs a SELECT. */
    if (!eid()) return selectFile(*file.spec);
    return Ok{};
  }

  Status selectFile(const FileSpec& spec) {
    auto r = expect({cla(), 0xA4, 0x02, 0x0C, u16(spec.fid), 0},
                    "SELECT " + fidText(spec.fid) + " (" + spec.name + ")");
    if (!r) return std::move(r).error();
    return Ok{};
  }

  Status writeFile(const BuiltFile& file) {
    auto st = createFile(file);
    if (!st) return st;
    const Bytes& content = file.content;
    const std::string what = "UPDATE BINARY of " + file.spec->name;
    std::size_t offset = 0;
    while (offset < content.size()) {
      const std::size_t remaining = content.size() - offset;
      CommandApdu update{cla(), 0xD6, 0x00, 0x00, {}, 0};
      std::size_t chunk = 0;
      if (offset <= kMaxShortOffset) {
        chunk = std::min(remaining, maxWrite());
        update.p1 = static_cast<std::uint8_t>(offset >> 8);
        update.p2 = static_cast<std::uint8_t>(offset & 0xFF);
        update.data.assign(content.begin() + static_cast<std::ptrdiff_t>(offset),
                           content.begin() + static_cast<std::ptrdiff_t>(offset + chunk));
      } else {
        /* Odd INS: offset DO 54, data DO 53 (at most 8 bytes of headers). */
        if (!eid()) {
          return Error{ErrorCode::InvalidArgument,
                       file.spec->name + " is larger than the jmrtd applet can address (32767)"};
        }
        if (maxWrite() <= 8) return Error{ErrorCode::InvalidArgument, "the channel is too small"};
        chunk = std::min(remaining, maxWrite() - 8);
        auto body = tlv::encodeSequence(
            {tlv::TlvNode::primitive(0x54, u16(offset)),
             tlv::TlvNode::primitive(
                 0x53, Bytes(content.begin() + static_cast<std::ptrdiff_t>(offset),
                             content.begin() + static_cast<std::ptrdiff_t>(offset + chunk)))});
        if (!body) return std::move(body).error();
        update.ins = 0xD7;
        update.data = std::move(body).value();
      }
      if (chunk == 0) return Error{ErrorCode::InvalidArgument, "the channel carries no data"};
      auto r = expect(update, what + " at offset " + std::to_string(offset));
      if (!r) return std::move(r).error();
      offset += chunk;
    }
    report_.bytesWritten += content.size();
    report_.files.push_back({file.spec->name, file.spec->fid, content.size(), file.fileSize});
    return Ok{};
  }

  Status writeAll() {
    for (const auto& file : files_) {
      auto st = writeFile(file);
      if (!st) return st;
    }
    return Ok{};
  }

  /* Reads `size` bytes of the current EF. */
  Result<Bytes> readFile(const FileSpec& spec, std::size_t size) {
    Bytes out;
    const std::string what = "READ BINARY of " + spec.name;
    const std::size_t maxRead = channel_->maxResponseData();
    while (out.size() < size) {
      const std::size_t offset = out.size();
      const std::size_t remaining = size - offset;
      CommandApdu read{cla(), 0xB0, 0x00, 0x00, {}, 0};
      bool odd = false;
      if (offset <= kMaxShortOffset) {
        read.p1 = static_cast<std::uint8_t>(offset >> 8);
        read.p2 = static_cast<std::uint8_t>(offset & 0xFF);
        read.ne = std::min(remaining, maxRead);
      } else {
        if (maxRead <= 4) return Error{ErrorCode::InvalidArgument, "the channel is too small"};
        odd = true;
        read.ins = 0xB1;
        auto body = tlv::encodeTlv(0x54, u16(offset));
        if (!body) return std::move(body).error();
        read.data = std::move(body).value();
        read.ne = std::min(remaining, maxRead - 4) + 4;
      }
      auto r = expect(read, what + " at offset " + std::to_string(offset), apdu::sw::kEndOfFile);
      if (!r) return std::move(r).error();
      Bytes data = std::move(r->data);
      if (odd) {
        auto object = tlv::decodeSingle(data);
        if (!object || object->tag != 0x53) {
          return Error{ErrorCode::InvalidArgument, what + " returned no data object 53"};
        }
        data.assign(object->value.begin(), object->value.end());
      }
      if (data.empty()) {
        return Error{ErrorCode::IntegrityCheckFailed,
                     spec.name + " read back is shorter than what was written"};
      }
      const std::size_t take = std::min(data.size(), remaining);
      out.insert(out.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    }
    return out;
  }

  Status verifyAll() {
    std::map<int, Bytes> readBack;
    Bytes sodBack;
    for (const auto& file : files_) {
      auto st = selectFile(*file.spec);
      if (!st) return st;
      auto data = readFile(*file.spec, file.content.size());
      if (!data) return std::move(data).error();
      /* Byte for byte (cheaper than hashing both sides, the same verdict). */
      if (!constantTimeEqual(file.content, *data)) {
        return Error{ErrorCode::IntegrityCheckFailed,
                     file.spec->name + " read back differs from what was written"};
      }
      if (file.spec->content == ContentKind::Sod) {
        sodBack = std::move(data).value();
      } else if (file.spec->dataGroup != 0) {
        readBack[file.spec->dataGroup] = std::move(data).value();
      }
    }

    /* EF.SOD as the chip holds it: signature, chain, and the hashes of the
       data groups as the chip holds them. */
    auto verified = signing::verifySod(sodBack, *signing_.trustAnchors);
    if (!verified) {
      return Error{verified.error().code,
                   "EF.SOD read back does not verify: " + verified.error().message};
    }
    const auto& object = verified->object;
    if (object.algorithm != profile_.sod.options.digest) {
      return Error{ErrorCode::IntegrityCheckFailed, "EF.SOD uses another hash algorithm"};
    }
    if (object.hashes.size() != readBack.size()) {
      return Error{ErrorCode::IntegrityCheckFailed,
                   "EF.SOD lists " + std::to_string(object.hashes.size()) +
                       " data groups but the chip holds " + std::to_string(readBack.size())};
    }
    /* Each data group read back equals what was written (checked above),
       so its hash is the one computed for it in the build step. */
    for (const auto& entry : readBack) {
      const int number = entry.first;
      const auto* expected = object.find(number);
      const auto* actual = object_.find(number);
      if (expected == nullptr || actual == nullptr ||
          !constantTimeEqual(expected->hash, actual->hash)) {
        return Error{ErrorCode::IntegrityCheckFailed, "the hash of DG" + std::to_string(number) +
                                                          " in EF.SOD does not match DG" +
                                                          std::to_string(number) + " read back"};
      }
    }
    return Ok{};
  }

  /* JMRTD's BAC seed: document number (9, with '<'), birth and expiry
     (YYMMDD) as they stand in the MRZ of DG1. */
  Result<Bytes> mrzSeed() const {
    for (const auto& file : files_) {
      if (file.spec->dataGroup != 1) continue;
      auto dg1 = tlv::decodeNode(file.content);
      const auto* mrz = dg1 ? dg1->find(lds::tag::kMrz) : nullptr;
      if (mrz == nullptr || mrz->value.size() != 90) break;
      const auto& m = mrz->value;
      auto part = [&](std::size_t from, std::size_t n) {
        return Bytes(m.begin() + static_cast<std::ptrdiff_t>(from),
                     m.begin() + static_cast<std::ptrdiff_t>(from + n));
      };
      return tlv::TlvNode::constructed(0x62, {tlv::TlvNode::primitive(0x04, part(5, 9)),
                                              tlv::TlvNode::primitive(0x04, part(30, 6)),
                                              tlv::TlvNode::primitive(0x04, part(38, 6))})
          .encode();
    }
    return Error{ErrorCode::InvalidArgument, "the MRZ seed needs a TD1 DG1"};
  }

  Status lock() {
    /* Access key first, then the lifecycle. */
    switch (profile_.accessKey.source) {
      case AccessKeySource::Derived: {
        auto source = signing_.keySets.find(profile_.accessKey.keySet);
        if (source == signing_.keySets.end() || source->second == nullptr) {
          return Error{ErrorCode::NotFound,
                       "no key set '" + profile_.accessKey.keySet + "' for the access key"};
        }
        auto key = source->second->diversify(profile_.accessKey.keyType, kdd_);
        if (!key) return std::move(key).error();
        auto r = expect({cla(), 0xDA, 0x00, 0x81, *key, 0}, "PUT DATA (access key)");
        OPENSSL_cleanse(key->data(), key->size());
        if (!r) return std::move(r).error();
        break;
      }
      case AccessKeySource::MrzSeed: {
        auto seed = mrzSeed();
        if (!seed) return std::move(seed).error();
        auto r = expect({0x00, 0xDA, 0x00, 0x62, *seed, 0}, "PUT DATA (BAC seed)");
        if (!r) return std::move(r).error();
        break;
      }
      case AccessKeySource::None:
        break;
    }
    if (eid()) {
      auto r = expect({cla(), 0xF0, 0x00, 0x01, {}, 0}, "SET STATUS personalised");
      if (r) r = expect({cla(), 0xF0, 0x00, 0x02, {}, 0}, "SET STATUS locked");
      if (!r) return std::move(r).error();
    } else {
      auto r = expect({0x00, 0xDA, 0xDE, 0xAD, {}, 0}, "PUT DATA DEAD (lock)");
      if (!r) return std::move(r).error();
    }
    report_.locked = true;
    return Ok{};
  }

  CountingChannel counting_;
  std::optional<SecureChannel> secure_;
  apdu::ApduChannel* channel_;
  const Profile& profile_;
  const CardSubject* subject_;  // null: the content was prepared before
  const SigningContext& signing_;
  const PersonaliserOptions& options_;
  std::vector<BuiltFile> files_;
  lds::LdsSecurityObject object_;  // the data-group hashes signed into EF.SOD
  Bytes serial_;
  Bytes kdd_;
  PersonalisationReport report_;
};

}  // namespace

struct SodBuilderCache::Entry {
  signing::PKeyPtr key;   // a reference: the address stays this key's
  signing::X509Ptr cert;  // likewise
  signing::SodOptions options;
  std::mutex mutex;  // one build() at a time
  std::optional<signing::SodBuilder> builder;
};

Result<Bytes> SodBuilderCache::build(const signing::Signer& signer,
                                     const signing::SodOptions& options,
                                     const lds::LdsSecurityObject& object) {
  EVP_PKEY* key = signer.privateKey();
  X509* cert = signer.certificate();
  auto same = [&](const Entry& e) {
    return e.key.get() == key && e.cert.get() == cert && e.options.digest == options.digest &&
           e.options.scheme == options.scheme && e.options.encoder == options.encoder;
  };
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mutex_);
    for (const auto& e : entries_) {
      if (same(*e)) entry = e;
    }
  }
  if (!entry) {
    auto builder = signing::SodBuilder::create(signer, options);
    if (!builder) return std::move(builder).error();
    if (!builder->direct()) return builder->build(object);  // needs the Signer: not kept
    auto made = std::make_shared<Entry>();
    EVP_PKEY_up_ref(key);
    made->key.reset(key);
    X509_up_ref(cert);
    made->cert.reset(cert);
    made->options = options;
    made->builder.emplace(std::move(builder).value());
    std::lock_guard lock(mutex_);
    /* A station has one or a few document signers; keep the latest few. */
    if (entries_.size() >= 8) entries_.erase(entries_.begin());
    entries_.push_back(made);
    entry = std::move(made);
  }
  std::lock_guard lock(entry->mutex);
  return entry->builder->build(object);
}

Result<PreparedCard> Personaliser::prepare(const Profile& profile, const CardSubject& subject,
                                           const SigningContext& signing) const {
  auto card = prepareCard(profile, subject, signing);
  if (!card) return stepError("build", card.error());
  return card;
}

Result<PersonalisationReport> Personaliser::run(apdu::ApduChannel& channel, const Profile& profile,
                                                const CardSubject& subject,
                                                const SigningContext& signing) {
  Run run(channel, profile, &subject, nullptr, signing, options_);
  return run.execute();
}

Result<PersonalisationReport> Personaliser::run(apdu::ApduChannel& channel, const Profile& profile,
                                                const PreparedCard& card,
                                                const SigningContext& signing) {
  Run run(channel, profile, nullptr, &card, signing, options_);
  return run.execute();
}

}  // namespace cardd::applets::personalisation
