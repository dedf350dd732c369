#include "store/audit_log.hpp"

#include <gcrypt.h>

namespace cardd {
namespace {

// Each field is length-prefixed so that no two different rows share a
// canonical form.
void addField(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

// SHA-256 through libgcrypt: libsystemd already maps it into the process,
// so the audit chain costs no further library (idle RSS is a target).
std::string sha256Hex(const std::string& data) {
  static const bool ready = [] {
    gcry_check_version(nullptr);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    return true;
  }();
  (void)ready;
  unsigned char md[32];
  gcry_md_hash_buffer(GCRY_MD_SHA256, md, data.data(), data.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char b : md) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

AuditEntry readEntry(const Statement& st) {
  AuditEntry e;
  e.id = st.columnInt(0);
  e.at_ms = st.columnInt(1);
  e.uid = st.columnInt(2);
  e.user = st.columnText(3);
  e.roles = st.columnText(4);
  e.action = st.columnText(5);
  e.target = st.columnText(6);
  e.detail = st.columnText(7);
  e.prev_hash = st.columnText(8);
  e.hash = st.columnText(9);
  return e;
}

constexpr const char* kColumns =
    "id, at, uid, user, roles, action, target, detail, prev_hash, hash";

}  // namespace

std::string AuditLog::chainHash(const AuditEntry& e) {
  std::string canon;
  addField(canon, e.prev_hash);
  addField(canon, std::to_string(e.id));
  addField(canon, std::to_string(e.at_ms));
  addField(canon, std::to_string(e.uid));
  addField(canon, e.user);
  addField(canon, e.roles);
  addField(canon, e.action);
  addField(canon, e.target);
  addField(canon, e.detail);
  return sha256Hex(canon);
}

Result<AuditEntry> AuditLog::append(AuditEntry e) {
  auto last = db_.prepare("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
  if (!last) return std::move(last).error();
  auto row = last->step();
  if (!row) return std::move(row).error();
  e.prev_hash = *row ? last->columnText(1) : kAuditGenesisHash;
  last->reset();
  // AUTOINCREMENT ids are max(ever used)+1; read it so the hash can cover the id.
  auto next = db_.queryInt(
      "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit'), 0) + 1");
  if (!next) return std::move(next).error();
  e.id = *next;
  e.at_ms = clock_.nowMs();
  e.hash = chainHash(e);
  auto ins = db_.prepare(
      "INSERT INTO audit (id, at, uid, user, roles, action, target, detail, prev_hash, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return std::move(ins).error();
  ins->bind(1, e.id)
      .bind(2, e.at_ms)
      .bind(3, e.uid)
      .bind(4, e.user)
      .bind(5, e.roles)
      .bind(6, e.action);
  ins->bind(7, e.target).bind(8, e.detail).bind(9, e.prev_hash).bind(10, e.hash);
  if (auto r = ins->run(); !r) return std::move(r).error();
  return e;
}

Result<std::vector<AuditEntry>> AuditLog::list(std::int64_t after_id, int limit) {
  auto st = db_.prepare(std::string("SELECT ") + kColumns +
                        " FROM audit WHERE id > ? ORDER BY id LIMIT ?");
  if (!st) return std::move(st).error();
  st->bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
  return st->collect<AuditEntry>(readEntry);
}

Result<AuditVerdict> AuditLog::verify() {
  auto st = db_.prepare(std::string("SELECT ") + kColumns + " FROM audit ORDER BY id");
  if (!st) return std::move(st).error();
  AuditVerdict v;
  std::string expected_prev = kAuditGenesisHash;
  for (;;) {
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    const AuditEntry e = readEntry(*st);
    ++v.entries;
    if (!v.ok) continue;  // keep counting
    if (e.prev_hash != expected_prev) {
      v.ok = false;
      v.first_bad_id = e.id;
      v.problem =
          "entry " + std::to_string(e.id) +
          " does not follow the entry before it (an entry was removed, inserted or reordered)";
    } else if (chainHash(e) != e.hash) {
      v.ok = false;
      v.first_bad_id = e.id;
      v.problem =
          "entry " + std::to_string(e.id) + " was altered after it was written (hash mismatch)";
    }
    expected_prev = e.hash;
  }
  st->reset();
  return v;
}

}  // namespace cardd
