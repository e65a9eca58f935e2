// Polling policy with a manual clock: every header that moves the next poll,
// the backoff sequence, jitter bounds and the adaptive interval.
#include "feeds/poll_policy.h"

#include <catch2/catch.hpp>

namespace mineral::feeds {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const UtcTime kNow = std::chrono::sys_days{std::chrono::year{2025} / 11 / 9} + hours{12};

TEST_CASE("ConditionalHeaders sends the validators it has") {
  CHECK(ConditionalHeaders({}).empty());
  const auto both = ConditionalHeaders({"W/\"abc\"", "Sun, 09 Nov 2025 10:00:00 GMT"});
  REQUIRE(both.size() == 2);
  CHECK(both[0] == std::pair<std::string, std::string>{"If-None-Match", "W/\"abc\""});
  CHECK(both[1] ==
        std::pair<std::string, std::string>{"If-Modified-Since", "Sun, 09 Nov 2025 10:00:00 GMT"});
}

TEST_CASE("UpdateValidators follows RFC 9111 section 4.3.4") {
  const Validators stored{"\"v1\"", "Sat, 08 Nov 2025 10:00:00 GMT"};
  SECTION("a 304 with only an ETag keeps Last-Modified") {
    const Validators v = UpdateValidators(stored, 304, "\"v2\"", "");
    CHECK(v.etag == "\"v2\"");
    CHECK(v.last_modified == "Sat, 08 Nov 2025 10:00:00 GMT");
  }
  SECTION("a 304 with nothing keeps both") {
    const Validators v = UpdateValidators(stored, 304, "", "");
    CHECK(v.etag == stored.etag);
    CHECK(v.last_modified == stored.last_modified);
  }
  SECTION("a 200 replaces both, absent meaning absent") {
    const Validators v = UpdateValidators(stored, 200, "\"v3\"", "");
    CHECK(v.etag == "\"v3\"");
    CHECK(v.last_modified.empty());
  }
  SECTION("an error keeps what we had") {
    const Validators v = UpdateValidators(stored, 500, "\"x\"", "y");
    CHECK(v.etag == stored.etag);
  }
}

TEST_CASE("CacheControlMaxAge reads max-age and s-maxage") {
  CHECK(CacheControlMaxAge("max-age=600") == Seconds(600));
  CHECK(CacheControlMaxAge("public, max-age=60, s-maxage=300") == Seconds(300));
  CHECK(CacheControlMaxAge("Max-Age=\"120\"") == Seconds(120));
  CHECK_FALSE(CacheControlMaxAge("no-cache, max-age=600"));
  CHECK_FALSE(CacheControlMaxAge("no-store"));
  CHECK_FALSE(CacheControlMaxAge("max-age=soon"));
  CHECK_FALSE(CacheControlMaxAge(""));
  CHECK(CacheControlMaxAge("max-age=99999999999999999999") ==
        Seconds(int64_t{100} * 365 * 24 * 3600));
}

TEST_CASE("ParseRetryAfter takes seconds or an HTTP date") {
  CHECK(ParseRetryAfter("120", kNow) == Seconds(120));
  CHECK(ParseRetryAfter(" 0 ", kNow) == Seconds(0));
  CHECK(ParseRetryAfter("Sun, 09 Nov 2025 12:30:00 GMT", kNow) == Seconds(30 * 60));
  CHECK(ParseRetryAfter("Sunday, 09-Nov-25 12:30:00 GMT", kNow) == Seconds(30 * 60));
  CHECK(ParseRetryAfter("Sun Nov  9 12:30:00 2025", kNow) == Seconds(30 * 60));
  CHECK(ParseRetryAfter("Sun, 09 Nov 2025 11:00:00 GMT", kNow) == Seconds(0));  // past
  CHECK_FALSE(ParseRetryAfter("-5", kNow));
  CHECK_FALSE(ParseRetryAfter("later", kNow));
  CHECK_FALSE(ParseRetryAfter("", kNow));
}

TEST_CASE("Backoff doubles from the base up to the cap, and stays there") {
  PollPolicy p;
  p.backoff_base = Seconds(60);
  p.backoff_cap = hours(1);
  CHECK(Backoff(0, p) == Seconds(0));
  CHECK(Backoff(1, p) == Seconds(60));
  CHECK(Backoff(2, p) == Seconds(120));
  CHECK(Backoff(3, p) == Seconds(240));
  CHECK(Backoff(6, p) == Seconds(1920));
  CHECK(Backoff(7, p) == hours(1));
  CHECK(Backoff(1000, p) == hours(1));  // a dead feed is still tried, at the cap
}

TEST_CASE("Jitter stays within its bounds and never below the minimum") {
  PollPolicy p;
  p.jitter = 0.1;
  p.min_interval = minutes(5);
  CHECK(Jitter(Seconds(1000), 0.0, p) == Seconds(900));
  CHECK(Jitter(Seconds(1000), 0.5, p) == Seconds(1000));
  CHECK(Jitter(Seconds(1000), 0.999999, p) == Seconds(1100));
  for (double u = 0; u < 1; u += 0.01) {
    const Seconds j = Jitter(hours(1), u, p);
    CHECK(j >= Seconds(3240));
    CHECK(j <= Seconds(3960));
  }
  CHECK(Jitter(Seconds(100), 0.0, p) == minutes(5));
}

TEST_CASE("AdaptiveInterval follows the feed's publishing rate") {
  PollPolicy p;
  p.min_interval = minutes(5);
  p.max_interval = hours(6);
  p.default_interval = minutes(15);
  std::vector<UtcTime> hourly;
  for (int i = 0; i < 10; ++i) hourly.push_back(kNow - hours(i));
  CHECK(AdaptiveInterval(hourly, p) == minutes(30));

  std::vector<UtcTime> monthly;
  for (int i = 0; i < 5; ++i) monthly.push_back(kNow - hours(24 * 30 * i));
  CHECK(AdaptiveInterval(monthly, p) == hours(6));

  std::vector<UtcTime> burst;  // ten at once, then daily: the median ignores the burst
  for (int i = 0; i < 3; ++i) burst.push_back(kNow);
  for (int i = 1; i <= 6; ++i) burst.push_back(kNow - hours(24 * i));
  CHECK(AdaptiveInterval(burst, p) == hours(6));

  CHECK(AdaptiveInterval({kNow, kNow - hours(1)}, p) == minutes(15));  // too little history
  std::vector<UtcTime> rapid;
  for (int i = 0; i < 10; ++i) rapid.push_back(kNow - minutes(i));
  CHECK(AdaptiveInterval(rapid, p) == minutes(5));
}

TEST_CASE("NextPollAt: every header that moves the next poll") {
  PollPolicy p;
  p.jitter = 0.0;  // exact times; jitter has its own test
  p.min_interval = minutes(5);
  p.max_interval = hours(6);
  p.max_honoured_delay = hours(24);
  PollResult r;
  r.status = 200;
  r.interval = minutes(30);

  SECTION("plain success: the interval") {
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + minutes(30));
  }
  SECTION("304 is success too") {
    r.status = 304;
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + minutes(30));
  }
  SECTION("max-age longer than the interval raises it") {
    r.cache_control = "max-age=7200";
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + hours(2));
  }
  SECTION("max-age shorter than the interval does not lower it") {
    r.cache_control = "max-age=60";
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + minutes(30));
  }
  SECTION("Expires is read against the server's Date") {
    r.date = "Sun, 09 Nov 2025 08:00:00 GMT";     // server clock 4 h behind ours
    r.expires = "Sun, 09 Nov 2025 09:00:00 GMT";  // fresh for 1 h by the server
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + hours(1));
  }
  SECTION("RSS ttl raises the interval") {
    r.ttl_minutes = 120;
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + hours(2));
  }
  SECTION("freshness is capped") {
    r.cache_control = "max-age=31536000";
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + hours(24));
  }
  SECTION("429 with Retry-After in seconds") {
    r.status = 429;
    r.retry_after = "3600";
    CHECK(NextPollAt(r, kNow, 0.9, p) == kNow + hours(1));  // no jitter on a named time
  }
  SECTION("503 with Retry-After as a date") {
    r.status = 503;
    r.retry_after = "Sun, 09 Nov 2025 14:00:00 GMT";
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + hours(2));
  }
  SECTION("Retry-After sooner than the minimum waits the minimum") {
    r.status = 429;
    r.retry_after = "1";
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + minutes(5));
  }
  SECTION("429 without Retry-After backs off") {
    r.status = 429;
    r.consecutive_failures = 3;
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + minutes(5));  // 240 s, raised to the minimum
    r.consecutive_failures = 5;
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + Seconds(960));
  }
  SECTION("transport errors and 500s back off") {
    r.status = 0;
    r.consecutive_failures = 8;
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + Seconds(7680));
    r.status = 500;
    r.consecutive_failures = 100;
    CHECK(NextPollAt(r, kNow, 0.5, p) == kNow + hours(6));
  }
}

TEST_CASE("ClassifyStatus names what a status means for the feed") {
  CHECK(ClassifyStatus(200) == FeedFate::kOk);
  CHECK(ClassifyStatus(304) == FeedFate::kOk);
  CHECK(ClassifyStatus(301) == FeedFate::kMovedPermanently);
  CHECK(ClassifyStatus(308) == FeedFate::kMovedPermanently);
  CHECK(ClassifyStatus(302) ==
        FeedFate::kFailed);  // a final 302 means the redirect was not followed
  CHECK(ClassifyStatus(410) == FeedFate::kGone);
  CHECK(ClassifyStatus(404) == FeedFate::kFailed);
  CHECK(ClassifyStatus(0) == FeedFate::kFailed);
}

}  // namespace
}  // namespace mineral::feeds
