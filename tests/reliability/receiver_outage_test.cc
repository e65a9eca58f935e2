// Scenario "receiver outage" (issue 8, docs/reliability.md): the webhook is
// down for the whole of a simulated hour of polling, then comes back.
//
// Time is compressed by kCompression (180x in the short mode: the hour is
// 20 s; 60x in the long mode: 60 s), and so are the daemon's time settings
// that matter here: the poll interval (2 s), the receiver's retry backoff
// (retry_base 1 s, the shortest there is; retry_cap 1 h / K) and its circuit
// breaker (circuit_open_for 1 s, circuit_max_open_for 30 min / K).  The first
// half of the outage nothing listens on the receiver's port (connection
// refused), the second half it answers 503 to everything.
//
// Checked: every alert arrives, none twice by webhook-id, in order of the
// alerts' creation (up to the receiver's 4 concurrent sends), and the
// delivery log (`mineral-alertd history --json alert:N`) shows the attempts
// of the first alert with growing gaps.
#include <rapidjson/document.h>
#include <signal.h>
#include <stdio.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "model/time.h"
#include "storage/database.h"
#include "tests/reliability/scenario_report.h"
#include "tests/reliability/webhook_deliveries.h"
#include "tests/testkit/daemon_process.h"
#include "tests/testkit/faults.h"
#include "tests/testkit/http_test_server.h"
#include "tests/testkit/temp_dir.h"

namespace mineral::reliability {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testkit::TestEntry;

std::string Seconds(std::chrono::seconds s) { return "\"" + std::to_string(s.count()) + "s\""; }

TEST_CASE("receiver outage: down for a simulated hour, then back: every alert, in order, once",
          "[reliability][receiver-outage]") {
  const bool long_mode = LongMode();
  const int compression = long_mode ? 60 : 180;
  const std::chrono::seconds hour(3600 / compression);
  const std::chrono::seconds retry_cap = hour;                    // 1 h / K
  const std::chrono::seconds circuit_max(30 * 60 / compression);  // 30 min / K
  const int feed_count = 4;
  const auto publish_every = long_mode ? 1500ms : 500ms;  // a new item in one of the feeds

  // The feeds, with items added while the receiver is down.
  struct Content {
    std::mutex mutex;
    std::vector<TestEntry> entries;
    int served = 0;
  };
  testkit::HttpTestServer feeds_server;
  std::vector<std::shared_ptr<Content>> contents;
  std::string feed_config;
  for (int i = 0; i < feed_count; ++i) {
    auto content = std::make_shared<Content>();
    const std::string id = "wire" + std::to_string(i);
    content->entries.push_back(
        {id + "-base", "Copper market quiet", "http://example.org/" + id, "Nothing."});
    testkit::RouteFault(feeds_server, "/" + id, testkit::Fault::kNone, [content] {
      std::lock_guard lock(content->mutex);
      ++content->served;
      return content->entries;
    });
    contents.push_back(content);
    feed_config += "[[feed]]\nid = \"" + id + "\"\nurl = \"" + feeds_server.Url("/" + id) + "\"\n";
  }

  // The receiver's port: nothing listens there until the second half.
  const uint16_t hook_port = testkit::FreePort();
  std::mutex hooks_mutex;
  std::vector<WebhookDelivery> accepted;  // answered 2xx, in arrival order
  long refused_503 = 0;
  std::atomic<bool> up = false;
  auto hook = [&](const testkit::TestRequest& request) {
    testkit::TestReply reply;
    std::lock_guard lock(hooks_mutex);
    if (!up) {
      ++refused_503;
      reply.status = 503;
      reply.body = "down for maintenance\n";
      return reply;
    }
    accepted.push_back(ParseDelivery(request));
    reply.status = 204;
    return reply;
  };

  testkit::TempDir temp("mineral-receiver-outage");
  const fs::path& dir = temp.path;
  const fs::path config = dir / "config.toml";
  testkit::WriteFile(dir / "rules.toml",
                     "[[rule]]\nid = \"gallium-ban\"\nseverity = \"critical\"\n"
                     "when = 'mineral:gallium AND clause:export-ban'\n");
  testkit::WriteFile(
      config,
      "rules = [\"rules.toml\"]\n"
      "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"\"\n"
      "min_interval = \"2s\"\ndefault_interval = \"2s\"\nmax_interval = \"2s\"\n"
      "[[receiver]]\nid = \"hook\"\nkind = \"webhook\"\ntimeout = \"2s\"\n"
      "retry_base = \"1s\"\nretry_cap = " +
          Seconds(retry_cap) + "\ncircuit_open_for = \"1s\"\ncircuit_max_open_for = " +
          Seconds(circuit_max) + "\nurl = \"http://127.0.0.1:" + std::to_string(hook_port) +
          "/hook\"\n[[route]]\nreceivers = [\"hook\"]\n" + feed_config);

  testkit::DaemonProcess daemon(MINERAL_BINARY, {"run", "--config", config.string()},
                                dir / "daemon.log");
  // Every feed's baseline first: the outage is of the receiver, not the feeds.
  REQUIRE(testkit::Eventually([&] {
    for (auto& c : contents) {
      std::lock_guard lock(c->mutex);
      if (c->served == 0) return false;
    }
    return true;
  }));

  // The simulated hour: refused, then 503s; new items all along.
  std::set<std::string> expected_links;
  std::unique_ptr<testkit::HttpTestServer> hooks;
  const auto outage_start = Clock::now();
  const auto outage_end = outage_start + hour;
  int n = 0;
  while (Clock::now() < outage_end) {
    if (!hooks && Clock::now() >= outage_start + hour / 2) {
      hooks =
          std::make_unique<testkit::HttpTestServer>(testkit::TestServerOptions{.port = hook_port});
      hooks->Route("/hook", hook);
    }
    Content& c = *contents[n % feed_count];
    const std::string number = "2026-" + std::to_string(20000 + n);
    const std::string link = "https://www.federalregister.gov/d/" + number;
    {
      std::lock_guard lock(c.mutex);
      c.entries.push_back({"item-" + number,
                           "China bans gallium exports to the US (FR Doc. " + number + ")", link,
                           "Export ban on gallium."});
    }
    expected_links.insert(link);
    ++n;
    std::this_thread::sleep_for(publish_every);
  }
  up = true;
  INFO(daemon.Log().substr(0, 4000));

  // Back: everything arrives within the longest backoff (retry_cap, +20 %
  // jitter) plus the longest circuit pause, plus a poll and a turn.
  auto snapshot = [&] {
    std::lock_guard lock(hooks_mutex);
    return accepted;
  };
  const auto recovery_bound = retry_cap * 6 / 5 + circuit_max + 10s;
  const auto back_at = Clock::now();
  const bool all_arrived = testkit::Eventually(
      [&] { return Tally(snapshot(), expected_links).lost == 0; }, recovery_bound);
  const auto recovered_in =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - back_at);
  std::this_thread::sleep_for(3s);  // a late duplicate would show by now
  const long peak_rss = daemon.PeakRssKiB();
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(30s) == 0);

  const std::vector<WebhookDelivery> got = snapshot();
  const DeliveryTally tally = Tally(got, expected_links);

  // In order of creation: an alert may overtake an older one only while
  // both are among the receiver's 4 sends in flight.
  long worst_overtaken = 0;  // most newer alerts that arrived before an older one
  std::vector<int64_t> order;
  for (const WebhookDelivery& d : got) order.push_back(d.alert_id);
  for (size_t i = 0; i < order.size(); ++i) {
    long overtaken = 0;
    for (size_t j = 0; j < i; ++j) overtaken += order[j] > order[i];
    worst_overtaken = std::max(worst_overtaken, overtaken);
  }

  // Backoff in the delivery log: the first alert's attempts, gaps growing.
  REQUIRE_FALSE(got.empty());
  const int64_t first_alert = *std::min_element(order.begin(), order.end());
  const std::string history = RunCli("history --json --config " + config.string() +
                                     " alert:" + std::to_string(first_alert));
  rapidjson::Document events;
  events.Parse(history.c_str());
  REQUIRE_FALSE(events.HasParseError());
  REQUIRE(events.IsArray());
  std::vector<UtcTime> attempts;
  for (const auto& e : events.GetArray()) {
    if (std::string(e["event"].GetString()) != "attempt") continue;
    auto at = ParseUtc(e["at"].GetString());
    REQUIRE(at.has_value());
    attempts.push_back(*at);
  }
  std::vector<long> gaps;
  for (size_t i = 1; i < attempts.size(); ++i)
    gaps.push_back((attempts[i] - attempts[i - 1]).count());
  std::string gap_text;
  for (long g : gaps) gap_text += std::to_string(g) + "s ";

  long answered_503 = 0;
  {
    std::lock_guard lock(hooks_mutex);
    answered_503 = refused_503;
  }
  // Every attempt the daemon logged, from its database (read-only).
  long attempts_total = 0;
  {
    storage::DatabaseOptions options;
    options.read_only = true;
    auto db = storage::Database::Open((dir / "state" / "mineral-alertd.db").string(), options);
    REQUIRE(db.ok());
    auto alerts = (*db)->ListAlerts(UtcTime{}, "");
    REQUIRE(alerts.ok());
    for (const storage::AlertRecord& a : *alerts) {
      for (const storage::OutboxStatus& d : a.deliveries) attempts_total += d.attempts;
    }
  }
  ScenarioRow row;
  row.scenario = "receiver-outage";
  row.faults_injected = attempts_total - tally.delivered;  // attempts that failed
  row.alerts_expected = tally.expected;
  row.alerts_delivered = tally.delivered;
  row.duplicates = tally.duplicates;
  row.lost = tally.lost;
  row.peak_rss_kib = peak_rss;
  row.notes = "1 h outage at " + std::to_string(compression) + "x (" +
              std::to_string(hour.count()) + " s: refused, then 503); " +
              std::to_string(attempts_total) + " attempts in all (" + std::to_string(answered_503) +
              " answered 503); all delivered " + std::to_string(recovered_in.count()) +
              " ms after the receiver came back; " + "first alert's retry gaps " + gap_text;
  Report(row);

  INFO("retry gaps of alert " << first_alert << ": " << gap_text);
  INFO("history: " << history.substr(0, 3000));
  CHECK(all_arrived);
  CHECK(tally.lost == 0);
  CHECK(tally.duplicates == 0);
  CHECK(tally.unexpected == 0);
  CHECK(tally.links_with_two_keys == 0);
  CHECK(worst_overtaken <= 3);
  // Backoff: the first alert was tried again and again, the gaps growing
  // (the receiver's circuit pauses once it opened: 1 s doubling to
  // circuit_max_open_for; the first alert is each probe), never more than
  // the longest backoff apart; and far fewer attempts in all than a retry
  // a second would have made.
  REQUIRE(gaps.size() >= 4);
  const std::vector<long> failed_gaps(gaps.begin(), gaps.end() - 1);  // the last one succeeded
  for (size_t k = 1; k < failed_gaps.size(); ++k) CHECK(failed_gaps[k] + 1 >= failed_gaps[k - 1]);
  CHECK(*std::max_element(failed_gaps.begin(), failed_gaps.end()) >= 4 * failed_gaps.front());
  CHECK(*std::max_element(failed_gaps.begin(), failed_gaps.end()) <=
        std::max(retry_cap, circuit_max).count() * 6 / 5 + 1);
  CHECK(attempts_total < tally.expected * hour.count() / 4);
}

}  // namespace
}  // namespace mineral::reliability
