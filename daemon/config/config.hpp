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
  // Wear limits (health/forecast.hpp WearLimits) and duty cycle
  // (health/duty_governor.hpp DutyCycle).
  std::int64_t cleaning_interval_cards = 700;  // the maker's cleaning interval; 0: none
  std::int64_t printhead_rated_passes = 0;     // rated printhead life in panels; 0: unknown
  int duty_cards_per_hour = 0;                 // 0: not paced
  int duty_burst = 3;                          // cards back to back after a rest
  std::chrono::minutes duty_run{0};            // continuous printing before a rest; 0: none
  std::chrono::minutes duty_rest{0};           // length of that rest
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

// A command run for each alert raised, escalated or cleared, with the alert
// as JSON on its stdin (health/alert_hooks.hpp).
struct AlertHookConfig {
  std::vector<std::string> command;           // argv; [0] an absolute path
  std::string min_severity = "warning";       // "info" | "warning" | "critical"
  std::chrono::milliseconds timeout{10'000};  // killed after this
};

// Alert thresholds (health/alert_rules.hpp AlertRules); 0 turns a rule off.
struct AlertRulesConfig {
  std::int64_t blank_stock_warning = 200;  // blanks on hand (stock + feeders) at or below
  std::int64_t blank_stock_critical = 50;
  bool blank_forecast = true;                // days of supply under health.lead_time_days
  std::int64_t feeder_low = 10;              // cards in a feeder at or below
  std::int64_t ribbon_low = 20;              // prints left at or below
  std::int64_t cleaning_due_margin = 50;     // warn this many cards before the interval
  double printhead_end_of_life = 0.9;        // fraction of the rated passes
  double reader_failure_rate = 0.10;         // rolling chip failure rate at or above...
  std::int64_t reader_min_cards = 20;        // ...over at least this many cards
  std::chrono::minutes printer_faulted{15};  // an -error condition lasting longer
  bool ledger_imbalance = true;
  std::int64_t outbox_backlog = 1000;  // messages waiting upstream at or above
};

// Device health: forecasts, alert rules and their delivery.
struct HealthConfig {
  int lead_time_days = 21;        // how long a blank re-supply takes to arrive
  int forecast_window_days = 28;  // consumption history the forecast uses
  std::chrono::milliseconds evaluate_interval{30'000};  // alert rules are checked this often
  std::chrono::milliseconds clear_after{300'000};  // a condition must be gone this long to clear
  AlertRulesConfig rules;
  std::vector<AlertHookConfig> hooks;
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
  HealthConfig health;
};

const char* roleName(Role role);

}  // namespace cardd
