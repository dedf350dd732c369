#pragma once
// CarddHttpTarget: submits card jobs to cardd, HTTP/1.1 POST /v1/jobs with a
// JSON body on a unix stream socket (docs/api/openapi.yaml). Each request
// carries the same job body except for its idempotency_key, so every request
// creates a new job (201) unless keys are deliberately shared.

#include <memory>
#include <string>

#include "core/result.hpp"
#include "target.hpp"

namespace cardd::bench {

enum class KeyMode {
  Unique,  // "idempotency_key": "<prefix><index>", a new job per request (201)
  Same,    // one key for all requests: the first creates (201), the rest replay (200)
  Keep,    // leave the body as it is in the job file (with or without a key)
};

struct CarddHttpOptions {
  std::string socket_path;
  std::string job_json;  // the body template: a JSON object
  KeyMode keys = KeyMode::Unique;
  std::string key_prefix;  // e.g. "bench-<run>-"
  std::string path = "/v1/jobs";
};

class CarddHttpTarget final : public Target {
 public:
  // Fails on a body that is not a JSON object or a socket path that is too long.
  static Result<std::unique_ptr<CarddHttpTarget>> create(const CarddHttpOptions& options);

  std::string describe() const override;
  Result<int> connect() override;
  void appendRequest(std::uint64_t index, std::string& out) override;
  std::unique_ptr<ResponseReader> newReader() const override;

  // Body size of request `index` (for reports).
  std::size_t bodySize(std::uint64_t index) const;

 private:
  explicit CarddHttpTarget(CarddHttpOptions options) : options_(std::move(options)) {}

  CarddHttpOptions options_;
  std::string head_;         // request line and headers up to "Content-Length: "
  std::string body_prefix_;  // body up to the key's value (inside the quotes)
  std::string body_suffix_;  // body after the key's value
  bool per_index_key_ = false;
};

}  // namespace cardd::bench
