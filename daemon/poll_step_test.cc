#include "daemon/poll_step.h"

#include <catch2/catch.hpp>

namespace mineral::daemon {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const UtcTime kNow = UtcTime(seconds(1'790'000'000));  // 2026-09-21T14:13:20Z
constexpr double kNoJitter = 0.5;                      // the middle of the jitter range

net::HttpResponse Answer(int status, net::Headers headers = {}) {
  net::HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.elapsed = std::chrono::milliseconds(120);
  return r;
}

net::HttpResponse TransportError(net::FetchError error, std::string message) {
  net::HttpResponse r;
  r.error = error;
  r.error_message = std::move(message);
  return r;
}

FeedState Fresh() {
  FeedState s;
  s.feed_id = "f";
  s.url = "https://example.org/feed";
  return s;
}

TEST_CASE("BuildRequest: current URL, validators, feed headers, defaults", "[poll]") {
  FeedSettings feed;
  feed.spec.url = "https://old.example.org/feed";
  feed.headers = {{"X-Api-Key", "k"}};
  feed.request_defaults.user_agent = "UA";
  feed.request_defaults.max_body_bytes = 1234;
  feed.verify_tls = false;
  FeedState state = Fresh();
  state.etag = "\"e1\"";
  state.last_modified = "Tue, 01 Oct 2024 10:00:00 GMT";
  net::HttpRequest r = BuildRequest(feed, state);
  CHECK(r.url == "https://example.org/feed");
  CHECK(r.user_agent == "UA");
  CHECK(r.max_body_bytes == 1234);
  CHECK_FALSE(r.verify_tls);
  CHECK(r.headers == net::Headers{{"X-Api-Key", "k"},
                                  {"If-None-Match", "\"e1\""},
                                  {"If-Modified-Since", "Tue, 01 Oct 2024 10:00:00 GMT"}});
  state.url.clear();
  CHECK(BuildRequest(feed, state).url == "https://old.example.org/feed");
}

TEST_CASE("200 with a feed: success, validators stored, adaptive interval", "[poll]") {
  feeds::PollPolicy policy;
  FeedState before = Fresh();
  before.consecutive_failures = 3;
  before.last_error = "timeout";
  ParseSummary parsed;
  for (int i = 0; i < 5; ++i) parsed.item_times.push_back(kNow - hours(i));  // hourly
  FeedState s = NextFeedState(
      before, Answer(200, {{"etag", "\"v2\""}, {"last-modified", "Wed, 02 Oct 2024 10:00:00 GMT"}}),
      &parsed, kNow, kNoJitter, policy);
  CHECK(s.consecutive_failures == 0);
  CHECK(s.last_error.empty());
  CHECK(s.last_success == kNow);
  CHECK(s.last_attempt == kNow);
  CHECK(s.last_status == 200);
  CHECK(s.polls == 1);
  CHECK(s.etag == "\"v2\"");
  CHECK(s.last_modified == "Wed, 02 Oct 2024 10:00:00 GMT");
  CHECK(s.interval_seconds == 1800);  // twice per publishing gap
  CHECK(s.next_poll_at == kNow + minutes(30));
  CHECK(s.avg_latency_ms == 120);
}

TEST_CASE("304 keeps the validators it does not resend (RFC 9111 4.3.4)", "[poll]") {
  feeds::PollPolicy policy;
  FeedState before = Fresh();
  before.etag = "\"v1\"";
  before.last_modified = "Tue, 01 Oct 2024 10:00:00 GMT";
  before.interval_seconds = 1800;
  FeedState s =
      NextFeedState(before, Answer(304, {{"etag", "\"v1\""}}), nullptr, kNow, kNoJitter, policy);
  CHECK(s.etag == "\"v1\"");
  CHECK(s.last_modified == "Tue, 01 Oct 2024 10:00:00 GMT");
  CHECK(s.interval_seconds == 1800);
  CHECK(s.next_poll_at == kNow + minutes(30));
  CHECK(s.consecutive_failures == 0);
}

TEST_CASE("freshness headers and <ttl> only lengthen the wait", "[poll]") {
  feeds::PollPolicy policy;  // default interval 15 min
  FeedState before = Fresh();
  ParseSummary parsed;
  SECTION("max-age") {
    auto s = NextFeedState(before, Answer(200, {{"cache-control", "max-age=7200"}}), &parsed, kNow,
                           kNoJitter, policy);
    CHECK(s.next_poll_at == kNow + hours(2));
  }
  SECTION("Expires against the server's Date") {
    auto s = NextFeedState(before,
                           Answer(200, {{"date", "Tue, 01 Oct 2024 10:00:00 GMT"},
                                        {"expires", "Tue, 01 Oct 2024 11:00:00 GMT"}}),
                           &parsed, kNow, kNoJitter, policy);
    CHECK(s.next_poll_at == kNow + hours(1));
  }
  SECTION("RSS ttl") {
    parsed.ttl_minutes = 60;
    auto s = NextFeedState(before, Answer(200), &parsed, kNow, kNoJitter, policy);
    CHECK(s.next_poll_at == kNow + hours(1));
  }
  SECTION("a short max-age does not shorten the interval") {
    auto s = NextFeedState(before, Answer(200, {{"cache-control", "max-age=10"}}), &parsed, kNow,
                           kNoJitter, policy);
    CHECK(s.next_poll_at == kNow + minutes(15));
  }
}

TEST_CASE("a 200 that is not a feed is a failure and stores no validators", "[poll]") {
  feeds::PollPolicy policy;
  FeedState before = Fresh();
  before.etag = "\"old\"";
  ParseSummary parsed;
  parsed.status = Status::ParseError("not a feed: looks like an HTML page");
  FeedState s =
      NextFeedState(before, Answer(200, {{"etag", "\"html\""}}), &parsed, kNow, kNoJitter, policy);
  CHECK(s.consecutive_failures == 1);
  CHECK(s.etag == "\"old\"");
  CHECK(s.last_error == "not a feed (HTTP 200): not a feed: looks like an HTML page");
  CHECK(s.next_poll_at == kNow + policy.min_interval);
}

TEST_CASE("failures back off exponentially up to the cap, and keep trying", "[poll]") {
  // base 60 s, cap 6 h; never sooner than the 5 min minimum interval
  feeds::PollPolicy policy;
  FeedState s = Fresh();
  std::vector<int64_t> waits;
  for (int i = 0; i < 12; ++i) {
    s = NextFeedState(s, Answer(500), nullptr, kNow, kNoJitter, policy);
    waits.push_back((*s.next_poll_at - kNow).count());
  }
  CHECK(waits == std::vector<int64_t>{300, 300, 300, 480, 960, 1920, 3840, 7680, 15360, 21600,
                                      21600, 21600});
  CHECK(s.consecutive_failures == 12);
  CHECK(s.last_error == "HTTP 500");
  CHECK(s.last_status == 500);
}

TEST_CASE("transport errors name the error kind", "[poll]") {
  feeds::PollPolicy policy;
  FeedState s = NextFeedState(
      Fresh(),
      TransportError(net::FetchError::kConnect, "Couldn't connect to server (127.0.0.1:9)"),
      nullptr, kNow, kNoJitter, policy);
  CHECK(s.last_status == 0);
  CHECK(s.last_error == "connect: Couldn't connect to server (127.0.0.1:9)");
  CHECK(s.next_poll_at == kNow + policy.min_interval);
}

TEST_CASE("PollErrorKind: the metric label of a failed poll, from the response itself", "[poll]") {
  // Not parsed back out of last_error: a message that happens to start
  // with a word and a colon must not become a label.
  CHECK(PollErrorKind(TransportError(net::FetchError::kConnect, "refused"), nullptr) ==
        std::string("connect"));
  CHECK(PollErrorKind(TransportError(net::FetchError::kTimeout, "x: y"), nullptr) ==
        std::string("timeout"));
  CHECK(PollErrorKind(TransportError(net::FetchError::kTooLarge, "big"), nullptr) ==
        std::string("too-large"));
  ParseSummary html;
  html.status = Status::ParseError("store: looks like an HTML page");
  CHECK(PollErrorKind(Answer(200), &html) == std::string("parse"));
  CHECK(PollErrorKind(Answer(410), nullptr) == std::string("gone"));
  CHECK(PollErrorKind(Answer(500), nullptr) == std::string("http"));
  CHECK(PollErrorKind(Answer(429), nullptr) == std::string("http"));
  // Not a failure: no kind.
  ParseSummary feed;
  CHECK(PollErrorKind(Answer(200), &feed) == std::string(""));
  CHECK(PollErrorKind(Answer(304), nullptr) == std::string(""));
}

TEST_CASE("429 and 503 honour Retry-After in both forms", "[poll]") {
  feeds::PollPolicy policy;
  auto s = NextFeedState(Fresh(), Answer(429, {{"retry-after", "3600"}}), nullptr, kNow, kNoJitter,
                         policy);
  CHECK(s.next_poll_at == kNow + hours(1));
  CHECK(s.consecutive_failures == 1);
  // An HTTP date two hours after kNow.
  const std::string date = "Mon, 21 Sep 2026 16:13:20 GMT";
  REQUIRE(feeds::ParseHttpDate(date) == kNow + hours(2));
  s = NextFeedState(Fresh(), Answer(503, {{"retry-after", date}}), nullptr, kNow, 0.99, policy);
  CHECK(s.next_poll_at == kNow + hours(2));  // no jitter on a named time
  s = NextFeedState(Fresh(), Answer(503), nullptr, kNow, kNoJitter, policy);
  CHECK(s.next_poll_at == kNow + policy.min_interval);  // no Retry-After: backoff
}

TEST_CASE("410 marks the feed gone and retries at the cap; success clears it", "[poll]") {
  feeds::PollPolicy policy;
  FeedState s = NextFeedState(Fresh(), Answer(410), nullptr, kNow, kNoJitter, policy);
  CHECK(s.gone);
  CHECK(s.next_poll_at == kNow + policy.backoff_cap);
  CHECK(s.last_error == "gone (HTTP 410): the server says the feed was removed");
  ParseSummary parsed;
  s = NextFeedState(s, Answer(200), &parsed, kNow, kNoJitter, policy);
  CHECK_FALSE(s.gone);
}

TEST_CASE("permanent redirects move the feed only when the chain ends well", "[poll]") {
  feeds::PollPolicy policy;
  ParseSummary parsed;
  net::HttpResponse moved = Answer(200);
  moved.permanent_url = "https://new.example.org/feed";
  CHECK(NextFeedState(Fresh(), moved, &parsed, kNow, kNoJitter, policy).url ==
        "https://new.example.org/feed");
  net::HttpResponse moved_to_404 = Answer(404);
  moved_to_404.permanent_url = "https://new.example.org/feed";
  CHECK(NextFeedState(Fresh(), moved_to_404, nullptr, kNow, kNoJitter, policy).url ==
        "https://example.org/feed");
}

TEST_CASE("jitter spreads next polls within +-10%", "[poll]") {
  feeds::PollPolicy policy;
  FeedState before = Fresh();
  before.interval_seconds = 3600;
  auto wait = [&](double unit) {
    return (*NextFeedState(before, Answer(304), nullptr, kNow, unit, policy).next_poll_at - kNow)
        .count();
  };
  CHECK(wait(0.0) == 3240);
  CHECK(wait(0.5) == 3600);
  CHECK(wait(0.999999) == 3960);
}

}  // namespace
}  // namespace mineral::daemon
