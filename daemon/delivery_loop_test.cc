// The delivery loop end to end: a real SQLite outbox, libcurl, and webhook
// servers on 127.0.0.1 that go down and come back, fail for ever, hang, or
// say 410.  The wall clock runs 100 times fast (a 30 s backoff takes 0.3 s),
// so retries, breaker pauses and max_age play out in seconds.
#include "daemon/delivery_loop.h"

#include <rapidjson/document.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "net/curl_http_client.h"
#include "notify/http_receiver.h"
#include "notify/webhook/payload.h"
#include "storage/database.h"
#include "storage/fault_vfs.h"
#include "tests/testkit/http_test_server.h"
#include "tests/testkit/temp_dir.h"

namespace mineral::daemon {
namespace {

namespace fs = std::filesystem;
using testkit::HttpTestServer;
using testkit::TestReply;
using testkit::TestRequest;
using TempDir = testkit::TempDir;

const UtcTime kT0{std::chrono::seconds{1'764'158'400}};

// kT0 + 100 x the real time elapsed since construction.
struct FastClock {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  UtcTime operator()() const {
    auto real = std::chrono::steady_clock::now() - start;
    return kT0 + std::chrono::duration_cast<std::chrono::seconds>(real * 100);
  }
};

// A database with `n` alerts, each queued for every receiver in `receivers`.
std::unique_ptr<storage::Database> OutboxWith(const fs::path& dir, int n,
                                              std::vector<std::string> receivers,
                                              const storage::DatabaseOptions& db_options = {}) {
  auto opened = storage::Database::Open((dir / "state.db").string(), db_options);
  REQUIRE(opened.ok());
  auto db = std::move(opened).value();
  FeedSpec spec;
  spec.id = "wire";
  spec.url = "https://wire.example/feed";
  spec.alert_backlog = true;
  REQUIRE(db->SyncFeeds({spec}).ok());
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) {
    Item item;
    item.key = "item-" + std::to_string(i);
    item.title = "Gallium export notice number " + std::to_string(i * 7919);
    item.link = "https://wire.example/" + std::to_string(i);
    item.summary_text = "gallium " + std::to_string(i);
    items.push_back(item);
  }
  FeedState state;
  state.feed_id = "wire";
  auto matcher = [receivers](const Item&) {
    AlertCandidate c;
    c.rule_id = "gallium";
    c.severity = "critical";
    c.receivers = receivers;
    c.evidence = {{"gallium", "title", 0, 7}};
    return std::vector<AlertCandidate>{c};
  };
  auto counts = db->RecordFetch(state, items, kT0, matcher);
  REQUIRE(counts.ok());
  REQUIRE(counts->alerts == n);
  return db;
}

std::map<std::string, OutboxState> States(storage::Store& store, const std::string& receiver) {
  std::map<std::string, OutboxState> out;
  auto alerts = store.ListAlerts(UtcTime{}, "");
  REQUIRE(alerts.ok());
  for (const auto& a : *alerts) {
    for (const auto& d : a.deliveries) {
      if (d.receiver == receiver) out[std::to_string(d.outbox_id)] = d.state;
    }
  }
  return out;
}

int Count(const std::map<std::string, OutboxState>& states, OutboxState s) {
  int n = 0;
  for (const auto& [id, state] : states) n += state == s;
  return n;
}

struct Harness {
  TempDir dir;
  boost::asio::io_context io;
  net::CurlHttpClient http{io};
  FastClock clock;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<DeliveryLoop> loop;
  std::vector<DeliveryEvent> events;

  Harness(int alerts, std::vector<std::string> receivers, BreakerPolicy breaker = {},
          const storage::DatabaseOptions& db_options = {}) {
    db = OutboxWith(dir.path, alerts, std::move(receivers), db_options);
    DeliveryLoopOptions options;
    options.breaker = breaker;
    options.now = clock;
    options.poll_interval = std::chrono::milliseconds(20);
    loop = std::make_unique<DeliveryLoop>(io, *db, options);
    loop->OnAttempt([this](const DeliveryEvent& e) {
      REQUIRE(e.store.ok());
      events.push_back(e);
    });
  }

  void AddWebhook(const std::string& id, const std::string& url,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5),
                  ReceiverSettings settings = {}) {
    notify::HttpReceiverOptions o;
    o.id = id;
    o.url = url;
    o.timeout = timeout;
    o.signing_keys = {"secret"};
    loop->AddReceiver(
        std::make_unique<notify::HttpReceiver>(http, notify::webhook::RenderPayload, o), settings);
  }

  // Runs the loop until `done` or `limit` of real time passes.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (io.stopped()) io.restart();  // it ran out of work (the loop was stopped)
      io.run_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  void Drain() {
    bool drained = false;
    loop->Stop([&] { drained = true; });
    RunUntil([&] { return drained; }, std::chrono::seconds(10));
  }
};

// The receiver "hook" answers again: runs the loop until all `alerts` were
// delivered, then drains it.
void ComeBack(Harness& h, std::atomic<bool>& up, int alerts) {
  up = true;
  REQUIRE(
      h.RunUntil([&] { return Count(States(*h.db, "hook"), OutboxState::kDelivered) == alerts; },
                 std::chrono::seconds(60)));
  h.Drain();
}

TEST_CASE("a receiver down for a while then back: every alert arrives, none twice",
          "[delivery_loop]") {
  HttpTestServer server;
  std::mutex mutex;
  std::map<std::string, int> accepted;  // webhook-id -> 200s given
  std::atomic<bool> up{false};
  server.Route("/hook", [&](const TestRequest& r) {
    TestReply reply;
    if (!up) {
      reply.status = 503;
      return reply;
    }
    std::lock_guard lock(mutex);
    ++accepted[r.Header("webhook-id")];
    reply.status = 200;
    return reply;
  });
  const int kAlerts = 30;
  Harness h(kAlerts, {"hook"});
  h.AddWebhook("hook", server.Url("/hook"));
  h.loop->Start();
  // Down for a simulated ~3 minutes: retries back off, the breaker opens.
  h.RunUntil([] { return false; }, std::chrono::seconds(2));
  CHECK(Count(States(*h.db, "hook"), OutboxState::kDelivered) == 0);
  CHECK(h.loop->Receivers()[0].breaker != CircuitBreaker::State::kClosed);
  size_t requests_while_down = server.Requests("/hook").size();
  CHECK(requests_while_down < 60);  // probed, not hammered (30 alerts, ~2 s)
  ComeBack(h, up, kAlerts);
  std::lock_guard lock(mutex);
  CHECK(accepted.size() == static_cast<size_t>(kAlerts));
  for (const auto& [id, times] : accepted) {
    INFO(id);
    CHECK(times == 1);
  }
  CHECK(h.loop->Receivers()[0].breaker == CircuitBreaker::State::kClosed);
}

TEST_CASE("after an outage the waiting alerts go in the order they were raised",
          "[delivery_loop]") {
  HttpTestServer server;
  std::mutex mutex;
  std::vector<int64_t> order;  // alert ids accepted, in arrival order
  std::atomic<bool> up{false};
  server.Route("/hook", [&](const TestRequest& r) {
    TestReply reply;
    if (!up) {
      reply.status = 503;
      return reply;
    }
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    REQUIRE(doc.IsObject());
    std::lock_guard lock(mutex);
    order.push_back(doc["alerts"][0]["id"].GetInt64());
    reply.status = 200;
    return reply;
  });
  const int kAlerts = 20;
  Harness h(kAlerts, {"hook"});
  ReceiverSettings settings;
  settings.concurrency = 1;  // one at a time: arrival order is send order
  h.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), settings);
  h.loop->Start();
  // Down for a simulated ~5 minutes: some rows back off, some were never
  // tried, the breaker opens and probes.
  h.RunUntil([] { return false; }, std::chrono::seconds(3));
  CHECK(h.loop->Receivers()[0].breaker != CircuitBreaker::State::kClosed);
  ComeBack(h, up, kAlerts);
  std::lock_guard lock(mutex);
  REQUIRE(order.size() == static_cast<size_t>(kAlerts));
  CHECK(std::is_sorted(order.begin(), order.end()));
}

TEST_CASE("a receiver that fails for ever: rows end as dead letters with the last error",
          "[delivery_loop]") {
  HttpTestServer server;
  TestReply broken;
  broken.status = 500;
  broken.body = "database is down";
  server.Route("/hook", broken);
  // Short breaker pauses: 4 rows x 3 attempts against a breaker that opens
  // after 5 failures means most attempts are half-open probes.
  BreakerPolicy breaker;
  breaker.open_for = Seconds(5);
  breaker.max_open_for = Seconds(20);
  Harness h(4, {"hook"}, breaker);
  ReceiverSettings settings;
  settings.limits.max_attempts = 3;
  h.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), settings);
  h.loop->Start();
  REQUIRE(h.RunUntil([&] { return Count(States(*h.db, "hook"), OutboxState::kDead) == 4; },
                     std::chrono::seconds(60)));
  h.Drain();
  auto alerts = h.db->ListAlerts(UtcTime{}, "");
  for (const auto& a : *alerts) {
    REQUIRE(a.deliveries.size() == 1);
    CHECK(a.deliveries[0].attempts == 3);
    CHECK(a.deliveries[0].last_error == "HTTP 500: database is down (after 3 attempts)");
  }
  CHECK(server.Requests("/hook").size() == 12);
}

TEST_CASE("a hung receiver: deadline and retry, the other receiver unaffected", "[delivery_loop]") {
  // Two servers: curl shares connections per host (4 by default), and the
  // daemon gives delivery its own client sized for its receivers.
  HttpTestServer slow_server;
  HttpTestServer server;
  TestReply hang;
  hang.mode = TestReply::Mode::kStallAfterHeaders;
  slow_server.Route("/slow", hang);
  TestReply ok;
  ok.status = 204;
  server.Route("/fast", ok);
  const int kAlerts = 10;
  Harness h(kAlerts, {"fast", "slow"});
  h.AddWebhook("slow", slow_server.Url("/slow"), std::chrono::milliseconds(1500));
  h.AddWebhook("fast", server.Url("/fast"));
  auto start = std::chrono::steady_clock::now();
  h.loop->Start();
  REQUIRE(
      h.RunUntil([&] { return Count(States(*h.db, "fast"), OutboxState::kDelivered) == kAlerts; },
                 std::chrono::seconds(30)));
  // Every fast delivery landed while the slow receiver's first sends hung.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500));
  REQUIRE(h.RunUntil(
      [&] {
        for (const auto& e : h.events) {
          if (e.receiver == "slow") return true;
        }
        return false;
      },
      std::chrono::seconds(30)));
  h.Drain();
  for (const auto& e : h.events) {
    if (e.receiver != "slow") continue;
    CHECK(e.decision.verdict == Verdict::kRetry);
    CHECK(e.result.error.starts_with("timeout"));
  }
  CHECK(Count(States(*h.db, "slow"), OutboxState::kDelivered) == 0);
  CHECK(Count(States(*h.db, "slow"), OutboxState::kDead) == 0);
}

// Every due row of the database at `path`, claimed after reopening it (as
// the next start does).
std::vector<storage::OutboxEntry> ReopenAndClaimAll(const fs::path& path) {
  auto reopened = storage::Database::Open(path.string(), {});
  REQUIRE(reopened.ok());
  auto claimed = (*reopened)->ClaimDueOutbox(kT0, 100);
  REQUIRE(claimed.ok());
  return std::move(claimed).value();
}

// `server` stalls every request to /slow after the headers; `h` sends to
// it as receiver "slow" (30 s timeout) and runs until two requests hang.
void StartHung(Harness& h, HttpTestServer& server, ReceiverSettings settings) {
  TestReply hang;
  hang.mode = TestReply::Mode::kStallAfterHeaders;
  server.Route("/slow", hang);
  h.AddWebhook("slow", server.Url("/slow"), std::chrono::seconds(30), settings);
  h.loop->Start();
  REQUIRE(
      h.RunUntil([&] { return server.Requests("/slow").size() == 2; }, std::chrono::seconds(10)));
}

TEST_CASE("Stop's bound abandons hung sends: their rows stay queued, no attempt counted",
          "[delivery_loop]") {
  HttpTestServer server;
  Harness h(2, {"slow"});
  StartHung(h, server, {});
  bool drained = false;
  auto stop = std::chrono::steady_clock::now();
  h.loop->Stop([&] { drained = true; }, std::chrono::milliseconds(200));
  REQUIRE(h.RunUntil([&] { return drained; }, std::chrono::seconds(10)));
  // Drained at the bound, not at the sends' 30 s timeout.
  CHECK(std::chrono::steady_clock::now() - stop < std::chrono::seconds(5));
  CHECK(h.loop->abandoned() == 2);
  CHECK(h.events.empty());  // nothing recorded as an attempt
  CHECK(Count(States(*h.db, "slow"), OutboxState::kInFlight) == 2);

  // The next start sends them at once, as first attempts.
  fs::path path = h.dir.path / "state.db";
  h.loop.reset();
  h.db.reset();
  auto claimed = ReopenAndClaimAll(path);
  REQUIRE(claimed.size() == 2);
  for (const storage::OutboxEntry& e : claimed) CHECK(e.attempts == 0);
}

TEST_CASE("rows claimed ahead: Stop gives them back, a crash leaves them to the next open",
          "[delivery_loop]") {
  // Two slots, both hung: two rows are being sent and four more are claimed
  // ahead (twice the concurrency; in flight in the store, not sent).
  HttpTestServer server;
  const int kAlerts = 10;
  Harness h(kAlerts, {"slow"});
  ReceiverSettings settings;
  settings.concurrency = 2;
  StartHung(h, server, settings);
  REQUIRE(h.RunUntil(
      [&] {
        return Count(States(*h.db, "slow"), OutboxState::kInFlight) == 2 + kClaimAheadSlots * 2;
      },
      std::chrono::seconds(10)));
  const fs::path path = h.dir.path / "state.db";

  SECTION("Stop: the rows claimed ahead are pending at once, the sent ones stay in flight") {
    bool drained = false;
    h.loop->Stop([&] { drained = true; }, std::chrono::milliseconds(200));
    auto states = States(*h.db, "slow");
    CHECK(Count(states, OutboxState::kInFlight) == 2);
    CHECK(Count(states, OutboxState::kPending) == kAlerts - 2);
    REQUIRE(h.RunUntil([&] { return drained; }, std::chrono::seconds(10)));
    CHECK(h.loop->abandoned() == 2);
    CHECK(server.Requests("/slow").size() == 2);  // nothing sent after the stop
  }
  SECTION("a crash (no Stop): every row is pending at the next open, none counted an attempt") {
    h.loop.reset();
  }
  h.loop.reset();
  h.db.reset();
  auto claimed = ReopenAndClaimAll(path);
  CHECK(claimed.size() == static_cast<size_t>(kAlerts));
  for (const storage::OutboxEntry& e : claimed) CHECK(e.attempts == 0);
}

TEST_CASE("after a stop and a start, retries still come due with the periodic look",
          "[delivery_loop]") {
  // The first attempt gets a 503; its retry is due 30 s later (0.3 s at the
  // test clock's pace) and nothing wakes the loop then but its timer.
  HttpTestServer server;
  std::atomic<int> calls = 0;
  server.Route("/hook", [&calls](const TestRequest&) {
    TestReply r;
    r.status = calls++ == 0 ? 503 : 204;
    return r;
  });
  Harness h(1, {"hook"});
  h.AddWebhook("hook", server.Url("/hook"));
  h.loop->Start();
  REQUIRE(h.RunUntil([&] { return h.events.size() == 1; }, std::chrono::seconds(10)));
  CHECK(h.events[0].decision.verdict == Verdict::kRetry);
  bool drained = false;
  h.loop->Stop([&] { drained = true; });
  h.loop->Start();  // at once: the cancelled wait of the stop has not run yet
  REQUIRE(h.RunUntil([&] { return Count(States(*h.db, "hook"), OutboxState::kDelivered) == 1; },
                     std::chrono::seconds(10)));
  CHECK(calls == 2);
  CHECK(drained);
  h.Drain();
}

TEST_CASE("a receiver's concurrency bounds its sends in flight", "[delivery_loop]") {
  HttpTestServer server;
  TestReply hang;
  hang.mode = TestReply::Mode::kStallAfterHeaders;
  server.Route("/slow", hang);
  Harness h(10, {"slow"});
  ReceiverSettings settings;
  settings.concurrency = 3;  // below curl's 4 connections per host: the loop's bound, not curl's
  h.AddWebhook("slow", server.Url("/slow"), std::chrono::seconds(3), settings);
  h.loop->Start();
  REQUIRE(
      h.RunUntil([&] { return server.Requests("/slow").size() >= 3; }, std::chrono::seconds(10)));
  h.RunUntil([] { return false; }, std::chrono::milliseconds(500));  // no fourth send starts
  CHECK(server.Requests("/slow").size() == 3);
  CHECK(h.loop->Receivers()[0].in_flight == 3);
  h.Drain();
}

TEST_CASE("410 Gone disables the receiver and reports it; its other rows wait", "[delivery_loop]") {
  HttpTestServer server;
  TestReply gone;
  gone.status = 410;
  server.Route("/hook", gone);
  Harness h(3, {"hook"});
  ReceiverSettings settings;
  settings.concurrency = 1;
  h.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), settings);
  std::vector<ReceiverState> disabled;
  h.loop->OnReceiverDisabled([&](const ReceiverState& s) { disabled.push_back(s); });
  h.loop->Start();
  REQUIRE(h.RunUntil([&] { return !disabled.empty(); }, std::chrono::seconds(10)));
  h.RunUntil([] { return false; }, std::chrono::seconds(1));  // nothing more goes out
  h.Drain();
  CHECK(disabled[0].id == "hook");
  CHECK(disabled[0].disabled_reason.starts_with("HTTP 410 Gone"));
  auto states = States(*h.db, "hook");
  CHECK(Count(states, OutboxState::kDead) == 1);
  CHECK(Count(states, OutboxState::kPending) == 2);
  CHECK(server.Requests("/hook").size() == 1);
  CHECK_FALSE(h.loop->Receivers()[0].enabled);

  // The config is fixed and reloaded: the receiver is back, its queue drains.
  h.loop->Start();
  TestReply ok;
  ok.status = 200;
  server.Route("/new-hook", ok);
  notify::HttpReceiverOptions o;
  o.id = "hook";
  o.url = server.Url("/new-hook");
  std::vector<std::pair<std::unique_ptr<notify::Receiver>, ReceiverSettings>> receivers;
  receivers.emplace_back(
      std::make_unique<notify::HttpReceiver>(h.http, notify::webhook::RenderPayload, o),
      ReceiverSettings{});
  h.loop->SetReceivers(std::move(receivers));
  REQUIRE(h.RunUntil([&] { return Count(States(*h.db, "hook"), OutboxState::kDelivered) == 2; },
                     std::chrono::seconds(10)));
  CHECK(h.loop->Receivers()[0].enabled);
  h.Drain();
}

TEST_CASE("a reload applies a kept receiver's new breaker policy, keeping its failures",
          "[delivery_loop]") {
  HttpTestServer server;
  TestReply failing;
  failing.status = 500;
  server.Route("/hook", failing);
  Harness h(6, {"hook"});
  ReceiverSettings lenient;
  lenient.concurrency = 1;
  lenient.breaker = BreakerPolicy{100, std::chrono::seconds(60), std::chrono::seconds(600)};
  h.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), lenient);
  h.loop->Start();
  REQUIRE(h.RunUntil([&] { return h.events.size() >= 2; }, std::chrono::seconds(10)));
  CHECK(h.loop->Receivers()[0].breaker == CircuitBreaker::State::kClosed);

  // The config now opens the circuit after 1 failure: the next one opens it.
  ReceiverSettings strict = lenient;
  strict.breaker = BreakerPolicy{1, std::chrono::seconds(60), std::chrono::seconds(600)};
  notify::HttpReceiverOptions o;
  o.id = "hook";
  o.url = server.Url("/hook");
  std::vector<std::pair<std::unique_ptr<notify::Receiver>, ReceiverSettings>> receivers;
  receivers.emplace_back(
      std::make_unique<notify::HttpReceiver>(h.http, notify::webhook::RenderPayload, o), strict);
  h.loop->SetReceivers(std::move(receivers));
  CHECK(h.RunUntil([&] { return h.loop->Receivers()[0].breaker == CircuitBreaker::State::kOpen; },
                   std::chrono::seconds(10)));
  // Open: the rest wait (before the reload, the lenient policy let every
  // row and its retries through).
  const size_t sent = server.Requests("/hook").size();
  h.RunUntil([] { return false; }, std::chrono::milliseconds(500));
  CHECK(server.Requests("/hook").size() == sent);
  h.Drain();
}

TEST_CASE("a 404 is a failure: dead at once, never delivered", "[delivery_loop]") {
  HttpTestServer server;  // nothing routed: 404
  Harness h(2, {"hook"});
  h.AddWebhook("hook", server.Url("/nowhere"));
  h.loop->Start();
  REQUIRE(h.RunUntil([&] { return Count(States(*h.db, "hook"), OutboxState::kDead) == 2; },
                     std::chrono::seconds(10)));
  h.Drain();
  CHECK(h.events.size() == 2);
  CHECK(h.events[0].result.status == 404);
}

TEST_CASE("ToNotifyAlert carries the alert, its sources and the row's key", "[delivery_loop]") {
  storage::OutboxEntry e;
  e.idempotency_key = "abc";
  e.alert.id = 7;
  e.alert.kind = "amended";
  e.alert.rule_id = "r";
  storage::StoredItem s;
  s.feed_id = "wire";
  s.item.title = "T";
  s.item.summary_text = std::string(5000, 'x');
  s.item.updated = kT0;
  e.alert.sources = {s, s};
  notify::Alert a = ToNotifyAlert(e);
  CHECK(a.idempotency_key == "abc");
  CHECK(a.amended);
  REQUIRE(a.items.size() == 2);
  CHECK(a.items[0].feed == "wire");
  CHECK(a.items[0].published == kT0);
  CHECK(a.items[0].summary.size() <= kMaxSummaryBytes);
}

TEST_CASE("TakeNotifyAlert gives what ToNotifyAlert gives, and leaves the row's keys",
          "[delivery_loop]") {
  storage::OutboxEntry e;
  e.id = 3;
  e.attempts = 2;
  e.idempotency_key = "abc";
  e.alert.id = 7;
  e.alert.kind = "new";
  e.alert.rule_id = "r";
  e.alert.severity = "critical";
  e.alert.labels = {"l1", "l2"};
  e.alert.doc_number = "fr:1";
  e.alert.created_at = kT0;
  e.alert.evidence = {{"gallium", "title", 0, 7}};
  storage::StoredItem s;
  s.feed_id = "wire";
  s.item.title = "T";
  s.item.link = "https://example.org/a";
  s.item.origin = "Reuters";
  s.item.language = "en";
  s.item.published = kT0 + std::chrono::seconds(5);
  s.item.summary_text = "short";
  storage::StoredItem long_one = s;
  long_one.item.summary_text = std::string(5000, 'y');
  e.alert.sources = {s, long_one};
  const notify::Alert copied = ToNotifyAlert(e);
  notify::Alert taken = TakeNotifyAlert(e);
  CHECK(taken.id == copied.id);
  CHECK(taken.idempotency_key == "abc");
  CHECK(taken.rule_id == "r");
  CHECK(taken.severity == "critical");
  CHECK(taken.labels == copied.labels);
  CHECK(taken.doc_number == "fr:1");
  CHECK(taken.created_at == kT0);
  CHECK(taken.evidence.size() == 1);
  REQUIRE(taken.items.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(taken.items[i].feed == copied.items[i].feed);
    CHECK(taken.items[i].title == copied.items[i].title);
    CHECK(taken.items[i].link == copied.items[i].link);
    CHECK(taken.items[i].origin == copied.items[i].origin);
    CHECK(taken.items[i].published == copied.items[i].published);
    CHECK(taken.items[i].language == copied.items[i].language);
    CHECK(taken.items[i].summary == copied.items[i].summary);
  }
  CHECK(taken.items[0].summary == "short");
  CHECK(taken.items[1].summary.size() <= kMaxSummaryBytes);
  // What OnResult reads stays in the row.
  CHECK(e.id == 3);
  CHECK(e.attempts == 2);
  CHECK(e.idempotency_key == "abc");
  CHECK(e.alert.id == 7);
  CHECK(e.alert.created_at == kT0);
}

}  // namespace
}  // namespace mineral::daemon

namespace mineral::daemon {
namespace {

TEST_CASE("quiet hours hold back all but critical alerts; the rate limit spaces sends",
          "[delivery_loop]") {
  testkit::HttpTestServer server;
  testkit::TestReply ok;
  ok.status = 200;
  server.Route("/hook", ok);
  Harness h(5, {"hook"});  // critical alerts (see OutboxWith)
  ReceiverSettings quiet;
  quiet.timing.quiet_hours = {{0, 23 * 60 + 59}};  // all day but 23:59
  quiet.timing.critical_ignores_quiet_hours = false;
  h.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), quiet);
  h.loop->Start();
  h.RunUntil([] { return false; }, std::chrono::seconds(1));
  CHECK(server.Requests("/hook").empty());
  h.Drain();

  Harness critical(5, {"hook"});
  quiet.timing.critical_ignores_quiet_hours = true;
  quiet.timing.rate_count = 2;
  quiet.timing.rate_per = std::chrono::hours(1);
  critical.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), quiet);
  critical.loop->Start();
  // Two go at once; the rest wait for the hour (36 s of real time at 100x).
  critical.RunUntil([] { return false; }, std::chrono::seconds(2));
  CHECK(server.Requests("/hook").size() == 2);
  critical.Drain();
}

}  // namespace
}  // namespace mineral::daemon

namespace mineral::daemon {
namespace {

TEST_CASE("DeliverDue sends what is due once, then stops", "[delivery_loop]") {
  testkit::HttpTestServer server;
  testkit::TestReply busy;
  busy.status = 503;
  server.Route("/busy", busy);
  testkit::TestReply ok;
  ok.status = 200;
  server.Route("/hook", ok);
  // A breaker that opens only after more failures than rows: whether it
  // opened after the fifth failure would depend on how the answers and the
  // claims interleave (the breaker has its own test).
  BreakerPolicy breaker;
  breaker.failure_threshold = 100;
  Harness h(7, {"hook", "busy"}, breaker);
  h.AddWebhook("hook", server.Url("/hook"));
  h.AddWebhook("busy", server.Url("/busy"));
  bool done = false;
  h.loop->DeliverDue([&] { done = true; });
  REQUIRE(h.RunUntil([&] { return done; }, std::chrono::seconds(10)));
  CHECK(Count(States(*h.db, "hook"), OutboxState::kDelivered) == 7);
  // The failing receiver's rows were tried once and wait for their retry.
  CHECK(Count(States(*h.db, "busy"), OutboxState::kPending) == 7);
  CHECK(server.Requests("/busy").size() == 7);
  CHECK(h.events.size() == 14);
}

}  // namespace
}  // namespace mineral::daemon

namespace mineral::daemon {
namespace {

TEST_CASE("group_wait: the alerts of the wait go as one message", "[delivery_loop]") {
  testkit::HttpTestServer server;
  testkit::TestReply ok;
  ok.status = 200;
  server.Route("/hook", ok);
  Harness h(5, {"hook"});
  ReceiverSettings grouped;
  grouped.timing.group_wait = Seconds(30);  // 0.3 s of real time
  h.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), grouped);
  h.loop->Start();
  REQUIRE(h.RunUntil([&] { return Count(States(*h.db, "hook"), OutboxState::kDelivered) == 5; },
                     std::chrono::seconds(10)));
  h.Drain();
  auto requests = server.Requests("/hook");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].body.find(R"("type":"alert.group")") != std::string::npos);
  CHECK(requests[0].Header("webhook-id").starts_with("grp_"));
  CHECK(h.events.size() == 5);
}

TEST_CASE("digest_at: one message at the local time", "[delivery_loop]") {
  testkit::HttpTestServer server;
  testkit::TestReply ok;
  ok.status = 200;
  server.Route("/hook", ok);
  Harness h(3, {"hook"});  // the clock starts at 12:00:00Z
  ReceiverSettings digest;
  digest.timing.digest_at = 12 * 60 + 1;  // 12:01 UTC: 0.6 s of real time
  h.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), digest);
  h.loop->Start();
  h.RunUntil([] { return false; }, std::chrono::milliseconds(300));
  CHECK(server.Requests("/hook").empty());  // held for the digest
  REQUIRE(h.RunUntil([&] { return Count(States(*h.db, "hook"), OutboxState::kDelivered) == 3; },
                     std::chrono::seconds(10)));
  CHECK(h.clock() >= kT0 + std::chrono::minutes(1));
  h.Drain();
  REQUIRE(server.Requests("/hook").size() == 1);
}

}  // namespace
}  // namespace mineral::daemon

namespace mineral::daemon {
namespace {

// A store on the fault-injecting VFS (ArmFault makes its writes fail).
storage::DatabaseOptions FaultyDisk() {
  storage::testing::RegisterFaultVfs();
  storage::DatabaseOptions options;
  options.vfs = storage::testing::kFaultVfsName;
  return options;
}

// An answer that takes ~0.4 s: time to fill the disk meanwhile.
TestReply SlowAnswer() {
  TestReply slow;
  slow.body = "ok";
  slow.mode = TestReply::Mode::kDrip;
  slow.drip_interval = std::chrono::milliseconds(200);
  return slow;
}

TEST_CASE("outcomes the store could not record (disk full) are stored once it writes again",
          "[delivery_loop]") {
  // The answers come while every write fails: the loop must keep them and
  // store them later, not leave the rows in flight until the next start
  // (which would send every one of them again, and never retry the rest).
  const storage::DatabaseOptions db_options = FaultyDisk();
  HttpTestServer server;
  std::mutex mutex;
  std::map<std::string, int> received;  // webhook-id -> requests
  server.Route("/hook", [&](const TestRequest& r) {
    std::lock_guard lock(mutex);
    ++received[r.Header("webhook-id")];
    return SlowAnswer();
  });
  const int kAlerts = 4;
  Harness h(kAlerts, {"hook"}, {}, db_options);
  h.AddWebhook("hook", server.Url("/hook"));
  std::vector<Status> store_errors;
  h.loop->OnStoreError([&](const Status& s) { store_errors.push_back(s); });
  std::vector<DeliveryEvent> events;
  h.loop->OnAttempt([&](const DeliveryEvent& e) { events.push_back(e); });
  h.loop->Start();
  REQUIRE(h.RunUntil([&] { return server.Requests("/hook").size() == kAlerts; },
                     std::chrono::seconds(10)));
  storage::testing::ArmFault(1, /*sticky=*/true);  // every write fails from now on
  const bool answered =
      h.RunUntil([&] { return events.size() == kAlerts; }, std::chrono::seconds(10));
  // Ticks go by while the disk stays full.
  h.RunUntil([] { return false; }, std::chrono::milliseconds(300));
  const bool fired = storage::testing::DisarmFault();
  REQUIRE(answered);
  REQUIRE(fired);
  REQUIRE_FALSE(store_errors.empty());
  for (const DeliveryEvent& e : events) {
    CHECK(e.decision.verdict == Verdict::kDelivered);
    CHECK_FALSE(e.store.ok());
  }
  // Space is back: the next ticks store the kept outcomes.
  CHECK(h.RunUntil([&] { return Count(States(*h.db, "hook"), OutboxState::kDelivered) == kAlerts; },
                   std::chrono::seconds(10)));
  h.Drain();
  CHECK(Count(States(*h.db, "hook"), OutboxState::kInFlight) == 0);
  std::lock_guard lock(mutex);
  CHECK(received.size() == static_cast<size_t>(kAlerts));
  for (const auto& [id, times] : received) {
    INFO(id);
    CHECK(times == 1);
  }
}

// The window of at-least-once: answers come, and the process dies before a
// turn stores them.  With claim-ahead and turns of `concurrency` outcomes,
// that is several answered sends and twice the concurrency in rows claimed
// ahead: every one of them must be pending at the next open (sent again,
// under the same key), none lost, none counted an attempt.
TEST_CASE("a crash before answered sends are stored: every row is pending at the next open",
          "[delivery_loop]") {
  const storage::DatabaseOptions db_options = FaultyDisk();
  HttpTestServer server;
  server.Route("/hook", SlowAnswer());
  const int kAlerts = 10;
  Harness h(kAlerts, {"hook"}, {}, db_options);
  ReceiverSettings two_slots;
  two_slots.concurrency = 2;
  std::vector<DeliveryEvent> events;
  h.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), two_slots);
  h.loop->OnAttempt([&](const DeliveryEvent& e) { events.push_back(e); });
  h.loop->Start();
  REQUIRE(
      h.RunUntil([&] { return server.Requests("/hook").size() == 2; }, std::chrono::seconds(10)));
  // Two sends on the wire, twice the concurrency more claimed ahead.
  CHECK(Count(States(*h.db, "hook"), OutboxState::kInFlight) == 2 + kClaimAheadSlots * 2);
  storage::testing::ArmFault(1, /*sticky=*/true);  // no turn is stored from now on
  REQUIRE(h.RunUntil([&] { return events.size() >= 2; }, std::chrono::seconds(10)));
  for (const DeliveryEvent& e : events) {
    CHECK(e.decision.verdict == Verdict::kDelivered);
    CHECK_FALSE(e.store.ok());
  }
  // The process dies: nothing more is stored.
  h.loop.reset();
  REQUIRE(storage::testing::DisarmFault());
  const fs::path path = h.dir.path / "state.db";
  h.db.reset();
  auto claimed = ReopenAndClaimAll(path);
  CHECK(claimed.size() == static_cast<size_t>(kAlerts));
  for (const storage::OutboxEntry& e : claimed) CHECK(e.attempts == 0);
}

}  // namespace
}  // namespace mineral::daemon

namespace mineral::daemon {
namespace {

// A wall clock that follows real time from kT0 and jumps when told, with
// the real monotonic clock beside it: the loop notices the jumps.
struct JumpingClock {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::shared_ptr<std::atomic<long>> offset_s = std::make_shared<std::atomic<long>>(0);
  UtcTime operator()() const {
    return kT0 +
           std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                            start) +
           std::chrono::seconds(offset_s->load());
  }
  void Jump(std::chrono::seconds by) { *offset_s += by.count(); }
};

// A harness whose loop runs on a JumpingClock with the monotonic clock
// beside it (so it notices the jumps, reported in `jumps`), no jitter.
struct JumpingHarness {
  Harness h;
  JumpingClock clock;
  std::vector<std::chrono::seconds> jumps;

  JumpingHarness(int alerts, RetryPolicy retry, BreakerPolicy breaker) : h(alerts, {"hook"}) {
    DeliveryLoopOptions options;
    options.now = clock;
    options.steady = [] { return std::chrono::steady_clock::now(); };
    options.retry = retry;
    options.breaker = breaker;
    options.random = [] { return 0.5; };
    options.poll_interval = std::chrono::milliseconds(20);
    h.loop = std::make_unique<DeliveryLoop>(h.io, *h.db, options);
    h.loop->OnAttempt([this](const DeliveryEvent& e) { h.events.push_back(e); });
    h.loop->OnClockJump([this](std::chrono::seconds by) { jumps.push_back(by); });
  }
};

TEST_CASE("a wall clock jump back (an hour, a day) stalls neither retries nor the breaker",
          "[delivery_loop][clock]") {
  for (std::chrono::seconds back : {std::chrono::seconds(3600), std::chrono::seconds(86400)}) {
    INFO("jump back " << back.count() << " s");
    HttpTestServer server;
    std::atomic<bool> up{false};
    server.Route("/hook", [&up](const TestRequest&) {
      TestReply r;
      r.status = up ? 204 : 503;
      return r;
    });
    const int kAlerts = 4;
    RetryPolicy retry;
    retry.base = Seconds(2);  // each row retries 2 s after its failure
    retry.jitter = 0;
    BreakerPolicy breaker;
    breaker.failure_threshold = 4;
    breaker.open_for = Seconds(2);
    JumpingHarness jh(kAlerts, retry, breaker);
    Harness& h = jh.h;
    h.AddWebhook("hook", server.Url("/hook"));
    h.loop->Start();
    // Every row failed once: retries pending 2 s ahead, the breaker open.
    REQUIRE(h.RunUntil([&] { return h.events.size() == kAlerts; }, std::chrono::seconds(10)));
    CHECK(h.loop->Receivers()[0].breaker == CircuitBreaker::State::kOpen);
    up = true;
    jh.clock.Jump(-back);
    // The retries and the breaker's probe keep their 2 s, not 2 s + the jump.
    CHECK(
        h.RunUntil([&] { return Count(States(*h.db, "hook"), OutboxState::kDelivered) == kAlerts; },
                   std::chrono::seconds(15)));
    h.Drain();
    REQUIRE(jh.jumps.size() == 1);
    CHECK(jh.jumps[0] <= -back + Seconds(2));
    CHECK(jh.jumps[0] >= -back - Seconds(2));
  }
}

TEST_CASE("a wall clock jump forward a day: the retries due go, within the receiver's limits",
          "[delivery_loop][clock]") {
  HttpTestServer server;
  std::atomic<bool> up{false};
  server.Route("/hook", [&](const TestRequest&) {
    TestReply r;
    if (!up) {
      r.status = 429;  // come back in an hour
      r.headers = {{"Retry-After", "3600"}};
      return r;
    }
    r.status = 200;
    r.body = "ok";  // slow answers: sends overlap as much as the loop allows
    r.mode = TestReply::Mode::kDrip;
    r.drip_interval = std::chrono::milliseconds(50);
    return r;
  });
  const int kAlerts = 12;
  BreakerPolicy breaker;
  breaker.failure_threshold = 100;  // the 429s must not open it
  JumpingHarness jh(kAlerts, RetryPolicy{}, breaker);
  Harness& h = jh.h;
  ReceiverSettings settings;
  settings.concurrency = 3;
  h.AddWebhook("hook", server.Url("/hook"), std::chrono::seconds(5), settings);
  h.loop->Start();
  REQUIRE(h.RunUntil([&] { return h.events.size() == kAlerts; }, std::chrono::seconds(10)));
  // Nothing more for a while: every row waits for its hour.
  h.RunUntil([] { return false; }, std::chrono::milliseconds(500));
  CHECK(server.Requests("/hook").size() == kAlerts);
  up = true;
  jh.clock.Jump(Seconds(86400));
  int peak_in_flight = 0;
  CHECK(h.RunUntil(
      [&] {
        peak_in_flight = std::max(peak_in_flight, h.loop->in_flight());
        return Count(States(*h.db, "hook"), OutboxState::kDelivered) == kAlerts;
      },
      std::chrono::seconds(15)));
  h.Drain();
  // All were due at once, and went at most `concurrency` at a time.
  CHECK(peak_in_flight >= 1);
  CHECK(peak_in_flight <= 3);
  CHECK(server.Requests("/hook").size() == 2 * kAlerts);
  REQUIRE(jh.jumps.size() == 1);
  CHECK(jh.jumps[0] >= Seconds(86398));
}

}  // namespace
}  // namespace mineral::daemon
