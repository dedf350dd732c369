#pragma once
// A fixture for the API route tests, in-process: a fresh store in a temp
// folder (a committer on the writer connection, read stores on a reader
// connection), an ApiContext with no station and no health monitor, and
// Handlers over it. A test fixture derives from it, calls SetUp() first and
// then points ctx_->station / ctx_->health at its scripted fakes.
//
// request() runs the io_context until the answer comes (the committer answers
// from its own thread); it throws if none comes, which fails the test.

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/handlers.hpp"
#include "store/schema.hpp"
#include "store_test_util.hpp"

namespace cardd::api {

// The fixture clock's start: 2027-01-15T08:00:00Z.
inline constexpr std::int64_t kHandlerTestNow = 1'800'000'000'000;

class HandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto path = dir_.file("cardd.db");
    auto writer = openStore(path);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    committer_ =
        std::make_unique<StoreCommitter>(std::move(writer).value(), clock_, ioc_.get_executor(),
                                         [](const std::vector<JobEvent>&) {});
    auto reader = openStoreReader(path);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    reader_db_ = std::move(reader).value();
    jobs_ = std::make_unique<JobStore>(*reader_db_, clock_);
    audit_ = std::make_unique<AuditLog>(*reader_db_, clock_);
    ledger_ = std::make_unique<LedgerStore>(*reader_db_, clock_);
    attempts_ = std::make_unique<AttemptStore>(*reader_db_, clock_);
    ctx_ = std::make_unique<ApiContext>(
        ApiContext{ioc_, std::make_shared<const Config>(),
                   std::make_unique<AccessResolver>(AccessConfig{}), *committer_, *jobs_, *audit_,
                   *ledger_, hub_, clock_, nullptr, renderer_, *attempts_, nullptr});
    handlers_ = std::make_unique<Handlers>(*ctx_);
  }

  void TearDown() override {
    if (committer_) committer_->stop();
  }

  static Peer peer(Role role, std::int64_t uid = 1000, const std::string& user = "tech") {
    Peer p;
    p.actor = Actor{uid, user};
    p.roles = static_cast<RoleSet>(role);
    return p;
  }

  // One request; runs the loop until it is answered.
  HttpResponse request(const Peer& who, std::string_view method, std::string_view target,
                       std::string_view body = {},
                       std::string_view content_type = "application/json") {
    std::optional<HttpResponse> answer;
    HttpRequestView req;
    req.method = method;
    req.target = target;
    req.content_type = body.empty() ? "" : content_type;
    req.body = body;
    handlers_->handle(who, req, [&](HttpResponse r) { answer = std::move(r); });
    // The store committer answers from its thread: keep the loop waiting for it.
    auto guard = boost::asio::make_work_guard(ioc_);
    for (int i = 0; i < 1000 && !answer; ++i) {
      ioc_.run_for(std::chrono::milliseconds(10));
      ioc_.restart();
    }
    if (!answer) throw std::runtime_error("no answer to " + std::string(target));
    return *answer;
  }

  static boost::json::object body(const HttpResponse& r) {
    return boost::json::parse(r.body).as_object();
  }
  // The problem document's "detail", or "" without one.
  static std::string detail(const HttpResponse& r) {
    const auto b = body(r);
    return b.contains("detail") ? std::string(b.at("detail").as_string()) : "";
  }

  // An audit entry of a request refused for its roles: `action` on
  // `target` by `user`.
  static void expectRefusal(const AuditEntry& e, std::string_view action, std::string_view target,
                            std::string_view user) {
    EXPECT_EQ(e.action, action);
    EXPECT_EQ(e.target, target);
    EXPECT_EQ(e.user, user);
    EXPECT_EQ(boost::json::parse(e.detail), (boost::json::object{{"outcome", "forbidden"}}));
  }

  std::vector<AuditEntry> auditEntries() {
    auto rows = audit_->list(0, 100);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<AuditEntry>{};
  }

  testing::TempDir dir_;
  ManualClock clock_{kHandlerTestNow};
  boost::asio::io_context ioc_;
  std::unique_ptr<StoreCommitter> committer_;
  std::unique_ptr<Database> reader_db_;
  std::unique_ptr<JobStore> jobs_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<LedgerStore> ledger_;
  std::unique_ptr<AttemptStore> attempts_;
  EventHub hub_;
  RenderWorker renderer_{1};
  std::unique_ptr<ApiContext> ctx_;
  std::unique_ptr<Handlers> handlers_;
};

}  // namespace cardd::api
