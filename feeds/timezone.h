// Time zones for publishers whose dates carry no zone.
//
// Some sources give only a local date ("2025-10-09" from the US Federal
// Register means midnight in New York; MOFCOM means Asia/Shanghai).  A
// TimeZone turns such a local civil time into UTC honouring daylight saving
// time.  It is either a fixed offset or the rules of an IANA zone read from a
// binary TZif file (RFC 8536, versions 1 to 4): the transition table, plus the
// POSIX TZ string of the footer for instants after the last transition.
//
// A TimeZone is an immutable value: cheap to share across threads, no I/O
// after loading, no globals.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"
#include "model/time.h"

namespace mineral::feeds {

class TimeZone {
 public:
  // UTC.
  TimeZone();

  // A zone always `offset_minutes` east of UTC, e.g. +480 for China.
  // InvalidArgument unless |offset_minutes| <= 18 hours.
  static Result<TimeZone> Fixed(int offset_minutes);

  // Rules from the bytes of a TZif file; `name` is only for messages.
  // ParseError on a malformed file; Unsupported for leap-second ("right/")
  // files, whose timestamps are not POSIX seconds.
  static Result<TimeZone> FromTzif(std::string_view name, std::string_view bytes);

  // Rules from a POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0" or
  // "<+08>-8" (the form of a TZif footer).  ParseError if malformed.
  static Result<TimeZone> FromPosix(std::string_view name, std::string_view tz);

  // The IANA name ("America/New_York"), "UTC", or "UTC+08:00" for fixed ones.
  const std::string& name() const { return name_; }

  // Offset east of UTC in effect at the instant `t`.
  std::chrono::seconds OffsetAt(UtcTime t) const;

  // The instant at which clocks in this zone show `local`.
  // In a backward jump (the local time occurs twice) the earlier instant is
  // returned.  In a forward jump (the local time never occurs) the offset in
  // effect before the jump is used, so 02:30 on a spring-forward night in New
  // York gives 07:30Z, which the clocks show as 03:30.
  UtcTime ToUtc(std::chrono::local_seconds local) const;

 private:
  struct LocalType {
    int32_t utoff = 0;  // seconds east of UTC
    bool is_dst = false;
  };
  // A POSIX TZ rule date: Jn (1..365, no Feb 29), n (0..365) or Mm.w.d.
  struct DayRule {
    char kind = 'M';
    int month = 0, week = 0, day = 0;  // day is the Julian day for J and n
    int32_t time = 7200;               // local seconds after midnight (may exceed a day)
  };
  struct PosixRule {
    int32_t std_off = 0;  // seconds east
    bool has_dst = false;
    int32_t dst_off = 0;
    DayRule start, end;
  };

  static bool ParsePosix(std::string_view tz, PosixRule* rule);
  static int32_t PosixOffsetAt(const PosixRule& rule, int64_t t);

  std::string name_ = "UTC";
  std::vector<int64_t> transitions_;      // ascending UTC seconds
  std::vector<uint8_t> transition_type_;  // index into types_, one per transition
  std::vector<LocalType> types_;
  bool has_footer_ = false;  // `footer_` governs instants after the last transition
  PosixRule footer_;
};

// Reads `zoneinfo_dir`/`iana_name` (e.g. "Asia/Shanghai").  InvalidArgument for
// a name that is not an IANA zone name (empty, absolute, "..", odd characters);
// NotFound if no such file; IoError or ParseError if it cannot be used.
// Does I/O: load zones once at start-up, not per item.
Result<TimeZone> LoadTimeZone(std::string_view iana_name,
                              std::string_view zoneinfo_dir = "/usr/share/zoneinfo");

}  // namespace mineral::feeds
