// PollQueue: which feeds may start now, politely.  Pure bookkeeping over a
// monotonic clock value passed in; no I/O, no timers (the scheduler asks
// NextWakeup and sets its own).
//
// Politeness, per host and overall: at most `max_in_flight` polls at once,
// at most HostLimits::in_flight to one host, and starts to one host at least
// HostLimits::spacing apart (SEC EDGAR's 10 requests/second is a spacing of
// 100 ms), with per-host overrides.  Due feeds of a host that is busy wait in that host's line, in
// due order; hosts take turns, so 2,000 feeds on one host do not starve a feed on another.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace mineral::daemon {

using SteadyTime = std::chrono::steady_clock::time_point;

struct HostLimits {
  size_t in_flight = 2;                  // polls running at once to the host (default 2)
  std::chrono::milliseconds spacing{0};  // between two starts to the host (default 0)
};

struct PolitenessLimits {
  size_t max_in_flight = 32;  // polls running at once over all hosts (default 32)
  HostLimits per_host;        // every host's, unless overridden
  std::map<std::string, HostLimits> host_overrides;  // by HostKey ("www.sec.gov")
};

class PollQueue {
 public:
  explicit PollQueue(PolitenessLimits limits) : limits_(limits) {}

  // Adds `feed` (an index the caller owns) for `host`, due at `due`.
  // Precondition: the feed is neither queued nor running.
  void Schedule(size_t feed, const std::string& host, SteadyTime due);

  // Forgets a queued feed (config reload removed it).  No effect if running.
  void Remove(size_t feed);

  // The feeds to start now, in the order to start them; each is counted as
  // running until Finished.
  std::vector<size_t> TakeDue(SteadyTime now);

  // Counts `feed` as running on `host` without it having been queued: a
  // poll still in flight when the queue was rebuilt (config reload).
  void MarkRunning(size_t feed, const std::string& host);

  // A running feed ended; its host slot is free again.
  void Finished(size_t feed);

  // When TakeDue may next return something, if nothing finishes first:
  // the earliest due time, or a host's spacing end.  nullopt: nothing
  // queued, or everything waits for running polls to finish.
  std::optional<SteadyTime> NextWakeup(SteadyTime now) const;

  // A cap on max_in_flight below the politeness limit, for as long as the
  // daemon's loop is under pressure (loop_pressure.h); SIZE_MAX: none.
  // Polls already running beyond a lowered cap finish; no new one starts
  // until the count is under it.
  void SetInFlightCap(size_t cap) { cap_ = cap; }
  size_t max_in_flight() const { return std::min(limits_.max_in_flight, cap_); }

  size_t running() const { return running_; }
  size_t queued() const { return queued_.size(); }

 private:
  struct Host {
    size_t running = 0;
    SteadyTime next_start{};   // spacing: no start before this
    std::deque<size_t> ready;  // due feeds waiting for this host, in due order
  };
  struct Entry {
    SteadyTime due;
    size_t feed;
    uint64_t generation;  // entries of an earlier Schedule of the feed are stale
    bool operator>(const Entry& other) const {
      return due != other.due ? due > other.due : feed > other.feed;
    }
  };

  bool CanStart(const std::string& name, const Host& host, SteadyTime now) const;
  const HostLimits& LimitsFor(const std::string& name) const;

  PolitenessLimits limits_;
  size_t cap_ = SIZE_MAX;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> timeline_;
  struct Queued {
    std::string host;
    uint64_t generation = 0;
  };
  std::unordered_map<size_t, Queued> queued_;        // while waiting (timeline or a host line)
  std::unordered_map<size_t, std::string> started_;  // feed -> host, while running
  std::map<std::string, Host> hosts_;
  std::string turn_;  // the host after which the next round begins
  size_t running_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace mineral::daemon
