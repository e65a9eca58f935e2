// Small pure helpers shared by the payload renderers: how an alert is named,
// summed up and cut to a platform's limits.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "notify/alert.h"

namespace mineral::notify {

// `text` cut to at most `max_bytes` bytes on a UTF-8 character boundary, with
// "…" appended when cut (the result, ellipsis included, fits max_bytes).
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

// The matched terms, distinct, in evidence order, concepts by their name
// ("mineral:gallium" reads "gallium"): "gallium, export licence".
std::string MatchedTermsList(const Alert& alert);

// Who published the item: its origin ("Reuters"), else its feed id.
const std::string& SourceName(const AlertItem& item);

// Distinct feed ids of an alert's items, first item first.
std::vector<std::string> SourceFeeds(const Alert& alert);

// &, < and > as entities, and with `quotes` also " and ' (HTML attribute
// values).  Slack mrkdwn escapes the same three.
std::string EscapeMarkup(std::string_view text, bool quotes);

// "CRITICAL", "WARNING", "INFO" (upper-cased severity).
std::string SeverityLabel(std::string_view severity);

// "[CRITICAL] Title" for one alert, "3 alerts (CRITICAL): Title, +2 more" for
// a group: the one line every chat kind shows when it has one line.
std::string MessageHeadline(const Message& message);

// Why the alert fired, in one sentence: "Rule china-gallium matched gallium,
// export licence in the title and summary."
std::string WhyItMatched(const Alert& alert);

}  // namespace mineral::notify
