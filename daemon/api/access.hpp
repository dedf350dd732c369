#pragma once
// Who is on the other end of a connection, and what they may do. Identity
// comes from SO_PEERCRED (the kernel's word, not the client's); roles come
// from the config's user and group lists. uid 0 is always admin.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "jobs/job.hpp"

namespace cardd::api {

using RoleSet = std::uint8_t;  // bits of cardd::Role

struct Peer {
  Actor actor;  // uid and user name
  gid_t gid = 0;
  pid_t pid = 0;
  RoleSet roles = 0;
  bool has(Role r) const { return (roles & static_cast<RoleSet>(r)) != 0; }
  bool hasAny(RoleSet set) const { return (roles & set) != 0; }
};

// What a request needs. Each permission lists the roles that grant it.
enum class Permission {
  SubmitJob,           // operator, supervisor, admin
  ReadJobs,            // operator (own jobs), supervisor, admin
  CancelJob,           // operator (own jobs), supervisor, admin
  HoldJob,             // supervisor, admin (hold and release)
  ReadEvents,          // any role (operators: own jobs only)
  ReadAudit,           // supervisor, admin
  ReadInventory,       // any role
  ReceiveBlanks,       // supervisor, admin (lots arriving, stock-takes)
  LoadFeeder,          // operator, technician, supervisor, admin (loads, unloads)
  DestroyCards,        // technician, supervisor, admin (asks for a destruction)
  WitnessDestruction,  // any role, and a different person from who asked
  ReadPrinters,        // any role
  ControlPrinters,     // technician, supervisor, admin (pause and resume a printer)
  ConfirmIssue,        // operator (own jobs), supervisor, admin (was the card in the hopper?)
  ReadHealth,         // technician, supervisor, admin (fault log, wear, forecasts, maintenance log)
  ReadAlerts,         // any role
  RecordMaintenance,  // technician, admin (cleaning, printhead/reader replaced, ribbon loaded)
  AcknowledgeAlert,   // technician, supervisor, admin
};

RoleSet rolesFor(Permission p);
// Roles that see every job rather than only their own.
inline constexpr RoleSet kSeesAllJobs =
    static_cast<RoleSet>(Role::Supervisor) | static_cast<RoleSet>(Role::Admin);

std::vector<std::string> roleNames(RoleSet set);
std::string joinRoleNames(RoleSet set);

// Maps uids to roles per the config. Resolves group names once, at
// construction (so on start-up and on SIGHUP). Not thread-safe; used on the loop.
class AccessResolver {
 public:
  explicit AccessResolver(const AccessConfig& config);

  // Identity of a uid/gid as seen by the kernel: user name, groups, roles.
  Peer resolve(uid_t uid, gid_t gid, pid_t pid) const;

 private:
  struct Grant {
    Role role;
    std::vector<uid_t> uids;
    std::vector<std::string> user_names;
    std::vector<gid_t> gids;
  };
  std::vector<Grant> grants_;
};

// Reads SO_PEERCRED from a connected unix socket; false on failure.
bool peerCredentials(int fd, uid_t& uid, gid_t& gid, pid_t& pid);

}  // namespace cardd::api
