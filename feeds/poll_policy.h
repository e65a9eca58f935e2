// When to poll a feed next, and what to send: pure functions of the feed's
// state, the last response and the clock value passed in.
//
// Being a good HTTP citizen (RFC 9110/9111): conditional GET with the stored
// validators, honour Cache-Control max-age, Expires, RSS <ttl> and
// Retry-After, back off exponentially on errors, spread polls with jitter so
// thousands of feeds never fire in lock-step, and adapt each feed's interval
// to how often it actually publishes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/time.h"

namespace mineral::feeds {

using Seconds = std::chrono::seconds;

// Per-feed knobs (config: interval bounds per feed).
struct PollPolicy {
  Seconds min_interval{5 * 60};              // never poll more often (default 5 min)
  Seconds max_interval{6 * 60 * 60};         // never wait longer while healthy (6 h)
  Seconds default_interval{15 * 60};         // before there is any history (15 min)
  double jitter = 0.1;                       // +-10 % of each interval
  Seconds backoff_base{60};                  // first retry after an error
  Seconds backoff_cap{6 * 60 * 60};          // errors never push a retry past 6 h
  Seconds max_honoured_delay{24 * 60 * 60};  // cap on server-asked delays (1 day)
};

// What the poller remembers between polls (stored per feed).
struct Validators {
  std::string etag;           // as received, quotes and W/ included
  std::string last_modified;  // as received (an HTTP date)
};

// The request headers for a conditional GET: If-None-Match when there is an
// ETag, If-Modified-Since when there is a Last-Modified (both when both: a
// server that ignores one may honour the other).
std::vector<std::pair<std::string, std::string>> ConditionalHeaders(const Validators& v);

// The validators to keep after a response.  RFC 9111 section 4.3.4: a 304
// may update them; a header it does not send keeps its stored value (so
// Last-Modified is kept even when only the ETag came back).  A 200 replaces
// both with what it sent (absent means absent).
Validators UpdateValidators(const Validators& stored, int status, std::string_view etag,
                            std::string_view last_modified);

// Cache-Control max-age (or s-maxage, whichever is larger) in seconds;
// nullopt when absent, malformed, or when no-cache/no-store says not to rely
// on it.
std::optional<Seconds> CacheControlMaxAge(std::string_view cache_control);

// An HTTP date (IMF-fixdate, RFC 850 or asctime; RFC 9110 section 5.6.7).
std::optional<UtcTime> ParseHttpDate(std::string_view text);

// Retry-After as a delay from `now`: delay-seconds or an HTTP date (a date in
// the past means 0).
std::optional<Seconds> ParseRetryAfter(std::string_view value, UtcTime now);

// The interval a feed's own publishing suggests: the median gap between its
// recent items (newest first or any order), clamped to the policy's bounds;
// default_interval when fewer than three dated items.  A feed that publishes
// hourly is polled about hourly; one that publishes monthly, at the maximum.
Seconds AdaptiveInterval(const std::vector<UtcTime>& item_times, const PollPolicy& policy);

// Exponential backoff for the n-th consecutive failure (n >= 1): base * 2^(n-1),
// capped.  A failing feed keeps being tried at the cap, never given up.
Seconds Backoff(int consecutive_failures, const PollPolicy& policy);

// `interval` moved by up to +-policy.jitter of itself; `unit` in [0, 1) is the
// random draw (passed in, so this stays pure and tests are exact).  Never
// below min_interval.
Seconds Jitter(Seconds interval, double unit, const PollPolicy& policy);

// Everything the last poll told us.
struct PollResult {
  int status = 0;                  // HTTP status; 0 for a transport error (timeout, refused, TLS)
  Seconds interval{0};             // the feed's current interval (AdaptiveInterval, or default)
  int consecutive_failures = 0;    // including this poll when it failed
  std::optional<int> ttl_minutes;  // RSS <ttl> of the document, when parsed
  std::string cache_control;       // response headers, as received
  std::string expires;
  std::string retry_after;
  std::string date;  // the server's Date, to read Expires against
};

// When to poll next.  Successful (2xx/304): the interval, raised to honour
// max-age, Expires and <ttl> (never lowered by them below the interval: they
// say how long the answer stays fresh), capped by max_honoured_delay.  429 and
// 503: Retry-After when given, else backoff.  Other errors and transport
// failures: backoff.  Jitter applies to all but an explicit Retry-After (the
// server named a time; only later is polite).  `unit` is the jitter draw.
UtcTime NextPollAt(const PollResult& result, UtcTime now, double unit, const PollPolicy& policy);

// What a status means for the feed's record.
enum class FeedFate {
  kOk,                // 2xx or 304
  kMovedPermanently,  // 301, 308: store the new URL
  kGone,              // 410: mark gone and report; keep trying at the cap
  kFailed,            // anything else: count a failure
};
FeedFate ClassifyStatus(int status);

}  // namespace mineral::feeds
