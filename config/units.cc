#include "config/units.h"

#include <array>
#include <limits>
#include <optional>

namespace mineral::config {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The digits at the front of `text` (consumed), or nullopt on none or overflow.
std::optional<uint64_t> TakeNumber(std::string_view& text) {
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && IsDigit(text[i])) {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;
  text.remove_prefix(i);
  return value;
}

// The letters at the front of `text` (consumed).
std::string_view TakeUnit(std::string_view& text) {
  size_t i = 0;
  while (i < text.size() && !IsDigit(text[i])) ++i;
  const std::string_view unit = text.substr(0, i);
  text.remove_prefix(i);
  return unit;
}

struct Unit {
  std::string_view name;
  uint64_t factor;
};

// Largest first: a duration writes its groups in this order.
constexpr std::array<Unit, 6> kDurationUnits = {{{"w", 7 * 86400000ULL},
                                                 {"d", 86400000ULL},
                                                 {"h", 3600000ULL},
                                                 {"m", 60000ULL},
                                                 {"s", 1000ULL},
                                                 {"ms", 1ULL}}};

constexpr std::array<Unit, 9> kSizeUnits = {{{"B", 1ULL},
                                             {"KiB", 1ULL << 10},
                                             {"MiB", 1ULL << 20},
                                             {"GiB", 1ULL << 30},
                                             {"TiB", 1ULL << 40},
                                             {"kB", 1000ULL},
                                             {"KB", 1000ULL},
                                             {"MB", 1000000ULL},
                                             {"GB", 1000000000ULL}}};

bool MultiplyAdd(uint64_t& total, uint64_t n, uint64_t factor) {
  if (n != 0 && factor > std::numeric_limits<uint64_t>::max() / n) return false;
  if (total > std::numeric_limits<uint64_t>::max() - n * factor) return false;
  total += n * factor;
  return true;
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  const Status bad = Status::InvalidArgument(
      "write a whole number and a unit (ms, s, m, h, d, w), as in \"15m\" or \"1h30m\"");
  if (text.empty()) return bad;
  std::string_view rest = text;
  uint64_t total = 0;
  size_t next_unit = 0;  // units must come largest first, each once
  while (!rest.empty()) {
    const std::optional<uint64_t> n = TakeNumber(rest);
    if (!n) return bad;
    const std::string_view unit = TakeUnit(rest);
    size_t u = next_unit;
    while (u < kDurationUnits.size() && kDurationUnits[u].name != unit) ++u;
    if (u == kDurationUnits.size()) return bad;
    // Keep well inside int64 milliseconds (about 292 million years).
    if (!MultiplyAdd(total, *n, kDurationUnits[u].factor) ||
        total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 2)) {
      return Status::InvalidArgument("too long");
    }
    next_unit = u + 1;
  }
  return Duration(static_cast<int64_t>(total));
}

std::string FormatDuration(Duration duration) {
  uint64_t left = static_cast<uint64_t>(duration.count() < 0 ? 0 : duration.count());
  if (left == 0) return "0s";
  std::string out;
  for (const Unit& unit : kDurationUnits) {
    // Weeks only when the duration is whole weeks: "14d" reads better than "2w".
    if (unit.name == "w") continue;
    if (left >= unit.factor) {
      out += std::to_string(left / unit.factor);
      out += unit.name;
      left %= unit.factor;
    }
  }
  return out;
}

Result<uint64_t> ParseSize(std::string_view text) {
  const Status bad = Status::InvalidArgument(
      "write a whole number and a unit (B, KiB, MiB, GiB, kB, MB, GB), as in \"10MiB\"");
  std::string_view rest = text;
  const std::optional<uint64_t> n = TakeNumber(rest);
  if (!n) return bad;
  const std::string_view unit = TakeUnit(rest);
  if (!rest.empty()) return bad;
  for (const Unit& u : kSizeUnits) {
    if (u.name != unit) continue;
    uint64_t total = 0;
    if (!MultiplyAdd(total, *n, u.factor)) return Status::InvalidArgument("too large");
    return total;
  }
  return bad;
}

Result<int> ParseTimeOfDay(std::string_view text) {
  const Status bad =
      Status::InvalidArgument("write a time of day as HH:MM on a 24-hour clock, as in \"08:00\"");
  if (text.size() != 5 || text[2] != ':' || !IsDigit(text[0]) || !IsDigit(text[1]) ||
      !IsDigit(text[3]) || !IsDigit(text[4])) {
    return bad;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return bad;
  return hours * 60 + minutes;
}

Result<Rate> ParseRate(std::string_view text) {
  const Status bad = Status::InvalidArgument(
      "write a rate as COUNT/DURATION, as in \"20/1h\" (at most 20 an hour)");
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad;
  std::string_view count_text = text.substr(0, slash);
  const std::optional<uint64_t> count = TakeNumber(count_text);
  if (!count || !count_text.empty() || *count == 0 ||
      *count > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return bad;
  }
  Result<Duration> per = ParseDuration(text.substr(slash + 1));
  if (!per.ok() || per->count() == 0) return bad;
  return Rate{static_cast<int64_t>(*count), *per};
}

}  // namespace mineral::config
