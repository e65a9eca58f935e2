// One poll of one feed, as pure functions: the request to send, and the feed
// state after the answer.  The scheduler (scheduler.h) does the I/O between
// them; everything that decides anything is here and tested without it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "feeds/json_mapping.h"
#include "feeds/poll_policy.h"
#include "model/feed_state.h"
#include "model/status.h"
#include "model/time.h"
#include "net/http_client.h"

namespace mineral::daemon {

// Everything the config says about polling one feed.
struct FeedSettings {
  FeedSpec spec;
  feeds::PollPolicy policy;
  net::Headers headers;                      // the feed's own extra request headers
  bool verify_tls = true;                    // false only by explicit per-feed opt-out (logged)
  FeedFormat format = FeedFormat::kUnknown;  // kUnknown: detect from the bytes
  std::shared_ptr<const feeds::JsonMapping> mapping;  // for JSON APIs; null otherwise
  // Request knobs (user agent, timeouts, body limit, proxy) shared by all
  // feeds unless overridden; url, headers and verify_tls are set per poll.
  net::HttpRequest request_defaults;
};

// The GET for this poll: the state's current URL (after permanent
// redirects), the validators as If-None-Match / If-Modified-Since, and the
// feed's headers.
net::HttpRequest BuildRequest(const FeedSettings& feed, const FeedState& state);

// What parsing a 2xx body gave, when there was one.
struct ParseSummary {
  Status status;                    // not OK: the body was not a feed (an HTML error page)
  std::optional<int> ttl_minutes;   // the document's <ttl> or sy:updatePeriod
  std::vector<UtcTime> item_times;  // published (else updated) of its items
};

// The feed's state after `response`.  `parsed` is the parse of a 2xx body
// (nullptr for 304, errors, or a 2xx nobody parsed).  `unit` is the jitter
// draw in [0, 1).
//
//  - 2xx with a feed, and 304: success; failures reset; validators updated
//    per RFC 9111 (a 304 keeps what it does not resend); interval adapted to
//    the items' publishing rate (2xx) or kept (304); a permanent redirect
//    chain moves `url`.
//  - 2xx that is not a feed: a failure; validators are NOT stored, or the
//    next poll would get a 304 for the broken body and never see the fix.
//  - 410: gone, tried again at the backoff cap, reported.
//  - 429/503: Retry-After when given, else backoff.  Other statuses and
//    transport errors: a failure with backoff.
FeedState NextFeedState(const FeedState& before, const net::HttpResponse& response,
                        const ParseSummary* parsed, UtcTime now, double unit,
                        const feeds::PollPolicy& policy);

// The kind of a failed poll, for the mineral_poll_errors_total label: the
// fetch error's name ("timeout", "connect", "tls", ...), "parse" (a 2xx that
// was not a feed), "gone" (410) or "http" (another status); "" when the poll
// succeeded.  Same arguments as NextFeedState.
const char* PollErrorKind(const net::HttpResponse& response, const ParseSummary* parsed);

// True when `state` says the last poll succeeded.
inline bool Healthy(const FeedState& state) { return state.consecutive_failures == 0; }

}  // namespace mineral::daemon
