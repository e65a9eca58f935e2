// LoopPressure: how many polls may run at once, given how late the event
// loop runs.
//
// Polls and deliveries share one io_context thread.  When the machine cannot
// keep up (a CPU shared with other work, a slow disk under SQLite), every
// handler waits behind the ones queued before it.  A poll's completion is a
// heavy handler (parse, match, one transaction); a delivery's steps are
// light and the most urgent work the daemon has: the alert is already
// found.  Measured in the faulty-feeds scenario (docs/reliability.md) on a
// starved Debug build: with 32 polls in flight a webhook POST to loopback
// took 0.4-1.8 s in the loop, and alerts waited up to 125 s.  So the poll
// limit follows the loop's lateness, as TCP's window follows loss
// (additive increase, multiplicative decrease): late -> halve, on time ->
// one more, never below `floor` nor above the configured limit.
//
// Pure: the scheduler measures the lag (a timer's lateness) and applies
// the result to its PollQueue.
#pragma once

#include <chrono>
#include <cstddef>

namespace mineral::daemon {

struct LoopPressurePolicy {
  // A lag at or above `high` halves the limit, once per `high` of lag (a
  // timer on a starved loop fires seldom, so one sample 2 s late must count
  // as more than one 200 ms late); at or below `low` it rises by one.  In
  // between it stays.
  std::chrono::milliseconds high{200};
  std::chrono::milliseconds low{50};
  size_t floor = 2;  // polls always allowed at once (the configured limit if lower)
  // How often the lag is sampled (one step of the limit per sample).
  std::chrono::milliseconds sample_every{100};
};

// The poll limit after one lag sample.  `current` is the limit now,
// `configured` the politeness limit ([daemon] max_concurrency).
size_t NextPollLimit(size_t current, size_t configured, std::chrono::milliseconds lag,
                     const LoopPressurePolicy& policy = {});

}  // namespace mineral::daemon
