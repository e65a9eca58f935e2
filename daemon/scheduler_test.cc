// The scheduler against a real HTTP server on 127.0.0.1: for each way a
// server answers, what was fetched, what feed state the record step got, and
// when the next poll is due.
#include "daemon/scheduler.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "net/curl_http_client.h"
#include "tests/testkit/http_test_server.h"

namespace mineral::daemon {
namespace {

using namespace std::chrono_literals;
using testkit::HttpTestServer;
using testkit::TestReply;
using testkit::TestRequest;

const UtcTime kNow = UtcTime(std::chrono::seconds(1'790'000'000));  // 2026-09-21T14:13:20Z

std::string Rss(int items) {
  std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  for (int i = items; i >= 1; --i) {
    // Item i published i hours after 2026-09-21T00:00:00Z: hourly.
    xml += "<item><title>Gallium item " + std::to_string(i) + "</title><guid>id-" +
           std::to_string(i) + "</guid><pubDate>Mon, 21 Sep 2026 " + (i < 10 ? "0" : "") +
           std::to_string(i) + ":00:00 GMT</pubDate></item>";
  }
  return xml + "</channel></rss>";
}

TestReply Reply(int status, std::string body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
  TestReply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

// The record step, in memory: what the scheduler asked to store.
struct RecordingSink : FeedSink {
  std::vector<FeedState> saved;                    // every state, in order
  std::map<std::string, std::vector<Item>> items;  // by feed id, accumulated
  std::vector<std::string> calls;                  // "items:<id>:<n>" or "state:<id>"
  Status fail_next;                                // returned once by RecordItems

  Status RecordItems(const FeedSettings& feed, const FeedState& state,
                     const std::vector<Item>& got) override {
    if (!fail_next.ok()) {
      Status s = fail_next;
      fail_next = Status();
      return s;
    }
    saved.push_back(state);
    auto& all = items[feed.spec.id];
    all.insert(all.end(), got.begin(), got.end());
    calls.push_back("items:" + feed.spec.id + ":" + std::to_string(got.size()));
    return Status();
  }
  Status SaveState(const FeedState& state) override {
    saved.push_back(state);
    calls.push_back("state:" + state.feed_id);
    return Status();
  }
};

struct Harness {
  boost::asio::io_context io;
  net::CurlHttpClient http{io};
  RecordingSink sink;
  std::vector<PollReport> reports;
  Scheduler scheduler;
  std::vector<FeedState> states;  // carried from poll to poll, as the store would

  explicit Harness(PolitenessLimits limits = {}) : scheduler(io, http, sink, Options(limits)) {
    scheduler.OnPolled([this](const PollReport& r) { reports.push_back(r); });
  }

  static SchedulerOptions Options(PolitenessLimits limits) {
    SchedulerOptions options;
    options.limits = limits;
    options.now = [] { return kNow; };    // stored times are exact
    options.random = [] { return 0.5; };  // no jitter
    return options;
  }

  static FeedSettings Feed(const std::string& id, const std::string& url) {
    FeedSettings f;
    f.spec.id = id;
    f.spec.url = url;
    f.request_defaults.total_timeout = 5s;
    return f;
  }

  // One poll of every feed; returns the final states.
  const std::vector<FeedState>& PollOnce(std::vector<FeedSettings> feeds) {
    reports.clear();
    scheduler.SetFeeds(std::move(feeds), states);
    bool done = false;
    scheduler.PollOnce([&] { done = true; });
    io.restart();
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    REQUIRE(done);
    states = scheduler.states();
    return states;
  }
  const FeedState& PollOne(const std::string& url, FeedSettings feed = {}) {
    if (feed.spec.id.empty()) feed = Feed("f", url);
    return PollOnce({feed})[0];
  }
};

TEST_CASE("200: items recorded with the state, validators kept, next poll adapted", "[scheduler]") {
  HttpTestServer server;
  server.Route("/feed", Reply(200, Rss(5), {{"ETag", "\"v1\""}}));
  Harness h;
  const FeedState& s = h.PollOne(server.Url("/feed"));
  CHECK(h.sink.calls == std::vector<std::string>{"items:f:5"});
  CHECK(h.sink.items["f"][0].title == "Gallium item 5");
  CHECK(h.sink.items["f"][0].source_feed == "f");
  CHECK(s.etag == "\"v1\"");
  CHECK(s.last_status == 200);
  CHECK(s.consecutive_failures == 0);
  CHECK(s.interval_seconds == 1800);  // hourly items: poll every 30 min
  CHECK(s.next_poll_at == kNow + 30min);
  CHECK(h.sink.saved.back().etag == "\"v1\"");
}

TEST_CASE("304 with each validator: no items, validators kept", "[scheduler]") {
  HttpTestServer server;
  auto conditional = [](const char* header, const char* value, const char* validator) {
    return [=](const TestRequest& req) {
      if (req.Header(header) == value) return Reply(304);
      return Reply(200, Rss(3), {{validator, value}});
    };
  };
  server.Route("/etag", conditional("if-none-match", "\"abc\"", "ETag"));
  server.Route("/lm",
               conditional("if-modified-since", "Tue, 01 Oct 2024 10:00:00 GMT", "Last-Modified"));
  for (const char* path : {"/etag", "/lm"}) {
    CAPTURE(path);
    Harness h;
    h.PollOne(server.Url(path));
    const FeedState& s = h.PollOne(server.Url(path));
    CHECK(h.sink.calls == std::vector<std::string>{"items:f:3", "state:f"});
    CHECK(s.last_status == 304);
    CHECK(s.consecutive_failures == 0);
    CHECK((s.etag == "\"abc\"" || s.last_modified == "Tue, 01 Oct 2024 10:00:00 GMT"));
    CHECK(s.next_poll_at == kNow + 30min);  // interval kept from the 200: hourly items
  }
  auto requests = server.Requests("/etag");
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].Header("if-none-match").empty());
  CHECK(requests[1].Header("if-none-match") == "\"abc\"");
}

TEST_CASE("301 and 308 move the feed; 302 does not", "[scheduler]") {
  HttpTestServer server;
  server.Route("/new", Reply(200, Rss(3)));
  server.Route("/old301", Reply(301, "", {{"Location", "/new"}}));
  server.Route("/old308", Reply(308, "", {{"Location", "/new"}}));
  server.Route("/tmp302", Reply(302, "", {{"Location", "/new"}}));
  Harness h;
  auto states = h.PollOnce({Harness::Feed("a", server.Url("/old301")),
                            Harness::Feed("b", server.Url("/old308")),
                            Harness::Feed("c", server.Url("/tmp302"))});
  CHECK(states[0].url == server.Url("/new"));
  CHECK(states[1].url == server.Url("/new"));
  CHECK(states[2].url == server.Url("/tmp302"));
  // The next poll goes straight to the new URL.
  h.PollOnce({Harness::Feed("a", server.Url("/old301")), Harness::Feed("b", server.Url("/old308")),
              Harness::Feed("c", server.Url("/tmp302"))});
  CHECK(server.Requests("/old301").size() == 1);
  CHECK(server.Requests("/old308").size() == 1);
  CHECK(server.Requests("/tmp302").size() == 2);
}

TEST_CASE("error answers: failure recorded, reason kept, backoff or Retry-After", "[scheduler]") {
  HttpTestServer server;
  server.Route("/loop-a", Reply(302, "", {{"Location", "/loop-b"}}));
  server.Route("/loop-b", Reply(302, "", {{"Location", "/loop-a"}}));
  server.Route("/gone", Reply(410));
  server.Route("/err", Reply(500));
  server.Route("/limited", Reply(429, "", {{"Retry-After", "3600"}}));
  server.Route("/busy", Reply(503, "", {{"Retry-After", "Mon, 21 Sep 2026 16:13:20 GMT"}}));
  server.Route("/html", Reply(200, "<!DOCTYPE html><html><body>Error</body></html>",
                              {{"ETag", "\"page\""}}));
  feeds::PollPolicy policy;

  struct Case {
    const char* path;
    const char* error_prefix;
    int status;
    std::chrono::seconds wait;
  };
  auto c =
      GENERATE_COPY(Case{"/missing", "HTTP 404", 404, policy.min_interval},
                    Case{"/gone", "gone (HTTP 410)", 410, policy.backoff_cap},
                    Case{"/err", "HTTP 500", 500, policy.min_interval},
                    Case{"/limited", "HTTP 429", 429, 1h}, Case{"/busy", "HTTP 503", 503, 2h},
                    Case{"/loop-a", "redirect-loop: redirect loop at ", 0, policy.min_interval},
                    Case{"/html", "not a feed (HTTP 200)", 200, policy.min_interval});
  CAPTURE(c.path);
  Harness h;
  const FeedState& s = h.PollOne(server.Url(c.path));
  CHECK(h.sink.calls == std::vector<std::string>{"state:f"});
  CHECK(s.consecutive_failures == 1);
  CHECK(s.last_status == c.status);
  CHECK_THAT(s.last_error, Catch::StartsWith(c.error_prefix));
  CHECK(s.next_poll_at == kNow + c.wait);
  CHECK(s.etag.empty());  // an HTML page's ETag must not be kept
  CHECK(s.gone == (c.status == 410));
}

TEST_CASE("transport failures: refused, reset, drip, too large, bomb, bad TLS", "[scheduler]") {
  HttpTestServer server;
  TestReply reset = Reply(200, Rss(50));
  reset.mode = TestReply::Mode::kResetMidBody;
  server.Route("/reset", reset);
  TestReply drip = Reply(200, Rss(1));
  drip.mode = TestReply::Mode::kDrip;
  drip.drip_interval = 400ms;
  server.Route("/drip", drip);
  TestReply huge;
  huge.mode = TestReply::Mode::kEndlessBody;
  huge.declared_length = 10ull << 30;
  server.Route("/huge", huge);
  server.Route("/bomb", Reply(200, testkit::GzipBomb(64 << 20), {{"Content-Encoding", "gzip"}}));
  HttpTestServer tls({.tls = true});
  tls.Route("/feed", Reply(200, Rss(3)));
  uint16_t closed_port;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = a.local_endpoint().port();
  }

  struct Case {
    const char* path;  // on `server`; "tls:" prefix: on `tls`; "refused": a closed port
    const char* error_prefix;
  };
  auto c = GENERATE(Case{"refused", "connect: "}, Case{"/reset", "transfer: "},
                    Case{"/drip", "timeout: "},
                    Case{"/huge", "too-large: body larger than 1048576 bytes"},
                    Case{"/bomb", "too-large: "}, Case{"tls:/feed", "tls: "});
  std::string url = std::string(c.path) == "refused"
                        ? "http://127.0.0.1:" + std::to_string(closed_port) + "/feed"
                    : std::string(c.path).starts_with("tls:") ? tls.Url(c.path + 4)
                                                              : server.Url(c.path);
  CAPTURE(url);
  Harness h;
  FeedSettings feed = Harness::Feed("f", url);
  feed.request_defaults.max_body_bytes = 1 << 20;
  feed.request_defaults.low_speed_bytes = 100;
  feed.request_defaults.low_speed_time = 1s;
  const FeedState& s = h.PollOne(url, feed);
  CHECK(h.sink.calls == std::vector<std::string>{"state:f"});
  CHECK(s.last_status == 0);
  CHECK(s.consecutive_failures == 1);
  CHECK_THAT(s.last_error, Catch::StartsWith(c.error_prefix));
  // The metric label: the error's name, the part before the colon.
  REQUIRE(h.reports.size() == 1);
  CHECK_THAT(c.error_prefix, Catch::StartsWith(h.reports[0].error_kind + ": "));
  CHECK(s.next_poll_at == kNow + feeds::PollPolicy{}.min_interval);
  CHECK(h.sink.items.empty());
}

TEST_CASE("a feed that changes between polls: every item arrives once", "[scheduler]") {
  HttpTestServer server;
  std::atomic<int> count = 3;
  server.Route("/feed", [&count](const TestRequest&) { return Reply(200, Rss(count.load())); });
  Harness h;
  h.PollOne(server.Url("/feed"));
  count = 4;
  h.PollOne(server.Url("/feed"));
  CHECK(h.sink.calls == std::vector<std::string>{"items:f:3", "items:f:4"});
  CHECK(h.sink.items["f"].front().title == "Gallium item 3");
  CHECK(h.sink.items["f"][3].title == "Gallium item 4");
}

TEST_CASE("a store failure keeps the old validators and backs off", "[scheduler]") {
  HttpTestServer server;
  server.Route("/feed", Reply(200, Rss(3), {{"ETag", "\"v2\""}}));
  Harness h;
  h.sink.fail_next = Status::IoError("database or disk is full");
  const FeedState& s = h.PollOne(server.Url("/feed"));
  CHECK(s.etag.empty());
  CHECK(s.last_error == "store: database or disk is full");
  CHECK(h.reports.back().error_kind == "store");
  CHECK(s.consecutive_failures == 1);
  // Next time the whole document is fetched again and stored.
  h.PollOne(server.Url("/feed"));
  CHECK(server.Requests("/feed")[1].Header("if-none-match").empty());
  CHECK(h.sink.items["f"].size() == 3);
  CHECK(h.reports.back().error_kind.empty());
}

TEST_CASE("a hung server delays only its own feed", "[scheduler]") {
  HttpTestServer server;
  TestReply stall = Reply(200, Rss(3));
  stall.mode = TestReply::Mode::kStallAfterHeaders;
  server.Route("/stall", stall);
  server.Route("/ok", Reply(200, Rss(3)));
  Harness h;
  FeedSettings slow = Harness::Feed("slow", server.Url("/stall"));
  slow.request_defaults.total_timeout = 2s;
  std::vector<FeedSettings> feeds = {slow};
  for (int i = 0; i < 5; ++i)
    feeds.push_back(Harness::Feed("ok" + std::to_string(i), server.Url("/ok")));
  h.PollOnce(feeds);
  REQUIRE(h.reports.size() == 6);
  CHECK(h.reports.back().feed->spec.id == "slow");
  for (size_t i = 0; i < 5; ++i) CHECK(h.reports[i].elapsed < 1s);
}

TEST_CASE("per-host limit: never more polls in flight to one host than allowed", "[scheduler]") {
  HttpTestServer server;
  std::atomic<int> active = 0;
  std::atomic<int> peak = 0;
  server.Route("/feed", [&](const TestRequest&) {
    int now = ++active;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(20ms);  // the server is slow (and single-threaded)
    --active;
    return Reply(200, Rss(3));
  });
  PolitenessLimits limits;
  limits.per_host.in_flight = 2;
  limits.per_host.spacing = 30ms;
  Harness h(limits);
  std::vector<FeedSettings> feeds;
  for (int i = 0; i < 10; ++i)
    feeds.push_back(Harness::Feed("f" + std::to_string(i), server.Url("/feed")));
  auto start = std::chrono::steady_clock::now();
  h.PollOnce(feeds);
  CHECK(h.reports.size() == 10);
  // Ten starts at least 30 ms apart take at least 270 ms.
  CHECK(std::chrono::steady_clock::now() - start >= 270ms);
  CHECK(peak.load() <= 2);
}

TEST_CASE("Run polls again when the next poll comes due", "[scheduler]") {
  HttpTestServer server;
  server.Route("/feed", Reply(200, Rss(3)));
  boost::asio::io_context io;
  net::CurlHttpClient http(io);
  RecordingSink sink;
  // A real clock here: due times come from it.
  SchedulerOptions options;
  options.random = [] { return 0.5; };
  Scheduler scheduler(io, http, sink, options);
  FeedSettings feed = Harness::Feed("f", server.Url("/feed"));
  feed.policy.min_interval = 1s;
  feed.policy.default_interval = 1s;
  feed.policy.max_interval = 1s;
  FeedState stored;
  stored.feed_id = "f";
  stored.next_poll_at =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) + 1h;
  FeedSettings later = Harness::Feed("later", server.Url("/feed"));
  stored.feed_id = "later";
  scheduler.SetFeeds({feed, later}, {stored});
  scheduler.Run();
  io.run_for(2500ms);
  scheduler.Stop();
  io.run_for(100ms);
  size_t polls_of_f = std::count(sink.calls.begin(), sink.calls.end(), "items:f:3");
  CHECK(polls_of_f >= 2);
  CHECK(polls_of_f <= 4);
  CHECK(std::count(sink.calls.begin(), sink.calls.end(), "items:later:3") == 0);
}

TEST_CASE("a loop that runs late lowers the poll limit; on time again, it recovers",
          "[scheduler][pressure]") {
  HttpTestServer server;
  server.Route("/feed", Reply(200, Rss(3)));
  boost::asio::io_context io;
  net::CurlHttpClient http(io);
  // A record step that holds the loop, like a starved CPU does.
  struct SlowSink : RecordingSink {
    std::chrono::milliseconds hold{0};
    Status RecordItems(const FeedSettings& feed, const FeedState& state,
                       const std::vector<Item>& got) override {
      std::this_thread::sleep_for(hold);
      return RecordingSink::RecordItems(feed, state, got);
    }
  } sink;
  // The lag timer's handler waits behind the record steps queued before
  // it: the first 16 polls complete together, so the first late sample
  // comes only after most of their holds (up to 16 x 150 ms).  Each late
  // sample halves the limit once per `high` of lag.
  sink.hold = 150ms;
  SchedulerOptions options;
  options.pressure.high = 100ms;
  options.pressure.low = 20ms;
  options.random = [] { return 0.5; };
  options.limits.max_in_flight = 16;
  options.limits.per_host.in_flight = 16;
  Scheduler scheduler(io, http, sink, options);
  std::vector<FeedSettings> feeds;
  for (int i = 0; i < 16; ++i) {
    FeedSettings feed = Harness::Feed("f" + std::to_string(i), server.Url("/feed"));
    feed.policy.min_interval = 1s;
    feed.policy.default_interval = 1s;
    feed.policy.max_interval = 1s;
    feeds.push_back(feed);
  }
  scheduler.SetFeeds(feeds, {});
  CHECK(scheduler.poll_limit() == 16);
  scheduler.Run();
  size_t lowest = 16;
  std::chrono::milliseconds worst_lag{0};
  const auto busy_until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < busy_until && lowest > 4) {
    io.run_one_for(50ms);
    lowest = std::min(lowest, scheduler.poll_limit());
    worst_lag = std::max(worst_lag, scheduler.loop_lag());
  }
  CHECK(worst_lag >= 100ms);
  CHECK(lowest <= 4);
  CHECK(lowest >= 2);  // the floor
  // Polls went on under pressure, fewer at once.
  CHECK(sink.calls.size() >= 4);

  sink.hold = 0ms;
  const auto calm_until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < calm_until && scheduler.poll_limit() < 16)
    io.run_one_for(50ms);
  CHECK(scheduler.poll_limit() == 16);
  scheduler.Stop();
  io.run_for(100ms);
}

TEST_CASE("a reload while running adds, keeps and removes feeds", "[scheduler]") {
  HttpTestServer server;
  server.Route("/a", Reply(200, Rss(3)));
  server.Route("/b", Reply(200, Rss(3)));
  server.Route("/c", Reply(200, Rss(3)));
  TestReply slow = Reply(200, Rss(3));
  slow.mode = TestReply::Mode::kDrip;
  slow.drip_interval = 2ms;
  server.Route("/slow", slow);
  boost::asio::io_context io;
  net::CurlHttpClient http(io);
  RecordingSink sink;
  SchedulerOptions options;
  options.random = [] { return 0.5; };
  Scheduler scheduler(io, http, sink, options);
  auto feed = [&](const std::string& id, const std::string& path) {
    FeedSettings f = Harness::Feed(id, server.Url(path));
    f.policy.min_interval = 1s;
    f.policy.default_interval = 1s;
    f.policy.max_interval = 1s;
    return f;
  };
  scheduler.SetFeeds({feed("a", "/a"), feed("b", "/b"), feed("gone-soon", "/slow")}, {});
  scheduler.Run();
  io.run_for(300ms);
  const FeedState a_before = scheduler.states()[0];
  CHECK(a_before.polls == 1);
  // Reload: b removed, c added, a kept (its state with it), the slow one
  // removed while its poll may still be in flight.
  scheduler.SetFeeds({feed("a", "/a"), feed("c", "/c")}, {});
  CHECK(scheduler.states()[0].polls == 1);
  CHECK(scheduler.states()[0].next_poll_at == a_before.next_poll_at);
  io.run_for(1500ms);
  scheduler.Stop();
  io.run_for(100ms);
  CHECK(server.Requests("/c").size() >= 1);
  CHECK(server.Requests("/b").size() == 1);  // never again after the reload
  CHECK(server.Requests("/a").size() >= 2);
  CHECK(scheduler.in_flight() == 0);
  CHECK(std::count(sink.calls.begin(), sink.calls.end(), "items:gone-soon:3") <= 1);
}

TEST_CASE("a reload that changes a feed's URL starts it afresh", "[scheduler]") {
  HttpTestServer server;
  server.Route("/old", Reply(200, Rss(3), {{"ETag", "\"old\""}}));
  server.Route("/new", Reply(200, Rss(3)));
  Harness h;
  h.PollOne(server.Url("/old"));
  REQUIRE(h.states[0].etag == "\"old\"");
  h.scheduler.Run();  // running: SetFeeds now reconciles
  h.scheduler.SetFeeds({Harness::Feed("f", server.Url("/new"))}, {});
  CHECK(h.scheduler.states()[0].url == server.Url("/new"));
  CHECK(h.scheduler.states()[0].etag.empty());
  h.scheduler.Stop();
}

}  // namespace
}  // namespace mineral::daemon

namespace mineral::daemon {
namespace {

TEST_CASE("DelayUntilDue: stored wall-clock due times after clock jumps", "[scheduler][clock]") {
  FeedState s;
  CHECK(DelayUntilDue(s, kNow) == 0s);  // never polled
  s.last_attempt = kNow - 10min;
  s.next_poll_at = kNow + 5min;
  CHECK(DelayUntilDue(s, kNow) == 5min);
  // The clock jumped forward a day (or an hour): overdue, due now.
  CHECK(DelayUntilDue(s, kNow + 24h) == 0s);
  CHECK(DelayUntilDue(s, kNow + 1h) == 0s);
  // The clock jumped back an hour, a day: the last poll is "in the future";
  // the feed waits its interval (15 min), not the jump on top of it.
  CHECK(DelayUntilDue(s, kNow - 1h) == 15min);
  CHECK(DelayUntilDue(s, kNow - 24h) == 15min);
  // Back by less than the time since the last poll: nothing to correct.
  CHECK(DelayUntilDue(s, kNow - 5min) == 10min);
}

TEST_CASE("clock jumps while running neither stall polling nor fire every feed at once",
          "[scheduler][clock]") {
  HttpTestServer server;
  server.Route("/feed", Reply(200, Rss(3)));
  boost::asio::io_context io;
  net::CurlHttpClient http(io);
  RecordingSink sink;
  // The wall clock: real time plus an offset the test jumps.
  std::atomic<long> offset_s{0};
  SchedulerOptions options;
  options.random = [] { return 0.5; };
  options.now = [&offset_s] {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
           std::chrono::seconds(offset_s.load());
  };
  const UtcTime start = options.now();
  Scheduler scheduler(io, http, sink, options);
  std::vector<FeedSettings> feeds;
  std::vector<FeedState> stored;
  for (int i = 0; i < 4; ++i) {
    FeedSettings feed = Harness::Feed("f" + std::to_string(i), server.Url("/feed"));
    feed.policy.min_interval = 1s;
    feed.policy.default_interval = 1s;
    feed.policy.max_interval = 1s;
    feed.policy.jitter = 0;
    feeds.push_back(feed);
    // Polled a second ago by a clock that has since gone back a day (the
    // daemon was down): due in about a second, not in a day.
    FeedState state;
    state.feed_id = feed.spec.id;
    state.last_attempt = start + 24h - 1s;
    state.next_poll_at = start + 24h;
    stored.push_back(state);
  }
  scheduler.SetFeeds(feeds, stored);
  scheduler.Run();
  auto polls = [&sink] { return static_cast<long>(sink.calls.size()); };
  io.run_for(2500ms);
  const long before_jumps = polls();
  CHECK(before_jumps >= 4);   // every feed, not stalled by the day
  CHECK(before_jumps <= 12);  // about one a second each
  for (long jump : {3600L, -2 * 3600L, 24 * 3600L, -2 * 24 * 3600L}) {
    INFO("jump " << jump << " s");
    offset_s += jump;
    const long at_jump = polls();
    io.run_for(2500ms);
    // Each feed keeps polling about once a second: at least once, and
    // never the burst of a day's (or an hour's) polls.
    CHECK(polls() - at_jump >= 4);
    CHECK(polls() - at_jump <= 16);
  }
  scheduler.Stop();
  io.run_for(100ms);
}

}  // namespace
}  // namespace mineral::daemon
