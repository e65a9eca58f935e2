// FeedSpec and FeedState: what the config says about a feed, and what the
// poller remembers about it between polls (stored by storage/, updated by the
// scheduler through feeds/poll_policy.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/time.h"

namespace mineral {

// One [[feed]] of the config, as the rest of the code needs it.
struct FeedSpec {
  std::string id;   // config id, unique, stable across restarts ("fr-bis")
  std::string url;  // as configured (http, https or file)
  // "" (detect from the bytes), or a built-in / file mapping name for JSON APIs.
  std::string mapping;
  std::vector<std::string> tags;
  // Record the first poll's backlog without alerting on it (false), or alert
  // on every item of the first poll too (true).  Default false.
  bool alert_backlog = false;
};

// Feed health and polling state.  Times are UTC wall-clock instants (what is
// stored and shown); the scheduler converts them to its monotonic clock.
struct FeedState {
  std::string feed_id;
  // Where the feed is polled now: the configured URL, or the target of a
  // permanent redirect (301/308) seen since.
  std::string url;
  // Validators for conditional GET, as received (RFC 9111).
  std::string etag;
  std::string last_modified;

  std::optional<UtcTime> next_poll_at;  // nullopt: due now (never polled)
  std::optional<UtcTime> last_attempt;
  std::optional<UtcTime> last_success;  // last 2xx or 304
  int last_status = 0;                  // HTTP status of the last poll; 0 transport error
  std::string last_error;               // empty after a success
  int consecutive_failures = 0;
  bool gone = false;             // 410 seen; still tried at the backoff cap
  int64_t interval_seconds = 0;  // current adaptive interval, 0 before any history
  int64_t avg_latency_ms = 0;    // moving average over successful polls
  int64_t polls = 0;             // attempts so far
  // True once a poll's items were recorded: the next poll alerts on new
  // items; the first (the baseline) does not unless FeedSpec::alert_backlog.
  bool baseline_done = false;
};

}  // namespace mineral
