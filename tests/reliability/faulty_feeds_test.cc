// Scenario "1,000 feeds, a third misbehave" (issue 8, docs/reliability.md):
// the real daemon polls 1,000 feeds on the fault server (tests/testkit/
// faults.h), every third one with a fault, the faults spread evenly.  New
// matching items appear in the feeds that can be read; the webhook receiver
// on loopback records each delivery.  Checked: every such alert arrives
// within a stated bound, none twice; every feed that cannot be read is
// reported failing with the reason its fault calls for (`feeds --json`,
// and /metrics error kinds); the daemon's peak RSS stays under a bound.
#include <rapidjson/document.h>
#include <stdio.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

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
using testkit::Fault;
using testkit::TestEntry;

// What the daemon must make of a feed with `fault`: alert on its new items
// (the fault is one a good client tolerates), or report it failing with
// this last_error prefix and this /metrics error kind.
struct Outcome {
  bool alerts = false;
  std::string error_prefix;
  std::string kind;
};

Outcome Expected(Fault fault) {
  switch (fault) {
    case Fault::kNone:
    case Fault::kRedirectChain:     // 3 hops, under the limit of 5
    case Fault::kWrongContentType:  // the bytes say RSS whatever the header says
    case Fault::kInvalidUtf8:       // bad bytes replaced, the rest read
    case Fault::kFormatSwitch:      // the same items under the same keys in each format
    case Fault::kIntermittent500:   // every other poll succeeds
      return {true, "", ""};
    case Fault::kSlowDrip:
    case Fault::kStallAfterHeaders:
      return {false, "timeout: ", "timeout"};
    case Fault::kResetMidBody:
    case Fault::kTruncatedGzip:
      return {false, "transfer: ", "transfer"};
    case Fault::kGzipBomb:
    case Fault::kHugeContentLength:
    case Fault::kEndlessChunked:
      return {false, "too-large: ", "too-large"};
    case Fault::kRedirectLoop:
      return {false, "redirect-loop: ", "redirect-loop"};
    case Fault::kLongRedirectChain:
      return {false, "too-many-redirects: ", "too-many-redirects"};
    case Fault::kHtmlErrorPage:
      return {false, "not a feed (HTTP 200): not a feed: the document is an HTML page", "parse"};
    case Fault::k429WithRetryAfter:
    case Fault::k429NoRetryAfter:
      return {false, "HTTP 429", "http"};
    case Fault::k503WithRetryAfter:
    case Fault::k503NoRetryAfter:
      return {false, "HTTP 503", "http"};
    case Fault::kTlsWrongHost:
      return {false, "tls: ", "tls"};
  }
  return {};
}

// One feed's entries, shared with the server thread that renders them.
struct FeedContent {
  std::mutex mutex;
  std::vector<TestEntry> entries;
  int served = 0;  // documents rendered: once one was, new items are news
};

struct Feed {
  std::string id;
  std::string path;
  Fault fault = Fault::kNone;
  std::shared_ptr<FeedContent> content = std::make_shared<FeedContent>();
};

// The value of `series` in a Prometheus text exposition, 0 when absent.
double MetricValue(const std::string& text, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  size_t at = ("\n" + text).find(prefix);
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + prefix.size() - 1));
}

TEST_CASE("1,000 feeds, a third misbehave: healthy feeds alert on time, the rest are reported",
          "[reliability][faulty-feeds]") {
  const bool long_mode = LongMode();
  // The long mode runs longer (five rounds of new items), not wider: at
  // 3,000 feeds (intervals 30-45 s) a Debug build on 2 cores shared with
  // other builds fell behind (polls p50 26 s late) and delivered 2,691 of
  // 11,250 alerts within the bound.  `scale` keeps the poll rate when the
  // feed count changes.
  const int feed_count = 1000;
  const int rounds = long_mode ? 5 : 1;  // new matching items per alerting feed
  // Intervals grow with the feeds so that the poll rate stays the same: ~70 polls a second, 20
  // times a real 1,000-feed deployment at the 5-minute minimum.  At 250 polls a second (intervals
  // of 2-5 s) a Debug build on 2 cores shared with other builds saturated its loop: single webhook
  // POSTs then took up to 1.8 s, alerts waited up to 36 s.
  const int scale = feed_count / 1000;
  const std::chrono::seconds min_interval(10 * scale);
  const std::chrono::seconds max_interval(15 * scale);
  const auto round_gap = max_interval + 5s;
  // The bound on an alert's delay, from the item's appearance to the POST:
  // the longest poll interval (+20 % jitter), and 12 s to fetch, record and
  // deliver on a CI machine shared with builds (Debug and sanitizer builds
  // included): 30 s for 1,000 feeds.
  const auto delay_bound = max_interval * 6 / 5 + 12s;
  // A feed with a fault the daemon rides out (an intermittent 500) may lose
  // one poll to it and retry after min_interval (+20 %).
  const auto tolerated_bound = delay_bound + min_interval * 6 / 5;
  // Under AddressSanitizer (CI's second run) the daemon's RSS also holds
  // ASan's shadow memory and its 256 MiB quarantine of freed blocks: 595 MiB
  // was measured there, against 38-46 MiB in an ordinary build.
#if defined(__SANITIZE_ADDRESS__)
  const long rss_bound_kib = 1024 * 1024;
#else
  const long rss_bound_kib = 200 * 1024;
#endif

  testkit::HttpTestServer feeds_server;
  testkit::HttpTestServer tls_server(testkit::TestServerOptions{.tls = true});
  testkit::HttpTestServer hooks;
  std::mutex hooks_mutex;
  std::vector<WebhookDelivery> deliveries;
  hooks.Route("/hook", [&](const testkit::TestRequest& request) {
    WebhookDelivery d = ParseDelivery(request);
    {
      std::lock_guard lock(hooks_mutex);
      deliveries.push_back(std::move(d));
    }
    testkit::TestReply reply;
    reply.status = 204;
    return reply;
  });

  // Retry-After longer than min_interval, so that honouring it shows.
  testkit::FaultOptions fault_options;
  fault_options.retry_after_seconds = static_cast<int>(min_interval.count()) + 2;
  // Every third feed misbehaves, the faults taken in turn.
  std::vector<Feed> feeds(feed_count);
  std::map<Fault, int> fault_counts;
  const std::vector<Fault>& faults = testkit::AllFaults();
  std::string feed_config;
  for (int i = 0; i < feed_count; ++i) {
    Feed& f = feeds[i];
    f.id = "f" + std::to_string(i);
    f.path = "/" + f.id;
    f.fault = i % 3 == 2 ? faults[(i / 3) % faults.size()] : Fault::kNone;
    ++fault_counts[f.fault];
    f.content->entries.push_back({f.id + "-base", "Copper market quiet in " + f.id,
                                  "http://example.org/" + f.id + "/base", "Nothing to see."});
    auto source = [content = f.content] {
      std::lock_guard lock(content->mutex);
      ++content->served;
      return content->entries;
    };
    testkit::HttpTestServer& server = f.fault == Fault::kTlsWrongHost ? tls_server : feeds_server;
    testkit::RouteFault(server, f.path, f.fault, source, fault_options);
    feed_config += "[[feed]]\nid = \"" + f.id + "\"\nurl = \"" + server.Url(f.path) + "\"\n";
  }
  const long misbehaving = feed_count - fault_counts[Fault::kNone];

  testkit::TempDir temp("mineral-faulty-feeds");
  const fs::path& dir = temp.path;
  const uint16_t status_port = testkit::FreePort();
  testkit::WriteFile(dir / "rules.toml",
                     "[[rule]]\nid = \"gallium-ban\"\nseverity = \"critical\"\n"
                     "when = 'mineral:gallium AND clause:export-ban'\n");
  testkit::WriteFile(
      dir / "config.toml",
      "rules = [\"rules.toml\"]\n"
      "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"127.0.0.1:" +
          std::to_string(status_port) +
          "\"\n"
          "min_interval = \"" +
          std::to_string(min_interval.count()) + "s\"\ndefault_interval = \"" +
          std::to_string(max_interval.count()) + "s\"\nmax_interval = \"" +
          std::to_string(max_interval.count()) +
          "s\"\n"
          "backoff_base = \"1s\"\nbackoff_cap = \"20s\"\n"
          "max_concurrency = 32\nper_host_connections = 32\n"
          "connect_timeout = \"2s\"\ntotal_timeout = \"5s\"\n"
          "low_speed_limit = \"100B\"\nlow_speed_timeout = \"2s\"\nmax_body_bytes = \"1MiB\"\n"
          "[[receiver]]\nid = \"hook\"\nkind = \"webhook\"\ntimeout = \"5s\"\nurl = \"" +
          hooks.Url("/hook") + "\"\n[[route]]\nreceivers = [\"hook\"]\n" + feed_config);

  testkit::DaemonProcess daemon(MINERAL_BINARY, {"run", "--config", (dir / "config.toml").string()},
                                dir / "daemon.log");
  testkit::StatusClient status(status_port);
  REQUIRE(status.WaitFor(
      "/readyz", [](const auto& r) { return r.status == 200; }, 30s));

  // Every feed that can be read serves its baseline first (the
  // intermittent 500s after a retry): what is published after that is news.
  auto baselines_done = [&] {
    for (Feed& f : feeds) {
      if (!Expected(f.fault).alerts) continue;
      std::lock_guard lock(f.content->mutex);
      if (f.content->served == 0) return false;
    }
    return true;
  };
  // The first pass over every feed, and a retry after min_interval for the
  // intermittent 500s, on a loop doing ~70 polls a second (x2 for margin).
  REQUIRE(testkit::Eventually(baselines_done, 2 * (feed_count / 70 * 1s + min_interval * 2)));

  // Publish: in each round, one new matching item in every such feed.
  std::map<std::string, Clock::time_point> published_at;  // link -> when it appeared
  std::map<std::string, const Feed*> feed_of_link;
  std::set<std::string> expected_links;
  int doc = 10000;
  const auto start = Clock::now();
  for (int round = 0; round < rounds; ++round) {
    std::this_thread::sleep_until(start + round * round_gap);
    for (Feed& f : feeds) {
      if (!Expected(f.fault).alerts) continue;
      const std::string number = "2026-" + std::to_string(++doc);
      const std::string link = "https://www.federalregister.gov/d/" + number;
      std::lock_guard lock(f.content->mutex);
      f.content->entries.push_back(
          {f.id + "-" + number,
           "China bans gallium exports to the US (" + f.id + ", FR Doc. " + number + ")", link,
           "Export ban on gallium."});
      published_at[link] = Clock::now();
      feed_of_link[link] = &f;
      expected_links.insert(link);
    }
  }
  INFO(daemon.Log().substr(0, 4000));

  auto snapshot = [&] {
    std::lock_guard lock(hooks_mutex);
    return deliveries;
  };
  const bool all_arrived = testkit::Eventually(
      [&] { return Tally(snapshot(), expected_links).lost == 0; }, tolerated_bound + 20s);
  std::this_thread::sleep_for(3s);  // a late duplicate would show by now

  // Reported health: every failing feed with the reason its fault calls for.
  std::map<std::string, std::pair<std::string, std::string>> health;  // id -> (health, error)
  {
    const std::string json = RunCli("feeds --json --config " + (dir / "config.toml").string());
    rapidjson::Document doc_json;
    doc_json.Parse(json.c_str());
    REQUIRE_FALSE(doc_json.HasParseError());
    REQUIRE(doc_json.IsArray());
    for (const auto& feed : doc_json.GetArray()) {
      health[feed["feed"].GetString()] = {feed["health"].GetString(),
                                          feed["last_error"].GetString()};
    }
  }
  REQUIRE(health.size() == static_cast<size_t>(feed_count));
  std::map<std::string, int> wrong;  // fault -> feeds reported wrongly
  std::string first_wrong;
  for (const Feed& f : feeds) {
    const Outcome want = Expected(f.fault);
    const auto& [state, error] = health[f.id];
    bool right;
    if (f.fault == Fault::kIntermittent500) {
      right = state == "ok" || (state == "failing" && error == "HTTP 500");
    } else if (want.alerts) {
      right = state == "ok";
    } else {
      right = state == "failing" && error.starts_with(want.error_prefix);
    }
    if (!right) {
      ++wrong[testkit::FaultName(f.fault)];
      if (first_wrong.empty())
        first_wrong = f.id + " (" + testkit::FaultName(f.fault) + "): " + state + " " + error;
    }
  }
  const std::string metrics = status.Get("/metrics").body;
  std::set<std::string> kinds_missing;
  for (Fault fault : faults) {
    const Outcome want = Expected(fault);
    if (!want.alerts &&
        MetricValue(metrics, "mineral_poll_errors_total{kind=\"" + want.kind + "\"}") <= 0)
      kinds_missing.insert(want.kind);
  }

  // When each feed was asked for (one copy of the server's log).
  std::map<std::string, std::vector<Clock::time_point>> polls;  // path -> request times
  for (const testkit::TestRequest& r : feeds_server.Requests())
    polls[r.target.substr(0, r.target.find('?'))].push_back(r.received_at);

  // Retry-After was honoured: no two polls of such a feed closer than the
  // server asked (min_interval + 2 s; 1 s less for the whole-second clock),
  // where backoff alone would come back after min_interval.
  std::chrono::milliseconds shortest_retry_after_gap = 1h;
  for (const Feed& f : feeds) {
    if (f.fault != Fault::k429WithRetryAfter && f.fault != Fault::k503WithRetryAfter) continue;
    const std::vector<Clock::time_point>& times = polls[f.path];
    for (size_t i = 1; i < times.size(); ++i) {
      shortest_retry_after_gap =
          std::min(shortest_retry_after_gap,
                   std::chrono::duration_cast<std::chrono::milliseconds>(times[i] - times[i - 1]));
    }
  }

  const std::vector<WebhookDelivery> got = snapshot();
  const DeliveryTally tally = Tally(got, expected_links);
  std::chrono::milliseconds worst_delay{0};          // of all alerting feeds
  std::chrono::milliseconds worst_healthy_delay{0};  // of the feeds without a fault
  std::map<std::string, Clock::time_point> first_arrival;
  for (const WebhookDelivery& d : got) {
    auto [it, fresh] = first_arrival.emplace(d.link, d.at);
    if (!fresh) it->second = std::min(it->second, d.at);
  }
  // Each delay, and the part of it spent before the next poll of the feed.
  std::vector<long> delays, poll_waits;
  std::string worst_feed;
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  for (const auto& [link, at] : published_at) {
    auto arrived = first_arrival.find(link);
    if (arrived == first_arrival.end()) continue;
    const auto delay = duration_cast<milliseconds>(arrived->second - at);
    delays.push_back(delay.count());
    if (feed_of_link[link]->fault == Fault::kNone)
      worst_healthy_delay = std::max(worst_healthy_delay, delay);
    const Feed& f = *feed_of_link[link];
    for (Clock::time_point polled : polls[f.path]) {
      if (polled <= at) continue;
      poll_waits.push_back(duration_cast<milliseconds>(polled - at).count());
      break;
    }
    if (delay > worst_delay) {
      worst_delay = delay;
      worst_feed = f.id + " (" + testkit::FaultName(f.fault) + ")";
    }
  }
  auto percentile = [](std::vector<long> v, double p) -> long {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  const std::string delay_text =
      "alert delay p50 " + std::to_string(percentile(delays, 0.5)) + " ms, p99 " +
      std::to_string(percentile(delays, 0.99)) + " ms, max " + std::to_string(worst_delay.count()) +
      " ms (" + worst_feed + "), without a fault max " +
      std::to_string(worst_healthy_delay.count()) + " ms; wait for the next poll p50 " +
      std::to_string(percentile(poll_waits, 0.5)) + " ms, p99 " +
      std::to_string(percentile(poll_waits, 0.99)) + " ms, max " +
      std::to_string(percentile(poll_waits, 1.0)) + " ms";
  INFO(delay_text);
  const long peak_rss = daemon.PeakRssKiB();

  ScenarioRow row;
  row.scenario = "faulty-feeds";
  row.faults_injected = misbehaving;
  row.alerts_expected = tally.expected;
  row.alerts_delivered = tally.delivered;
  row.duplicates = tally.duplicates;
  row.lost = tally.lost;
  row.peak_rss_kib = peak_rss;
  row.notes = std::to_string(feed_count) + " feeds, " + std::to_string(misbehaving) +
              " misbehaving in " + std::to_string(faults.size()) + " ways; " + delay_text +
              " (bounds " + std::to_string(delay_bound.count()) + " s, with a tolerated fault " +
              std::to_string(tolerated_bound.count()) + " s); " + std::to_string(wrong.size()) +
              " faults misreported";
  Report(row);

  INFO("first misreported feed: " << first_wrong);
  CHECK(all_arrived);
  CHECK(tally.lost == 0);
  CHECK(tally.duplicates == 0);
  CHECK(tally.unexpected == 0);
  CHECK(tally.links_with_two_keys == 0);
  CHECK(tally.keys_reused == 0);
  CHECK(worst_healthy_delay <= delay_bound);
  CHECK(worst_delay <= tolerated_bound);
  std::string misreported;
  for (const auto& [fault, n] : wrong) misreported += fault + ": " + std::to_string(n) + "; ";
  INFO("misreported: " << misreported);
  CHECK(wrong.empty());
  CHECK(kinds_missing.empty());
  CHECK(shortest_retry_after_gap >= std::chrono::seconds(fault_options.retry_after_seconds - 1));
  CHECK(peak_rss > 0);
  CHECK(peak_rss < rss_bound_kib);
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(30s) == 0);
}

}  // namespace
}  // namespace mineral::reliability
