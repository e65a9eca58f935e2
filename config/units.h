// Durations, sizes, times of day and rates as the config file writes them.
//
//   "100ms", "30s", "15m", "6h", "90d", "1h30m"   durations
//   "512B", "64KiB", "10MiB", "1GiB", "10MB"        sizes (KiB = 1024, kB/KB = 1000)
//   "08:00"                                          a time of day, 24-hour clock
//   "20/1h"                                          a rate: at most 20 per hour
//
// All parsers are pure and accept nothing they cannot read exactly (no signs,
// no fractions, no spaces, no overflow); the error text is the reason, for
// the config parser to put after the value's position.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/status.h"

namespace mineral::config {

using Duration = std::chrono::milliseconds;

// One or more <digits><unit> groups, units ms, s, m, h, d, w, largest first,
// each at most once: "1h30m", "0s".  A bare number is refused (is "90" seconds
// or days?).
Result<Duration> ParseDuration(std::string_view text);

// The shortest spelling ParseDuration reads back: 5400000ms -> "1h30m",
// 100ms -> "100ms", 0 -> "0s".
std::string FormatDuration(Duration duration);

// <digits><unit>, units B, KiB, MiB, GiB, TiB (powers of 1024) and kB/KB, MB,
// GB, TB (powers of 1000).
Result<uint64_t> ParseSize(std::string_view text);

// Minutes after midnight of "HH:MM" (00:00 to 23:59).
Result<int> ParseTimeOfDay(std::string_view text);

struct Rate {
  int64_t count = 0;  // at most this many
  Duration per{0};    // in any window this long
};

// "<count>/<duration>": "20/1h", "1/30s".  The count is at least 1.
Result<Rate> ParseRate(std::string_view text);

}  // namespace mineral::config
