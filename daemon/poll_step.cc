#include "daemon/poll_step.h"

#include <algorithm>

namespace mineral::daemon {

net::HttpRequest BuildRequest(const FeedSettings& feed, const FeedState& state) {
  net::HttpRequest request = feed.request_defaults;
  request.url = state.url.empty() ? feed.spec.url : state.url;
  request.verify_tls = feed.verify_tls;
  request.headers = feed.headers;
  for (auto& header : feeds::ConditionalHeaders({state.etag, state.last_modified}))
    request.headers.push_back(std::move(header));
  return request;
}

namespace {

// A feed came back (2xx that parsed) or nothing changed (304).
bool Succeeded(const net::HttpResponse& response, const ParseSummary* parsed) {
  if (!response.ok()) return false;
  const int status = response.status;
  const bool got_feed = status >= 200 && status < 300 && (parsed == nullptr || parsed->status.ok());
  return got_feed || status == 304;
}

std::string DescribeFailure(const net::HttpResponse& response, const ParseSummary* parsed) {
  if (!response.ok())
    return std::string(net::FetchErrorName(response.error)) + ": " + response.error_message;
  if (parsed != nullptr && !parsed->status.ok())
    return "not a feed (HTTP " + std::to_string(response.status) + "): " + parsed->status.message();
  if (response.status == 410) return "gone (HTTP 410): the server says the feed was removed";
  return "HTTP " + std::to_string(response.status);
}

// Exponential moving average: recent polls count most, one slow poll does
// not dominate.
int64_t Smooth(int64_t average, int64_t sample) {
  if (average == 0) return sample;
  return (average * 4 + sample) / 5;
}

}  // namespace

FeedState NextFeedState(const FeedState& before, const net::HttpResponse& response,
                        const ParseSummary* parsed, UtcTime now, double unit,
                        const feeds::PollPolicy& policy) {
  FeedState state = before;
  state.polls += 1;
  state.last_attempt = now;
  state.last_status = response.ok() ? response.status : 0;

  const bool answered = response.ok();
  const int status = response.status;

  feeds::PollResult result;
  result.cache_control = std::string(response.Header("cache-control"));
  result.expires = std::string(response.Header("expires"));
  result.retry_after = std::string(response.Header("retry-after"));
  result.date = std::string(response.Header("date"));

  if (Succeeded(response, parsed)) {
    state.consecutive_failures = 0;
    state.last_error.clear();
    state.last_success = now;
    state.gone = false;
    const feeds::Validators kept =
        feeds::UpdateValidators({before.etag, before.last_modified}, status,
                                response.Header("etag"), response.Header("last-modified"));
    state.etag = kept.etag;
    state.last_modified = kept.last_modified;
    // Only a chain that ended well moves the feed: a 301 to a 404 is more
    // likely a broken site than a new home.
    if (!response.permanent_url.empty()) state.url = response.permanent_url;
    if (parsed != nullptr) {
      state.interval_seconds = feeds::AdaptiveInterval(parsed->item_times, policy).count();
      result.ttl_minutes = parsed->ttl_minutes;
    }
    state.avg_latency_ms = Smooth(before.avg_latency_ms, response.elapsed.count());
    result.status = status;
  } else {
    state.consecutive_failures = before.consecutive_failures + 1;
    state.last_error = DescribeFailure(response, parsed);
    state.gone = answered && status == 410;
    // A 2xx that was not a feed is a failure for scheduling too.
    result.status = answered && !(status >= 200 && status < 300) ? status : 0;
  }
  result.interval = feeds::Seconds(state.interval_seconds);
  result.consecutive_failures = state.consecutive_failures;

  if (state.gone) {
    // Keep asking, rarely: a removed feed sometimes comes back, and the
    // admin sees it reported meanwhile.
    state.next_poll_at = now + feeds::Jitter(policy.backoff_cap, unit, policy);
  } else {
    state.next_poll_at = feeds::NextPollAt(result, now, unit, policy);
  }
  return state;
}

const char* PollErrorKind(const net::HttpResponse& response, const ParseSummary* parsed) {
  if (Succeeded(response, parsed)) return "";
  if (!response.ok()) return net::FetchErrorName(response.error);
  if (parsed != nullptr && !parsed->status.ok()) return "parse";
  return response.status == 410 ? "gone" : "http";
}

}  // namespace mineral::daemon
