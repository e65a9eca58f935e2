#include "feeds/date.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/timezone.h"

namespace mineral::feeds {
namespace {

// "" stands for nullopt so one table column covers both outcomes.
std::string Show(std::string_view text, int default_offset = 0) {
  const auto t = ParseDate(text, default_offset);
  return t ? FormatRfc3339(*t) : "";
}

struct Case {
  const char* input;
  const char* expected;  // RFC 3339 UTC, or "" for "must not parse"
};

void CheckAll(const std::vector<Case>& cases, int default_offset = 0) {
  for (const Case& c : cases) {
    INFO("input: \"" << c.input << "\"");
    CHECK(Show(c.input, default_offset) == c.expected);
  }
}

TEST_CASE("ParseDate passes feedparser's date conformance cases") {
  const std::string path = MINERAL_SHARED_DIR "/conformance/feedparser/dates.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    WARN("skipped: cannot open " << path);
    return;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string json = buf.str();
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  REQUIRE(doc.HasMember("dates"));
  const auto& dates = doc["dates"];
  REQUIRE(dates.IsArray());
  REQUIRE(dates.Size() == 65);
  int passed = 0;
  for (const auto& entry : dates.GetArray()) {
    REQUIRE(entry["input"].IsString());
    const std::string input(entry["input"].GetString(), entry["input"].GetStringLength());
    const auto& expected = entry["expected"];
    const std::string want = expected.IsNull() ? "" : expected.GetString();
    const std::string got = Show(input);
    INFO("input: \"" << input << "\" family " << entry["family"].GetString()
                     << " (\"\" means nullopt)");
    CHECK(got == want);
    passed += got == want;
  }
  CHECK(passed == 65);
}

TEST_CASE("RFC 822, 1123 and 2822 dates") {
  CheckAll({
      {"Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01T19:48:21Z"},
      {"Thu, 01 Jan 2004 19:48:21 +0800", "2004-01-01T11:48:21Z"},
      {"Thu, 01 Jan 2004 19:48:21 +08:00", "2004-01-01T11:48:21Z"},
      {"Thu, 01 Jan 2004 19:48:21 -0330", "2004-01-01T23:18:21Z"},
      {"Thu, 01 Jan 2004 19:48 GMT", "2004-01-01T19:48:00Z"},
      {"Thu, 01 Jan 2004 19:48:21", "2004-01-01T19:48:21Z"},
      {"01 Jan 2004 19:48:21 GMT", "2004-01-01T19:48:21Z"},
      {"Thu, 01 Jan 04 19:48:21 GMT", "2004-01-01T19:48:21Z"},
      {"Fri, 01 Jan 99 00:00:00 GMT", "1999-01-01T00:00:00Z"},
      {"  Thu,   1   jan   2004   19:48:21   gmt  ", "2004-01-01T19:48:21Z"},
      {"Thursday, 01 January 2004 19:48:21 GMT", "2004-01-01T19:48:21Z"},
      {"Wed, 02 Oct 2002 08:00:00 EST", "2002-10-02T13:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 EDT", "2002-10-02T12:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 CST", "2002-10-02T14:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 CDT", "2002-10-02T13:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 MST", "2002-10-02T15:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 MDT", "2002-10-02T14:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 PST", "2002-10-02T16:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 PDT", "2002-10-02T15:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 UT", "2002-10-02T08:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 Z", "2002-10-02T08:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 A", "2002-10-02T07:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 M", "2002-10-01T20:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 N", "2002-10-02T09:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 Y", "2002-10-02T20:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 CET", "2002-10-02T07:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 CEST", "2002-10-02T06:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 BST", "2002-10-02T07:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 JST", "2002-10-01T23:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 AEST", "2002-10-01T22:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 GMT+0800", "2002-10-02T00:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 UTC-5", "2002-10-02T13:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 -0500 (EST)", "2002-10-02T13:00:00Z"},
      {"Wed, 02 Oct 2002 08:00:00 -0500 EST", "2002-10-02T13:00:00Z"},
      {"Thu Aug 30 2012 17:26:16 GMT+0200 (Central European Summer Time)", "2012-08-30T15:26:16Z"},
      {"Wed, 02 Sept. 2002 08:00:00 GMT", "2002-09-02T08:00:00Z"},
      {"Jan 5, 2024 10:00 PM", "2024-01-05T22:00:00Z"},
      {"January 5, 2024 12:00 am", "2024-01-05T00:00:00Z"},
      {"5 January 2024", "2024-01-05T00:00:00Z"},
      {"Sat, 31 Dec 2016 23:59:60 GMT", "2016-12-31T23:59:59Z"},
      // Rejected.
      {"Wed, 02 Oct 2002 08:00:00 IST", ""},
      {"Wed, 02 Oct 2002 08:00:00 J", ""},
      {"Wed, 02 Oct 2002 08:00:00 XYZ", ""},
      {"Wed, 02 Oct 2002 08:00:00 Etc/GMT-1", ""},
      {"Wed, 32 Oct 2002 08:00:00 GMT", ""},
      {"Wed, 29 Feb 2003 08:00:00 GMT", ""},
      {"Wed, 02 Oct 2002 25:00:00 GMT", ""},
      {"Wed, 02 Oct 2002 08:60:00 GMT", ""},
      {"Wed, 02 Oct 2002 08:00:61 GMT", ""},
      {"Wed, 02 Oct 2002 08:00:00 +2400", ""},
      {"Wed, 02 Oct 2002 08:00:00 GMT extra", ""},
      {"Wed, 02 Oct 2002 08:00:00 GMT (unclosed", ""},
      {"Wed, 02 Oct 002 08:00:00 GMT", ""},
      {"Wed, 02 Oct 2002 13:00 PM", ""},
      {"Wed, Oct 2002", ""},
      {"Wed, 02 Foo 2002", ""},
      {"Wed, 0 Oct 2002", ""},
      {"Wed, 01 Jan 0000 00:00:00 GMT", ""},
  });
}

TEST_CASE("asctime, Twitter, Perforce and localized textual dates") {
  CheckAll({
      {"Sun Jan  4 16:29:06 2004", "2004-01-04T16:29:06Z"},
      {"Sun Jan 4 16:29:06 2004", "2004-01-04T16:29:06Z"},
      {"Sun Jul 15 01:16:00 +0000 2012", "2012-07-15T01:16:00Z"},
      {"Fri, 2006/09/15 08:19:53 EDT", "2006-09-15T12:19:53Z"},
      {"2006/09/15 08:19:53", "2006-09-15T08:19:53Z"},
      {"Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z"},
      {"ΚΥΡ, 11 ΙΟΥΛ 2004 12:00:00 GMT", "2004-07-11T12:00:00Z"},
      {"Τρί, 01 Μαΐ 2007 10:00:00 +0300", "2007-05-01T07:00:00Z"},
      {"2004-július-13T9:15-05:00", "2004-07-13T14:15:00Z"},
      {"2004-december-01T09:15:00Z", "2004-12-01T09:15:00Z"},
      {"2004-05-25 오후 11:23:17", "2004-05-25T14:23:17Z"},
      {"2004-05-25 오전 11:23:17", "2004-05-25T02:23:17Z"},
      {"2004-05-25 오전 12:00:00", "2004-05-24T15:00:00Z"},
      {"2004년 05월 28일  01:31:15", "2004-05-27T16:31:15Z"},
      {"2004년 5월 28일", "2004-05-27T15:00:00Z"},
      // Rejected.
      {"Sun Jan  4 16:29:06", ""},
      {"Sun Jan  4 16:29:06 04", ""},
      {"Fri, 2006/13/15 08:19:53 EDT", ""},
      {"2004-foo-13T9:15-05:00", ""},
      {"2004-05-25 오후 13:23:17", ""},
  });
}

TEST_CASE("RFC 3339, ISO 8601 and W3C-DTF dates") {
  CheckAll({
      {"2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z"},
      {"2003-12-31t10:14:55z", "2003-12-31T10:14:55Z"},
      {"2003-12-31T10:14:55.123456789Z", "2003-12-31T10:14:55Z"},
      {"2003-12-31T10:14:55,5Z", "2003-12-31T10:14:55Z"},
      {"2003-12-31T10:14:55+01:00", "2003-12-31T09:14:55Z"},
      {"2003-12-31T10:14:55+0100", "2003-12-31T09:14:55Z"},
      {"2003-12-31T10:14:55+01", "2003-12-31T09:14:55Z"},
      {"2003-12-31T10:14:55-05:30", "2003-12-31T15:44:55Z"},
      {"2003-12-31T10:14Z", "2003-12-31T10:14:00Z"},
      {"2003-12-31 10:14:55Z", "2003-12-31T10:14:55Z"},
      {"2003-12-31 10:14:55 +01:00", "2003-12-31T09:14:55Z"},
      {"2003-12-31 10:14:55 UTC", "2003-12-31T10:14:55Z"},
      {"2003-12-31T10:14:55 GMT+08:00", "2003-12-31T02:14:55Z"},
      {"2024-01-05 10:00:00", "2024-01-05T10:00:00Z"},
      {"2024-01-05 10:00 PM", "2024-01-05T22:00:00Z"},
      {"20031231T101455Z", "2003-12-31T10:14:55Z"},
      {"20031231T101455.5+0100", "2003-12-31T09:14:55Z"},
      {"20031231T1014Z", "2003-12-31T10:14:00Z"},
      {"20031231T10Z", "2003-12-31T10:00:00Z"},
      {"20031231", "2003-12-31T00:00:00Z"},
      {"2003-12-31", "2003-12-31T00:00:00Z"},
      {"2003-12", "2003-12-01T00:00:00Z"},
      {"2003", "2003-01-01T00:00:00Z"},
      {"2003-335", "2003-12-01T00:00:00Z"},
      {"2004-366", "2004-12-31T00:00:00Z"},
      {"2003335", "2003-12-01T00:00:00Z"},
      {"2003-335T10:00Z", "2003-12-01T10:00:00Z"},
      {"2009-W01-1", "2008-12-29T00:00:00Z"},
      {"2009-W53-7", "2010-01-03T00:00:00Z"},
      {"2004-W53-6", "2005-01-01T00:00:00Z"},
      {"2009W011", "2008-12-29T00:00:00Z"},
      {"2009-W01", "2008-12-29T00:00:00Z"},
      {"2008-W01-1T12:00Z", "2007-12-31T12:00:00Z"},
      {"2003-12-31T24:00:00Z", "2004-01-01T00:00:00Z"},
      {"2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z"},
      {"2003-12-31T10:14:55-00:00", "2003-12-31T10:14:55Z"},
      {"2025-1-5", "2025-01-05T00:00:00Z"},
      {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
      {"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"},
      {"-0312", "2003-12-01T00:00:00Z"},
      {"031231", "2003-12-31T00:00:00Z"},
      {"03-12-31", "2003-12-31T00:00:00Z"},
      {"03-335", "2003-12-01T00:00:00Z"},
      {"03335", "2003-12-01T00:00:00Z"},
      {"\t2003-12-31T10:14:55Z\n", "2003-12-31T10:14:55Z"},
      // Rejected: out of range.
      {"2003-13-01", ""},
      {"2003-00-01", ""},
      {"2003-12-32", ""},
      {"2003-02-29", ""},
      {"2003-366", ""},
      {"2003-000", ""},
      {"2009-W54-1", ""},
      {"2009-W53-1", "2009-12-28T00:00:00Z"},
      {"2010-W53-1", ""},
      {"2009-W01-8", ""},
      {"2003-12-31T25:00:00Z", ""},
      {"2003-12-31T24:00:01Z", ""},
      {"2003-12-31T10:60:00Z", ""},
      {"2003-12-31T10:14:61Z", ""},
      {"2003-12-31T10:14:55+19:00", ""},
      {"2003-12-31T10:14:55+01:60", ""},
      {"2003-12-31T10:14:55-9999", ""},
      {"0000-01-01", ""},
      // Rejected: malformed or ambiguous.
      {"", ""},
      {"   ", ""},
      {"garbage", ""},
      {"2003-12-31T", ""},
      {"2003-12-31T10", "2003-12-31T10:00:00Z"},
      {"2003-12-31 10", ""},
      {"2003-12-31T10:1:00Z", ""},
      {"2003-12-31T10:14:55+", ""},
      {"2003-12-31T10:14:55+1:0", ""},
      {"2003-12-31T10:14:55ZZ", ""},
      {"2003-12-31T10:14:55 IST", ""},
      {"2003-12T10:00Z", ""},
      {"2003T10:00Z", ""},
      {"2003 10:00", ""},
      {"2003-12-31-01", ""},
      {"2003/12-31", ""},
      {"200312", ""},
      {"040112", ""},
      {"041232", ""},
      {"2003123", "2003-05-03T00:00:00Z"},
      {"22013", ""},
      {"013", ""},
      {"1", ""},
      {"123456789", ""},
      {"--12-31", ""},
      {"-335", ""},
  });
}

TEST_CASE("Chinese and gov.cn dates") {
  CheckAll({
      {"2025年10月9日", "2025-10-09T00:00:00Z"},
      {"2025年10月09日", "2025-10-09T00:00:00Z"},
      {"2025 年 10 月 9 日", "2025-10-09T00:00:00Z"},
      {"2025年10月9日 14:30", "2025-10-09T14:30:00Z"},
      {"2025年10月9日 14:30:05", "2025-10-09T14:30:05Z"},
      {"2025年10月9日14时30分", "2025-10-09T14:30:00Z"},
      {"2025年10月9日 14時30分05秒", "2025-10-09T14:30:05Z"},
      {"2025年10月9日 下午2:30", "2025-10-09T14:30:00Z"},
      {"2025年10月9日(木) 14:30", "2025-10-09T14:30:00Z"},
      {"2025年10月9日（星期四）", "2025-10-09T00:00:00Z"},
      {"2025-10-09", "2025-10-09T00:00:00Z"},
      {"2025.10.09", "2025-10-09T00:00:00Z"},
      {"2025.10.09 14:30", "2025-10-09T14:30:00Z"},
      {"2025/10/09", "2025-10-09T00:00:00Z"},
      // Rejected.
      {"2025年13月9日", ""},
      {"2025年2月30日", ""},
      {"2025年10月9日 25:00", ""},
      {"10月9日", ""},
      {"2025年10月", ""},
      {"2025年10月9日 garbage", ""},
      {"2025.13.09", ""},
      {"2025.10", ""},
  });
  // Chinese dates carry no zone: the publisher's default applies.
  CHECK(Show("2025年10月9日 14:30", 480) == "2025-10-09T06:30:00Z");
  CHECK(Show("2025.10.09", 480) == "2025-10-08T16:00:00Z");
}

TEST_CASE("The default offset applies only to zone-less dates") {
  CHECK(Show("2025-01-15", -300) == "2025-01-15T05:00:00Z");
  CHECK(Show("2024-01-05 10:00:00", 60) == "2024-01-05T09:00:00Z");
  CHECK(Show("Thu, 01 Jan 2004", 480) == "2003-12-31T16:00:00Z");
  CHECK(Show("2003-12-31T10:14:55Z", -300) == "2003-12-31T10:14:55Z");
  CHECK(Show("Thu, 01 Jan 2004 19:48:21 GMT", 480) == "2004-01-01T19:48:21Z");
  // Korean forms imply Korea time whatever the default.
  CHECK(Show("2004년 05월 28일  01:31:15", -300) == "2004-05-27T16:31:15Z");
  // An absurd default cannot produce a time.
  CHECK(Show("2025-01-15", 24 * 60) == "");
  CHECK(Show("2025-01-15T00:00:00Z", 24 * 60) == "2025-01-15T00:00:00Z");
}

TEST_CASE("ParseDate with a fixed-offset TimeZone") {
  const auto zone = TimeZone::Fixed(480);
  REQUIRE(zone.ok());
  CHECK(zone->name() == "UTC+08:00");
  const auto t = ParseDate("2025-10-09", *zone);
  REQUIRE(t);
  CHECK(FormatRfc3339(*t) == "2025-10-08T16:00:00Z");
  CHECK_FALSE(ParseDate("2025-13-09", *zone));
  CHECK_FALSE(TimeZone::Fixed(19 * 60).ok());
}

TEST_CASE("ParseDate never throws on hostile input") {
  // Truncations of valid dates, odd bytes and broken UTF-8 must all end in a
  // clean answer; any value they produce must be a plausible instant.
  const std::vector<std::string> seeds = {
      "Thu, 01 Jan 2004 19:48:21 +0800", "2003-12-31T10:14:55.1234+01:00",
      "2025年10月9日 14时30分05秒",      "Κυρ, 11 Ιούλ 2004 12:00:00 EST",
      "2004-05-25 오후 11:23:17",        "Sun Jul 15 01:16:00 +0000 2012"};
  for (const std::string& seed : seeds) {
    for (size_t n = 0; n <= seed.size(); ++n) {
      const std::string cut = seed.substr(0, n);
      INFO("input: \"" << cut << "\"");
      const auto t = ParseDate(cut);
      if (t) {
        CHECK(t->time_since_epoch().count() > -62135596800 - 86400);  // year 1
      }
    }
  }
  CHECK_FALSE(ParseDate(std::string("2003-12-31\0T10:00Z", 17)));
  CHECK_FALSE(ParseDate("\xff\xfe 01 Jan 2004"));
  CHECK_FALSE(ParseDate("Thu, 01 \xce Jan 2004"));
  CHECK_FALSE(ParseDate(std::string(1000, '1')));
  CHECK_FALSE(ParseDate("1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"));
}

TEST_CASE("ParseDate's fast paths agree with the general parsers", "[date]") {
  // The fast paths read "Wed, 25 Jun 2025 19:52:00 +0100" and
  // "2025-07-03T01:45:00.000Z" exactly; every near miss must fall through to
  // the general parsers and come out as they read it.
  const std::string seeds[] = {
      "Wed, 25 Jun 2025 19:52:00 +0100",
      "Wed, 25 Jun 2025 19:52:00 GMT",
      "Sun, 5 Jan 2025 00:00:00 -0500",
      "Mon, 29 Feb 2024 23:59:59 UT",
      "Tue, 29 Feb 2025 10:00:00 +0000",
      "Thu, 31 Apr 2025 10:00:00 +0000",
      "Fri, 01 Dec 0000 10:00:00 Z",
      "Sat, 01 Dec 9999 23:59:59 -1800",
      "Sat, 01 Dec 2025 24:00:00 +0000",
      "Sat, 01 Dec 2025 12:00:60 +0000",
      "Sat, 01 Dec 2025 12:00:00 +1801",
      "Sat, 01 Dec 2025 12:00:00 +0060",
      "Sat, 01 Dec 2025 12:00:00 EST",
      "Sat, 01 Dec 2025 12:00:00 EDT",
      "Sat, 01 Dec 2025 12:00:00 CST",
      "Sat, 01 Dec 2025 12:00:00 CDT",
      "Sat, 01 Dec 2025 12:00:00 MST",
      "Sat, 01 Dec 2025 12:00:00 MDT",
      "Sat, 01 Dec 2025 12:00:00 PST",
      "Sat, 01 Dec 2025 02:00:00 PDT",
      "Sat, 01 Dec 2025 12:00:00 AST",
      "Sat, 01 Dec 2025 12:00:00 est",
      "Sat, 01 Dec 2025 12:00:00 ESTX",
      "Sat, 01 Dec 2025 12:00:00 +0100 CET",
      "sat, 01 dec 2025 12:00:00 gmt",
      "Saturday, 01 Dec 2025 12:00:00 GMT",
      "Sat, 01 Dec 25 12:00:00 GMT",
      "Sat,01 Dec 2025 12:00:00 GMT",
      "2025-07-03T01:45:00Z",
      "2025-07-03T01:45:00.000Z",
      "2025-07-03T01:45:00.123456789+02:00",
      "2025-07-03T01:45:00.1234567891Z",
      "2025-07-03T01:45:00+18:00",
      "2025-07-03T01:45:00-18:01",
      "2025-07-03T24:00:00Z",
      "2025-07-03T23:59:60Z",
      "2025-02-29T01:45:00Z",
      "2024-02-29T01:45:00-05:30",
      "0000-01-01T00:00:00Z",
      "2025-07-03t01:45:00z",
      "2025-07-03T01:45:00",
      "2025-07-03T01:45:00+0200",
      "2025-07-03T01:45:00.Z",
      "2025-13-03T01:45:00Z",
      "  2025-07-03T01:45:00Z\n",
      "\tWed, 25 Jun 2025 19:52:00 +0100 ",
  };
  auto same = [](const std::string& s) {
    INFO("\"" << s << "\"");
    CHECK(ParseDate(s) == ParseDateWithoutFastPaths(s));
    CHECK(ParseDate(s, -300) == ParseDateWithoutFastPaths(s, -300));
  };
  const std::string alphabet = "0123456789 :+-.,TZGMUTAJFSONDECP";
  for (const std::string& seed : seeds) {
    same(seed);
    // Every prefix (truncated input), and every byte replaced by a few others.
    for (size_t len = 0; len < seed.size(); ++len) same(seed.substr(0, len));
    for (size_t i = 0; i < seed.size(); ++i) {
      for (char c : alphabet) {
        std::string t = seed;
        t[i] = c;
        same(t);
      }
      std::string dropped = seed;
      dropped.erase(i, 1);
      same(dropped);
    }
  }
  // And the well-formed ones parse at all.
  CHECK(ParseDate("Wed, 25 Jun 2025 19:52:00 +0100").has_value());
  CHECK(ParseDate("2025-07-03T01:45:00.000Z").has_value());
}

}  // namespace
}  // namespace mineral::feeds
