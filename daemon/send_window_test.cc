#include "daemon/send_window.h"

#include <catch2/catch.hpp>

namespace mineral::daemon {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 2025-11-26T00:00:00Z, a Wednesday.
const UtcTime kMidnight{seconds{1'764'115'200}};

TEST_CASE("quiet hours: inside, outside, wrapping past midnight, in a zone", "[send_window]") {
  SendTiming t;
  feeds::TimeZone utc;
  CHECK_FALSE(QuietUntil(kMidnight + hours(3), t, utc));  // none configured
  t.quiet_hours = {{22 * 60, 7 * 60}};                    // 22:00-07:00
  CHECK(QuietUntil(kMidnight + hours(3), t, utc) == kMidnight + hours(7));
  CHECK(QuietUntil(kMidnight + hours(23), t, utc) == kMidnight + hours(31));
  CHECK(QuietUntil(kMidnight + hours(22), t, utc) == kMidnight + hours(31));
  CHECK_FALSE(QuietUntil(kMidnight + hours(7), t, utc));
  CHECK_FALSE(QuietUntil(kMidnight + hours(12), t, utc));
  t.quiet_hours = {{12 * 60, 13 * 60}};  // lunch
  CHECK(QuietUntil(kMidnight + hours(12) + minutes(30), t, utc) == kMidnight + hours(13));
  // Sydney is UTC+11 in November: 22:00-07:00 local is 11:00-20:00 UTC.
  auto sydney = feeds::TimeZone::Fixed(11 * 60);
  REQUIRE(sydney.ok());
  t.quiet_hours = {{22 * 60, 7 * 60}};
  CHECK(QuietUntil(kMidnight + hours(12), t, *sydney) == kMidnight + hours(20));
  CHECK_FALSE(QuietUntil(kMidnight + hours(21), t, *sydney));
}

TEST_CASE("the next digest time, today or tomorrow, local", "[send_window]") {
  feeds::TimeZone utc;
  CHECK(NextLocalTime(kMidnight + hours(6), 8 * 60, utc) == kMidnight + hours(8));
  CHECK(NextLocalTime(kMidnight + hours(8), 8 * 60, utc) == kMidnight + hours(8));
  CHECK(NextLocalTime(kMidnight + hours(9), 8 * 60, utc) == kMidnight + hours(32));
  auto tokyo = feeds::TimeZone::Fixed(9 * 60);
  REQUIRE(tokyo.ok());
  // 08:00 in Tokyo is 23:00Z the day before.
  CHECK(NextLocalTime(kMidnight + hours(1), 8 * 60, *tokyo) == kMidnight + hours(23));
}

TEST_CASE("groups wait group_wait, then go at most every group_interval", "[send_window]") {
  SendTiming t;
  t.group_wait = seconds(30);
  t.group_interval = minutes(5);
  CHECK(GroupDue(kMidnight, std::nullopt, t) == kMidnight + seconds(30));
  CHECK(GroupDue(kMidnight + minutes(1), kMidnight, t) == kMidnight + minutes(5));
  CHECK(GroupDue(kMidnight + minutes(10), kMidnight, t) == kMidnight + minutes(10) + seconds(30));
}

TEST_CASE("rate window: at most N in any window, sliding", "[send_window]") {
  RateWindow unlimited(0, seconds(0));
  CHECK(unlimited.Remaining(kMidnight) > 1'000'000);
  RateWindow w(3, hours(1));
  UtcTime t = kMidnight;
  CHECK(w.Remaining(t) == 3);
  w.Record(t);
  w.Record(t + minutes(10));
  w.Record(t + minutes(20));
  CHECK(w.Remaining(t + minutes(30)) == 0);
  CHECK(w.NextAllowed(t + minutes(30)) == t + hours(1));
  CHECK(w.Remaining(t + hours(1)) == 1);
  CHECK(w.Remaining(t + hours(1) + minutes(20)) == 3);
  CHECK(w.NextAllowed(t + hours(2)) == t + hours(2));
}

TEST_CASE("rate window: a reload's limit counts the sends already made", "[send_window]") {
  RateWindow w(10, hours(1));
  w.Record(kMidnight);
  w.Record(kMidnight + minutes(1));
  CHECK(w.Remaining(kMidnight + minutes(2)) == 8);
  w.SetLimit(3, hours(1));
  CHECK(w.Remaining(kMidnight + minutes(2)) == 1);
  w.SetLimit(2, minutes(30));
  CHECK(w.Remaining(kMidnight + minutes(2)) == 0);
  CHECK(w.NextAllowed(kMidnight + minutes(2)) == kMidnight + minutes(30));
  w.SetLimit(0, seconds(0));  // unlimited
  CHECK(w.Remaining(kMidnight + minutes(2)) > 1'000'000);
}

TEST_CASE("rate window: a clock jump moves the recorded sends with it", "[send_window][clock]") {
  const UtcTime t = kMidnight;
  RateWindow w(2, hours(1));
  w.Record(t);
  w.Record(t + minutes(10));
  CHECK(w.Remaining(t + minutes(20)) == 0);
  // The clock goes back a day at t + 20 min: the window still ends 40 min
  // later by the new clock, not a day and 40 min later.
  w.Shift(-hours(24));
  const UtcTime now = t + minutes(20) - hours(24);
  CHECK(w.Remaining(now) == 0);
  CHECK(w.NextAllowed(now) == now + minutes(40));
  // Forward a day: the sends are still 20 and 10 minutes old.
  w.Shift(hours(48));
  CHECK(w.Remaining(t + minutes(20) + hours(24)) == 0);
  CHECK(w.Remaining(t + minutes(60) + hours(24)) == 1);
}

}  // namespace
}  // namespace mineral::daemon
