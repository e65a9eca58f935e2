// `mineral-alertd run` end to end: the real binary, started as a child
// process with a config on disk, polling a real HTTP server on 127.0.0.1,
// recording into a real SQLite file, answering on its status address, and
// taking SIGHUP and SIGTERM.  Every process started is stopped by its PID.

#include <signal.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>

#include "daemon/cli.h"
#include "net/curl_http_client.h"
#include "storage/database.h"
#include "tests/testkit/daemon_process.h"
#include "tests/testkit/http_test_server.h"
#include "tests/testkit/smtp_test_server.h"
#include "tests/testkit/temp_dir.h"

namespace mineral::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testkit::Eventually;
using testkit::FreePort;
using testkit::Has;
using testkit::HttpTestServer;
using testkit::StatusClient;
using testkit::TestReply;
using testkit::TestRequest;
using testkit::WriteFile;

// The daemon as a child process: `run --config CONFIG [--once]`.
class Daemon : public testkit::DaemonProcess {
 public:
  Daemon(const fs::path& config, const fs::path& log, bool once = false)
      : DaemonProcess(MINERAL_BINARY, Args(config, once), log) {}

 private:
  static std::vector<std::string> Args(const fs::path& config, bool once) {
    std::vector<std::string> args = {"run", "--config", config.string()};
    if (once) args.push_back("--once");
    return args;
  }
};

std::string Rss(const std::vector<std::string>& titles) {
  std::string xml = "<rss version=\"2.0\"><channel><title>Wire</title>";
  int n = 0;
  for (const std::string& t : titles)
    xml += "<item><title>" + t + "</title><guid>g" + std::to_string(++n) + "</guid></item>";
  return xml + "</channel></rss>";
}

const char kGalliumBanRule[] =
    "[[rule]]\nid = \"gallium-ban\"\nwhen = 'mineral:gallium AND clause:export-ban'\n";

// What every test here starts from: a feed server whose /wire a test fills,
// a scratch directory, and writers for its rules and config files.
struct RunFixture {
  HttpTestServer server;
  testkit::TempDir temp{"mineral-run"};
  const fs::path& dir = temp.path;

  void ServeWire(const std::vector<std::string>& titles) {
    TestReply feed;
    feed.body = Rss(titles);
    server.Route("/wire", feed);
  }
  void WriteRules(const std::string& text) const { WriteFile(dir / "rules.toml", text); }
  // config.toml: rules.toml, a state directory, `daemon` (more [daemon]
  // lines), then `rest` (feeds, receivers, routes).
  void WriteConfig(const std::string& daemon, const std::string& rest) const {
    WriteFile(config(),
              "rules = [\"rules.toml\"]\n[daemon]\nstate_dir = \"state\"\n" + daemon + rest);
  }
  // The [[feed]] of /wire, with `extra` lines.
  std::string WireFeed(const std::string& extra = "") const {
    return "[[feed]]\nid = \"wire\"\n" + extra + "url = \"" + server.Url("/wire") + "\"\n";
  }
  fs::path config() const { return dir / "config.toml"; }
};

TEST_CASE_METHOD(RunFixture,
                 "run: polls, alerts, serves status, reloads on SIGHUP, drains on SIGTERM",
                 "[run]") {
  std::atomic<int> version = 1;
  server.Route("/wire", [&version](const TestRequest&) {
    std::vector<std::string> titles = {"Copper market quiet"};
    if (version >= 2) titles.push_back("China bans gallium exports to the US");
    if (version >= 3) titles.push_back("Chile imposes lithium export ban");
    TestReply r;
    r.body = Rss(titles);
    return r;
  });

  const uint16_t port = FreePort();
  const std::string gallium_rule =
      "[[rule]]\nid = \"gallium-ban\"\nseverity = \"critical\"\n"
      "when = 'mineral:gallium AND clause:export-ban'\n";
  const std::string lithium_rule =
      "[[rule]]\nid = \"lithium-ban\"\nseverity = \"warning\"\n"
      "when = 'mineral:lithium AND clause:export-ban'\n";
  WriteRules(gallium_rule);
  // The alerts' receivers: a webhook and a mail server, both on loopback.
  HttpTestServer hooks;
  TestReply accepted;
  accepted.status = 204;
  hooks.Route("/hook", accepted);
  testkit::SmtpTestServer smtp;
  // Both render with templates of their own (docs/templates.md).
  const std::string subject_template = "Mineral alert: {{title}} ({{rule}})\n";
  WriteFile(dir / "subject.txt", subject_template);
  WriteFile(dir / "body.json",
            "{\"text\": \"{{headline}}\", \"alerts\": [{{#alerts}}{{{alert_json}}}"
            "{{^@last}},{{/@last}}{{/alerts}}]}\n");
  WriteConfig("status_listen = \"127.0.0.1:" + std::to_string(port) +
                  "\"\nmin_interval = \"1s\"\ndefault_interval = \"1s\"\nmax_interval = \"1s\"\n",
              WireFeed() +
                  "[[receiver]]\nid = \"hook\"\nkind = \"webhook\"\nbody_template = "
                  "\"body.json\"\nurl = \"" +
                  hooks.Url("/hook") +
                  "\"\n"
                  "[[receiver]]\nid = \"mail\"\nkind = \"email\"\nurl = \"" +
                  smtp.Url() +
                  "\"\n"
                  "starttls = false\nfrom = \"alerts@example.org\"\nto = [\"desk@example.org\"]\n"
                  "subject_template = \"subject.txt\"\n"
                  "[[route]]\nreceivers = [\"hook\", \"mail\"]\n");

  Daemon daemon(config(), dir / "daemon.log");
  StatusClient status(port);
  REQUIRE(status.WaitFor("/readyz", [](const auto& r) { return r.status == 200; }));
  INFO(daemon.Log());
  CHECK(status.Get("/healthz").body == "ok\n");
  // The first poll is the baseline: the copper item is stored, not alerted.
  REQUIRE(status.WaitFor("/metrics",
                         [](const auto& r) { return Has(r, "mineral_items_new_total 1\n"); }));
  CHECK(Has(status.Get("/metrics"), "mineral_alerts_total 0\n"));
  // A log this small is never checkpointed before the daemon stops.
  CHECK(Has(status.Get("/metrics"), "mineral_store_checkpoints_total 0\n"));
  CHECK(Has(status.Get("/metrics"), "mineral_store_checkpoint_failures_total 0\n"));

  version = 2;  // a matching item appears
  REQUIRE(status.WaitFor("/alerts.json", [](const auto& r) {
    return Has(r, "[critical] gallium-ban: China bans gallium exports to the US");
  }));
  net::HttpResponse metrics = status.Get("/metrics");
  CHECK(Has(metrics, "mineral_alerts_total 1\n"));
  CHECK(Has(metrics, "mineral_matches_total{rule=\"gallium-ban\"} 1\n"));
  CHECK(Has(metrics, "mineral_feeds{health=\"ok\"} 1\n"));
  CHECK(Has(status.Get("/alerts.atom"), "<title>[critical] gallium-ban: China bans"));
  // Delivered by webhook and by mail, once each.
  REQUIRE(Eventually([&] { return !hooks.Requests("/hook").empty() && !smtp.Mails().empty(); }));
  auto posts = hooks.Requests("/hook");
  REQUIRE(posts.size() == 1);
  CHECK_THAT(posts[0].body,
             Catch::StartsWith("{\"text\": \"[CRITICAL] China bans gallium exports to the US\", "
                               "\"alerts\": [{\"id\":"));
  CHECK_FALSE(posts[0].Header("webhook-id").empty());
  testkit::ParsedMail mail = testkit::ParseMail(smtp.Mails()[0].data);
  CHECK(mail.ok);
  CHECK(testkit::DecodeEncodedWords(mail.headers["subject"]) ==
        "Mineral alert: China bans gallium exports to the US (gallium-ban)");
  CHECK(smtp.Mails()[0].recipients == std::vector<std::string>{"desk@example.org"});
  REQUIRE(status.WaitFor("/metrics", [](const auto& r) {
    return Has(r, "mineral_deliveries_total{receiver=\"hook\",result=\"delivered\"} 1\n") &&
           Has(r, "mineral_deliveries_total{receiver=\"mail\",result=\"delivered\"} 1\n");
  }));

  // SIGHUP with a broken rules file: refused, the old rules keep running.
  WriteRules("[[rule]]\nid = \"broken\"\nwhen = 'mineral:galium'\n");
  daemon.Signal(SIGHUP);
  REQUIRE(status.WaitFor("/metrics", [](const auto& r) {
    return Has(r, "mineral_config_reloads_total{result=\"error\"} 1\n");
  }));
  CHECK_THAT(daemon.Log(), Catch::Contains("reload refused: keeping the running config"));
  CHECK_THAT(daemon.Log(), Catch::Contains("did you mean 'gallium'?"));
  CHECK(status.Get("/readyz").status == 200);

  // SIGHUP with a template that does not load: refused, with its position.
  WriteRules(gallium_rule);
  WriteFile(dir / "subject.txt", "Mineral alert: {{titel}}\n");
  daemon.Signal(SIGHUP);
  REQUIRE(status.WaitFor("/metrics", [](const auto& r) {
    return Has(r, "mineral_config_reloads_total{result=\"error\"} 2\n");
  }));
  CHECK_THAT(daemon.Log(), Catch::Contains("subject.txt:1:16: unknown name 'titel'"));
  WriteFile(dir / "subject.txt", subject_template);

  // SIGHUP with a changed rule set: the lithium rule now fires.
  WriteRules(gallium_rule + lithium_rule);
  daemon.Signal(SIGHUP);
  REQUIRE(status.WaitFor("/metrics", [](const auto& r) {
    return Has(r, "mineral_config_reloads_total{result=\"ok\"} 1\n");
  }));
  version = 3;
  REQUIRE(status.WaitFor("/alerts.json", [](const auto& r) {
    return Has(r, "[warning] lithium-ban: Chile imposes lithium export ban");
  }));
  CHECK(Has(status.Get("/metrics"), "mineral_alerts_total 2\n"));
  // The non-matching copper item never produced anything: two alerts, two
  // posts, two mails.
  CHECK(
      Eventually([&] { return hooks.Requests("/hook").size() == 2 && smtp.Mails().size() == 2; }));

  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(10s) == 0);
  std::string log = daemon.Log();
  CHECK_THAT(log, Catch::Contains("<6>started config="));
  CHECK_THAT(log, Catch::Contains("<6>stopping reason=TERM"));
  CHECK_THAT(log, Catch::EndsWith("<6>stopped\n"));
}

TEST_CASE_METHOD(RunFixture,
                 "run: SIGTERM drains deliveries within drain_timeout; a hung one goes at next "
                 "start",
                 "[run]") {
  ServeWire({"China bans gallium exports to the US"});
  HttpTestServer hooks;
  std::atomic<int> posts = 0;
  hooks.Route("/hook", [&posts](const TestRequest&) {
    TestReply r;
    if (++posts == 1) {  // the first send: a 200 whose body never comes
      r.body = "ok";
      r.mode = TestReply::Mode::kStallAfterHeaders;
    } else {
      r.status = 204;
    }
    return r;
  });
  WriteRules(kGalliumBanRule);
  WriteConfig("status_listen = \"\"\ndrain_timeout = \"1s\"\n",
              WireFeed("alert_backlog = true\n") +
                  "[[receiver]]\nid = \"hook\"\nkind = \"webhook\"\ntimeout = \"60s\"\nurl = \"" +
                  hooks.Url("/hook") + "\"\n[[route]]\nreceivers = [\"hook\"]\n");
  {
    Daemon daemon(config(), dir / "daemon.log");
    // Wait until the send is in flight (the hook has the request), then stop.
    Eventually([&] { return !hooks.Requests("/hook").empty(); });
    REQUIRE(hooks.Requests("/hook").size() == 1);
    auto stop = std::chrono::steady_clock::now();
    daemon.Signal(SIGTERM);
    CHECK(daemon.Wait(10s) == 0);
    // Out at the 1 s drain_timeout, not at the send's 60 s timeout.
    CHECK(std::chrono::steady_clock::now() - stop < 5s);
    CHECK_THAT(daemon.Log(), Catch::Contains("<4>\"deliveries abandoned at drain_timeout\"") &&
                                 Catch::Contains("in_flight=1"));
  }
  // The abandoned send was not counted as an attempt; the next start sends
  // it at once, under the same idempotency key.
  {
    Daemon daemon(config(), dir / "daemon2.log");
    REQUIRE(Eventually([&] { return hooks.Requests("/hook").size() == 2; }));
    daemon.Signal(SIGTERM);
    CHECK(daemon.Wait(10s) == 0);
    CHECK_THAT(daemon.Log(), Catch::Contains("deliveries drained"));
  }
  auto requests = hooks.Requests("/hook");
  CHECK(requests[1].Header("webhook-id") == requests[0].Header("webhook-id"));
  std::istringstream in;
  std::ostringstream out, err;
  REQUIRE(RunCli({"alerts", "--config", config().string()}, in, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("rule=gallium-ban") &&
                            Catch::Contains("delivery  hook  delivered  attempts=1"));
}

TEST_CASE_METHOD(RunFixture,
                 "run: SIGHUP moves the status server; an address that cannot be bound is refused",
                 "[run]") {
  ServeWire({"Copper market quiet"});
  WriteRules(kGalliumBanRule);
  auto listen_on = [&](uint16_t port) {
    WriteConfig("status_listen = \"127.0.0.1:" + std::to_string(port) + "\"\n", WireFeed());
  };
  const uint16_t first = FreePort();
  listen_on(first);
  Daemon daemon(config(), dir / "daemon.log");
  StatusClient old_status(first);
  REQUIRE(old_status.WaitFor("/readyz", [](const auto& r) { return r.status == 200; }));

  // Moved: the new address answers, the old one is closed.
  const uint16_t second = FreePort();
  listen_on(second);
  daemon.Signal(SIGHUP);
  StatusClient new_status(second);
  REQUIRE(new_status.WaitFor("/readyz", [](const auto& r) { return r.status == 200; }));
  CHECK(old_status.Get("/readyz").status == 0);  // connection refused
  CHECK(Has(new_status.Get("/metrics"), "mineral_config_reloads_total{result=\"ok\"} 1\n"));

  // An address someone else holds: refused, the running server stays.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  listen_on(taken.local_endpoint().port());
  daemon.Signal(SIGHUP);
  REQUIRE(new_status.WaitFor("/metrics", [](const auto& r) {
    return Has(r, "mineral_config_reloads_total{result=\"error\"} 1\n");
  }));
  CHECK_THAT(daemon.Log(), Catch::Contains("reload refused: keeping the running config"));
  CHECK(new_status.Get("/readyz").status == 200);

  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(10s) == 0);
}

TEST_CASE_METHOD(RunFixture, "run --once: one cycle, recorded, then a clean exit", "[run]") {
  ServeWire({"China bans gallium exports to the US"});
  WriteRules(kGalliumBanRule);
  WriteConfig("status_listen = \"\"\n", WireFeed("alert_backlog = true\n"));
  Daemon daemon(config(), dir / "daemon.log", /*once=*/true);
  CHECK(daemon.Wait(15s) == 0);
  const std::string log = daemon.Log();
  CHECK_THAT(log,
             Catch::Contains("<6>polled feed=wire status=200 items=1 new=1 amended=0 alerts=1"));
  CHECK_THAT(log, Catch::Contains("<6>stopping reason=\"cycle done\""));
  CHECK(server.Requests("/wire").size() == 1);
}

TEST_CASE_METHOD(RunFixture, "run prunes what [daemon] retention lets go, leaving tombstones",
                 "[run]") {
  ServeWire({"Copper prices steady"});
  fs::create_directories(dir / "state");
  WriteRules("[[rule]]\nid = \"gallium\"\nwhen = 'mineral:gallium'\n");
  WriteConfig("retention = \"30d\"\nstatus_listen = \"\"\n", WireFeed());
  const std::string db_path = (dir / "state" / "mineral-alertd.db").string();
  {
    auto db = storage::Database::Open(db_path, {});
    REQUIRE(db.ok());
    FeedSpec spec;
    spec.id = "wire";
    spec.url = server.Url("/wire");
    REQUIRE((*db)->SyncFeeds({spec}).ok());
    FeedState state;
    state.feed_id = "wire";
    Item old;
    old.key = "old-story";
    old.title = "Nickel output rises";
    const UtcTime long_ago =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) -
        std::chrono::hours(24 * 40);
    REQUIRE((*db)
                ->RecordFetch(state, {old}, long_ago,
                              [](const Item&) { return std::vector<AlertCandidate>{}; })
                .ok());
  }
  Daemon daemon(config(), dir / "daemon.log", /*once=*/true);
  CHECK(daemon.Wait(15s) == 0);
  CHECK_THAT(daemon.Log(),
             Catch::Contains("<6>pruned items=1 alerts=0 tombstones_added=1 tombstones_dropped=0"));
  auto db = storage::Database::Open(db_path, {});
  REQUIRE(db.ok());
  CHECK((*db)->FindItem("wire", "old-story").status().code() == Status::Code::kNotFound);
}

TEST_CASE("run: a bad config exits 2 with the error on stderr", "[run]") {
  testkit::TempDir temp("mineral-run");
  const fs::path& dir = temp.path;
  WriteFile(dir / "config.toml", "[daemon]\nstate_dri = \"x\"\n");
  Daemon daemon(dir / "config.toml", dir / "daemon.log");
  CHECK(daemon.Wait(10s) == 2);
  CHECK_THAT(daemon.Log(), Catch::StartsWith("<3>\"config invalid\"") &&
                               Catch::Contains("did you mean 'state_dir'?"));
}

}  // namespace
}  // namespace mineral::daemon
