// Dates as feeds write them, to an instant in UTC.
//
// Accepts RFC 822/1123 (named zones such as GMT, EST, PDT, military letters;
// numeric offsets; missing seconds, weekday or zone), RFC 3339 / ISO 8601 and
// their common variants (basic format, ordinal dates, week dates, missing
// parts), W3C-DTF, asctime, Chinese dates such as "2025年10月9日" and the
// localized forms feedparser knows (Greek, Hungarian, Korean, ...).
// Anything not understood returns nullopt: never a wrong time.
//
// Details of the contract:
// - Out-of-range fields (month 13, day 32, Feb 30, hour 25, offset minutes
//   over 59 or offsets beyond +-18h) reject the whole date.  A leap second
//   (:60) becomes :59; "24:00:00" is midnight at the end of that day.
//   Fractional seconds are truncated.  Years run from 1 to 9999.
// - Two-digit years: 00-49 are 20xx, 50-99 are 19xx (RFC 2822).
// - Forms that need today's date to be read (ISO "--12-31", "-335") are not
//   accepted, so the functions stay pure.  So are ambiguous ones, e.g. the
//   five digits "22013", which could be 2022 day 13 or a truncated
//   "22-01-3".
// - Named zones are those with one meaning in feeds (US zones as RFC 822
//   defines them, CET/CEST, BST = British Summer Time, JST, AEST, ...);
//   IST, for one, is rejected.  Military letters follow the military
//   convention (A = +01:00, N = -01:00, Z = UTC), not RFC 822's reversed signs.
// - Korean forms (OnBlog "2004년 05월 28일", Nate "오후") mean Korea Standard
//   Time, as in feedparser.  Chinese/Japanese "年月日" forms and every other
//   zone-less or date-only form use the caller's default zone.
// - The weekday, when given, is not checked against the date: feeds get it
//   wrong far more often than the date itself.
//
// Pure, thread-safe, and allocation-free.
#pragma once

#include <optional>
#include <string_view>

#include "feeds/timezone.h"
#include "model/time.h"

namespace mineral::feeds {

// `default_offset_minutes` applies to dates that carry no zone (date-only or
// zone-less times), e.g. -300 for a publisher in New York in winter.  Such
// dates give nullopt if it exceeds +-18 hours.  Pure.
std::optional<UtcTime> ParseDate(std::string_view text, int default_offset_minutes = 0);

// As above, but a zone-less date is local time in `default_zone`, daylight
// saving included: "2025-07-04" with America/New_York is 2025-07-04T04:00:00Z.
std::optional<UtcTime> ParseDate(std::string_view text, const TimeZone& default_zone);

// ParseDate without its fast paths for the everyday RFC 1123 and RFC 3339
// shapes: the general parsers alone, the reference the fast paths are
// tested and fuzzed against.  Same result for every input.
std::optional<UtcTime> ParseDateWithoutFastPaths(std::string_view text,
                                                 int default_offset_minutes = 0);

}  // namespace mineral::feeds
