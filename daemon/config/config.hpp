#pragma once
// The daemon's configuration, as loaded from cardd.yaml. Plain data: loading
// and validation live in config_loader.hpp. Copyable, so SIGHUP can swap a new
// snapshot in on the event loop.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/person_schema.hpp"
#include "core/log.hpp"

namespace cardd {

// Roles a peer can hold; a peer may hold several.
enum class Role : std::uint8_t { Operator = 1, Supervisor = 2, Technician = 4, Admin = 8 };

struct ApiLimits {
  std::size_t max_body_bytes = 4 * 1024 * 1024;       // larger bodies: 413
  std::size_t max_header_bytes = 16 * 1024;           // larger header blocks: 431
  std::chrono::milliseconds request_timeout{30'000};  // a started request must finish: 408
  std::chrono::milliseconds idle_timeout{120'000};    // an idle keep-alive connection is closed
  std::size_t max_connections = 64;                   // one more: 503
  std::size_t max_pipeline = 32;                      // requests read ahead per connection
};

struct ApiConfig {
  std::string socket_path = "/run/cardd/api.sock";
  unsigned socket_mode = 0660;
  std::string socket_group;  // empty: leave the group as created
  ApiLimits limits;
};

// Who holds a role: unix user names (or "#UID") and group names (or "#GID").
struct RoleGrant {
  std::vector<std::string> users;
  std::vector<std::string> groups;
};

struct AccessConfig {
  std::map<Role, RoleGrant> grants;
};

struct JobsConfig {
  std::string person_schema_path;  // resolved against the config file's folder
  std::shared_ptr<const PersonSchema> person_schema;
  std::string templates_dir;  // resolved against the config file's folder
  std::vector<std::string> templates{"ektp-specimen"};
  std::vector<std::string> profiles{"cardd-eid"};
  std::size_t max_photo_bytes = 256 * 1024;       // decoded bytes
  std::size_t max_fingerprint_bytes = 16 * 1024;  // decoded bytes, per template
  std::size_t max_fingerprints = 10;
  int default_priority = 50;
};

struct Config {
  std::string source_path;  // the file it came from
  std::string station_name = "cardd station";
  std::string state_dir = "/var/lib/cardd";
  log::Level log_level = log::Level::Info;
  ApiConfig api;
  AccessConfig access;
  JobsConfig jobs;
};

const char* roleName(Role role);

}  // namespace cardd
