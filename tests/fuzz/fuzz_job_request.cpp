// Fuzzes the POST /v1/jobs body parser and validator with the e-KTP schema.
#include "fuzz_target.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config_loader.hpp"
#include "jobs/job_request.hpp"

namespace {
const cardd::JobsConfig& jobsConfig() {
  static const cardd::JobsConfig cfg = [] {
    auto r = cardd::loadConfigFile(std::string(CARDD_SOURCE_DIR) + "/config/cardd.yaml");
    if (!r.ok()) std::abort();
    return r.config.jobs;
  }();
  return cfg;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto r = cardd::parseJobRequest(body, jobsConfig());
  // Invariants: a refusal always says why; an acceptance is within limits.
  if (!r.ok()) {
    if (r.error().message.empty()) std::abort();
    if (r.error().code == cardd::ErrorCode::ValidationFailed && r.error().fields.empty())
      std::abort();
  } else if (r->priority < 1 || r->priority > 100 || r->payload.empty()) {
    std::abort();
  }
  return 0;
}
