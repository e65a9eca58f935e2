// outbox, outbox retry and test-receiver, in-process, over a config on disk,
// a real SQLite file and a webhook server on 127.0.0.1.
#include "daemon/outbox_command.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "daemon/cli.h"
#include "daemon/cli_testing.h"
#include "storage/database.h"
#include "tests/testkit/http_test_server.h"
#include "tests/testkit/temp_dir.h"

namespace mineral::daemon {
namespace {

using testkit::HttpTestServer;
using testkit::TestReply;

using testing::Cli;
using testing::Run;

void Write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A config with receivers `hook` (webhook to `url`, signed) and `log`.
std::string WriteConfig(const testkit::TempDir& dir, const std::string& url) {
  Write(dir.path / "hook.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
  Write(dir.path / "config.toml",
        "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"\"\n"
        "[[receiver]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"" +
            url +
            "\"\nsecret_file = \"hook.secret\"\ntimeout = \"5s\"\n"
            "[[receiver]]\nid = \"log\"\nkind = \"console\"\n");
  return (dir.path / "config.toml").string();
}

TEST_CASE("test-receiver reports the receiver's real answer", "[outbox_command]") {
  HttpTestServer server;
  TestReply ok;
  ok.status = 202;
  server.Route("/hook", ok);
  testkit::TempDir dir;

  SECTION("accepted: exit 0, the request signed") {
    Run r = Cli({"test-receiver", "hook", "--config", WriteConfig(dir, server.Url("/hook"))});
    INFO(r.err);
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::StartsWith("receiver 'hook': delivered (HTTP 202, "));
    auto requests = server.Requests("/hook");
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].Header("webhook-signature").starts_with("v1,"));
    CHECK(requests[0].Header("webhook-id").starts_with("test-hook-"));
    // The secret never reaches the output.
    CHECK(r.out.find("MfKQ9r8") == std::string::npos);
  }
  SECTION("a 404 is a failure: exit 1") {
    Run r = Cli({"test-receiver", "hook", "--config", WriteConfig(dir, server.Url("/wrong"))});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.err, Catch::StartsWith("receiver 'hook': failed (HTTP 404, "));
    CHECK_THAT(r.err, Catch::Contains("(permanent: retrying would not help)"));
  }
  SECTION("console") {
    Run r = Cli({"test-receiver", "log", "--config", WriteConfig(dir, server.Url("/hook"))});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::StartsWith("[CRITICAL] china-gallium-export-controls: "));
  }
  SECTION("usage and configuration errors: exit 2") {
    std::string config = WriteConfig(dir, server.Url("/hook"));
    CHECK(Cli({"test-receiver", "nobody", "--config", config}).code == kExitUsage);
    CHECK(Cli({"test-receiver", "--config", config}).code == kExitUsage);
    CHECK(Cli({"test-receiver", "hook"}).code == kExitUsage);
    std::filesystem::remove(dir.path / "hook.secret");
    Run r = Cli({"test-receiver", "hook", "--config", config});
    CHECK(r.code == kExitUsage);
  }
  SECTION("help") {
    Run r = Cli({"test-receiver", "--help"});
    CHECK(r.code == kExitOk);
    CHECK(r.out == kTestReceiverHelp);
    CHECK(Cli({"help", "outbox"}).out == kOutboxHelp);
  }
}

TEST_CASE("outbox lists pending and dead rows; retry requeues dead letters", "[outbox_command]") {
  testkit::TempDir dir;
  std::string config = WriteConfig(dir, "http://127.0.0.1:1/hook");
  const UtcTime t0{std::chrono::seconds{1'764'158'400}};
  int64_t dead_id = 0;
  {
    std::filesystem::create_directories(dir.path / "state");
    auto db = storage::Database::Open((dir.path / "state" / "mineral-alertd.db").string(), {});
    REQUIRE(db.ok());
    FeedSpec spec;
    spec.id = "wire";
    spec.url = "https://wire.example/feed";
    spec.alert_backlog = true;
    REQUIRE((*db)->SyncFeeds({spec}).ok());
    FeedState state;
    state.feed_id = "wire";
    std::vector<Item> items(2);
    items[0].key = "a";
    items[0].title = "Gallium curbs";
    items[1].key = "b";
    items[1].title = "Germanium curbs";
    auto matcher = [](const Item&) {
      AlertCandidate c;
      c.rule_id = "curbs";
      c.severity = "warning";
      c.receivers = {"hook"};
      return std::vector<AlertCandidate>{c};
    };
    REQUIRE((*db)->RecordFetch(state, items, t0, matcher).ok());
    auto claimed = (*db)->ClaimDueOutboxFor("hook", t0, 1, false);
    REQUIRE(claimed->size() == 1);
    dead_id = (*claimed)[0].id;
    REQUIRE((*db)->MarkDead(dead_id, t0, "HTTP 500: down (after 12 attempts)").ok());
  }
  Run all = Cli({"outbox", "--config", config});
  INFO(all.err);
  REQUIRE(all.code == kExitOk);
  CHECK_THAT(all.out, Catch::Contains(std::to_string(dead_id) + "  hook  dead  attempts=1"));
  CHECK_THAT(all.out, Catch::Contains("    last error: HTTP 500: down (after 12 attempts)"));
  CHECK_THAT(all.out, Catch::Contains("hook  pending  attempts=0  next=2025-11-26T12:00:00Z"));
  CHECK_THAT(all.out, Catch::EndsWith("2 deliveries not done\n"));

  Run dead = Cli({"outbox", "--dead", "--config", config});
  CHECK_THAT(dead.out, Catch::EndsWith("1 dead letters\n"));
  CHECK(dead.out.find("pending") == std::string::npos);

  Run json = Cli({"outbox", "--dead", "--json", "--config", config});
  CHECK_THAT(json.out, Catch::StartsWith("{\"outbox_id\":" + std::to_string(dead_id) +
                                         ",\"receiver\":\"hook\",\"state\":\"dead\""));

  Run retry = Cli({"outbox", "retry", std::to_string(dead_id), "--config", config});
  CHECK(retry.code == kExitOk);
  CHECK(retry.out == "1 dead letter queued again\n");
  CHECK_THAT(Cli({"outbox", "--dead", "--config", config}).out,
             Catch::EndsWith("0 dead letters\n"));
  Run again = Cli({"outbox", "retry", std::to_string(dead_id), "--config", config});
  CHECK(again.code == kExitFailure);
  CHECK_THAT(again.err, Catch::Contains("is not a dead letter"));
  CHECK(Cli({"outbox", "retry", "--all-dead", "--config", config}).out ==
        "0 dead letters queued again\n");
  CHECK(Cli({"outbox", "retry", "x1", "--config", config}).code == kExitUsage);
  CHECK(Cli({"outbox", "retry", "--config", config}).code == kExitUsage);
  CHECK(Cli({"outbox", "--bogus", "--config", config}).code == kExitUsage);
}

}  // namespace
}  // namespace mineral::daemon
