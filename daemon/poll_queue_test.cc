#include "daemon/poll_queue.h"

#include <catch2/catch.hpp>

namespace mineral::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime kT0 = SteadyTime(seconds(1000));

TEST_CASE("due feeds start in due order; later ones wait", "[queue]") {
  PollQueue q({});
  q.Schedule(0, "a", kT0 + seconds(10));
  q.Schedule(1, "b", kT0);
  q.Schedule(2, "c", kT0 + seconds(5));
  CHECK(q.TakeDue(kT0) == std::vector<size_t>{1});
  CHECK(q.NextWakeup(kT0) == kT0 + seconds(5));
  CHECK(q.TakeDue(kT0 + seconds(6)) == std::vector<size_t>{2});
  CHECK(q.TakeDue(kT0 + seconds(6)).empty());
  CHECK(q.running() == 2);
  CHECK(q.queued() == 1);
}

TEST_CASE("global and per-host limits; a finished poll frees its slot", "[queue]") {
  PolitenessLimits limits;
  limits.max_in_flight = 3;
  limits.per_host.in_flight = 2;
  PollQueue q(limits);
  for (size_t i = 0; i < 5; ++i) q.Schedule(i, "asx.com.au", kT0);
  q.Schedule(5, "sec.gov", kT0);
  auto started = q.TakeDue(kT0);
  // Hosts take turns: one from each, then the second asx slot; sec.gov has
  // nothing more, and the global limit of 3 is reached.
  CHECK(started.size() == 3);
  CHECK(std::count(started.begin(), started.end(), 5) == 1);
  CHECK(q.TakeDue(kT0).empty());
  CHECK_FALSE(q.NextWakeup(kT0).has_value());  // waiting on polls in flight
  q.Finished(5);
  auto next = q.TakeDue(kT0);  // a global slot is free, but asx has 2 running
  CHECK(next.empty());
  q.Finished(started[0] == 5 ? started[1] : started[0]);
  CHECK(q.TakeDue(kT0).size() == 1);
}

TEST_CASE("an in-flight cap below the limit holds starts until polls finish", "[queue]") {
  PolitenessLimits limits;
  limits.max_in_flight = 8;
  limits.per_host.in_flight = 8;
  PollQueue q(limits);
  for (size_t i = 0; i < 8; ++i) q.Schedule(i, "h" + std::to_string(i), kT0);
  CHECK(q.TakeDue(kT0).size() == 8);  // no cap: all of them
  for (size_t i = 0; i < 8; ++i) q.Finished(i);
  for (size_t i = 0; i < 8; ++i) q.Schedule(i, "h" + std::to_string(i), kT0);
  q.SetInFlightCap(3);
  CHECK(q.max_in_flight() == 3);
  CHECK(q.TakeDue(kT0).size() == 3);
  CHECK_FALSE(q.NextWakeup(kT0).has_value());  // due feeds wait for a slot under the cap
  // Lowered further while 3 run: nothing starts until the count is under it.
  q.SetInFlightCap(2);
  q.Finished(0);
  CHECK(q.TakeDue(kT0).empty());
  q.Finished(1);
  CHECK(q.TakeDue(kT0).size() == 1);
  // Lifted: the rest start, within the politeness limit.
  q.SetInFlightCap(SIZE_MAX);
  CHECK(q.max_in_flight() == 8);
  CHECK(q.NextWakeup(kT0) == kT0);
  CHECK(q.TakeDue(kT0).size() == 4);
  CHECK(q.running() == 6);
}

TEST_CASE("per-host spacing: SEC's 10 requests a second", "[queue]") {
  PolitenessLimits limits;
  limits.per_host.in_flight = 10;
  limits.host_overrides["www.sec.gov"] = {.in_flight = 10, .spacing = milliseconds(100)};
  PollQueue q(limits);
  for (size_t i = 0; i < 20; ++i) q.Schedule(i, "www.sec.gov", kT0);
  for (size_t i = 20; i < 25; ++i) q.Schedule(i, "other.org", kT0);
  auto first = q.TakeDue(kT0);
  // One SEC start, and every other.org feed (no spacing there).
  CHECK(first.size() == 6);
  CHECK(q.NextWakeup(kT0) == kT0 + milliseconds(100));
  CHECK(q.TakeDue(kT0 + milliseconds(50)).empty());
  CHECK(q.TakeDue(kT0 + milliseconds(100)).size() == 1);
  // Over one simulated second, at most 10 SEC starts.
  size_t sec_starts = 1;
  for (int ms = 100; ms < 1000; ms += 10) {
    auto started = q.TakeDue(kT0 + milliseconds(ms + 10));
    for (size_t f : started) {
      if (f < 20) ++sec_starts;
      q.Finished(f);
    }
  }
  CHECK(sec_starts == 10);
}

TEST_CASE("a removed or rescheduled feed does not fire from its old entry", "[queue]") {
  PollQueue q({});
  q.Schedule(0, "a", kT0);
  q.Remove(0);
  CHECK(q.TakeDue(kT0 + seconds(1)).empty());
  q.Schedule(1, "a", kT0 + seconds(1));
  q.Remove(1);
  q.Schedule(1, "a", kT0 + seconds(100));
  CHECK(q.TakeDue(kT0 + seconds(2)).empty());
  CHECK(q.TakeDue(kT0 + seconds(100)) == std::vector<size_t>{1});
}

TEST_CASE("hosts take turns: a big host does not starve a small one", "[queue]") {
  PolitenessLimits limits;
  limits.max_in_flight = 1;
  limits.per_host.in_flight = 1;
  PollQueue q(limits);
  for (size_t i = 0; i < 100; ++i) q.Schedule(i, "big", kT0);
  q.Schedule(100, "small", kT0);
  std::vector<size_t> order;
  for (int i = 0; i < 4; ++i) {
    auto s = q.TakeDue(kT0);
    REQUIRE(s.size() == 1);
    order.push_back(s[0]);
    q.Finished(s[0]);
  }
  CHECK(std::find(order.begin(), order.end(), 100) != order.end());
}

}  // namespace
}  // namespace mineral::daemon
