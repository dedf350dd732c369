#include "api/access.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>

namespace cardd::api {
namespace {

constexpr RoleSet bit(Role r) {
  return static_cast<RoleSet>(r);
}

// "#123" -> 123
bool parseNumeric(const std::string& s, unsigned& out) {
  if (s.size() < 2 || s[0] != '#') return false;
  auto [p, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

RoleSet rolesFor(Permission p) {
  switch (p) {
    case Permission::SubmitJob:
    case Permission::ReadJobs:
    case Permission::CancelJob:
    case Permission::ConfirmIssue:
      return bit(Role::Operator) | bit(Role::Supervisor) | bit(Role::Admin);
    case Permission::RecordMaintenance:
      return bit(Role::Technician) | bit(Role::Admin);
    case Permission::HoldJob:
    case Permission::ReadAudit:
      return bit(Role::Supervisor) | bit(Role::Admin);
    case Permission::ReceiveBlanks:
      return bit(Role::Supervisor) | bit(Role::Admin);
    case Permission::LoadFeeder:
      return bit(Role::Operator) | bit(Role::Technician) | bit(Role::Supervisor) | bit(Role::Admin);
    case Permission::DestroyCards:
    case Permission::ControlPrinters:
    case Permission::ReadHealth:
    case Permission::AcknowledgeAlert:
      return bit(Role::Technician) | bit(Role::Supervisor) | bit(Role::Admin);
    case Permission::ReadInventory:
    case Permission::WitnessDestruction:
    case Permission::ReadEvents:
    case Permission::ReadPrinters:
    case Permission::ReadAlerts:
      return bit(Role::Operator) | bit(Role::Supervisor) | bit(Role::Technician) | bit(Role::Admin);
  }
  return bit(Role::Admin);
}

std::vector<std::string> roleNames(RoleSet set) {
  std::vector<std::string> out;
  for (Role r : {Role::Operator, Role::Supervisor, Role::Technician, Role::Admin}) {
    if ((set & bit(r)) != 0) out.emplace_back(roleName(r));
  }
  return out;
}

std::string joinRoleNames(RoleSet set) {
  std::string out;
  for (const auto& n : roleNames(set)) out += (out.empty() ? "" : " ") + n;
  return out;
}

AccessResolver::AccessResolver(const AccessConfig& config) {
  for (const auto& [role, grant] : config.grants) {
    Grant g{role, {}, {}, {}};
    for (const auto& u : grant.users) {
      unsigned n = 0;
      if (parseNumeric(u, n))
        g.uids.push_back(n);
      else
        g.user_names.push_back(u);
    }
    for (const auto& name : grant.groups) {
      unsigned n = 0;
      if (parseNumeric(name, n)) {
        g.gids.push_back(n);
      } else if (const group* gr = getgrnam(name.c_str());
                 gr != nullptr) {  // NOLINT(concurrency-mt-unsafe)
        g.gids.push_back(gr->gr_gid);
      }
      // An unknown group grants nothing (it may be created later: SIGHUP).
    }
    grants_.push_back(std::move(g));
  }
}

Peer AccessResolver::resolve(uid_t uid, gid_t gid, pid_t pid) const {
  Peer peer;
  peer.actor.uid = uid;
  peer.gid = gid;
  peer.pid = pid;

  std::vector<gid_t> groups{gid};
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    peer.actor.user = found->pw_name;
    int n = 64;
    std::vector<gid_t> list(static_cast<std::size_t>(n));
    if (getgrouplist(found->pw_name, found->pw_gid, list.data(), &n) == -1) {
      list.resize(static_cast<std::size_t>(n));
      getgrouplist(found->pw_name, found->pw_gid, list.data(), &n);
    }
    list.resize(static_cast<std::size_t>(std::max(n, 0)));
    groups.insert(groups.end(), list.begin(), list.end());
  } else {
    peer.actor.user = "#" + std::to_string(uid);
  }

  if (uid == 0) peer.roles |= bit(Role::Admin);
  for (const auto& g : grants_) {
    const bool by_uid = std::find(g.uids.begin(), g.uids.end(), uid) != g.uids.end();
    const bool by_name =
        std::find(g.user_names.begin(), g.user_names.end(), peer.actor.user) != g.user_names.end();
    const bool by_group = std::any_of(g.gids.begin(), g.gids.end(), [&](gid_t want) {
      return std::find(groups.begin(), groups.end(), want) != groups.end();
    });
    if (by_uid || by_name || by_group) peer.roles |= bit(g.role);
  }
  return peer;
}

bool peerCredentials(int fd, uid_t& uid, gid_t& gid, pid_t& pid) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
  uid = cred.uid;
  gid = cred.gid;
  pid = cred.pid;
  return true;
}

}  // namespace cardd::api
