#include "daemon/delivery_policy.h"

#include <catch2/catch.hpp>

namespace mineral::daemon {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const UtcTime kT0{Seconds{1'764'158'400}};

notify::DeliveryResult Failed(int status, bool permanent = false) {
  notify::DeliveryResult r;
  r.status = status;
  r.permanent = permanent;
  r.error = "HTTP " + std::to_string(status);
  return r;
}

TEST_CASE("backoff doubles from base to cap; jitter stays within its band", "[delivery_policy]") {
  RetryPolicy p;
  CHECK(RetryDelay(1, "", kT0, 0.5, p) == Seconds(30));
  CHECK(RetryDelay(2, "", kT0, 0.5, p) == Seconds(60));
  CHECK(RetryDelay(5, "", kT0, 0.5, p) == Seconds(480));
  CHECK(RetryDelay(8, "", kT0, 0.5, p) == Seconds(3600));
  CHECK(RetryDelay(40, "", kT0, 0.5, p) == Seconds(3600));
  CHECK(RetryDelay(1, "", kT0, 0.0, p) == Seconds(24));
  CHECK(RetryDelay(1, "", kT0, 0.999999, p) == Seconds(36));
}

TEST_CASE("Retry-After wins over backoff, as seconds or a date, capped", "[delivery_policy]") {
  RetryPolicy p;
  CHECK(RetryDelay(1, "120", kT0, 0.0, p) == Seconds(120));
  CHECK(RetryDelay(1, "Wed, 26 Nov 2025 12:10:00 GMT", kT0, 0.0, p) == Seconds(600));
  CHECK(RetryDelay(1, "999999", kT0, 0.0, p) == p.max_retry_after);
  CHECK(RetryDelay(1, "0", kT0, 0.0, p) == Seconds(1));
  CHECK(RetryDelay(3, "soon", kT0, 0.5, p) == Seconds(120));  // unreadable: backoff
}

TEST_CASE("Decide: delivered, retried, dead", "[delivery_policy]") {
  RetryPolicy p;
  ReceiverLimits limits;  // 12 attempts, 48 h
  notify::DeliveryResult ok;
  ok.ok = true;
  CHECK(Decide(ok, 3, kT0, kT0, 0.5, limits, p).verdict == Verdict::kDelivered);

  SECTION("5xx retries with backoff") {
    Decision d = Decide(Failed(503), 0, kT0, kT0, 0.5, limits, p);
    CHECK(d.verdict == Verdict::kRetry);
    CHECK(d.next_attempt == kT0 + Seconds(30));
    CHECK(d.error == "HTTP 503");
  }
  SECTION("429 with Retry-After") {
    notify::DeliveryResult r = Failed(429);
    r.retry_after = "300";
    CHECK(Decide(r, 4, kT0, kT0, 0.5, limits, p).next_attempt == kT0 + Seconds(300));
  }
  SECTION("permanent 4xx is dead at once; 410 also disables") {
    Decision d = Decide(Failed(404, true), 0, kT0, kT0, 0.5, limits, p);
    CHECK(d.verdict == Verdict::kDead);
    CHECK_FALSE(d.disable_receiver);
    notify::DeliveryResult gone = Failed(410, true);
    gone.gone = true;
    CHECK(Decide(gone, 0, kT0, kT0, 0.5, limits, p).disable_receiver);
  }
  SECTION("the last allowed attempt fails: dead, saying how many") {
    Decision d = Decide(Failed(500), 11, kT0, kT0, 0.5, limits, p);
    CHECK(d.verdict == Verdict::kDead);
    CHECK(d.error == "HTTP 500 (after 12 attempts)");
    CHECK(Decide(Failed(500), 10, kT0, kT0, 0.5, limits, p).verdict == Verdict::kRetry);
  }
  SECTION("max_age: the retry is pulled in to the deadline, and a failure there is final") {
    UtcTime late = kT0 + hours(47) + minutes(59);
    Decision d = Decide(Failed(500), 8, kT0, late, 0.5, limits, p);
    CHECK(d.verdict == Verdict::kRetry);
    CHECK(d.next_attempt == kT0 + hours(48));
    Decision final = Decide(Failed(500), 9, kT0, kT0 + hours(48), 0.5, limits, p);
    CHECK(final.verdict == Verdict::kDead);
    CHECK(final.error == "HTTP 500 (alert older than max_age)");
  }
}

TEST_CASE("circuit breaker: opens, probes once, closes or opens longer", "[delivery_policy]") {
  BreakerPolicy p;  // 5 failures, 60 s doubling to 30 min
  CircuitBreaker b(p);
  UtcTime t = kT0;
  CHECK(b.Allowance(t, 0, 8) == 8);
  CHECK(b.Allowance(t, 3, 8) == 5);
  for (int i = 0; i < 4; ++i) b.OnFailure(t);
  CHECK(b.state() == CircuitBreaker::State::kClosed);
  b.OnFailure(t);
  CHECK(b.state() == CircuitBreaker::State::kOpen);
  CHECK(b.reopens_at() == t + Seconds(60));
  CHECK(b.Allowance(t + Seconds(59), 0, 8) == 0);
  // Half-open: exactly one probe.
  CHECK(b.Allowance(t + Seconds(60), 0, 8) == 1);
  CHECK(b.state() == CircuitBreaker::State::kHalfOpen);
  CHECK(b.Allowance(t + Seconds(60), 1, 8) == 0);
  // The probe fails: open for twice as long.
  b.OnFailure(t + Seconds(61));
  CHECK(b.state() == CircuitBreaker::State::kOpen);
  CHECK(b.reopens_at() == t + Seconds(61 + 120));
  // A late failure of a send started earlier does not extend it.
  b.OnFailure(t + Seconds(62));
  CHECK(b.reopens_at() == t + Seconds(61 + 120));
  // The pause doubles up to the cap.
  UtcTime now = b.reopens_at();
  for (int i = 0; i < 10; ++i) {
    REQUIRE(b.Allowance(now, 0, 8) == 1);
    b.OnFailure(now);
    now = b.reopens_at();
  }
  REQUIRE(b.Allowance(now, 0, 8) == 1);
  UtcTime before = now;
  b.OnFailure(now);
  CHECK(b.reopens_at() - before == p.max_open_for);
  // A successful probe closes it and forgets the failures.
  REQUIRE(b.Allowance(b.reopens_at(), 0, 8) == 1);
  b.OnSuccess();
  CHECK(b.state() == CircuitBreaker::State::kClosed);
  CHECK(b.consecutive_failures() == 0);
  CHECK(b.Allowance(b.reopens_at(), 0, 8) == 8);
}

TEST_CASE("breaker: a reload's policy keeps the failures and applies from the next one",
          "[delivery_policy]") {
  CircuitBreaker b(BreakerPolicy{10, Seconds(60), Seconds(3600)});
  b.OnFailure(kT0);
  b.OnFailure(kT0);
  b.SetPolicy(BreakerPolicy{3, Seconds(60), Seconds(3600)});
  CHECK(b.state() == CircuitBreaker::State::kClosed);
  b.OnFailure(kT0);  // the third in a row: open under the new threshold
  CHECK(b.state() == CircuitBreaker::State::kOpen);
  CHECK(b.reopens_at() == kT0 + Seconds(60));
  // An open circuit's pause is cut to a smaller max_open_for.
  b.SetPolicy(BreakerPolicy{3, Seconds(10), Seconds(20)});
  CHECK(b.reopens_at() == kT0 + Seconds(20));
  REQUIRE(b.Allowance(kT0 + Seconds(20), 0, 4) == 1);
  b.OnFailure(kT0 + Seconds(20));  // the probe fails: twice 20 s, capped at 20 s
  CHECK(b.reopens_at() == kT0 + Seconds(40));
}

TEST_CASE("breaker: a clock jump keeps the pause it had left", "[delivery_policy][clock]") {
  BreakerPolicy p;
  p.failure_threshold = 1;
  p.open_for = Seconds(60);
  CircuitBreaker b(p);
  b.OnFailure(kT0);
  REQUIRE(b.state() == CircuitBreaker::State::kOpen);
  // Back an hour, 10 s after it opened: 50 s left, not an hour and 50 s.
  b.Shift(-hours(1));
  const UtcTime now = kT0 + Seconds(10) - hours(1);
  CHECK(b.Allowance(now, 0, 4) == 0);
  CHECK(b.reopens_at() == now + Seconds(50));
  CHECK(b.Allowance(now + Seconds(50), 0, 4) == 1);  // the probe
}

}  // namespace
}  // namespace mineral::daemon
