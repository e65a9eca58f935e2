#include "model/time.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

namespace mineral {
namespace {

TEST_CASE("FormatRfc3339 prints UTC with a Z suffix") {
  using namespace std::chrono;
  CHECK(FormatRfc3339(UtcTime{}) == "1970-01-01T00:00:00Z");
  const UtcTime t = sys_days{year{2003} / 12 / 31} + hours{10} + minutes{14} + seconds{55};
  CHECK(FormatRfc3339(t) == "2003-12-31T10:14:55Z");
  CHECK(FormatRfc3339(sys_days{year{1969} / 12 / 31} + hours{23}) == "1969-12-31T23:00:00Z");
}

// The form FormatRfc3339 had before it wrote its digits by hand.
std::string PrintfRfc3339(UtcTime t) {
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(t);
  const year_month_day ymd{days};
  const hh_mm_ss hms{t - days};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

TEST_CASE("FormatRfc3339 writes what printf wrote, in and out of four-digit years") {
  using namespace std::chrono;
  // Every field's digits, both sides of 1970, leap days, the ends of the
  // four-digit range and beyond it (negative years, year 10000).
  for (int y : {-1, 0, 9, 10, 99, 100, 999, 1000, 1969, 1970, 2000, 2024, 2026, 9999, 10000}) {
    for (unsigned m : {1u, 2u, 9u, 10u, 12u}) {
      for (unsigned d : {1u, 9u, 10u, 28u}) {
        for (int s : {0, 9, 10, 59, 3599, 3600, 86399}) {
          const UtcTime t = sys_days{year{y} / month{m} / day{d}} + seconds{s};
          CHECK(FormatRfc3339(t) == PrintfRfc3339(t));
          char buf[kRfc3339Capacity];
          CHECK(std::string(buf, FormatRfc3339To(t, buf)) == PrintfRfc3339(t));
        }
      }
    }
  }
  const UtcTime leap = sys_days{year{2024} / 2 / 29} + hours{23} + minutes{59} + seconds{59};
  CHECK(FormatRfc3339(leap) == "2024-02-29T23:59:59Z");
}

TEST_CASE("DaysFromCivil agrees with std::chrono") {
  using namespace std::chrono;
  for (int y : {1600, 1899, 1970, 2000, 2024, 2100}) {
    for (unsigned m = 1; m <= 12; ++m) {
      const sys_days d{year{y} / month{m} / day{28}};
      CHECK(DaysFromCivil(y, m, 28) == d.time_since_epoch().count());
    }
  }
}

}  // namespace
}  // namespace mineral
