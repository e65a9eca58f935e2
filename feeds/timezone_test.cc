#include "feeds/timezone.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "feeds/date.h"

namespace mineral::feeds {
namespace {

constexpr const char* kZoneinfo = "/usr/share/zoneinfo";

// Loads a system zone, or nullopt (with a warning) where tzdata is missing.
std::optional<TimeZone> SystemZone(const std::string& name) {
  if (!std::filesystem::exists(std::string(kZoneinfo) + "/" + name)) {
    WARN("skipped: " << kZoneinfo << "/" << name << " not installed");
    return std::nullopt;
  }
  auto zone = LoadTimeZone(name);
  INFO(zone.status().ToString());
  REQUIRE(zone.ok());
  return std::move(zone).value();
}

std::string InZone(std::string_view text, const TimeZone& zone) {
  const auto t = ParseDate(text, zone);
  return t ? FormatRfc3339(*t) : "";
}

std::chrono::local_seconds Local(int y, unsigned m, unsigned d, int h, int mi) {
  using namespace std::chrono;
  return local_days{year{y} / month{m} / day{d}} + hours{h} + minutes{mi};
}

TEST_CASE("America/New_York dates honour daylight saving time") {
  const auto ny = SystemZone("America/New_York");
  if (!ny) return;
  CHECK(ny->name() == "America/New_York");
  // Federal Register publication dates: midnight in New York.
  CHECK(InZone("2025-01-15", *ny) == "2025-01-15T05:00:00Z");
  CHECK(InZone("2025-07-04", *ny) == "2025-07-04T04:00:00Z");
  CHECK(InZone("2024-01-05 10:00:00", *ny) == "2024-01-05T15:00:00Z");
  // Far beyond the transition table: the footer rule must take over.
  CHECK(InZone("2090-07-04", *ny) == "2090-07-04T04:00:00Z");
  CHECK(InZone("2090-12-04", *ny) == "2090-12-04T05:00:00Z");
  // Before 2007 the US rule was different (DST began in April).
  CHECK(InZone("2006-03-20", *ny) == "2006-03-20T05:00:00Z");
  CHECK(InZone("2007-03-20", *ny) == "2007-03-20T04:00:00Z");
  // An explicit zone in the text wins over the default.
  CHECK(InZone("2025-07-04T00:00:00Z", *ny) == "2025-07-04T00:00:00Z");

  // Spring forward 2025-03-09 02:00 -> 03:00: 02:30 does not exist.
  CHECK(FormatRfc3339(ny->ToUtc(Local(2025, 3, 9, 1, 59))) == "2025-03-09T06:59:00Z");
  CHECK(FormatRfc3339(ny->ToUtc(Local(2025, 3, 9, 2, 30))) == "2025-03-09T07:30:00Z");
  CHECK(FormatRfc3339(ny->ToUtc(Local(2025, 3, 9, 3, 0))) == "2025-03-09T07:00:00Z");
  // Fall back 2025-11-02 02:00 -> 01:00: 01:30 happens twice; the first wins.
  CHECK(FormatRfc3339(ny->ToUtc(Local(2025, 11, 2, 1, 30))) == "2025-11-02T05:30:00Z");
  CHECK(FormatRfc3339(ny->ToUtc(Local(2025, 11, 2, 2, 0))) == "2025-11-02T07:00:00Z");

  using std::chrono::hours;
  CHECK(ny->OffsetAt(*ParseDate("2025-03-09T06:59:59Z")) == hours{-5});
  CHECK(ny->OffsetAt(*ParseDate("2025-03-09T07:00:00Z")) == hours{-4});
  CHECK(ny->OffsetAt(*ParseDate("2025-11-02T05:59:59Z")) == hours{-4});
  CHECK(ny->OffsetAt(*ParseDate("2025-11-02T06:00:00Z")) == hours{-5});
}

TEST_CASE("Asia/Shanghai dates are UTC+8 without DST") {
  const auto sh = SystemZone("Asia/Shanghai");
  if (!sh) return;
  CHECK(InZone("2025-10-09", *sh) == "2025-10-08T16:00:00Z");
  CHECK(InZone("2025年10月9日 14:30", *sh) == "2025-10-09T06:30:00Z");
  CHECK(InZone("2025.07.01", *sh) == "2025-06-30T16:00:00Z");
  // China observed DST from 1986 to 1991.
  CHECK(InZone("1988-07-01 12:00", *sh) == "1988-07-01T03:00:00Z");
}

TEST_CASE("UTC and southern-hemisphere zones") {
  if (const auto utc = SystemZone("UTC")) {
    CHECK(InZone("2025-10-09", *utc) == "2025-10-09T00:00:00Z");
  }
  if (const auto syd = SystemZone("Australia/Sydney")) {
    CHECK(InZone("2025-01-15", *syd) == "2025-01-14T13:00:00Z");  // AEDT
    CHECK(InZone("2025-07-15", *syd) == "2025-07-14T14:00:00Z");  // AEST
    CHECK(InZone("2095-01-15", *syd) == "2095-01-14T13:00:00Z");
  }
}

TEST_CASE("POSIX TZ rules") {
  const auto us = TimeZone::FromPosix("US", "EST5EDT,M3.2.0,M11.1.0");
  REQUIRE(us.ok());
  CHECK(InZone("2030-07-04", *us) == "2030-07-04T04:00:00Z");
  CHECK(InZone("2030-01-04", *us) == "2030-01-04T05:00:00Z");
  // Southern hemisphere: DST spans the new year.
  const auto au = TimeZone::FromPosix("AU", "AEST-10AEDT,M10.1.0,M4.1.0/3");
  REQUIRE(au.ok());
  CHECK(InZone("2030-01-15", *au) == "2030-01-14T13:00:00Z");
  CHECK(InZone("2030-07-15", *au) == "2030-07-14T14:00:00Z");
  const auto cn = TimeZone::FromPosix("CN", "<+08>-8");
  REQUIRE(cn.ok());
  CHECK(InZone("2030-01-15", *cn) == "2030-01-14T16:00:00Z");
  // Julian-day rules.
  const auto j = TimeZone::FromPosix("J", "XXX0YYY,J60/0,J300/0");
  REQUIRE(j.ok());
  CHECK(InZone("2031-03-02 12:00", *j) == "2031-03-02T11:00:00Z");
  CHECK(InZone("2031-02-28 12:00", *j) == "2031-02-28T12:00:00Z");

  for (const char* bad : {"", "E5", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0",
                          "EST5EDT,M3.2.0,M11.1.0,", "<+8>-8", "EST99"}) {
    INFO("tz: \"" << bad << "\"");
    const auto z = TimeZone::FromPosix("bad", bad);
    CHECK_FALSE(z.ok());
    CHECK(z.status().code() == Status::Code::kParseError);
  }
}

TEST_CASE("LoadTimeZone reports bad names and files clearly") {
  for (const char* bad : {"", "../etc/passwd", "/etc/passwd", "America/", "New York",
                          "America//New_York", "Europe/Lon;don"}) {
    INFO("name: \"" << bad << "\"");
    const auto z = LoadTimeZone(bad);
    CHECK_FALSE(z.ok());
    CHECK(z.status().code() == Status::Code::kInvalidArgument);
  }
  const auto missing = LoadTimeZone("Mars/Olympus_Mons");
  CHECK_FALSE(missing.ok());
  CHECK(missing.status().code() == Status::Code::kNotFound);
  CHECK(missing.status().message().find("Mars/Olympus_Mons") != std::string::npos);
  // A directory is not a zone.
  const auto dir = LoadTimeZone("America");
  CHECK_FALSE(dir.ok());
  CHECK(dir.status().code() == Status::Code::kNotFound);
  // A file that is not TZif.
  const auto dir_path = std::filesystem::temp_directory_path() / "mineral_timezone_test";
  std::filesystem::create_directories(dir_path);
  std::ofstream(dir_path / "Not_Tzif") << "hello";
  const auto not_tzif = LoadTimeZone("Not_Tzif", dir_path.string());
  CHECK(not_tzif.status().code() == Status::Code::kParseError);
  std::filesystem::remove_all(dir_path);
}

TEST_CASE("FromTzif rejects malformed bytes") {
  CHECK(TimeZone::FromTzif("x", "").status().code() == Status::Code::kParseError);
  CHECK_FALSE(TimeZone::FromTzif("x", "TZif2").ok());
  std::string header = "TZif2";
  header.resize(44, '\0');
  header[35] = 1;  // timecnt = 1, but no data follows
  CHECK_FALSE(TimeZone::FromTzif("x", header).ok());
  const auto ny_path = std::string(kZoneinfo) + "/America/New_York";
  if (std::filesystem::exists(ny_path)) {
    // Every truncation of a real file must fail cleanly, not crash.
    std::ifstream in(ny_path, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string bytes = buf.str();
    REQUIRE(TimeZone::FromTzif("ny", bytes).ok());
    for (size_t n = 0; n + 1 < bytes.size(); n += 7) {
      CHECK_FALSE(TimeZone::FromTzif("ny", std::string_view(bytes).substr(0, n)).ok());
    }
  }
  if (std::filesystem::exists(std::string(kZoneinfo) + "/right/UTC")) {
    const auto right = LoadTimeZone("right/UTC");
    CHECK(right.status().code() == Status::Code::kUnsupported);
  }
}

}  // namespace
}  // namespace mineral::feeds
