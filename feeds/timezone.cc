#include "feeds/timezone.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>

namespace mineral::feeds {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
// Real offsets stay within +-15 hours; RFC 8536 allows a little more.
constexpr int32_t kMaxUtoff = 26 * 3600;
// A TZif file is a few kilobytes; anything far larger is not one.
constexpr std::streamsize kMaxTzifBytes = 1 << 20;

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

int64_t CivilYear(int64_t days) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return static_cast<int>(ymd.year());
}

// Big-endian reader over the TZif bytes; every read is bounds-checked.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  bool Has(uint64_t n) const { return n <= bytes_.size() - pos_; }
  size_t pos() const { return pos_; }
  void Skip(uint64_t n) { pos_ += static_cast<size_t>(n); }
  uint8_t U8() { return static_cast<uint8_t>(bytes_[pos_++]); }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | U8();
    return v;
  }
  int64_t I64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | U8();
    return static_cast<int64_t>(v);
  }
  std::string_view Take(size_t n) {
    auto s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view Rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;
  uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

  // Size of the data block that follows the header, for `time_size`-byte times.
  uint64_t DataSize(uint64_t time_size) const {
    return timecnt * time_size + timecnt + typecnt * 6ull + charcnt + leapcnt * (time_size + 4) +
           isstdcnt + isutcnt;
  }
};

bool ReadHeader(ByteReader& r, TzifHeader* h) {
  if (!r.Has(44) || r.Take(4) != "TZif") return false;
  h->version = static_cast<char>(r.U8());
  r.Skip(15);
  h->isutcnt = r.U32();
  h->isstdcnt = r.U32();
  h->leapcnt = r.U32();
  h->timecnt = r.U32();
  h->typecnt = r.U32();
  h->charcnt = r.U32();
  return true;
}

// Cursor for the POSIX TZ string grammar.
class TzCursor {
 public:
  explicit TzCursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return p_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[p_]; }
  bool Consume(char c) {
    if (AtEnd() || s_[p_] != c) return false;
    ++p_;
    return true;
  }
  // Up to `max_digits` decimal digits, at least one.
  std::optional<int> Number(int max_digits) {
    int v = 0, n = 0;
    while (!AtEnd() && n < max_digits && s_[p_] >= '0' && s_[p_] <= '9') {
      v = v * 10 + (s_[p_++] - '0');
      ++n;
    }
    if (n == 0) return std::nullopt;
    return v;
  }
  // A zone abbreviation: three or more letters, or <...> with signs and digits.
  bool Abbreviation() {
    size_t n = 0;
    if (Consume('<')) {
      while (!AtEnd() && s_[p_] != '>') {
        const char c = s_[p_++];
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '+' || c == '-';
        if (!ok) return false;
        ++n;
      }
      return Consume('>') && n >= 3;
    }
    while (!AtEnd() && ((s_[p_] >= 'A' && s_[p_] <= 'Z') || (s_[p_] >= 'a' && s_[p_] <= 'z'))) {
      ++p_;
      ++n;
    }
    return n >= 3;
  }
  // [+-]hh[:mm[:ss]] in seconds, with hours up to `max_hours`.
  std::optional<int32_t> Hms(int max_hours) {
    int sign = 1;
    if (Consume('-')) {
      sign = -1;
    } else {
      Consume('+');
    }
    const auto h = Number(3);
    if (!h || *h > max_hours) return std::nullopt;
    int32_t secs = *h * 3600;
    if (Consume(':')) {
      const auto m = Number(2);
      if (!m || *m > 59) return std::nullopt;
      secs += *m * 60;
      if (Consume(':')) {
        const auto s = Number(2);
        if (!s || *s > 59) return std::nullopt;
        secs += *s;
      }
    }
    return sign * secs;
  }

 private:
  std::string_view s_;
  size_t p_ = 0;
};

}  // namespace

TimeZone::TimeZone() { types_.push_back(LocalType{}); }

Result<TimeZone> TimeZone::Fixed(int offset_minutes) {
  if (offset_minutes < -18 * 60 || offset_minutes > 18 * 60) {
    return Status::InvalidArgument("fixed offset out of range: " + std::to_string(offset_minutes) +
                                   " minutes");
  }
  TimeZone zone;
  zone.types_[0].utoff = offset_minutes * 60;
  const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char buf[16];
  std::snprintf(buf, sizeof buf, "UTC%c%02d:%02d", offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
  zone.name_ = buf;
  return zone;
}

bool TimeZone::ParsePosix(std::string_view tz, PosixRule* rule) {
  TzCursor c(tz);
  if (!c.Abbreviation()) return false;
  // POSIX offsets count hours west of UTC; we keep seconds east.
  const auto std_west = c.Hms(24);
  if (!std_west) return false;
  rule->std_off = -*std_west;
  rule->has_dst = false;
  if (c.AtEnd()) return true;
  if (!c.Abbreviation()) return false;
  rule->has_dst = true;
  rule->dst_off = rule->std_off + 3600;
  if (c.Peek() != ',' && !c.AtEnd()) {
    const auto dst_west = c.Hms(24);
    if (!dst_west) return false;
    rule->dst_off = -*dst_west;
  }
  if (c.AtEnd()) {
    // POSIX leaves the default rule to the implementation; the US rule is what
    // glibc and tzcode use.
    rule->start = DayRule{'M', 3, 2, 0, 7200};
    rule->end = DayRule{'M', 11, 1, 0, 7200};
    return true;
  }
  auto day_rule = [&c](DayRule* d) {
    if (!c.Consume(',')) return false;
    if (c.Consume('J')) {
      const auto n = c.Number(3);
      if (!n || *n < 1 || *n > 365) return false;
      *d = DayRule{'J', 0, 0, *n, 7200};
    } else if (c.Consume('M')) {
      const auto m = c.Number(2);
      if (!m || *m < 1 || *m > 12 || !c.Consume('.')) return false;
      const auto w = c.Number(1);
      if (!w || *w < 1 || *w > 5 || !c.Consume('.')) return false;
      const auto wd = c.Number(1);
      if (!wd || *wd > 6) return false;
      *d = DayRule{'M', *m, *w, *wd, 7200};
    } else {
      const auto n = c.Number(3);
      if (!n || *n > 365) return false;
      *d = DayRule{'N', 0, 0, *n, 7200};
    }
    if (c.Consume('/')) {
      // RFC 8536 extends the time to -167..167 hours.
      const auto t = c.Hms(167);
      if (!t) return false;
      d->time = *t;
    }
    return true;
  };
  return day_rule(&rule->start) && day_rule(&rule->end) && c.AtEnd();
}

int32_t TimeZone::PosixOffsetAt(const PosixRule& rule, int64_t t) {
  if (!rule.has_dst) return rule.std_off;
  const int64_t year = CivilYear(FloorDiv(t + rule.std_off, kSecondsPerDay));
  auto rule_day = [year](const DayRule& d) -> int64_t {
    const int64_t jan1 = DaysFromCivil(year, 1, 1);
    switch (d.kind) {
      case 'J':  // Feb 29 is never counted
        return jan1 + d.day - 1 + (IsLeapYear(year) && d.day >= 60 ? 1 : 0);
      case 'N':
        return jan1 + d.day;
      default: {
        const int64_t first = DaysFromCivil(year, static_cast<unsigned>(d.month), 1);
        const int64_t first_wd = FloorMod(first + 4, 7);  // 1970-01-01 was a Thursday; 0 = Sunday
        int64_t day = first + (d.day - first_wd + 7) % 7 + int64_t{d.week - 1} * 7;
        const int64_t limit = first + DaysInMonth(year, static_cast<unsigned>(d.month));
        while (day >= limit) day -= 7;  // week 5 means "last"
        return day;
      }
    }
  };
  // Transition instants in UTC: the start is read on standard-time clocks,
  // the end on daylight-time clocks.
  const int64_t start = rule_day(rule.start) * kSecondsPerDay + rule.start.time - rule.std_off;
  const int64_t end = rule_day(rule.end) * kSecondsPerDay + rule.end.time - rule.dst_off;
  const bool dst = start < end ? (start <= t && t < end) : !(end <= t && t < start);
  return dst ? rule.dst_off : rule.std_off;
}

Result<TimeZone> TimeZone::FromPosix(std::string_view name, std::string_view tz) {
  TimeZone zone;
  zone.name_ = std::string(name);
  if (!ParsePosix(tz, &zone.footer_)) {
    return Status::ParseError("bad POSIX TZ string for " + zone.name_ + ": \"" + std::string(tz) +
                              "\"");
  }
  zone.has_footer_ = true;
  zone.types_[0].utoff = zone.footer_.std_off;
  return zone;
}

Result<TimeZone> TimeZone::FromTzif(std::string_view name, std::string_view bytes) {
  const std::string label(name);
  auto bad = [&label](const char* why) {
    return Status::ParseError("TZif file for " + label + ": " + why);
  };
  ByteReader r(bytes);
  TzifHeader h;
  if (!ReadHeader(r, &h)) return bad("no TZif header");
  uint64_t time_size = 4;
  if (h.version >= '2') {
    // Skip the 32-bit block; the 64-bit one after it covers all times.
    const uint64_t v1 = h.DataSize(4);
    if (!r.Has(v1)) return bad("truncated");
    r.Skip(v1);
    if (!ReadHeader(r, &h)) return bad("no second header");
    time_size = 8;
  }
  if (h.leapcnt != 0) {
    return Status::Unsupported("TZif file for " + label + " counts leap seconds (a right/ zone)");
  }
  if (h.typecnt == 0 || h.typecnt > 256 || (h.isutcnt != 0 && h.isutcnt != h.typecnt) ||
      (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) || h.charcnt == 0) {
    return bad("inconsistent counts");
  }
  if (!r.Has(h.DataSize(time_size))) return bad("truncated");

  TimeZone zone;
  zone.name_ = label;
  zone.transitions_.reserve(h.timecnt);
  for (uint32_t i = 0; i < h.timecnt; ++i) {
    const int64_t t = time_size == 8 ? r.I64() : static_cast<int32_t>(r.U32());
    if (!zone.transitions_.empty() && t <= zone.transitions_.back()) {
      return bad("transitions out of order");
    }
    zone.transitions_.push_back(t);
  }
  zone.transition_type_.reserve(h.timecnt);
  for (uint32_t i = 0; i < h.timecnt; ++i) {
    const uint8_t idx = r.U8();
    if (idx >= h.typecnt) return bad("transition to a missing type");
    zone.transition_type_.push_back(idx);
  }
  zone.types_.clear();
  for (uint32_t i = 0; i < h.typecnt; ++i) {
    const auto utoff = static_cast<int32_t>(r.U32());
    const uint8_t isdst = r.U8();
    const uint8_t abbr = r.U8();
    if (utoff < -kMaxUtoff || utoff > kMaxUtoff || isdst > 1 || abbr >= h.charcnt) {
      return bad("bad local time type");
    }
    zone.types_.push_back(LocalType{utoff, isdst == 1});
  }
  r.Skip(static_cast<uint64_t>(h.charcnt) + h.isstdcnt + h.isutcnt);

  if (time_size == 8) {
    // Footer: "\n" TZ-string "\n"; an empty string means no rule.
    const std::string_view rest = r.Rest();
    if (rest.size() < 2 || rest[0] != '\n') return bad("missing footer");
    const size_t nl = rest.find('\n', 1);
    if (nl == std::string_view::npos) return bad("unterminated footer");
    const std::string_view tz = rest.substr(1, nl - 1);
    if (!tz.empty()) {
      if (!ParsePosix(tz, &zone.footer_)) return bad("bad footer TZ string");
      zone.has_footer_ = true;
    }
  }
  return zone;
}

std::chrono::seconds TimeZone::OffsetAt(UtcTime t) const {
  const int64_t s = t.time_since_epoch().count();
  if (transitions_.empty()) {
    return std::chrono::seconds{has_footer_ ? PosixOffsetAt(footer_, s) : types_[0].utoff};
  }
  if (s < transitions_.front()) return std::chrono::seconds{types_[0].utoff};
  if (s >= transitions_.back() && has_footer_) {
    return std::chrono::seconds{PosixOffsetAt(footer_, s)};
  }
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s);
  const size_t i = static_cast<size_t>(it - transitions_.begin()) - 1;
  return std::chrono::seconds{types_[transition_type_[i]].utoff};
}

UtcTime TimeZone::ToUtc(std::chrono::local_seconds local) const {
  using std::chrono::seconds;
  const UtcTime as_utc{local.time_since_epoch()};
  // Offsets a day either side bracket any single transition around `local`.
  const seconds before = OffsetAt(as_utc - seconds{kSecondsPerDay});
  const seconds after = OffsetAt(as_utc + seconds{kSecondsPerDay});
  const UtcTime c1 = as_utc - before;
  const UtcTime c2 = as_utc - after;
  const bool ok1 = OffsetAt(c1) == before;
  const bool ok2 = OffsetAt(c2) == after;
  if (ok1 && ok2) return std::min(c1, c2);
  if (ok2) return c2;
  return c1;  // valid, or in a gap: read on the clocks before the jump
}

Result<TimeZone> LoadTimeZone(std::string_view iana_name, std::string_view zoneinfo_dir) {
  // Names are relative paths of letters, digits and "/_+-"; no "..", no "/"
  // at either end, so a configured name cannot reach outside the directory.
  bool ok = !iana_name.empty() && iana_name.size() <= 255 && iana_name.front() != '/' &&
            iana_name.back() != '/' && iana_name.find("..") == std::string_view::npos &&
            iana_name.find("//") == std::string_view::npos;
  for (const char c : iana_name) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '/' || c == '_' || c == '+' || c == '-');
  }
  if (!ok) {
    return Status::InvalidArgument("not an IANA time zone name: \"" + std::string(iana_name) +
                                   "\"");
  }
  std::string path(zoneinfo_dir);
  path += '/';
  path += iana_name;
  std::error_code ec;
  std::ifstream in;
  if (std::filesystem::is_regular_file(path, ec)) in.open(path, std::ios::binary);
  if (!in.is_open()) {
    return Status::NotFound("time zone \"" + std::string(iana_name) + "\" not found in " +
                            std::string(zoneinfo_dir));
  }
  std::string bytes;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    bytes.append(buf, static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(bytes.size()) > kMaxTzifBytes) {
      return Status::TooLarge("time zone file " + path + " is over 1 MiB");
    }
  }
  if (in.bad()) return Status::IoError("cannot read " + path);
  return TimeZone::FromTzif(iana_name, bytes);
}

}  // namespace mineral::feeds
