#include "model/time.h"

#include <algorithm>
#include <cstdio>

namespace mineral {

size_t FormatRfc3339To(UtcTime t, char (&out)[kRfc3339Capacity]) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{t - days};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    // Outside four digits: printf's widths, as ever (never in a feed).
    const int n = std::snprintf(
        out, sizeof out, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", year,
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
        static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
        static_cast<long>(hms.seconds().count()));
    return static_cast<size_t>(std::clamp(n, 0, static_cast<int>(sizeof out) - 1));
  }
  // By hand: snprintf parsed its format for every time of every payload.
  auto two = [&out](size_t at, unsigned v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(0, static_cast<unsigned>(year) / 100);
  two(2, static_cast<unsigned>(year) % 100);
  out[4] = '-';
  two(5, static_cast<unsigned>(ymd.month()));
  out[7] = '-';
  two(8, static_cast<unsigned>(ymd.day()));
  out[10] = 'T';
  two(11, static_cast<unsigned>(hms.hours().count()));
  out[13] = ':';
  two(14, static_cast<unsigned>(hms.minutes().count()));
  out[16] = ':';
  two(17, static_cast<unsigned>(hms.seconds().count()));
  out[19] = 'Z';
  out[20] = '\0';
  return 20;
}

std::string FormatRfc3339(UtcTime t) {
  char buf[kRfc3339Capacity];
  return std::string(buf, FormatRfc3339To(t, buf));
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil; valid for the whole int64 range we use.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace mineral
