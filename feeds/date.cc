#include "feeds/date.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace mineral::feeds {
namespace {

using std::string_view;

constexpr int kMaxOffsetMinutes = 18 * 60;
constexpr int kKoreaMinutes = 9 * 60;
constexpr int kMaxTokens = 12;

// What the text says, before a default zone is applied.
struct Fields {
  int64_t days = 0;  // since 1970-01-01
  int hour = 0, minute = 0, second = 0;
  std::optional<int> offset_minutes;  // a zone given (or implied) by the text
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// Letters of month, weekday and zone names: ASCII letters and any non-ASCII
// byte (Greek, Hungarian accents); "/" and "_" for "Etc/GMT".
bool IsWordByte(char c) {
  return IsAsciiAlpha(c) || static_cast<unsigned char>(c) >= 0x80 || c == '/' || c == '_';
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

std::optional<int64_t> DaysFromYmd(int64_t y, int m, int d) {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::optional<int64_t> DaysFromOrdinal(int64_t y, int ordinal) {
  if (y < 1 || y > 9999 || ordinal < 1 || ordinal > (IsLeapYear(y) ? 366 : 365)) {
    return std::nullopt;
  }
  return DaysFromCivil(y, 1, 1) + ordinal - 1;
}

int64_t FloorMod7(int64_t a) { return ((a % 7) + 7) % 7; }

// ISO 8601 week date: week 1 is the week (Monday first) holding January 4.
std::optional<int64_t> DaysFromWeek(int64_t y, int week, int weekday) {
  if (y < 1 || y > 9999 || week < 1 || weekday < 1 || weekday > 7) return std::nullopt;
  const int64_t jan4 = DaysFromCivil(y, 1, 4);
  const int64_t monday1 = jan4 - FloorMod7(jan4 + 3);             // 1970-01-01 was a Thursday
  const int64_t jan1_wd = FloorMod7(DaysFromCivil(y, 1, 1) + 3);  // 0 = Monday
  const int weeks = (jan1_wd == 3 || (jan1_wd == 2 && IsLeapYear(y))) ? 53 : 52;
  if (week > weeks) return std::nullopt;
  return monday1 + int64_t{week - 1} * 7 + (weekday - 1);
}

// Two-digit years as RFC 2822 reads them.
int64_t ExpandYear(int yy) { return yy < 50 ? 2000 + yy : 1900 + yy; }

bool SetTime(Fields* f, int h, int m, int s) {
  if (h == 24 && m == 0 && s == 0) {  // ISO 8601 end of day
    f->hour = 24;
    return true;
  }
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60) return false;
  f->hour = h;
  f->minute = m;
  f->second = s == 60 ? 59 : s;  // a leap second is not representable
  return true;
}

// 12-hour clock: "12 AM" is midnight, "12 PM" noon.
bool ApplyMeridiem(Fields* f, bool pm) {
  if (f->hour < 1 || f->hour > 12) return false;
  f->hour = f->hour % 12 + (pm ? 12 : 0);
  return true;
}

// --- Case- and accent-insensitive name matching, without allocating -------

// Decodes one UTF-8 code point at s[*i]; -1 if malformed.
int32_t DecodeUtf8(string_view s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[(*i)++]);
  if (b0 < 0x80) return b0;
  int extra = 0;
  int32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3;
    cp = b0 & 0x07;
  } else {
    return -1;
  }
  for (int k = 0; k < extra; ++k) {
    if (*i >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[(*i)++]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  return cp;
}

// Lower case; Greek also loses its accents, since feeds write "Ιούλ", "Ιουλ"
// and "ΙΟΥΛ" alike.  Hungarian accents stay: they tell months apart.
int32_t Fold(int32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || c == 0x150 || c == 0x170) {
    return c + (c >= 0x100 ? 1 : 32);  // Latin-1 capitals, Ő, Ű
  }
  switch (c) {
    case 0x386:
    case 0x3AC:
      return 0x3B1;  // ά
    case 0x388:
    case 0x3AD:
      return 0x3B5;  // έ
    case 0x389:
    case 0x3AE:
      return 0x3B7;  // ή
    case 0x38A:
    case 0x3AF:
    case 0x390:
    case 0x3AA:
    case 0x3CA:
      return 0x3B9;  // ί ΐ ϊ
    case 0x38C:
    case 0x3CC:
      return 0x3BF;  // ό
    case 0x38E:
    case 0x3CD:
    case 0x3B0:
    case 0x3AB:
    case 0x3CB:
      return 0x3C5;  // ύ ΰ ϋ
    case 0x38F:
    case 0x3CE:
      return 0x3C9;  // ώ
    case 0x3C2:
      return 0x3C3;  // final sigma
    default:
      break;
  }
  if (c >= 0x391 && c <= 0x3A9) return c + 32;  // Greek capitals
  return c;
}

// Writes the UTF-8 form of `cp` (below U+10000) at `out`.
char* EncodeUtf8(int32_t cp, char* out) {
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xC0 | (cp >> 6));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out++ = static_cast<char>(0xE0 | (cp >> 12));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

constexpr size_t kMaxNameBytes = 24;  // longest table entry is 22 bytes

// Folds `word` into `buf` once, so table lookups become plain comparisons.
// Empty if the word is too long to be a name or is not UTF-8.
string_view FoldName(string_view word, char (&buf)[kMaxNameBytes]) {
  if (word.size() > kMaxNameBytes) return {};
  char* out = buf;
  size_t i = 0;
  while (i < word.size()) {
    const auto b = static_cast<unsigned char>(word[i]);
    if (b < 0x80) {  // fast path: ASCII keeps its length
      *out++ = static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b);
      ++i;
      continue;
    }
    const size_t start = i;
    const int32_t cp = DecodeUtf8(word, &i);
    if (cp < 0 || cp >= 0x10000) return {};
    char* const next = EncodeUtf8(Fold(cp), out);
    // Every fold keeps the UTF-8 length, so `buf` cannot overflow; a
    // non-shortest input form would break that and is rejected.
    if (next - out != static_cast<ptrdiff_t>(i - start)) return {};
    out = next;
  }
  return string_view(buf, static_cast<size_t>(out - buf));
}

struct Name {
  string_view name;  // folded
  int value;
};

template <size_t N>
std::optional<int> Lookup(const Name (&table)[N], string_view word) {
  char buf[kMaxNameBytes];
  const string_view folded = FoldName(word, buf);
  if (folded.empty()) return std::nullopt;
  for (const Name& n : table) {
    if (n.name == folded) return n.value;
  }
  return std::nullopt;
}

// `key` is already folded.
bool FoldedEquals(string_view text, string_view key) {
  char buf[kMaxNameBytes];
  return text.size() == key.size() && FoldName(text, buf) == key;
}

constexpr Name kMonths[] = {
    // English
    {"jan", 1},
    {"feb", 2},
    {"mar", 3},
    {"apr", 4},
    {"may", 5},
    {"jun", 6},
    {"jul", 7},
    {"aug", 8},
    {"sep", 9},
    {"sept", 9},
    {"oct", 10},
    {"nov", 11},
    {"dec", 12},
    {"january", 1},
    {"february", 2},
    {"march", 3},
    {"april", 4},
    {"june", 6},
    {"july", 7},
    {"august", 8},
    {"september", 9},
    {"october", 10},
    {"november", 11},
    {"december", 12},
    // Greek abbreviations (accents folded away), nominative and genitive names
    {"ιαν", 1},
    {"φεβ", 2},
    {"μαρ", 3},
    {"απρ", 4},
    {"μαι", 5},
    {"ιουν", 6},
    {"ιον", 6},
    {"ιουλ", 7},
    {"ιολ", 7},
    {"αυγ", 8},
    {"σεπ", 9},
    {"οκτ", 10},
    {"νοε", 11},
    {"δεκ", 12},
    {"ιανουαριος", 1},
    {"φεβρουαριος", 2},
    {"μαρτιος", 3},
    {"απριλιος", 4},
    {"μαιος", 5},
    {"ιουνιος", 6},
    {"ιουλιος", 7},
    {"αυγουστος", 8},
    {"σεπτεμβριος", 9},
    {"οκτωβριος", 10},
    {"νοεμβριος", 11},
    {"δεκεμβριος", 12},
    {"ιανουαριου", 1},
    {"φεβρουαριου", 2},
    {"μαρτιου", 3},
    {"απριλιου", 4},
    {"μαιου", 5},
    {"ιουνιου", 6},
    {"ιουλιου", 7},
    {"αυγουστου", 8},
    {"σεπτεμβριου", 9},
    {"οκτωβριου", 10},
    {"νοεμβριου", 11},
    {"δεκεμβριου", 12},
    // Hungarian
    {"január", 1},
    {"február", 2},
    {"március", 3},
    {"április", 4},
    {"május", 5},
    {"június", 6},
    {"július", 7},
    {"augusztus", 8},
    {"szeptember", 9},
    {"október", 10},
    {"november", 11},
    {"december", 12},
};

constexpr Name kWeekdays[] = {
    {"mon", 1},      {"tue", 2},     {"tues", 2},      {"wed", 3},       {"thu", 4},
    {"thur", 4},     {"thurs", 4},   {"fri", 5},       {"sat", 6},       {"sun", 7},
    {"monday", 1},   {"tuesday", 2}, {"wednesday", 3}, {"thursday", 4},  {"friday", 5},
    {"saturday", 6}, {"sunday", 7},  {"δευ", 1},       {"τρι", 2},       {"τετ", 3},
    {"πεμ", 4},      {"παρ", 5},     {"σαβ", 6},       {"κυρ", 7},       {"δευτερα", 1},
    {"τριτη", 2},    {"τεταρτη", 3}, {"πεμπτη", 4},    {"παρασκευη", 5}, {"σαββατο", 6},
    {"κυριακη", 7},
};

// Minutes east of UTC.  Only names with a single meaning in feeds: IST
// (India/Ireland/Israel) and the like are left out on purpose.  CST is US
// Central as RFC 822 defines it.  The bare US zones (ET, PT, ...) are read as
// standard time, as feedparser does.
constexpr Name kZones[] = {
    {"ut", 0},      {"utc", 0},     {"gmt", 0},     {"uct", 0},      {"z", 0},      {"zulu", 0},
    {"etc/gmt", 0}, {"etc/utc", 0}, {"etc/uct", 0}, {"etc/zulu", 0}, {"est", -300}, {"edt", -240},
    {"cst", -360},  {"cdt", -300},  {"mst", -420},  {"mdt", -360},   {"pst", -480}, {"pdt", -420},
    {"ast", -240},  {"adt", -180},  {"akst", -540}, {"akdt", -480},  {"hst", -600}, {"nst", -210},
    {"ndt", -150},  {"at", -240},   {"et", -300},   {"ct", -360},    {"mt", -420},  {"pt", -480},
    {"wet", 0},     {"west", 60},   {"bst", 60},    {"cet", 60},     {"cest", 120}, {"met", 60},
    {"mest", 120},  {"mez", 60},    {"mesz", 120},  {"eet", 120},    {"eest", 180}, {"msk", 180},
    {"sast", 120},  {"hkt", 480},   {"sgt", 480},   {"awst", 480},   {"jst", 540},  {"kst", 540},
    {"acst", 570},  {"acdt", 630},  {"aest", 600},  {"aedt", 660},   {"nzst", 720}, {"nzdt", 780},
};

// A zone name, or a military letter (A-I = +1..+9, K-M = +10..+12,
// N-Y = -1..-12, Z = 0; J means "local" and has no offset).
std::optional<int> ZoneOffset(string_view word) {
  if (word.size() == 1 && IsAsciiAlpha(word[0])) {
    const char c = static_cast<char>(word[0] | 0x20);
    if (c == 'z') return 0;
    if (c >= 'a' && c <= 'i') return (c - 'a' + 1) * 60;
    if (c >= 'k' && c <= 'm') return (c - 'k' + 10) * 60;
    if (c >= 'n' && c <= 'y') return -(c - 'n' + 1) * 60;
    return std::nullopt;
  }
  return Lookup(kZones, word);
}

// Names after which "+hh:mm" is the real offset ("GMT+08:00", "UTC-5").
// "Etc/GMT-1" is excluded: its sign is inverted (POSIX), a trap for readers.
bool TakesNumericSuffix(string_view word) {
  return FoldedEquals(word, "gmt") || FoldedEquals(word, "utc") || FoldedEquals(word, "ut");
}

// --- Cursor -----------------------------------------------------------------

class Cursor {
 public:
  explicit Cursor(string_view s) : s_(s) {}
  bool AtEnd() const { return p_ >= s_.size(); }
  char Peek(size_t ahead = 0) const { return p_ + ahead < s_.size() ? s_[p_ + ahead] : '\0'; }
  bool Consume(char c) {
    if (AtEnd() || s_[p_] != c) return false;
    ++p_;
    return true;
  }
  bool ConsumeStr(string_view t) {
    if (s_.substr(p_).substr(0, t.size()) != t) return false;
    p_ += t.size();
    return true;
  }
  size_t DigitRun() const {
    size_t n = 0;
    while (p_ + n < s_.size() && IsDigit(s_[p_ + n])) ++n;
    return n;
  }
  // Precondition: at least n digits ahead (n <= 9).
  int Digits(size_t n) {
    int v = 0;
    for (size_t i = 0; i < n; ++i) v = v * 10 + (s_[p_++] - '0');
    return v;
  }
  size_t SkipSpaces() {
    const size_t start = p_;
    while (!AtEnd() && IsSpace(s_[p_])) ++p_;
    return p_ - start;
  }
  string_view Word() {
    const size_t start = p_;
    while (!AtEnd() && IsWordByte(s_[p_])) ++p_;
    return s_.substr(start, p_ - start);
  }
  size_t pos() const { return p_; }
  void set_pos(size_t p) { p_ = p; }

 private:
  string_view s_;
  size_t p_ = 0;
};

// [+-]hh:mm, [+-]hhmm, [+-]hh or [+-]h, in minutes east.  Hours over 18 or
// minutes over 59 reject ("-9999", "-99:99").
std::optional<int> ParseOffset(Cursor& c) {
  int sign = 0;
  if (c.Consume('+')) {
    sign = 1;
  } else if (c.Consume('-')) {
    sign = -1;
  } else {
    return std::nullopt;
  }
  const size_t n = c.DigitRun();
  int h = 0, m = 0;
  if (n == 4) {
    h = c.Digits(2);
    m = c.Digits(2);
  } else if (n == 1 || n == 2) {
    h = c.Digits(n);
    if (c.Consume(':')) {
      if (c.DigitRun() != 2) return std::nullopt;
      m = c.Digits(2);
    }
  } else {
    return std::nullopt;
  }
  if (m > 59 || h * 60 + m > kMaxOffsetMinutes) return std::nullopt;
  return sign * (h * 60 + m);
}

// A zone after a time: "Z", a numeric offset, a name, or "GMT+08:00".
std::optional<int> ParseZone(Cursor& c) {
  if (c.Peek() == '+' || c.Peek() == '-') return ParseOffset(c);
  const string_view word = c.Word();
  auto offset = ZoneOffset(word);
  if (offset && TakesNumericSuffix(word) && (c.Peek() == '+' || c.Peek() == '-')) {
    offset = ParseOffset(c);
  }
  return offset;
}

// Optional "AM"/"PM" after a time, case-insensitive, as a whole word.
std::optional<bool> ParseMeridiem(Cursor& c) {
  const size_t start = c.pos();
  c.SkipSpaces();
  const char a = static_cast<char>(c.Peek() | 0x20), m = static_cast<char>(c.Peek(1) | 0x20);
  if ((a == 'a' || a == 'p') && m == 'm' && !IsWordByte(c.Peek(2))) {
    c.set_pos(c.pos() + 2);
    return a == 'p';
  }
  c.set_pos(start);
  return std::nullopt;
}

// Skips ".123" or ",5" after seconds: we keep whole seconds.
void SkipFraction(Cursor& c) {
  if ((c.Peek() == '.' || c.Peek() == ',') && IsDigit(c.Peek(1))) {
    c.Consume(c.Peek());
    while (IsDigit(c.Peek())) c.Consume(c.Peek());
  }
}

// h:mm[:ss[.fff]] with a 1-2 digit hour and 2-digit minutes and seconds.
bool ParseColonTime(Cursor& c, Fields* f) {
  const size_t hn = c.DigitRun();
  if (hn < 1 || hn > 2 || c.Peek(hn) != ':') return false;
  const int h = c.Digits(hn);
  c.Consume(':');
  if (c.DigitRun() != 2) return false;
  const int m = c.Digits(2);
  int s = 0;
  if (c.Consume(':')) {
    if (c.DigitRun() != 2) return false;
    s = c.Digits(2);
    SkipFraction(c);
  }
  return SetTime(f, h, m, s);
}

// --- ISO 8601, W3C-DTF, RFC 3339 and their relatives ----------------------

// The date part.  `*time_allowed` is false after reduced forms ("2003",
// "2003-12") that cannot carry a time.
bool ParseIsoDate(Cursor& c, Fields* f, bool* time_allowed) {
  *time_allowed = true;
  std::optional<int64_t> days;
  if (c.Consume('-')) {  // feedparser's "-YYMM" and "-YY-MM"
    int yy = 0, mm = 0;
    if (c.DigitRun() == 4) {
      yy = c.Digits(2);
      mm = c.Digits(2);
    } else if (c.DigitRun() == 2) {
      yy = c.Digits(2);
      if (!c.Consume('-') || c.DigitRun() != 2) return false;
      mm = c.Digits(2);
    } else {
      return false;
    }
    *time_allowed = false;
    days = DaysFromYmd(ExpandYear(yy), mm, 1);
  } else {
    const size_t n = c.DigitRun();
    if (n == 4) {
      const int y = c.Digits(4);
      const char sep = c.Peek();
      if (c.Consume('-')) {
        const size_t k = c.DigitRun();
        if (k == 3 && c.Peek() == '0' && c.Peek(3) == '-') {
          // "2003-012-31": a zero-padded month, as feedparser accepts.
          c.Digits(1);
          const int m = c.Digits(2);
          c.Consume('-');
          const size_t dn = c.DigitRun();
          if (dn < 1 || dn > 2) return false;
          days = DaysFromYmd(y, m, c.Digits(dn));
        } else if (k == 3) {
          days = DaysFromOrdinal(y, c.Digits(3));
        } else if (k == 1 || k == 2) {
          const int m = c.Digits(k);
          if (c.Consume('-')) {
            const size_t dn = c.DigitRun();
            if (dn < 1 || dn > 2) return false;
            days = DaysFromYmd(y, m, c.Digits(dn));
          } else {
            if (k != 2) return false;
            *time_allowed = false;
            days = DaysFromYmd(y, m, 1);
          }
        } else if (k == 0 && c.Consume('W')) {
          if (c.DigitRun() != 2) return false;
          const int w = c.Digits(2);
          int wd = 1;
          if (c.Consume('-')) {
            if (c.DigitRun() != 1) return false;
            wd = c.Digits(1);
          } else {
            *time_allowed = false;
          }
          days = DaysFromWeek(y, w, wd);
        } else if (k == 0) {
          // A month name: Hungarian "2004-július-13", or "2004-Jul-13".
          const auto m = Lookup(kMonths, c.Word());
          if (!m || !c.Consume('-')) return false;
          const size_t dn = c.DigitRun();
          if (dn < 1 || dn > 2) return false;
          days = DaysFromYmd(y, *m, c.Digits(dn));
        } else {
          return false;
        }
      } else if (sep == '.' || sep == '/') {
        // "2025.10.09" (gov.cn), "2006/09/15" (Perforce): year first, so
        // unambiguous.
        c.Consume(sep);
        const size_t mn = c.DigitRun();
        if (mn < 1 || mn > 2) return false;
        const int m = c.Digits(mn);
        if (!c.Consume(sep)) return false;
        const size_t dn = c.DigitRun();
        if (dn < 1 || dn > 2) return false;
        days = DaysFromYmd(y, m, c.Digits(dn));
      } else if (c.Consume('W')) {  // basic week date 2004W017
        if (c.DigitRun() == 3) {
          const int w = c.Digits(2);
          days = DaysFromWeek(y, w, c.Digits(1));
        } else if (c.DigitRun() == 2) {
          *time_allowed = false;
          days = DaysFromWeek(y, c.Digits(2), 1);
        } else {
          return false;
        }
      } else {
        *time_allowed = false;
        days = DaysFromYmd(y, 1, 1);
      }
    } else if (n == 8) {
      const int y = c.Digits(4);
      const int m = c.Digits(2);
      days = DaysFromYmd(y, m, c.Digits(2));
    } else if (n == 7) {
      const int y = c.Digits(4);
      days = DaysFromOrdinal(y, c.Digits(3));
    } else if (n == 6) {
      // YYMMDD, as feedparser reads it, unless the digits also read as
      // YYYYMM ("200312" = 2020-03-12 or December 2003?).
      const int last_two = (c.Peek(4) - '0') * 10 + (c.Peek(5) - '0');
      if (last_two >= 1 && last_two <= 12) return false;
      const int yy = c.Digits(2);
      const int m = c.Digits(2);
      days = DaysFromYmd(ExpandYear(yy), m, c.Digits(2));
    } else if (n == 5) {
      // YYDDD, unless the digits also read as YYMMD ("22013" = 2022-01-3?).
      const int yy = c.Digits(2);
      const int ddd = c.Digits(3);
      const int mm = ddd / 10, d = ddd % 10;
      if (mm >= 1 && mm <= 12 && d >= 1) return false;
      days = DaysFromOrdinal(ExpandYear(yy), ddd);
    } else if (n == 2) {  // YY-MM-DD or YY-DDD
      const int yy = c.Digits(2);
      if (!c.Consume('-')) return false;
      if (c.DigitRun() == 3) {
        days = DaysFromOrdinal(ExpandYear(yy), c.Digits(3));
      } else if (c.DigitRun() == 2) {
        const int m = c.Digits(2);
        if (!c.Consume('-') || c.DigitRun() != 2) return false;
        days = DaysFromYmd(ExpandYear(yy), m, c.Digits(2));
      } else {
        return false;
      }
    } else {
      return false;
    }
  }
  if (!days) return false;
  f->days = *days;
  return true;
}

bool ParseIso(string_view text, Fields* f) {
  Cursor c(text);
  bool time_allowed = true;
  if (!ParseIsoDate(c, f, &time_allowed)) return false;
  const size_t spaces = c.SkipSpaces();
  if (c.AtEnd()) return true;
  if (!time_allowed) return false;

  bool after_t = false;
  std::optional<bool> pm;
  if (spaces == 0) {
    if (!c.Consume('T') && !c.Consume('t')) return false;
    after_t = true;
  } else if (c.ConsumeStr("오전")) {  // Nate: Korean AM/PM before the time
    pm = false;
  } else if (c.ConsumeStr("오후")) {
    pm = true;
  }
  if (pm && c.SkipSpaces() == 0) return false;
  const bool korean = pm.has_value();

  const size_t hn = c.DigitRun();
  if (hn >= 1 && hn <= 2 && c.Peek(hn) == ':') {
    if (!ParseColonTime(c, f)) return false;
  } else if (after_t && (hn == 2 || hn == 4 || hn == 6)) {  // basic: T10, T1014, T101455
    const int h = c.Digits(2);
    const int m = hn >= 4 ? c.Digits(2) : 0;
    const int s = hn == 6 ? c.Digits(2) : 0;
    if (hn == 6) SkipFraction(c);
    if (!SetTime(f, h, m, s)) return false;
  } else {
    return false;
  }
  if (!pm) pm = ParseMeridiem(c);
  if (pm && !ApplyMeridiem(f, *pm)) return false;

  c.SkipSpaces();
  if (!c.AtEnd()) {
    f->offset_minutes = ParseZone(c);
    if (!f->offset_minutes) return false;
    c.SkipSpaces();
    if (!c.AtEnd()) return false;
  } else if (korean) {
    f->offset_minutes = kKoreaMinutes;
  }
  return true;
}

// --- Chinese, Japanese and Korean: 2025年10月9日 14:30, 2004년 05월 28일 ----

// Reads 1-4 digits, optional spaces, then one of the given markers.
std::optional<int> NumberThenMarker(Cursor& c, size_t max_digits, string_view m1,
                                    string_view m2 = {}, string_view m3 = {}) {
  const size_t n = c.DigitRun();
  if (n < 1 || n > max_digits) return std::nullopt;
  const int v = c.Digits(n);
  c.SkipSpaces();
  if (c.ConsumeStr(m1) || (!m2.empty() && c.ConsumeStr(m2)) || (!m3.empty() && c.ConsumeStr(m3))) {
    c.SkipSpaces();
    return v;
  }
  return std::nullopt;
}

bool ParseCjk(string_view text, Fields* f) {
  Cursor c(text);
  if (c.DigitRun() != 4) return false;
  const auto y = NumberThenMarker(c, 4, "年", "년");
  const auto m = y ? NumberThenMarker(c, 2, "月", "월") : std::nullopt;
  const auto d = m ? NumberThenMarker(c, 2, "日", "일") : std::nullopt;
  if (!d) return false;
  const auto days = DaysFromYmd(*y, *m, *d);
  if (!days) return false;
  f->days = *days;
  const bool korean = text.find("년") != string_view::npos;

  // A weekday in parentheses, "(木)" or "（四）": skipped, like English ones.
  for (const auto& [open, close] : {std::pair<string_view, string_view>{"(", ")"}, {"（", "）"}}) {
    if (c.ConsumeStr(open)) {
      const size_t end = text.find(close, c.pos());
      if (end == string_view::npos || end - c.pos() > 12) return false;
      c.set_pos(end + close.size());
      c.SkipSpaces();
    }
  }
  if (c.AtEnd()) {
    if (korean) f->offset_minutes = kKoreaMinutes;
    return true;
  }

  std::optional<bool> pm;
  if (c.ConsumeStr("上午") || c.ConsumeStr("午前") || c.ConsumeStr("오전")) {
    pm = false;
  } else if (c.ConsumeStr("下午") || c.ConsumeStr("午後") || c.ConsumeStr("오후")) {
    pm = true;
  }
  c.SkipSpaces();
  const size_t hn = c.DigitRun();
  if (hn >= 1 && hn <= 2 && c.Peek(hn) == ':') {
    if (!ParseColonTime(c, f)) return false;
  } else {  // 14时30分[05秒], 14時30分, 14시 30분
    const auto h = NumberThenMarker(c, 2, "时", "時", "시");
    if (!h) return false;
    int mi = 0, s = 0;
    if (c.DigitRun() > 0) {
      const auto mm = NumberThenMarker(c, 2, "分", "분");
      if (!mm) return false;
      mi = *mm;
      if (c.DigitRun() > 0) {
        const auto ss = NumberThenMarker(c, 2, "秒", "초");
        if (!ss) return false;
        s = *ss;
      }
    }
    if (!SetTime(f, *h, mi, s)) return false;
  }
  if (pm && !ApplyMeridiem(f, *pm)) return false;
  c.SkipSpaces();
  if (!c.AtEnd()) return false;
  if (korean) f->offset_minutes = kKoreaMinutes;
  return true;
}

// --- RFC 822 family: RFC 1123/2822, asctime, Perforce, Greek, JavaScript ---

struct Token {
  enum Kind { kNumber, kWord, kTime, kOffset, kYmd } kind = kNumber;
  int value = 0;  // number; offset in minutes
  int digits = 0;
  string_view text;
  Fields time;       // kTime: hour, minute, second
  int64_t days = 0;  // kYmd
};

// Splits on spaces and commas; drops (comments).  False on anything else.
bool Tokenize(string_view text, Token* tokens, int* count) {
  Cursor c(text);
  *count = 0;
  while (true) {
    while (IsSpace(c.Peek()) || c.Peek() == ',') c.Consume(c.Peek());
    if (c.AtEnd()) return true;
    if (c.Peek() == '(') {  // RFC 822 comment, e.g. "+0200 (CEST)"
      int depth = 0;
      do {
        if (c.Peek() == '(') ++depth;
        if (c.Peek() == ')') --depth;
        c.set_pos(c.pos() + 1);
      } while (depth > 0 && !c.AtEnd());
      if (depth > 0) return false;
      continue;
    }
    if (*count == kMaxTokens) return false;
    Token& t = tokens[(*count)++];
    const char ch = c.Peek();
    if (IsDigit(ch)) {
      const size_t n = c.DigitRun();
      if (c.Peek(n) == ':') {
        t.kind = Token::kTime;
        if (!ParseColonTime(c, &t.time)) return false;
      } else if (c.Peek(n) == '/') {  // Perforce 2006/09/15
        t.kind = Token::kYmd;
        if (n != 4) return false;
        const int y = c.Digits(4);
        c.Consume('/');
        const size_t mn = c.DigitRun();
        if (mn < 1 || mn > 2) return false;
        const int m = c.Digits(mn);
        if (!c.Consume('/')) return false;
        const size_t dn = c.DigitRun();
        if (dn < 1 || dn > 2) return false;
        const auto days = DaysFromYmd(y, m, c.Digits(dn));
        if (!days) return false;
        t.days = *days;
      } else {
        if (n > 4) return false;
        t.kind = Token::kNumber;
        t.digits = static_cast<int>(n);
        t.value = c.Digits(n);
      }
      const char next = c.Peek();
      if (!(c.AtEnd() || IsSpace(next) || next == ',' || next == '(' ||
            (t.kind == Token::kTime && (next == '+' || next == '-' || IsAsciiAlpha(next))))) {
        return false;
      }
    } else if (ch == '+' || ch == '-') {
      t.kind = Token::kOffset;
      const auto offset = ParseOffset(c);
      if (!offset) return false;
      t.value = *offset;
    } else if (IsWordByte(ch)) {
      t.kind = Token::kWord;
      t.text = c.Word();
      c.Consume('.');  // "Sept.", "Thu."
    } else {
      return false;
    }
  }
}

bool IsWord(const Token* t, const Token* end) { return t < end && t->kind == Token::kWord; }
bool Is(const Token* t, const Token* end, Token::Kind kind) { return t < end && t->kind == kind; }

std::optional<int> MonthToken(const Token* t, const Token* end) {
  if (!IsWord(t, end)) return std::nullopt;
  return Lookup(kMonths, t->text);
}

bool IsDayToken(const Token* t, const Token* end) {
  return Is(t, end, Token::kNumber) && t->digits <= 2;
}

// 4-digit years as written (RFC 2822 allows "0100"); 2-digit ones expanded.
std::optional<int64_t> YearToken(const Token* t, const Token* end) {
  if (!Is(t, end, Token::kNumber)) return std::nullopt;
  if (t->digits == 4) return t->value;
  if (t->digits == 2) return ExpandYear(t->value);
  return std::nullopt;
}

// [time [AM|PM]] [zone]: a numeric offset, a name, "GMT" followed by an
// offset, or an offset followed by a redundant name ("-0500 EST").
bool ParseTimeAndZone(const Token*& t, const Token* end, Fields* f) {
  if (Is(t, end, Token::kTime)) {
    f->hour = t->time.hour;
    f->minute = t->time.minute;
    f->second = t->time.second;
    ++t;
    if (IsWord(t, end) && t->text.size() == 2) {
      const bool am = FoldedEquals(t->text, "am"), pm = FoldedEquals(t->text, "pm");
      if (am || pm) {
        if (!ApplyMeridiem(f, pm)) return false;
        ++t;
      }
    }
  }
  if (Is(t, end, Token::kOffset)) {
    f->offset_minutes = t->value;
    ++t;
    if (IsWord(t, end) && ZoneOffset(t->text)) ++t;
  } else if (IsWord(t, end)) {
    const auto offset = ZoneOffset(t->text);
    if (!offset) return false;
    f->offset_minutes = *offset;
    const bool suffix = TakesNumericSuffix(t->text);
    ++t;
    if (suffix && Is(t, end, Token::kOffset)) {
      f->offset_minutes = t->value;
      ++t;
    }
  }
  return true;
}

bool ParseRfc822(string_view text, Fields* f) {
  Token tokens[kMaxTokens];
  int count = 0;
  if (!Tokenize(text, tokens, &count)) return false;
  const Token* t = tokens;
  const Token* end = tokens + count;
  if (IsWord(t, end) && Lookup(kWeekdays, t->text)) ++t;

  std::optional<int64_t> days;
  if (IsDayToken(t, end) && MonthToken(t + 1, end)) {  // 01 Jan 2004 ...
    const int d = t->value;
    const int m = *MonthToken(t + 1, end);
    const auto y = YearToken(t + 2, end);
    if (!y) return false;
    days = DaysFromYmd(*y, m, d);
    t += 3;
    if (!ParseTimeAndZone(t, end, f)) return false;
  } else if (MonthToken(t, end) && IsDayToken(t + 1, end)) {
    const int m = *MonthToken(t, end);
    const int d = t[1].value;
    t += 2;
    if (const auto y = YearToken(t, end)) {  // Aug 30 2012 17:26:16 +0200
      ++t;
      days = DaysFromYmd(*y, m, d);
      if (!ParseTimeAndZone(t, end, f)) return false;
    } else if (Is(t, end, Token::kTime)) {  // asctime, and Twitter's zone-before-year
      if (!ParseTimeAndZone(t, end, f)) return false;
      if (!Is(t, end, Token::kNumber) || t->digits != 4) return false;
      days = DaysFromYmd(t->value, m, d);
      ++t;
    } else {
      return false;
    }
  } else if (Is(t, end, Token::kYmd)) {  // Perforce
    days = t->days;
    ++t;
    if (!ParseTimeAndZone(t, end, f)) return false;
  } else {
    return false;
  }
  if (!days || t != end) return false;
  f->days = *days;
  return true;
}

// --- Dispatch ----------------------------------------------------------------

string_view Trim(string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// --- Fast paths for the two shapes nearly every feed writes -----------------
//
// Each reads one exact shape and gives up (false) at the first byte that
// differs, or on any value the general parsers treat specially (hour 24,
// second 60, an offset out of range, an invalid day); the general parsers
// then read the text as before, so the result is the same either way.

int Digits2(string_view s, size_t at) {
  if (!IsDigit(s[at]) || !IsDigit(s[at + 1])) return -1;
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// "HH:MM:SS" at s[at]; false unless every field is in its everyday range.
bool FastTime(string_view s, size_t at, Fields* f) {
  const int h = Digits2(s, at), m = Digits2(s, at + 3), sec = Digits2(s, at + 6);
  if (s[at + 2] != ':' || s[at + 5] != ':' || h < 0 || m < 0 || sec < 0) return false;
  if (h > 23 || m > 59 || sec > 59) return false;
  f->hour = h;
  f->minute = m;
  f->second = sec;
  return true;
}

// "+HHMM" / "-HHMM" (colon when `colon`) filling all of `s` from `at`.
bool FastOffset(string_view s, size_t at, bool colon, Fields* f) {
  if (s.size() != at + (colon ? 6 : 5) || (s[at] != '+' && s[at] != '-')) return false;
  if (colon && s[at + 3] != ':') return false;
  const int h = Digits2(s, at + 1), m = Digits2(s, at + (colon ? 4 : 3));
  if (h < 0 || m < 0 || m > 59 || h * 60 + m > kMaxOffsetMinutes) return false;
  f->offset_minutes = (s[at] == '-' ? -1 : 1) * (h * 60 + m);
  return true;
}

// RFC 822's North American zones as written there, in capitals ("EST",
// "PDT"): the fast path takes these eight by their shape; the offsets are
// kZones', through ZoneOffset.
std::optional<int> UsZoneOffset(string_view name) {
  if (name.size() != 3 || name[2] != 'T' || (name[1] != 'S' && name[1] != 'D') ||
      string_view("ECMP").find(name[0]) == string_view::npos) {
    return std::nullopt;
  }
  return ZoneOffset(name);
}

// The three bytes at p as one number: names of three letters compare in one
// step (a loop of string compares over the weekdays and months was a third
// of the time spent on dates).
constexpr uint32_t Pack3(const char* p) {
  return uint32_t{static_cast<unsigned char>(p[0])} |
         uint32_t{static_cast<unsigned char>(p[1])} << 8 |
         uint32_t{static_cast<unsigned char>(p[2])} << 16;
}

bool IsEnglishWeekday(uint32_t name) {
  switch (name) {
    case Pack3("Mon"):
    case Pack3("Tue"):
    case Pack3("Wed"):
    case Pack3("Thu"):
    case Pack3("Fri"):
    case Pack3("Sat"):
    case Pack3("Sun"):
      return true;
    default:
      return false;
  }
}

// 1-12 for an English month abbreviation as written ("Jun"), else 0.
int EnglishMonth(uint32_t name) {
  switch (name) {
    case Pack3("Jan"):
      return 1;
    case Pack3("Feb"):
      return 2;
    case Pack3("Mar"):
      return 3;
    case Pack3("Apr"):
      return 4;
    case Pack3("May"):
      return 5;
    case Pack3("Jun"):
      return 6;
    case Pack3("Jul"):
      return 7;
    case Pack3("Aug"):
      return 8;
    case Pack3("Sep"):
      return 9;
    case Pack3("Oct"):
      return 10;
    case Pack3("Nov"):
      return 11;
    case Pack3("Dec"):
      return 12;
    default:
      return 0;
  }
}

// RFC 1123: "Wed, 25 Jun 2025 19:52:00 +0100" or "... GMT" (a day of one
// digit too), English names as written by nearly every generator.
bool ParseCommonRfc822(string_view s, Fields* f) {
  if (s.size() < 28 || s[3] != ',' || s[4] != ' ') return false;
  if (!IsEnglishWeekday(Pack3(s.data()))) return false;
  size_t i = 5;
  int day;
  if (IsDigit(s[i]) && s[i + 1] == ' ') {
    day = s[i] - '0';
    i += 2;
  } else {
    day = Digits2(s, i);
    if (day < 0 || s[i + 2] != ' ') return false;
    i += 3;
  }
  // From here: "Mmm YYYY HH:MM:SS " and a zone, at least 19 + 1 bytes.
  if (s.size() < i + 19) return false;
  const int month = EnglishMonth(Pack3(s.data() + i));
  if (month == 0 || s[i + 3] != ' ') return false;
  const int hi = Digits2(s, i + 4), lo = Digits2(s, i + 6);
  if (hi < 0 || lo < 0 || s[i + 8] != ' ') return false;
  const auto days = DaysFromYmd(hi * 100 + lo, month, day);
  if (!days || !FastTime(s, i + 9, f) || s[i + 17] != ' ') return false;
  const size_t zone = i + 18;
  const string_view name = s.substr(zone);
  if (name == "GMT" || name == "UTC" || name == "UT" || name == "Z") {
    f->offset_minutes = 0;
  } else if (const std::optional<int> us = UsZoneOffset(name)) {
    f->offset_minutes = *us;
  } else if (!FastOffset(s, zone, false, f)) {
    return false;
  }
  f->days = *days;
  return true;
}

// RFC 3339: "2025-07-03T01:45:00Z", "2025-07-03T01:45:00.000+02:00".
bool ParseCommonRfc3339(string_view s, Fields* f) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T') return false;
  const int hi = Digits2(s, 0), lo = Digits2(s, 2), month = Digits2(s, 5), day = Digits2(s, 8);
  if (hi < 0 || lo < 0 || month < 0 || day < 0) return false;
  const auto days = DaysFromYmd(hi * 100 + lo, month, day);
  if (!days || !FastTime(s, 11, f)) return false;
  size_t i = 19;
  if (s[i] == '.') {  // a fraction, truncated
    ++i;
    const size_t digits = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == digits || i - digits > 9) return false;
  }
  if (i + 1 == s.size() && s[i] == 'Z') {
    f->offset_minutes = 0;
  } else if (!FastOffset(s, i, true, f)) {
    return false;
  }
  f->days = *days;
  return true;
}

std::optional<Fields> ParseFields(string_view text, bool fast_paths) {
  text = Trim(text);
  if (text.empty() || text.size() > 128) return std::nullopt;
  Fields f;
  if (fast_paths) {
    if (ParseCommonRfc3339(text, &f) || ParseCommonRfc822(text, &f)) return f;
    f = Fields{};
  }
  if (IsDigit(text[0]) &&
      (text.find("年") != string_view::npos || text.find("년") != string_view::npos)) {
    if (ParseCjk(text, &f)) return f;
    return std::nullopt;
  }
  if (IsDigit(text[0]) || text[0] == '-') {
    if (ParseIso(text, &f)) return f;
    f = Fields{};
  }
  if (ParseRfc822(text, &f)) return f;
  return std::nullopt;
}

int64_t LocalSeconds(const Fields& f) {
  return f.days * 86400 + int64_t{f.hour} * 3600 + int64_t{f.minute} * 60 + f.second;
}

}  // namespace

namespace {

std::optional<UtcTime> ParseDateAt(std::string_view text, int default_offset_minutes,
                                   bool fast_paths) {
  const auto f = ParseFields(text, fast_paths);
  if (!f) return std::nullopt;
  int offset = default_offset_minutes;
  if (f->offset_minutes) {
    offset = *f->offset_minutes;
  } else if (offset < -kMaxOffsetMinutes || offset > kMaxOffsetMinutes) {
    return std::nullopt;
  }
  return UtcTime{std::chrono::seconds{LocalSeconds(*f) - int64_t{offset} * 60}};
}

}  // namespace

std::optional<UtcTime> ParseDate(std::string_view text, int default_offset_minutes) {
  return ParseDateAt(text, default_offset_minutes, true);
}

std::optional<UtcTime> ParseDateWithoutFastPaths(std::string_view text,
                                                 int default_offset_minutes) {
  return ParseDateAt(text, default_offset_minutes, false);
}

std::optional<UtcTime> ParseDate(std::string_view text, const TimeZone& default_zone) {
  const auto f = ParseFields(text, true);
  if (!f) return std::nullopt;
  if (f->offset_minutes) {
    return UtcTime{std::chrono::seconds{LocalSeconds(*f) - int64_t{*f->offset_minutes} * 60}};
  }
  return default_zone.ToUtc(std::chrono::local_seconds{std::chrono::seconds{LocalSeconds(*f)}});
}

}  // namespace mineral::feeds
