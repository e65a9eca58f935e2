// poll-once and feeds end to end, in-process: a config on disk pointing at a
// real HTTP server on 127.0.0.1, a real SQLite file, the real rules.
#include "daemon/feeds_command.h"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/cli.h"
#include "daemon/cli_testing.h"
#include "storage/database.h"
#include "tests/testkit/http_test_server.h"
#include "tests/testkit/temp_dir.h"

namespace mineral::daemon {
namespace {

namespace fs = std::filesystem;
using testkit::HttpTestServer;
using testkit::TestReply;
using testkit::TestRequest;
using TempDir = testkit::TempDir;

using testing::Cli;
using testing::Run;

std::string Rss(const std::vector<std::string>& titles) {
  std::string xml = "<rss version=\"2.0\"><channel><title>Wire</title>";
  int n = 0;
  for (const std::string& t : titles) {
    xml += "<item><title>" + t + "</title><guid>g" + std::to_string(++n) + "</guid></item>";
  }
  return xml + "</channel></rss>";
}

void Write(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

TEST_CASE("poll-once: baseline, then new items alert, then 304; feeds shows health",
          "[poll-once]") {
  HttpTestServer server;
  std::atomic<int> version = 1;
  server.Route("/wire", [&version](const TestRequest& req) {
    TestReply r;
    const std::string etag = "\"v" + std::to_string(version.load()) + "\"";
    if (req.Header("if-none-match") == etag) {
      r.status = 304;
      return r;
    }
    std::vector<std::string> titles = {"Copper prices steady"};
    if (version >= 2) titles.push_back("China bans gallium and germanium exports to the US");
    r.body = Rss(titles);
    r.headers = {{"ETag", etag}};
    return r;
  });
  TestReply gone;
  gone.status = 410;
  server.Route("/gone", gone);

  TempDir dir;
  Write(dir.path / "rules.toml",
        "[[rule]]\nid = \"gallium-export\"\nseverity = \"critical\"\n"
        "receivers = [\"log\"]\nwhen = 'mineral:gallium AND clause:export-ban'\n");
  Write(dir.path / "config.toml",
        "rules = [\"rules.toml\"]\n"
        "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"\"\n"
        "[[feed]]\nid = \"wire\"\nurl = \"" +
            server.Url("/wire") +
            "\"\n"
            "[[feed]]\nid = \"dead\"\nurl = \"" +
            server.Url("/gone") +
            "\"\n"
            "[[receiver]]\nid = \"log\"\nkind = \"console\"\n");
  const std::string config = (dir.path / "config.toml").string();

  Run first = Cli({"poll-once", "--config", config});
  INFO(first.err);
  REQUIRE(first.code == kExitOk);
  CHECK_THAT(first.out,
             Catch::Contains("feed=wire status=200 items=1 new=1 alerts=0 baseline=yes"));
  CHECK_THAT(first.out, Catch::Contains("feed=dead status=410 failures=1 error=\"gone (HTTP 410)"));
  CHECK_THAT(first.out,
             Catch::Contains("polled 2 feeds: 1 ok, 1 failed; 1 new items, 0 alerts queued"));

  version = 2;
  Run second = Cli({"poll-once", "--config", config});
  CHECK_THAT(second.out, Catch::Contains("feed=wire status=200 items=2 new=1 alerts=1"));

  Run third = Cli({"poll-once", "--config", config});
  CHECK_THAT(third.out, Catch::Contains("feed=wire status=304 items=0"));
  auto requests = server.Requests("/wire");
  REQUIRE(requests.size() == 3);
  CHECK(requests[2].Header("if-none-match") == "\"v2\"");

  // The alert is in the store, queued for its receiver.
  {
    auto db = storage::Database::Open((dir.path / "state" / "mineral-alertd.db").string(), {});
    REQUIRE(db.ok());
    auto alerts = (*db)->ListAlerts(UtcTime{}, "");
    REQUIRE(alerts.ok());
    REQUIRE(alerts->size() == 1);
    CHECK(alerts->front().rule_id == "gallium-export");
  }

  Run feeds = Cli({"feeds", "--config", config});
  CHECK(feeds.code == kExitOk);
  CHECK_THAT(feeds.out, Catch::Contains("wire  ok"));
  CHECK_THAT(feeds.out, Catch::Contains("dead  gone"));
  Run json = Cli({"feeds", "--config", config, "--json"});
  CHECK_THAT(json.out, Catch::Contains("\"feed\":\"wire\""));
  CHECK_THAT(json.out, Catch::Contains("\"health\":\"gone\""));
  CHECK_THAT(json.out, Catch::Contains("\"etag\":\"\\\"v2\\\"\""));
}

TEST_CASE("feeds before any poll: every feed new, no database created", "[poll-once]") {
  TempDir dir;
  Write(dir.path / "config.toml",
        "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"\"\n"
        "[[feed]]\nid = \"a\"\nurl = \"https://example.org/a.rss\"\n");
  Run r = Cli({"feeds", "--config", (dir.path / "config.toml").string()});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("a     new"));
  CHECK_FALSE(fs::exists(dir.path / "state" / "mineral-alertd.db"));
}

TEST_CASE("poll-once and feeds: usage and config errors exit 2", "[poll-once]") {
  CHECK(Cli({"poll-once"}).code == kExitUsage);
  CHECK(Cli({"feeds", "--bogus"}).code == kExitUsage);
  Run help = Cli({"poll-once", "--help"});
  CHECK(help.code == kExitOk);
  CHECK_THAT(help.out, Catch::StartsWith("usage: mineral-alertd poll-once"));
  Run missing = Cli({"poll-once", "--config", "/nonexistent/mineral.toml"});
  CHECK(missing.code == kExitUsage);
  CHECK_THAT(missing.err, Catch::Contains("/nonexistent/mineral.toml"));
}

}  // namespace
}  // namespace mineral::daemon
