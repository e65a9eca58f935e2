// When a receiver may send: quiet hours, rate limit, grouping and the daily
// digest, as pure functions of the receiver's timing and the clock value
// passed in (local times through feeds::TimeZone, DST included).  Alerts
// held back by any of them wait in the outbox; nothing is dropped.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <utility>

#include "feeds/timezone.h"
#include "model/time.h"

namespace mineral::daemon {

struct SendTiming {
  // 0: each alert at once.  Else the first alert of a group waits this
  // long for others, and groups go at most every group_interval.
  std::chrono::seconds group_wait{0};
  std::chrono::seconds group_interval{300};
  // Minutes after local midnight of the one daily digest; nullopt: none.
  std::optional<int> digest_at;
  // Local minutes [from, to) when nothing goes out (wrapping past midnight
  // when from > to); nullopt: none.
  std::optional<std::pair<int, int>> quiet_hours;
  bool critical_ignores_quiet_hours = true;
  // At most rate_count messages in any window of rate_per; 0: no limit.
  int rate_count = 0;
  std::chrono::seconds rate_per{0};
};

// The end of the quiet period `now` falls in, or nullopt when `now` is not
// in quiet hours.
std::optional<UtcTime> QuietUntil(UtcTime now, const SendTiming& timing,
                                  const feeds::TimeZone& zone);

// The first instant at or after `now` when local clocks show `minutes`
// after midnight (the next digest).
UtcTime NextLocalTime(UtcTime now, int minutes, const feeds::TimeZone& zone);

// When a group whose oldest alert became due at `first_due` may go, given
// the last group sent (nullopt: none yet): first_due + group_wait, and not
// before last + group_interval.
UtcTime GroupDue(UtcTime first_due, std::optional<UtcTime> last_sent, const SendTiming& timing);

// A sliding-window rate limit: at most `count` sends in any `per`.
class RateWindow {
 public:
  RateWindow(int count, std::chrono::seconds per) : count_(count), per_(per) {}
  // Sends allowed now (a large number when unlimited).
  int Remaining(UtcTime now);
  // When the next send is allowed (now when one is).
  UtcTime NextAllowed(UtcTime now);
  void Record(UtcTime at);
  // The wall clock jumped by `by`: the recorded sends move with it, so the
  // window neither stays full for the length of a jump back nor forgets
  // its sends on a jump forward.
  void Shift(std::chrono::seconds by);
  // A reload's limit: the sends recorded so far count against it.
  void SetLimit(int count, std::chrono::seconds per) {
    count_ = count;
    per_ = per;
  }

 private:
  void Expire(UtcTime now);
  int count_;
  std::chrono::seconds per_;
  std::deque<UtcTime> sent_;
};

}  // namespace mineral::daemon
