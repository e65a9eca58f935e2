// alerts, history and backtest in-process through RunCli, against a real
// SQLite file at the config's database path, filled through the Store API.
#include "daemon/history_command.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/cli.h"
#include "storage/database.h"

namespace mineral::daemon {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run Cli(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  int code = RunCli(args, in, out, err);
  return {code, out.str(), err.str()};
}

void Write(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

UtcTime Now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

Item NewsItem(const std::string& key, const std::string& title) {
  Item item;
  item.key = key;
  item.guid = key;
  item.title = title;
  item.link = "https://wire.example/" + key;
  item.summary_text = title + ". The commerce ministry said so on Sunday.";
  return item;
}

// Fires "gallium" on titles naming gallium, for receivers hook and mail.
std::vector<AlertCandidate> GalliumMatcher(const Item& item) {
  const size_t at = item.title.find("gallium");
  if (at == std::string::npos) return {};
  AlertCandidate c;
  c.rule_id = "gallium-export";
  c.severity = "critical";
  c.receivers = {"hook", "mail"};
  c.evidence = {{"gallium", "title", at, 7}};
  return {c};
}

// A config with two feeds and its database: feed "wire" polled twice (a
// baseline, then an alert delivered to hook and retried for mail), feed
// "agency" with a reprint that joined the alert, all within the last hours.
class Fixture {
 public:
  Fixture() {
    fs::create_directories(dir_);
    Write(dir_ / "rules.toml",
          "[[rule]]\nid = \"gallium-export\"\nseverity = \"critical\"\n"
          "receivers = [\"hook\"]\nwhen = 'mineral:gallium AND clause:export-ban'\n");
    Write(dir_ / "trial.toml",
          "[[rule]]\nid = \"gallium-any\"\nwhen = 'mineral:gallium'\n"
          "[[rule]]\nid = \"cobalt-any\"\nwhen = 'mineral:cobalt'\n");
    Write(dir_ / "config.toml",
          "rules = [\"rules.toml\"]\n"
          "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"\"\n"
          "[[feed]]\nid = \"wire\"\nurl = \"https://wire.example/feed\"\n"
          "[[feed]]\nid = \"agency\"\nurl = \"https://agency.example/feed\"\n"
          "[[receiver]]\nid = \"hook\"\nkind = \"console\"\n"
          "[[receiver]]\nid = \"mail\"\nkind = \"console\"\n");
    fs::create_directories(dir_ / "state");
    auto opened = storage::Database::Open((dir_ / "state" / "mineral-alertd.db").string(), {});
    REQUIRE(opened.ok());
    storage::Database& db = **opened;
    FeedSpec wire;
    wire.id = "wire";
    wire.url = "https://wire.example/feed";
    FeedSpec agency;
    agency.id = "agency";
    agency.url = "https://agency.example/feed";
    REQUIRE(db.SyncFeeds({wire, agency}).ok());
    FeedState ws;
    ws.feed_id = "wire";
    FeedState as;
    as.feed_id = "agency";
    const UtcTime t = Now() - hours(5);
    REQUIRE(db.RecordFetch(ws, {NewsItem("old", "Copper prices steady")}, t, GalliumMatcher).ok());
    REQUIRE(db.RecordFetch(as, {NewsItem("a-old", "Nickel output rises")}, t, GalliumMatcher).ok());
    const std::string title = "China bans gallium and germanium exports to the United States";
    auto alerted = db.RecordFetch(ws, {NewsItem("k1", title)}, t + hours(1), GalliumMatcher);
    REQUIRE(alerted.ok());
    REQUIRE(alerted->alerts == 1);
    auto joined =
        db.RecordFetch(as, {NewsItem("a1", "UPDATE 1-" + title)}, t + hours(2), GalliumMatcher);
    REQUIRE(joined.ok());
    REQUIRE(joined->clustered == 1);
    auto claimed = db.ClaimDueOutbox(t + hours(3), 10);
    REQUIRE(claimed.ok());
    REQUIRE(claimed->size() == 2);
    for (const storage::OutboxEntry& e : *claimed) {
      storage::DeliveryAttempt attempt;
      attempt.outbox_id = e.id;
      attempt.at = t + hours(3);
      attempt.latency = std::chrono::milliseconds(42);
      if (e.receiver == "hook") {
        attempt.status = "delivered";
        attempt.response_code = 200;
        REQUIRE(db.RecordDeliveryAttempt(attempt).ok());
        REQUIRE(db.MarkDelivered(e.id, t + hours(3)).ok());
      } else {
        attempt.status = "retry";
        attempt.response_code = 451;
        attempt.error = "mailbox busy";
        REQUIRE(db.RecordDeliveryAttempt(attempt).ok());
        REQUIRE(db.MarkRetry(e.id, t + hours(4), "mailbox busy").ok());
      }
    }
    alert_id_ = claimed->front().alert.id;
    auto item = db.FindItem("wire", "k1");
    REQUIRE(item.ok());
    item_id_ = item->id;
  }
  ~Fixture() { fs::remove_all(dir_); }

  std::string config() const { return (dir_ / "config.toml").string(); }
  std::string trial() const { return (dir_ / "trial.toml").string(); }
  int64_t alert_id() const { return alert_id_; }
  int64_t item_id() const { return item_id_; }

 private:
  fs::path dir_ =
      fs::temp_directory_path() / ("mineral-history-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(reinterpret_cast<uintptr_t>(this)));
  int64_t alert_id_ = 0;
  int64_t item_id_ = 0;
};

TEST_CASE("alerts lists each alert with its sources and per-receiver delivery", "[alerts]") {
  Fixture fx;
  Run r = Cli({"alerts", "--config", fx.config()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const std::string id = std::to_string(fx.alert_id());
  CHECK_THAT(r.out, Catch::Contains("alert " + id + "  "));
  CHECK_THAT(r.out, Catch::Contains("rule=gallium-export  severity=critical  kind=new"));
  CHECK_THAT(r.out,
             Catch::Contains("  source    item:" + std::to_string(fx.item_id()) +
                             "  wire:k1  \"China bans gallium and germanium exports to the United "
                             "States\"  https://wire.example/k1\n"));
  CHECK_THAT(r.out, Catch::Contains("  agency:a1  \"UPDATE 1-China bans gallium"));
  CHECK_THAT(r.out, Catch::Contains("  delivery  hook  delivered  attempts=1\n"));
  CHECK_THAT(r.out, Catch::Contains("  delivery  mail  pending  attempts=1  next="));
  CHECK_THAT(r.out, Catch::Contains("error=\"mailbox busy\""));
  CHECK_THAT(r.out, Catch::Contains("1 alert since "));

  // The wire's first source comes before the joining reprint.
  CHECK(r.out.find("wire:k1") < r.out.find("agency:a1"));

  Run json = Cli({"alerts", "--config", fx.config(), "--json"});
  REQUIRE(json.code == kExitOk);
  CHECK_THAT(json.out, Catch::StartsWith("[{\"alert\":" + id + ",\"rule\":\"gallium-export\""));
  CHECK_THAT(json.out, Catch::Contains("\"feed\":\"agency\",\"key\":\"a1\""));
  CHECK_THAT(json.out, Catch::Contains("{\"receiver\":\"hook\",\"state\":\"delivered\","
                                       "\"attempts\":1,\"next_attempt_at\":null,"
                                       "\"last_error\":\"\"}"));

  // --since and --rule narrow the list.
  Run recent = Cli({"alerts", "--config", fx.config(), "--since", "1h"});
  CHECK(recent.code == kExitOk);
  CHECK(recent.out.rfind("0 alerts since ", 0) == 0);
  Run other = Cli({"alerts", "--config", fx.config(), "--rule", "cobalt"});
  CHECK_THAT(other.out, Catch::Contains("0 alerts since "));
  CHECK_THAT(other.out, Catch::Contains(" of rule cobalt\n"));
}

TEST_CASE("history prints an alert's and an item's trail in time order", "[history]") {
  Fixture fx;
  const std::string id = std::to_string(fx.alert_id());
  Run alert = Cli({"history", "--config", fx.config(), "alert:" + id});
  INFO(alert.err);
  REQUIRE(alert.code == kExitOk);
  const std::vector<std::string> order = {
      "  alerted    alert=" + id + " rule=gallium-export kind=new severity=critical\n",
      "  queued     alert=" + id + " receiver=hook\n",
      "  queued     alert=" + id + " receiver=mail\n",
      "  joined     alert=" + id,
      "  attempt    alert=" + id + " receiver=hook status=delivered code=200 latency_ms=42\n",
      "  delivered  alert=" + id + " receiver=hook\n",
      "  attempt    alert=" + id +
          " receiver=mail status=retry code=451 latency_ms=42 error=mailbox busy\n",
  };
  size_t at = 0;
  for (const std::string& line : order) {
    INFO(line << "\nin:\n" << alert.out);
    const size_t found = alert.out.find(line, at);
    REQUIRE(found != std::string::npos);
    at = found;
  }

  // The same item by id and by FEED_ID:KEY; its trail starts with the fetch.
  Run by_id = Cli({"history", "--config", fx.config(), "item:" + std::to_string(fx.item_id())});
  Run by_key = Cli({"history", "--config", fx.config(), "wire:k1"});
  REQUIRE(by_id.code == kExitOk);
  CHECK(by_id.out == by_key.out);
  CHECK_THAT(by_id.out, Catch::Contains("  fetched    item=" + std::to_string(fx.item_id()) +
                                        " feed=wire key=k1\n"));
  CHECK_THAT(by_id.out, Catch::Contains("  matched    rule=gallium-export terms=gallium\n"));
  CHECK(by_id.out.find("fetched") < by_id.out.find("alerted"));

  Run json = Cli({"history", "--config", fx.config(), "--json", "alert:" + id});
  CHECK_THAT(json.out, Catch::StartsWith("[{\"at\":\""));
  CHECK_THAT(json.out, Catch::Contains("\"event\":\"delivered\""));

  Run missing = Cli({"history", "--config", fx.config(), "alert:999999"});
  CHECK(missing.code == kExitFailure);
  CHECK(missing.err == "mineral-alertd: no alert 999999\n");
  Run no_key = Cli({"history", "--config", fx.config(), "wire:nope"});
  CHECK(no_key.code == kExitFailure);
  CHECK(no_key.err == "mineral-alertd: no item nope in feed wire\n");
  Run bad = Cli({"history", "--config", fx.config(), "alert:x"});
  CHECK(bad.code == kExitUsage);
  CHECK_THAT(bad.err, Catch::StartsWith(
                          "mineral-alertd: 'alert:x' is not alert:N, item:N or FEED_ID:KEY\n"));
}

TEST_CASE("backtest runs a rules file over stored items and sends nothing", "[backtest]") {
  Fixture fx;
  Run r = Cli({"backtest", "--config", fx.config(), "--rules", fx.trial()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::StartsWith("rule gallium-any: 2 items\n"));
  CHECK_THAT(r.out, Catch::Contains("  wire:k1  \"China bans gallium"));
  CHECK_THAT(r.out, Catch::Contains("  agency:a1  \"UPDATE 1-China bans gallium"));
  CHECK_THAT(r.out, Catch::Contains("terms=mineral:gallium\n"));
  CHECK_THAT(r.out, Catch::Contains("rule cobalt-any: 0 items\n"));
  CHECK_THAT(r.out, Catch::Contains("backtest: 4 stored items since "));
  CHECK_THAT(r.out, Catch::EndsWith(", 2 rules, 2 matches; nothing sent\n"));

  Run json = Cli({"backtest", "--config", fx.config(), "--rules", fx.trial(), "--json"});
  REQUIRE(json.code == kExitOk);
  CHECK_THAT(json.out, Catch::Contains("\"items\":4,\"rules\":[{\"rule\":\"gallium-any\","));
  CHECK_THAT(json.out, Catch::Contains("\"count\":2,"));
  CHECK_THAT(json.out, Catch::Contains("{\"rule\":\"cobalt-any\",\"severity\":\"warning\","
                                       "\"enabled\":true,\"count\":0,\"items\":[]}"));

  // Only the window: the items recorded hours ago are outside the last hour.
  Run recent = Cli({"backtest", "--config", fx.config(), "--rules", fx.trial(), "--since", "1h"});
  CHECK_THAT(recent.out, Catch::Contains("backtest: 0 stored items since "));

  // Nothing was queued: the store still holds the fixture's two outbox rows.
  Run alerts = Cli({"alerts", "--config", fx.config(), "--json"});
  CHECK_THAT(alerts.out, Catch::StartsWith("[{\"alert\":"));
  CHECK(alerts.out.find("\"alert\":", 10) == std::string::npos);
}

TEST_CASE("alerts, history and backtest: usage, config and rules errors exit 2", "[alerts]") {
  Fixture fx;
  CHECK(Cli({"alerts"}).code == kExitUsage);
  CHECK(Cli({"alerts", "--config", fx.config(), "--bogus"}).code == kExitUsage);
  Run since = Cli({"alerts", "--config", fx.config(), "--since", "24"});
  CHECK(since.code == kExitUsage);
  CHECK_THAT(since.err, Catch::StartsWith("mineral-alertd: --since 24: "));
  CHECK(Cli({"history", "--config", fx.config()}).code == kExitUsage);
  CHECK(Cli({"backtest", "--config", fx.config()}).code == kExitUsage);
  Run rules = Cli({"backtest", "--config", fx.config(), "--rules", fx.config() + ".missing"});
  CHECK(rules.code == kExitUsage);
  CHECK_THAT(rules.err, Catch::Contains(".missing"));
  for (const char* command : {"alerts", "history", "backtest"}) {
    Run help = Cli({command, "--help"});
    CHECK(help.code == kExitOk);
    CHECK_THAT(help.out, Catch::StartsWith(std::string("usage: mineral-alertd ") + command));
    CHECK(Cli({"help", command}).out == help.out);
  }
  Run missing = Cli({"alerts", "--config", "/nonexistent/mineral.toml"});
  CHECK(missing.code == kExitUsage);
}

TEST_CASE("alerts before any poll: no database yet, exit 1, nothing created", "[alerts]") {
  const fs::path dir = fs::temp_directory_path() / ("mineral-nodb-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Write(dir / "config.toml",
        "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"\"\n"
        "[[feed]]\nid = \"wire\"\nurl = \"https://wire.example/feed\"\n");
  Run r = Cli({"alerts", "--config", (dir / "config.toml").string()});
  CHECK(r.code == kExitFailure);
  CHECK_THAT(r.err, Catch::EndsWith(": no database yet (no feed has been polled)\n"));
  CHECK_FALSE(fs::exists(dir / "state"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mineral::daemon
