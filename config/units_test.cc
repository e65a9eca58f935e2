#include "config/units.h"

#include <catch2/catch.hpp>

namespace mineral::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("durations") {
  CHECK(*ParseDuration("100ms") == milliseconds(100));
  CHECK(*ParseDuration("30s") == seconds(30));
  CHECK(*ParseDuration("15m") == minutes(15));
  CHECK(*ParseDuration("6h") == hours(6));
  CHECK(*ParseDuration("90d") == hours(24 * 90));
  CHECK(*ParseDuration("2w") == hours(24 * 14));
  CHECK(*ParseDuration("1h30m") == minutes(90));
  CHECK(*ParseDuration("1m500ms") == milliseconds(60500));
  CHECK(*ParseDuration("0s") == milliseconds(0));
  for (const char* bad : {"", "15", "m", "15 m", "15min", "1.5h", "-5m", "30m1h", "1h1h", "1hh",
                          "99999999999999999999s", "1s ", "\u00bds"}) {
    INFO(bad);
    CHECK_FALSE(ParseDuration(bad).ok());
  }
  CHECK(ParseDuration("15").status().message() ==
        "write a whole number and a unit (ms, s, m, h, d, w), as in \"15m\" or \"1h30m\"");
}

TEST_CASE("durations read back as written") {
  for (const char* text : {"100ms", "30s", "15m", "6h", "90d", "1h30m", "1d1h1m1s1ms", "0s"}) {
    INFO(text);
    CHECK(FormatDuration(*ParseDuration(text)) == text);
  }
  CHECK(FormatDuration(*ParseDuration("2w")) == "14d");
}

TEST_CASE("sizes") {
  CHECK(*ParseSize("0B") == 0);
  CHECK(*ParseSize("512B") == 512);
  CHECK(*ParseSize("64KiB") == 65536);
  CHECK(*ParseSize("10MiB") == 10485760);
  CHECK(*ParseSize("1GiB") == 1073741824);
  CHECK(*ParseSize("10MB") == 10000000);
  CHECK(*ParseSize("1kB") == 1000);
  for (const char* bad :
       {"", "10", "MiB", "10 MiB", "10mib", "1.5MiB", "-1B", "10MiBs", "99999999999TiB"}) {
    INFO(bad);
    CHECK_FALSE(ParseSize(bad).ok());
  }
  CHECK(ParseSize("10").status().message() ==
        "write a whole number and a unit (B, KiB, MiB, GiB, kB, MB, GB), as in \"10MiB\"");
}

TEST_CASE("times of day and rates") {
  CHECK(*ParseTimeOfDay("00:00") == 0);
  CHECK(*ParseTimeOfDay("08:00") == 480);
  CHECK(*ParseTimeOfDay("23:59") == 1439);
  for (const char* bad : {"24:00", "8:00", "08:60", "0800", "08:00:00", ""}) {
    INFO(bad);
    CHECK_FALSE(ParseTimeOfDay(bad).ok());
  }
  const Rate rate = *ParseRate("20/1h");
  CHECK(rate.count == 20);
  CHECK(rate.per == hours(1));
  for (const char* bad : {"20", "0/1h", "20/", "/1h", "20/0s", "x/1h", "20/1 h"}) {
    INFO(bad);
    CHECK_FALSE(ParseRate(bad).ok());
  }
}

}  // namespace
}  // namespace mineral::config
