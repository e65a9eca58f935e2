#include "daemon/send_window.h"

#include <limits>

namespace mineral::daemon {
namespace {

using std::chrono::days;
using std::chrono::local_seconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Local minutes after midnight at `t`, and the local midnight of that day.
std::pair<int, local_seconds> LocalClock(UtcTime t, const feeds::TimeZone& zone) {
  local_seconds local{t.time_since_epoch() + zone.OffsetAt(t)};
  auto midnight = std::chrono::floor<days>(local);
  return {static_cast<int>(std::chrono::duration_cast<minutes>(local - midnight).count()),
          local_seconds(midnight)};
}

}  // namespace

std::optional<UtcTime> QuietUntil(UtcTime now, const SendTiming& timing,
                                  const feeds::TimeZone& zone) {
  if (!timing.quiet_hours) return std::nullopt;
  auto [from, to] = *timing.quiet_hours;
  if (from == to) return std::nullopt;
  auto [minute, midnight] = LocalClock(now, zone);
  bool quiet = from < to ? (minute >= from && minute < to) : (minute >= from || minute < to);
  if (!quiet) return std::nullopt;
  // The end is today at `to`, or tomorrow when the period wraps and we are
  // in its evening part.
  local_seconds end = midnight + minutes(to);
  if (from > to && minute >= from) end += days(1);
  return zone.ToUtc(end);
}

UtcTime NextLocalTime(UtcTime now, int at_minutes, const feeds::TimeZone& zone) {
  auto [minute, midnight] = LocalClock(now, zone);
  UtcTime today = zone.ToUtc(midnight + minutes(at_minutes));
  if (today >= now) return today;
  return zone.ToUtc(midnight + days(1) + minutes(at_minutes));
}

UtcTime GroupDue(UtcTime first_due, std::optional<UtcTime> last_sent, const SendTiming& timing) {
  UtcTime due = first_due + timing.group_wait;
  if (last_sent && *last_sent + timing.group_interval > due)
    due = *last_sent + timing.group_interval;
  return due;
}

void RateWindow::Expire(UtcTime now) {
  while (!sent_.empty() && sent_.front() + per_ <= now) sent_.pop_front();
}

int RateWindow::Remaining(UtcTime now) {
  if (count_ <= 0) return std::numeric_limits<int>::max();
  Expire(now);
  return count_ - static_cast<int>(sent_.size());
}

UtcTime RateWindow::NextAllowed(UtcTime now) {
  if (Remaining(now) > 0) return now;
  return sent_.front() + per_;
}

void RateWindow::Shift(std::chrono::seconds by) {
  for (UtcTime& t : sent_) t += by;
}

void RateWindow::Record(UtcTime at) {
  if (count_ > 0) sent_.push_back(at);
}

}  // namespace mineral::daemon
