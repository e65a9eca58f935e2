#include "feeds/poll_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "feeds/date.h"
#include "text/text.h"

namespace mineral::feeds {
namespace {

std::optional<int64_t> ParseNonNegative(std::string_view s) {
  s = text::TrimAsciiWhitespace(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || end != s.data() + s.size()) return std::nullopt;
  // RFC 9111 section 1.2.2: a delta-seconds too large to hold means "a very
  // long time", not an error.
  if (ec == std::errc::result_out_of_range) return INT64_MAX;
  if (ec != std::errc() || v < 0) return std::nullopt;
  return v;
}

Seconds Clamp(Seconds v, Seconds lo, Seconds hi) { return std::max(lo, std::min(v, hi)); }

}  // namespace

std::vector<std::pair<std::string, std::string>> ConditionalHeaders(const Validators& v) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!v.etag.empty()) headers.emplace_back("If-None-Match", v.etag);
  if (!v.last_modified.empty()) headers.emplace_back("If-Modified-Since", v.last_modified);
  return headers;
}

Validators UpdateValidators(const Validators& stored, int status, std::string_view etag,
                            std::string_view last_modified) {
  if (status == 304) {
    Validators v = stored;
    if (!etag.empty()) v.etag = std::string(etag);
    if (!last_modified.empty()) v.last_modified = std::string(last_modified);
    return v;
  }
  if (status >= 200 && status < 300) return {std::string(etag), std::string(last_modified)};
  return stored;  // an error says nothing about the representation we hold
}

std::optional<Seconds> CacheControlMaxAge(std::string_view cache_control) {
  std::optional<int64_t> best;
  size_t i = 0;
  while (i <= cache_control.size()) {
    size_t comma = cache_control.find(',', i);
    if (comma == std::string_view::npos) comma = cache_control.size();
    const std::string_view directive =
        text::TrimAsciiWhitespace(cache_control.substr(i, comma - i));
    const size_t eq = directive.find('=');
    const std::string_view name = text::TrimAsciiWhitespace(directive.substr(0, eq));
    if (text::EqualsIgnoreAsciiCase(name, "no-cache") ||
        text::EqualsIgnoreAsciiCase(name, "no-store")) {
      return std::nullopt;
    }
    if (eq != std::string_view::npos && (text::EqualsIgnoreAsciiCase(name, "max-age") ||
                                         text::EqualsIgnoreAsciiCase(name, "s-maxage"))) {
      if (const auto v = ParseNonNegative(directive.substr(eq + 1))) {
        best = std::max(best.value_or(0), *v);
      }
    }
    i = comma + 1;
  }
  if (!best) return std::nullopt;
  // Held in seconds well below chrono's limits.
  return Seconds(std::min<int64_t>(*best, int64_t{100} * 365 * 24 * 3600));
}

std::optional<UtcTime> ParseHttpDate(std::string_view text) {
  text = text::TrimAsciiWhitespace(text);
  if (text.empty()) return std::nullopt;
  // RFC 850's "Sunday, 09-Nov-25 12:30:00 GMT": dashes become spaces so the
  // RFC 822 reader takes it (two-digit years as RFC 822 reads them).
  const size_t comma = text.find(", ");
  if (comma != std::string_view::npos && text.size() > comma + 11 && text[comma + 4] == '-' &&
      text[comma + 8] == '-') {
    std::string rfc822(text);
    rfc822[comma + 4] = ' ';
    rfc822[comma + 8] = ' ';
    return ParseDate(rfc822);
  }
  // IMF-fixdate and asctime: the feed date parser reads both; HTTP dates are GMT.
  return ParseDate(text);
}

std::optional<Seconds> ParseRetryAfter(std::string_view value, UtcTime now) {
  value = text::TrimAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9' &&
      value.find_first_not_of("0123456789") == std::string_view::npos) {
    const auto v = ParseNonNegative(value);
    if (!v) return std::nullopt;
    return Seconds(std::min<int64_t>(*v, int64_t{100} * 365 * 24 * 3600));
  }
  const auto when = ParseHttpDate(value);
  if (!when) return std::nullopt;
  return *when > now ? Seconds(*when - now) : Seconds(0);
}

Seconds AdaptiveInterval(const std::vector<UtcTime>& item_times, const PollPolicy& policy) {
  if (item_times.size() < 3) {
    return Clamp(policy.default_interval, policy.min_interval, policy.max_interval);
  }
  std::vector<UtcTime> times = item_times;
  std::sort(times.begin(), times.end());
  std::vector<int64_t> gaps;
  gaps.reserve(times.size() - 1);
  for (size_t i = 1; i < times.size(); ++i) gaps.push_back((times[i] - times[i - 1]).count());
  // The median resists bursts (ten items published at once) and long silences.
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
  const Seconds median(gaps[gaps.size() / 2]);
  // Poll about twice per publishing gap, so a new item waits half a gap on
  // average rather than a whole one.
  return Clamp(median / 2, policy.min_interval, policy.max_interval);
}

Seconds Backoff(int consecutive_failures, const PollPolicy& policy) {
  if (consecutive_failures <= 0) return Seconds(0);
  const int doublings = std::min(consecutive_failures - 1, 30);
  const double delay =
      static_cast<double>(policy.backoff_base.count()) * std::ldexp(1.0, doublings);
  const double cap = static_cast<double>(policy.backoff_cap.count());
  return Seconds(static_cast<int64_t>(std::min(delay, cap)));
}

Seconds Jitter(Seconds interval, double unit, const PollPolicy& policy) {
  unit = std::clamp(unit, 0.0, 1.0);
  const double spread = static_cast<double>(interval.count()) * policy.jitter;
  const double moved = static_cast<double>(interval.count()) + (2.0 * unit - 1.0) * spread;
  return std::max(policy.min_interval, Seconds(static_cast<int64_t>(std::llround(moved))));
}

UtcTime NextPollAt(const PollResult& result, UtcTime now, double unit, const PollPolicy& policy) {
  const int status = result.status;
  if (status == 429 || status == 503) {
    if (const auto retry = ParseRetryAfter(result.retry_after, now)) {
      // The server named a time: keep to it exactly (within our cap), but
      // never sooner than the minimum interval.
      return now + Clamp(*retry, policy.min_interval, policy.max_honoured_delay);
    }
  }
  const FeedFate fate = ClassifyStatus(status);
  if (fate == FeedFate::kFailed || fate == FeedFate::kGone) {
    const int failures = std::max(1, result.consecutive_failures);
    return now + Jitter(Backoff(failures, policy), unit, policy);
  }
  Seconds interval = Clamp(result.interval.count() > 0 ? result.interval : policy.default_interval,
                           policy.min_interval, policy.max_interval);
  // Freshness hints only ever lengthen the wait: they say how long the answer
  // stays the same, and polling sooner would fetch the same bytes.
  Seconds fresh{0};
  if (const auto max_age = CacheControlMaxAge(result.cache_control)) {
    fresh = *max_age;
  } else if (!result.expires.empty()) {
    // RFC 9111 section 4.2.1: Expires minus the server's Date (not our clock).
    const auto expires = ParseHttpDate(result.expires);
    const auto date = ParseHttpDate(result.date);
    const UtcTime base = date.value_or(now);
    if (expires && *expires > base) fresh = Seconds(*expires - base);
  }
  if (result.ttl_minutes && *result.ttl_minutes > 0) {
    fresh = std::max(fresh, Seconds(int64_t{*result.ttl_minutes} * 60));
  }
  interval = std::max(interval, std::min(fresh, policy.max_honoured_delay));
  return now + Jitter(interval, unit, policy);
}

FeedFate ClassifyStatus(int status) {
  if ((status >= 200 && status < 300) || status == 304) return FeedFate::kOk;
  if (status == 301 || status == 308) return FeedFate::kMovedPermanently;
  if (status == 410) return FeedFate::kGone;
  return FeedFate::kFailed;
}

}  // namespace mineral::feeds
