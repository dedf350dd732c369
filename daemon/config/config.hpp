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

// One card printer of the station and the PC/SC reader of its inline
// encoder. The station worker of the printer uses both; the config ties them.
struct PrinterConfig {
  std::string id;      // "P1": letters, digits, '.', '_', '-'; 1..32 characters
  std::string uri;     // "tcp://127.0.0.1:9100" | "usb://0f49:ffff" | "usb://0f49:ffff/SERIAL"
  std::string family;  // "evolis"; empty: from the quirks file by USB id (tcp: evolis)
  std::string reader;  // PC/SC reader name of the contact encoder; empty: no encoder
  std::string ribbon = "ymcko";         // ribbon type loaded (dispatch matches templates to it)
  std::string card_stock = "pvc-chip";  // card stock in the feeder
  std::chrono::milliseconds status_interval{2000};  // status poll while idle or faulted
  std::chrono::milliseconds card_wait{10'000};  // how long the reader may take to see a fed card
  bool enabled = true;  // false: configured but not driven (kept in reports)
};

// A document signer for EF.SOD: a PEM key + certificate, or a PKCS#11 key.
struct SignerConfig {
  std::string certificate;    // PEM (resolved against the config folder)
  std::string key;            // PEM private key, mode 0600; empty when pkcs11_module is set
  std::string pkcs11_module;  // e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string pkcs11_token;   // token label
  std::string pkcs11_key_label;
  std::string pkcs11_pin_file;  // mode 0600
};

// A master key set for per-card SCP03 / access keys: a hex file, or PKCS#11.
struct KeySetConfig {
  std::string file;  // hex, mode 0600
  std::string pkcs11_module;
  std::string pkcs11_token;
  std::string pkcs11_key_label;
  std::string pkcs11_pin_file;
};

// How cards are issued: chip profiles, keys, retries.
struct IssuanceConfig {
  int max_attempts = 3;  // card-level failures per job before it is aborted (1..10)
  // Job profile id (jobs.profiles) -> profile YAML file (applets/profiles/*.yaml).
  std::map<std::string, std::string> profiles;
  std::map<std::string, SignerConfig> signers;   // by the id profiles name (sod.signer)
  std::map<std::string, KeySetConfig> key_sets;  // by the id profiles name (channel.key_set)
  std::string csca;                              // trust anchors PEM for the verify step
  bool encode_ahead = true;  // prepare (render, build, sign) the next card while one prints
};

struct Config {
  std::string source_path;  // the file it came from
  std::string station_name = "cardd station";
  std::string state_dir = "/var/lib/cardd";
  log::Level log_level = log::Level::Info;
  ApiConfig api;
  AccessConfig access;
  JobsConfig jobs;
  IssuanceConfig issuance;
  std::vector<PrinterConfig> printers;  // empty: cardd queues jobs but prints nothing
};

const char* roleName(Role role);

}  // namespace cardd
