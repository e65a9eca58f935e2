#include "feeds/json_mapping.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "feeds/date.h"
#include "model/time.h"
#include "text/text.h"

namespace mineral::feeds {
namespace {

using rapidjson::Value;

// Iterative parsing keeps the call stack flat whatever the nesting depth of
// the input (it is fuzzed); strings must be UTF-8, NaN and Infinity are errors.
constexpr unsigned kDocumentFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Mapping files are written by hand: allow comments and trailing commas.
constexpr unsigned kMappingFlags =
    kDocumentFlags | rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag;

// Bounds for what an API error report is quoted with.
constexpr int kMaxErrorDepth = 4;
constexpr size_t kMaxErrorChars = 500;

// Seconds from 0001-01-01 to 9999-12-31T23:59:59Z: epoch values outside are
// not dates (and would overflow on the way to seconds).
constexpr int64_t kMinEpochSeconds = -62135596800;
constexpr int64_t kMaxEpochSeconds = 253402300799;

std::string_view View(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

// RapidJSON writes an escaped lone low surrogate ("\udc00") as the three
// bytes of U+DC00, which UTF-8 forbids.
std::string Utf8String(const char* data, size_t size) {
  return text::ReplaceEncodedSurrogates(std::string_view(data, size));
}

std::string Utf8(const Value& v) { return Utf8String(v.GetString(), v.GetStringLength()); }

// ---------------------------------------------------------------------------
// JSON parsing shared by mappings and documents.

// Parses the whole of `text` or returns "JSON parse error at offset N: ...".
template <unsigned kFlags>
Status ParseWholeJson(std::string_view text, rapidjson::Document& doc) {
  doc.Parse<kFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Status::ParseError("JSON parse error at offset " + std::to_string(doc.GetErrorOffset()) +
                              ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  // RapidJSON takes a NUL byte for the end of input, so "{}\0junk" would pass.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return Status::ParseError(
        "JSON parse error at offset " + std::to_string(nul) + ": " +
        rapidjson::GetParseError_En(rapidjson::kParseErrorDocumentRootNotSingular));
  }
  return Status::Ok();
}

const char* TypeName(const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "a value";
}

// ---------------------------------------------------------------------------
// Paths.

// Every value `path` reaches from `root`, in document order.  The walk is as
// deep as the path (which comes from the mapping), never as deep as the
// document.
std::vector<const Value*> Resolve(const Value& root, const JsonPath& path) {
  std::vector<const Value*> current{&root};
  std::vector<const Value*> next;
  for (const JsonPathStep& step : path.steps) {
    next.clear();
    for (const Value* v : current) {
      switch (step.kind) {
        case JsonPathStep::Kind::kKey:
          if (v->IsObject()) {
            auto it = v->FindMember(Value(rapidjson::StringRef(step.key.data(), step.key.size())));
            if (it != v->MemberEnd()) next.push_back(&it->value);
          }
          break;
        case JsonPathStep::Kind::kIndex:
          if (v->IsArray()) {
            const int64_t size = v->Size();
            const int64_t i = step.index < 0 ? size + step.index : step.index;
            if (i >= 0 && i < size) next.push_back(&(*v)[static_cast<rapidjson::SizeType>(i)]);
          }
          break;
        case JsonPathStep::Kind::kEach:
          if (v->IsArray()) {
            for (const Value& element : v->GetArray()) next.push_back(&element);
          } else if (v->IsObject()) {
            for (const auto& member : v->GetObject()) next.push_back(&member.value);
          }
          break;
      }
    }
    current.swap(next);
    if (current.empty()) break;
  }
  return current;
}

bool IsTruthy(const Value& v) {
  if (v.IsBool()) return v.GetBool();
  if (v.IsString()) return !text::TrimAsciiWhitespace(View(v)).empty();
  if (v.IsArray()) return !v.Empty();
  if (v.IsObject()) return v.MemberCount() > 0;
  if (v.IsNumber()) return v.GetDouble() != 0.0;
  return false;
}

// Strings as they are; numbers in their shortest exact form (ids are often
// numbers).  Other types give nothing: a wrong type is treated as absent.
std::optional<std::string> ScalarText(const Value& v) {
  if (v.IsString()) return Utf8(v);
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsDouble()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    if (writer.Double(v.GetDouble())) return std::string(buffer.GetString(), buffer.GetSize());
  }
  return std::nullopt;
}

// The scalar values at `path`; an array reached by the path gives its
// elements ("announcementTypes" is a list of strings).
std::vector<const Value*> ResolveScalars(const Value& root, const JsonPath& path) {
  std::vector<const Value*> out;
  for (const Value* v : Resolve(root, path)) {
    if (v->IsArray()) {
      for (const Value& element : v->GetArray()) out.push_back(&element);
    } else {
      out.push_back(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Sources.

bool SourceApplies(const ValueSource& source, const Value& object) {
  if (!source.when) return true;
  for (const Value* v : Resolve(object, *source.when)) {
    if (IsTruthy(*v)) return true;
  }
  return false;
}

// The non-blank text values a source gives for `object`.  A template gives
// nothing when any placeholder is missing or blank, so that the next source
// is tried instead of producing a half-filled URL.
std::vector<std::string> SourceTexts(const ValueSource& source, const Value& object) {
  std::vector<std::string> out;
  if (!SourceApplies(source, object)) return out;
  switch (source.kind) {
    case ValueSource::Kind::kLiteral:
      if (!text::TrimAsciiWhitespace(source.literal).empty()) out.push_back(source.literal);
      break;
    case ValueSource::Kind::kPath:
      for (const Value* v : ResolveScalars(object, source.path)) {
        std::optional<std::string> text = ScalarText(*v);
        if (text && !text::TrimAsciiWhitespace(*text).empty()) out.push_back(std::move(*text));
      }
      break;
    case ValueSource::Kind::kTemplate: {
      std::string text = source.template_literals.empty() ? "" : source.template_literals[0];
      for (size_t i = 0; i < source.template_paths.size(); ++i) {
        std::optional<std::string> part;
        for (const Value* v : ResolveScalars(object, source.template_paths[i])) {
          part = ScalarText(*v);
          if (part && !text::TrimAsciiWhitespace(*part).empty()) break;
          part.reset();
        }
        if (!part) return out;
        text += *part;
        if (i + 1 < source.template_literals.size()) text += source.template_literals[i + 1];
      }
      out.push_back(std::move(text));
      break;
    }
  }
  return out;
}

// The first non-blank value of the first source that has one.
std::string FirstText(const FieldMapping& field, const Value& object, const ValueSource** from) {
  for (const ValueSource& source : field.sources) {
    std::vector<std::string> texts = SourceTexts(source, object);
    if (!texts.empty()) {
      if (from != nullptr) *from = &source;
      return std::move(texts.front());
    }
  }
  return {};
}

// ---------------------------------------------------------------------------
// Dates.

struct BrokenDownTime {
  int64_t year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  std::optional<int> offset_minutes;  // east of UTC, when the text gives one
};

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Reads 1 to `max_digits` decimal digits.
bool TakeNumber(std::string_view& s, int max_digits, int64_t& value) {
  int n = 0;
  value = 0;
  while (n < max_digits && !s.empty() && s.front() >= '0' && s.front() <= '9') {
    value = value * 10 + (s.front() - '0');
    s.remove_prefix(1);
    ++n;
  }
  return n > 0;
}

bool TakeMonthName(std::string_view& s, int& month) {
  static constexpr std::array<std::string_view, 12> kNames = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  for (int i = 0; i < 12; ++i) {
    // The full name first, so "March" is not read as "Mar" + "ch".
    for (size_t len : {kNames[i].size(), size_t{3}}) {
      if (s.size() >= len &&
          text::EqualsIgnoreAsciiCase(s.substr(0, len), kNames[i].substr(0, len))) {
        s.remove_prefix(len);
        month = i + 1;
        return true;
      }
    }
  }
  return false;
}

// "Z", "+10:00", "+1000", "-05".
bool TakeOffset(std::string_view& s, int& minutes) {
  if (!s.empty() && (s.front() == 'Z' || s.front() == 'z')) {
    s.remove_prefix(1);
    minutes = 0;
    return true;
  }
  if (s.empty() || (s.front() != '+' && s.front() != '-')) return false;
  const int sign = s.front() == '-' ? -1 : 1;
  s.remove_prefix(1);
  if (s.size() < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return false;
  const int hours = (s[0] - '0') * 10 + (s[1] - '0');
  s.remove_prefix(2);
  int mins = 0;
  std::string_view rest = s;
  if (!rest.empty() && rest.front() == ':') rest.remove_prefix(1);
  if (rest.size() >= 2 && rest[0] >= '0' && rest[0] <= '9' && rest[1] >= '0' && rest[1] <= '9') {
    mins = (rest[0] - '0') * 10 + (rest[1] - '0');
    s = rest.substr(2);
  }
  if (hours > 18 || mins > 59) return false;
  minutes = sign * (hours * 60 + mins);
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The directives a pattern may use; checked when the mapping is loaded.
constexpr std::string_view kPatternDirectives = "YymdeHIMSpbBzZTF%";

// strptime-like, but strict about what follows: the whole text must be
// consumed, so a pattern never reads a prefix and guesses the rest.
bool MatchPattern(std::string_view& s, std::string_view pattern, BrokenDownTime& t,
                  std::optional<bool>& pm, int depth = 0) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char p = pattern[i];
    if (IsSpace(p)) {
      while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
      continue;
    }
    if (p != '%' || i + 1 == pattern.size()) {
      if (s.empty() || !text::EqualsIgnoreAsciiCase(s.substr(0, 1), std::string_view(&p, 1)))
        return false;
      s.remove_prefix(1);
      continue;
    }
    const char d = pattern[++i];
    int64_t n = 0;
    switch (d) {
      case 'Y':
        if (!TakeNumber(s, 4, n)) return false;
        t.year = n;
        break;
      case 'y':
        if (!TakeNumber(s, 2, n)) return false;
        t.year = n < 69 ? 2000 + n : 1900 + n;  // POSIX's pivot
        break;
      case 'm':
        if (!TakeNumber(s, 2, n) || n < 1 || n > 12) return false;
        t.month = static_cast<int>(n);
        break;
      case 'e':
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        [[fallthrough]];
      case 'd':
        if (!TakeNumber(s, 2, n) || n < 1 || n > 31) return false;
        t.day = static_cast<int>(n);
        break;
      case 'H':
        if (!TakeNumber(s, 2, n) || n > 23) return false;
        t.hour = static_cast<int>(n);
        break;
      case 'I':
        if (!TakeNumber(s, 2, n) || n < 1 || n > 12) return false;
        t.hour = static_cast<int>(n % 12);
        break;
      case 'M':
        if (!TakeNumber(s, 2, n) || n > 59) return false;
        t.minute = static_cast<int>(n);
        break;
      case 'S':
        if (!TakeNumber(s, 2, n) || n > 60) return false;
        t.second = static_cast<int>(n);
        break;
      case 'p':
        if (s.size() >= 2 && text::EqualsIgnoreAsciiCase(s.substr(0, 2), "am")) {
          pm = false;
        } else if (s.size() >= 2 && text::EqualsIgnoreAsciiCase(s.substr(0, 2), "pm")) {
          pm = true;
        } else {
          return false;
        }
        s.remove_prefix(2);
        break;
      case 'b':
      case 'B':
        if (!TakeMonthName(s, t.month)) return false;
        break;
      case 'z': {
        int minutes = 0;
        if (!TakeOffset(s, minutes)) return false;
        t.offset_minutes = minutes;
        break;
      }
      case 'Z':
        if (s.size() >= 3 && (text::EqualsIgnoreAsciiCase(s.substr(0, 3), "UTC") ||
                              text::EqualsIgnoreAsciiCase(s.substr(0, 3), "GMT"))) {
          s.remove_prefix(3);
        } else if (!s.empty() && (s.front() == 'Z' || s.front() == 'z')) {
          s.remove_prefix(1);
        } else {
          return false;
        }
        t.offset_minutes = 0;
        break;
      case 'T':
        if (depth > 0 || !MatchPattern(s, "%H:%M:%S", t, pm, depth + 1)) return false;
        break;
      case 'F':
        if (depth > 0 || !MatchPattern(s, "%Y-%m-%d", t, pm, depth + 1)) return false;
        break;
      case '%':
        if (s.empty() || s.front() != '%') return false;
        s.remove_prefix(1);
        break;
      default:
        return false;
    }
  }
  return true;
}

std::optional<UtcTime> ParsePatternDate(std::string_view text, std::string_view pattern,
                                        const TimeZone& zone) {
  BrokenDownTime t;
  std::optional<bool> pm;
  std::string_view s = text::TrimAsciiWhitespace(text);
  if (!MatchPattern(s, pattern, t, pm) || !text::TrimAsciiWhitespace(s).empty())
    return std::nullopt;
  if (t.year < 1 || t.month < 1 || t.day < 1 || t.day > DaysInMonth(t.year, t.month)) {
    return std::nullopt;
  }
  if (pm && *pm && t.hour < 12) t.hour += 12;  // "13:00 PM" stays 13:00
  const int64_t local =
      DaysFromCivil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day)) * 86400 +
      t.hour * 3600 + t.minute * 60 + t.second;
  if (t.offset_minutes) {
    return UtcTime{std::chrono::seconds{local - int64_t{*t.offset_minutes} * 60}};
  }
  return zone.ToUtc(std::chrono::local_seconds{std::chrono::seconds{local}});
}

std::optional<UtcTime> FromEpoch(const Value& v, int64_t units_per_second) {
  int64_t seconds = 0;
  if (v.IsInt64() || (v.IsString() && !text::TrimAsciiWhitespace(View(v)).empty())) {
    int64_t count = 0;
    if (v.IsInt64()) {
      count = v.GetInt64();
    } else {
      // Some APIs quote their timestamps: "1759939200000".
      std::string_view s = text::TrimAsciiWhitespace(View(v));
      const bool negative = s.front() == '-';
      if (negative) s.remove_prefix(1);
      if (s.empty() || s.size() > 18) return std::nullopt;  // 18 digits cannot overflow
      for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        count = count * 10 + (c - '0');
      }
      if (negative) count = -count;
    }
    // Floor division, so -1 ms is the second before the epoch.
    seconds = count / units_per_second;
    if (count % units_per_second < 0) --seconds;
  } else if (v.IsDouble()) {
    const double d = std::floor(v.GetDouble() / static_cast<double>(units_per_second));
    if (!(d >= static_cast<double>(kMinEpochSeconds) &&
          d <= static_cast<double>(kMaxEpochSeconds))) {
      return std::nullopt;
    }
    seconds = static_cast<int64_t>(d);
  } else {
    return std::nullopt;
  }
  if (seconds < kMinEpochSeconds || seconds > kMaxEpochSeconds) return std::nullopt;
  return UtcTime{std::chrono::seconds{seconds}};
}

std::optional<UtcTime> ReadDate(const ValueSource& source, const Value& v,
                                const TimeZone& default_zone) {
  const TimeZone& zone = source.zone ? *source.zone : default_zone;
  switch (source.date_format) {
    case DateFormat::kEpochMillis:
      return FromEpoch(v, 1000);
    case DateFormat::kEpochSeconds:
      return FromEpoch(v, 1);
    case DateFormat::kAuto:
      if (!v.IsString()) return std::nullopt;
      return ParseDate(View(v), zone);
    case DateFormat::kPattern:
      if (!v.IsString()) return std::nullopt;
      return ParsePatternDate(View(v), source.date_pattern, zone);
  }
  return std::nullopt;
}

// A date from the first source with a value that reads as one; a value that
// does not (an empty string, a format change) falls through to the next.
std::optional<UtcTime> FirstDate(const FieldMapping& field, const Value& object,
                                 const TimeZone& default_zone) {
  for (const ValueSource& source : field.sources) {
    if (source.kind == ValueSource::Kind::kPath) {
      if (!SourceApplies(source, object)) continue;
      for (const Value* v : ResolveScalars(object, source.path)) {
        if (std::optional<UtcTime> t = ReadDate(source, *v, default_zone)) return t;
      }
    } else {
      for (const std::string& text : SourceTexts(source, object)) {
        Value v(rapidjson::StringRef(text.data(), text.size()));
        if (std::optional<UtcTime> t = ReadDate(source, v, default_zone)) return t;
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Documents.

// An API error report as one line: {"errors":{"agencies":"invalid value"}}
// -> "agencies: invalid value".  Bounded in depth and length (the document is
// untrusted).
void AppendErrorText(const Value& v, int depth, std::string& out) {
  if (out.size() > kMaxErrorChars) return;
  if (v.IsObject()) {
    bool first = true;
    for (const auto& member : v.GetObject()) {
      if (!first) out += "; ";
      first = false;
      out += View(member.name);
      if (depth >= kMaxErrorDepth) continue;
      out += ": ";
      AppendErrorText(member.value, depth + 1, out);
    }
  } else if (v.IsArray()) {
    bool first = true;
    for (const Value& element : v.GetArray()) {
      if (!first) out += "; ";
      first = false;
      if (depth < kMaxErrorDepth) AppendErrorText(element, depth + 1, out);
    }
  } else if (v.IsBool()) {
    out += v.GetBool() ? "true" : "false";
  } else if (std::optional<std::string> text = ScalarText(v)) {
    out += *text;
  }
}

std::string ErrorText(const Value& v) {
  std::string raw;
  AppendErrorText(v, 0, raw);
  std::string text = Utf8String(raw.data(), raw.size());
  if (text.size() > kMaxErrorChars) {
    size_t cut = kMaxErrorChars;
    // Do not cut a UTF-8 sequence in two.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "...";
  }
  return text;
}

std::string QuotedPathList(const std::vector<JsonPath>& paths) {
  std::string out;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (i > 0) out += i + 1 == paths.size() ? " or " : ", ";
    out += "'" + paths[i].text + "'";
  }
  return out;
}

Item ReadItem(const Value& object, const JsonMapping& mapping) {
  Item item;
  // Title, GUID, authors and categories are whitespace-collapsed here, as
  // every format parser leaves them (normalize.h).
  item.guid = FirstText(mapping.id, object, nullptr);
  text::CollapseWhitespaceInPlace(item.guid);
  item.title = FirstText(mapping.title, object, nullptr);
  text::CollapseWhitespaceInPlace(item.title);
  item.link = FirstText(mapping.link, object, nullptr);
  item.published = FirstDate(mapping.published, object, mapping.default_zone);
  item.updated = FirstDate(mapping.updated, object, mapping.default_zone);

  const ValueSource* from = nullptr;
  std::string summary = FirstText(mapping.summary, object, &from);
  if (!summary.empty()) (from->html ? item.summary_html : item.summary_text) = std::move(summary);
  std::string content = FirstText(mapping.content, object, &from);
  if (!content.empty()) (from->html ? item.content_html : item.content_text) = std::move(content);

  for (const ValueSource& source : mapping.author.sources) {
    item.authors = SourceTexts(source, object);
    for (std::string& author : item.authors) text::CollapseWhitespaceInPlace(author);
    if (!item.authors.empty()) break;
  }
  for (const ValueSource& source : mapping.categories.sources) {
    for (std::string& category : SourceTexts(source, object)) {
      text::CollapseWhitespaceInPlace(category);
      // "announcementType" and "announcementTypes" usually agree.
      if (std::find(item.categories.begin(), item.categories.end(), category) ==
          item.categories.end()) {
        item.categories.push_back(std::move(category));
      }
    }
  }
  return item;
}

// ---------------------------------------------------------------------------
// Mapping files.

// "UTC", "GMT", "Z", "+10:00", "+1000", "-05", "UTC+8" -> minutes east of UTC.
std::optional<int> ParseFixedOffset(std::string_view text) {
  std::string_view s = text::TrimAsciiWhitespace(text);
  if (s == "UTC" || s == "GMT" || s == "Z") return 0;
  if (s.substr(0, 3) == "UTC" || s.substr(0, 3) == "GMT") s.remove_prefix(3);
  if (s.empty() || (s.front() != '+' && s.front() != '-')) return std::nullopt;
  // A bare one-digit hour is allowed here ("UTC+8"); TakeOffset wants two.
  std::string padded;
  if (s.size() == 2 && s[1] >= '0' && s[1] <= '9') {
    padded = std::string{s[0], '0', s[1]};
    s = padded;
  }
  int minutes = 0;
  if (!TakeOffset(s, minutes) || !s.empty()) return std::nullopt;
  return minutes;
}

// Optimal string alignment distance: like Levenshtein, plus transpositions,
// which are the usual typo ("titel").
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string Suggest(std::string_view key, const std::vector<std::string_view>& known) {
  if (key.size() > 64) return {};
  const size_t limit = key.size() <= 3 ? 1 : 2;
  std::string_view best;
  size_t best_distance = limit + 1;
  for (std::string_view candidate : known) {
    const size_t distance = EditDistance(key, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return std::string(best);
}

// Where a field may be used decides which source keys it accepts.
enum class FieldKind { kText, kDate, kRichText };

class MappingReader {
 public:
  explicit MappingReader(std::string_view source_name) : source_name_(source_name) {}

  Status Read(const Value& root, JsonMapping& mapping) {
    if (!root.IsObject()) return TypeError(root, "an object", "");
    Status s = CheckKeys(
        root, "",
        {"name", "items", "items_optional", "error_path", "zone", "feed", "fields", "comment"});
    if (!s.ok()) return s;
    s = RequireKeys(root, "", {"name", "items", "fields"});
    if (!s.ok()) return s;

    const Value& name = root["name"];
    if (!name.IsString() || text::TrimAsciiWhitespace(View(name)).empty()) {
      return TypeError(name, "a non-empty string", "/name");
    }
    mapping.name = Utf8(name);

    if (s = ReadPathList(root["items"], "/items", mapping.items); !s.ok()) return s;
    if (const Value* v = Find(root, "items_optional")) {
      if (!v->IsBool()) return TypeError(*v, "true or false", "/items_optional");
      mapping.items_optional = v->GetBool();
    }
    if (const Value* v = Find(root, "error_path")) {
      if (s = ReadPathList(*v, "/error_path", mapping.error_paths); !s.ok()) return s;
    }
    if (const Value* v = Find(root, "zone")) {
      std::optional<TimeZone> zone;
      if (s = ReadZone(*v, "/zone", zone); !s.ok()) return s;
      mapping.default_zone = std::move(*zone);
    }
    if (const Value* feed = Find(root, "feed")) {
      if (!feed->IsObject()) return TypeError(*feed, "an object", "/feed");
      if (s = CheckKeys(*feed, "/feed", {"title", "link", "description", "language", "comment"});
          !s.ok()) {
        return s;
      }
      const std::pair<const char*, FieldMapping*> feed_fields[] = {
          {"title", &mapping.feed_title},
          {"link", &mapping.feed_link},
          {"description", &mapping.feed_description},
          {"language", &mapping.feed_language}};
      for (const auto& [key, field] : feed_fields) {
        if (const Value* v = Find(*feed, key)) {
          s = ReadField(*v, "/feed/" + std::string(key), FieldKind::kText, *field);
          if (!s.ok()) return s;
        }
      }
    }
    const Value& fields = root["fields"];
    if (!fields.IsObject()) return TypeError(fields, "an object", "/fields");
    s = CheckKeys(fields, "/fields",
                  {"id", "title", "link", "published", "updated", "summary", "content", "author",
                   "categories", "comment"});
    if (!s.ok()) return s;
    const std::tuple<const char*, FieldKind, FieldMapping*> item_fields[] = {
        {"id", FieldKind::kText, &mapping.id},
        {"title", FieldKind::kText, &mapping.title},
        {"link", FieldKind::kText, &mapping.link},
        {"published", FieldKind::kDate, &mapping.published},
        {"updated", FieldKind::kDate, &mapping.updated},
        {"summary", FieldKind::kRichText, &mapping.summary},
        {"content", FieldKind::kRichText, &mapping.content},
        {"author", FieldKind::kText, &mapping.author},
        {"categories", FieldKind::kText, &mapping.categories}};
    for (const auto& [key, kind, field] : item_fields) {
      if (const Value* v = Find(fields, key)) {
        if (s = ReadField(*v, "/fields/" + std::string(key), kind, *field); !s.ok()) return s;
      }
    }
    return Status::Ok();
  }

  Status Error(const std::string& message) const {
    return Status::ParseError(std::string(source_name_) + ": " + message);
  }

 private:
  static std::string At(const std::string& pointer) { return pointer.empty() ? "/" : pointer; }

  static const Value* Find(const Value& object, const char* key) {
    auto it = object.FindMember(key);
    return it == object.MemberEnd() ? nullptr : &it->value;
  }

  Status TypeError(const Value& v, const char* expected, const std::string& pointer) const {
    return Error("expected " + std::string(expected) + " at " + At(pointer) + ", got " +
                 TypeName(v));
  }

  // Unknown keys are errors: a misspelt key would otherwise be a silently
  // unmapped field.  Duplicates too, since only one of them would count.
  Status CheckKeys(const Value& object, const std::string& pointer,
                   const std::vector<std::string_view>& known) const {
    std::vector<std::string_view> seen;
    for (const auto& member : object.GetObject()) {
      const std::string_view key = View(member.name);
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string message = "unknown key '" + std::string(key) + "' at " + At(pointer);
        if (std::string suggestion = Suggest(key, known); !suggestion.empty()) {
          message += " (did you mean '" + suggestion + "'?)";
        }
        return Error(message);
      }
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return Error("duplicate key '" + std::string(key) + "' at " + At(pointer));
      }
      seen.push_back(key);
      if (key == "comment" && !member.value.IsString()) {
        return TypeError(member.value, "a string", pointer + "/comment");
      }
    }
    return Status::Ok();
  }

  Status RequireKeys(const Value& object, const std::string& pointer,
                     const std::vector<const char*>& required) const {
    for (const char* key : required) {
      if (!object.HasMember(key)) {
        return Error("missing key '" + std::string(key) + "' at " + At(pointer));
      }
    }
    return Status::Ok();
  }

  Status ReadPath(const Value& v, const std::string& pointer, JsonPath& path) const {
    if (!v.IsString()) return TypeError(v, "a path string", pointer);
    Result<JsonPath> parsed = ParseJsonPath(View(v));
    if (!parsed.ok()) {
      return Error("bad path '" + std::string(View(v)) + "' at " + At(pointer) + ": " +
                   parsed.status().message());
    }
    path = std::move(parsed).value();
    return Status::Ok();
  }

  // A path, or a non-empty array of paths.
  Status ReadPathList(const Value& v, const std::string& pointer,
                      std::vector<JsonPath>& paths) const {
    if (v.IsArray()) {
      if (v.Empty()) return Error("expected at least one path at " + At(pointer));
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        JsonPath path;
        if (Status s = ReadPath(v[i], pointer + "/" + std::to_string(i), path); !s.ok()) return s;
        paths.push_back(std::move(path));
      }
      return Status::Ok();
    }
    if (!v.IsString()) return TypeError(v, "a path string or an array of them", pointer);
    JsonPath path;
    if (Status s = ReadPath(v, pointer, path); !s.ok()) return s;
    paths.push_back(std::move(path));
    return Status::Ok();
  }

  Status ReadZone(const Value& v, const std::string& pointer, std::optional<TimeZone>& zone) const {
    if (!v.IsString()) return TypeError(v, "a zone string", pointer);
    const std::string_view name = View(v);
    if (std::optional<int> offset = ParseFixedOffset(name)) {
      Result<TimeZone> fixed = TimeZone::Fixed(*offset);
      if (fixed.ok()) {
        zone = std::move(fixed).value();
        return Status::Ok();
      }
    } else if (name.find('/') != std::string_view::npos) {
      Result<TimeZone> loaded = LoadTimeZone(name);
      if (loaded.ok()) {
        zone = std::move(loaded).value();
        return Status::Ok();
      }
      return Error("unknown zone '" + std::string(name) + "' at " + At(pointer) + ": " +
                   loaded.status().message());
    }
    return Error("unknown zone '" + std::string(name) + "' at " + At(pointer) +
                 " (expected 'UTC', an offset such as '+08:00' or an IANA name such as "
                 "'America/New_York')");
  }

  Status ReadDateFormat(const Value& v, const std::string& pointer, ValueSource& source) const {
    if (!v.IsString()) return TypeError(v, "a date format string", pointer);
    const std::string_view format = View(v);
    if (format == "auto") {
      source.date_format = DateFormat::kAuto;
    } else if (format == "epoch_ms") {
      source.date_format = DateFormat::kEpochMillis;
    } else if (format == "epoch_s") {
      source.date_format = DateFormat::kEpochSeconds;
    } else if (format.find('%') != std::string_view::npos) {
      bool year = false, month = false, day = false;
      for (size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%') continue;
        if (i + 1 == format.size() ||
            kPatternDirectives.find(format[i + 1]) == std::string_view::npos) {
          const std::string directive(i + 1 == format.size() ? "%" : format.substr(i, 2));
          return Error("unsupported directive '" + directive + "' in date pattern '" +
                       std::string(format) + "' at " + At(pointer));
        }
        const char d = format[++i];
        year |= d == 'Y' || d == 'y' || d == 'F';
        month |= d == 'm' || d == 'b' || d == 'B' || d == 'F';
        day |= d == 'd' || d == 'e' || d == 'F';
      }
      if (!year || !month || !day) {
        return Error("date pattern '" + std::string(format) + "' at " + At(pointer) +
                     " needs a year, a month and a day");
      }
      source.date_format = DateFormat::kPattern;
      source.date_pattern = std::string(format);
    } else {
      return Error("unknown date format '" + std::string(format) + "' at " + At(pointer) +
                   " (expected 'auto', 'epoch_ms', 'epoch_s' or a pattern such as '%Y-%m-%d')");
    }
    return Status::Ok();
  }

  Status ReadTemplate(const Value& v, const std::string& pointer, ValueSource& source) const {
    if (!v.IsString()) return TypeError(v, "a template string", pointer);
    source.template_text = Utf8(v);
    const std::string_view text = source.template_text;
    std::string literal;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
        literal += c;
        ++i;
      } else if (c == '}') {
        return Error("unmatched '}' at character " + std::to_string(i) + " of template at " +
                     At(pointer) + " (write '}}' for a brace)");
      } else if (c == '{') {
        const size_t close = text.find('}', i + 1);
        if (close == std::string_view::npos) {
          return Error("unclosed '{' at character " + std::to_string(i) + " of template at " +
                       At(pointer));
        }
        const std::string_view inner = text.substr(i + 1, close - i - 1);
        if (inner.empty()) {
          return Error("empty placeholder '{}' at character " + std::to_string(i) +
                       " of template at " + At(pointer));
        }
        Result<JsonPath> path = ParseJsonPath(inner);
        if (!path.ok()) {
          return Error("bad path '" + std::string(inner) + "' in template at " + At(pointer) +
                       ": " + path.status().message());
        }
        source.template_literals.push_back(std::move(literal));
        literal.clear();
        source.template_paths.push_back(std::move(path).value());
        i = close;
      } else {
        literal += c;
      }
    }
    source.template_literals.push_back(std::move(literal));
    return Status::Ok();
  }

  Status ReadSource(const Value& v, const std::string& pointer, FieldKind kind,
                    ValueSource& source) const {
    if (v.IsString()) {
      source.kind = ValueSource::Kind::kPath;
      return ReadPath(v, pointer, source.path);
    }
    if (!v.IsObject()) return TypeError(v, "a path string or a source object", pointer);
    std::vector<std::string_view> known = {"path", "template", "literal", "when", "comment"};
    if (kind == FieldKind::kDate) known.insert(known.end(), {"format", "zone"});
    if (kind == FieldKind::kRichText) known.push_back("html");
    // Keys valid for another kind of field get a message that says so, rather
    // than "unknown key".
    for (const auto& member : v.GetObject()) {
      const std::string_view key = View(member.name);
      if (kind != FieldKind::kDate && (key == "format" || key == "zone")) {
        return Error("key '" + std::string(key) + "' at " + At(pointer) +
                     " is only for published and updated");
      }
      if (kind != FieldKind::kRichText && key == "html") {
        return Error("key 'html' at " + At(pointer) + " is only for summary and content");
      }
    }
    if (Status s = CheckKeys(v, pointer, known); !s.ok()) return s;
    const int kinds = v.HasMember("path") + v.HasMember("template") + v.HasMember("literal");
    if (kinds != 1) {
      return Error("expected exactly one of 'path', 'template' or 'literal' at " + At(pointer));
    }
    Status s;
    if (const Value* p = Find(v, "path")) {
      source.kind = ValueSource::Kind::kPath;
      s = ReadPath(*p, pointer + "/path", source.path);
    } else if (const Value* t = Find(v, "template")) {
      source.kind = ValueSource::Kind::kTemplate;
      s = ReadTemplate(*t, pointer + "/template", source);
    } else {
      const Value& l = v["literal"];
      if (!l.IsString()) return TypeError(l, "a string", pointer + "/literal");
      source.kind = ValueSource::Kind::kLiteral;
      source.literal = Utf8(l);
    }
    if (!s.ok()) return s;
    if (const Value* w = Find(v, "when")) {
      JsonPath when;
      if (s = ReadPath(*w, pointer + "/when", when); !s.ok()) return s;
      source.when = std::move(when);
    }
    if (const Value* f = Find(v, "format")) {
      if (s = ReadDateFormat(*f, pointer + "/format", source); !s.ok()) return s;
    }
    if (const Value* z = Find(v, "zone")) {
      if (s = ReadZone(*z, pointer + "/zone", source.zone); !s.ok()) return s;
    }
    if (const Value* h = Find(v, "html")) {
      if (!h->IsBool()) return TypeError(*h, "true or false", pointer + "/html");
      source.html = h->GetBool();
    }
    return Status::Ok();
  }

  // A source, or a non-empty array of sources (fallbacks in order).
  Status ReadField(const Value& v, const std::string& pointer, FieldKind kind,
                   FieldMapping& field) const {
    if (v.IsArray()) {
      if (v.Empty()) return Error("expected at least one source at " + At(pointer));
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        ValueSource source;
        Status s = ReadSource(v[i], pointer + "/" + std::to_string(i), kind, source);
        if (!s.ok()) return s;
        field.sources.push_back(std::move(source));
      }
      return Status::Ok();
    }
    ValueSource source;
    if (Status s = ReadSource(v, pointer, kind, source); !s.ok()) return s;
    field.sources.push_back(std::move(source));
    return Status::Ok();
  }

  std::string_view source_name_;
};

// The mappings shipped with the binary, so it needs no data files.  Each is a
// copy of feeds/mappings/<name>.json, the file to read and edit;
// json_mapping_test.cc fails until the copy here is updated to match.
struct BuiltinMapping {
  std::string_view name;
  std::string_view text;
};

constexpr BuiltinMapping kBuiltinMappings[] = {
    {"federal-register", R"json({
  "comment": "US Federal Register API, /api/v1/documents.json (any conditions). Date-only publication dates mean midnight in Washington.",
  "name": "federal-register",
  "items": "results",
  "items_optional": true,
  "error_path": ["errors", "message"],
  "zone": "America/New_York",
  "feed": {
    "title": [{"template": "Federal Register: {description}"}, {"literal": "Federal Register"}],
    "link": {"literal": "https://www.federalregister.gov/"},
    "description": "description",
    "language": {"literal": "en-US"}
  },
  "fields": {
    "id": "document_number",
    "title": "title",
    "link": ["html_url", "pdf_url"],
    "published": {"path": "publication_date", "format": "%Y-%m-%d"},
    "summary": ["abstract", {"path": "excerpts", "html": true}],
    "author": "agencies[].name",
    "categories": ["type", "agencies[].name"]
  }
}
)json"},
    {"asx-markitdigital", R"json({
  "comment": "ASX announcements from the Markit Digital API behind asx.com.au (companies/{code}/announcements and markets/announcements).",
  "name": "asx-markitdigital",
  "items": "data.items",
  "error_path": ["errors", "error"],
  "zone": "Australia/Sydney",
  "feed": {
    "title": [{"template": "ASX announcements: {data.displayName} ({data.symbol})"}, {"literal": "ASX announcements"}],
    "link": [{"template": "https://www.asx.com.au/markets/company/{data.symbol}"}, {"literal": "https://www.asx.com.au/"}],
    "language": {"literal": "en-AU"}
  },
  "fields": {
    "id": ["documentKey", "id"],
    "title": "headline",
    "link": ["url", {"template": "https://asx.api.markitdigital.com/asx-research/1.0/file/{documentKey}"}],
    "published": "date",
    "categories": ["announcementTypes", "announcementType", {"literal": "price-sensitive", "when": "isPriceSensitive"}]
  }
}
)json"},
    {"asx-legacy", R"json({
  "comment": "ASX announcements from the legacy endpoint /asx/1/company/{CODE}/announcements. Offsets come without a colon (+1000).",
  "name": "asx-legacy",
  "items": "data",
  "error_path": ["errors", "error_desc"],
  "zone": "Australia/Sydney",
  "feed": {
    "title": {"literal": "ASX announcements"},
    "link": {"literal": "https://www.asx.com.au/"},
    "language": {"literal": "en-AU"}
  },
  "fields": {
    "id": "id",
    "title": "header",
    "link": ["url", {"template": "https://www.asx.com.au{relative_url}"}],
    "published": [
      {"path": "document_release_date", "format": "%Y-%m-%dT%H:%M:%S%z"},
      "document_release_date",
      "document_date"
    ],
    "categories": {"literal": "price-sensitive", "when": "market_sensitive"}
  }
}
)json"},
    {"govcn-policy-library", R"json({
  "comment": "gov.cn policy library search (sousuo.www.gov.cn/search-gov/data). t=zhengcelibrary* puts results in searchVO.listVO, t=zhengce nests them under searchVO.catMap.{gongwen,bumenfile,otherfile}.listVO.",
  "name": "govcn-policy-library",
  "items": ["searchVO.listVO", "searchVO.catMap.*.listVO", "listVO"],
  "zone": "Asia/Shanghai",
  "feed": {
    "title": {"literal": "中国政府网 政策文件库"},
    "link": {"literal": "https://www.gov.cn/zhengce/zhengceku/"},
    "language": {"literal": "zh-CN"}
  },
  "fields": {
    "id": "url",
    "title": "title",
    "link": "url",
    "published": [
      {"path": "pubtime", "format": "epoch_ms"},
      {"path": "pubtimeStr", "format": "%Y.%m.%d"},
      {"path": "ptime", "format": "epoch_ms"}
    ],
    "summary": "summary",
    "author": "puborg",
    "categories": ["pcode", "childtype"]
  }
}
)json"},
};

}  // namespace

Result<JsonPath> ParseJsonPath(std::string_view text) {
  JsonPath path;
  path.text = std::string(text);
  if (text.empty()) return path;
  size_t i = 0;
  bool at_start = true;
  while (true) {
    // A key: the whole path, or the part before the first '[' of a step.
    std::string key;
    bool escaped_any = false;
    const size_t key_start = i;
    while (i < text.size() && text[i] != '.' && text[i] != '[') {
      if (text[i] == ']') {
        return Status::ParseError("unexpected ']' at character " + std::to_string(i));
      }
      if (text[i] == '\\') {
        if (i + 1 == text.size()) {
          return Status::ParseError("dangling '\\' at character " + std::to_string(i));
        }
        escaped_any = true;
        ++i;
      }
      key += text[i++];
    }
    const bool has_index = i < text.size() && text[i] == '[';
    if (key.empty()) {
      // "[0]" at the very start indexes a root array; anywhere else a key is
      // required ("a..b", "a.", "a.[0]").
      if (!(at_start && has_index)) {
        return Status::ParseError("empty key at character " + std::to_string(key_start));
      }
    } else if (key == "*" && !escaped_any) {
      path.steps.push_back({JsonPathStep::Kind::kEach, "", 0});
    } else {
      path.steps.push_back({JsonPathStep::Kind::kKey, std::move(key), 0});
    }
    while (i < text.size() && text[i] == '[') {
      const size_t open = i;
      const size_t close = text.find(']', i);
      if (close == std::string_view::npos) {
        return Status::ParseError("unclosed '[' at character " + std::to_string(open));
      }
      const std::string_view inner = text.substr(open + 1, close - open - 1);
      if (inner.empty() || inner == "*") {
        path.steps.push_back({JsonPathStep::Kind::kEach, "", 0});
      } else {
        std::string_view digits = inner;
        const bool negative = digits.front() == '-';
        if (negative) digits.remove_prefix(1);
        if (digits.empty() || digits.size() > 9 ||
            !std::all_of(digits.begin(), digits.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
          return Status::ParseError("bad array index '" + std::string(inner) + "' at character " +
                                    std::to_string(open + 1));
        }
        int64_t index = 0;
        for (char c : digits) index = index * 10 + (c - '0');
        path.steps.push_back({JsonPathStep::Kind::kIndex, "", negative ? -index : index});
      }
      i = close + 1;
    }
    if (i == text.size()) break;
    if (text[i] != '.') {
      return Status::ParseError("expected '.' or '[' at character " + std::to_string(i));
    }
    ++i;
    at_start = false;
    if (i == text.size()) {
      return Status::ParseError("empty key at character " + std::to_string(i));
    }
  }
  return path;
}

Result<JsonMapping> ParseJsonMapping(std::string_view json_text, std::string_view source_name) {
  MappingReader reader(source_name);
  rapidjson::Document doc;
  if (Status s = ParseWholeJson<kMappingFlags>(json_text, doc); !s.ok()) {
    return reader.Error(s.message());
  }
  JsonMapping mapping;
  if (Status s = reader.Read(doc, mapping); !s.ok()) return s;
  return mapping;
}

Result<ParsedFeed> ParseMappedJson(std::string_view utf8, const JsonMapping& mapping,
                                   const ParseOptions& options) {
  if (utf8.size() > options.max_document_bytes) {
    return Status::TooLarge("JSON document of " + std::to_string(utf8.size()) +
                            " bytes exceeds the limit of " +
                            std::to_string(options.max_document_bytes));
  }
  rapidjson::Document doc;
  if (Status s = ParseWholeJson<kDocumentFlags>(utf8, doc); !s.ok()) return s;

  // APIs report a bad request in a body of their own shape, often with HTTP
  // 400 but sometimes with 200; either way it is not an empty list.
  for (const JsonPath& path : mapping.error_paths) {
    for (const Value* v : Resolve(doc, path)) {
      if (IsTruthy(*v)) return Status::InvalidArgument("API error: " + ErrorText(*v));
    }
  }

  ParsedFeed parsed;
  parsed.feed.format = FeedFormat::kJson;
  parsed.feed.version = mapping.name;
  parsed.feed.title = FirstText(mapping.feed_title, doc, nullptr);
  parsed.feed.link = FirstText(mapping.feed_link, doc, nullptr);
  parsed.feed.description = FirstText(mapping.feed_description, doc, nullptr);
  parsed.feed.language = FirstText(mapping.feed_language, doc, nullptr);

  // The first items path that holds something; a path that exists but holds
  // only an empty list is remembered, so the result is "no items", not an
  // error, when no later alternative has any.
  bool found = false;
  std::vector<const Value*> lists;
  for (const JsonPath& path : mapping.items) {
    std::vector<const Value*> values = Resolve(doc, path);
    values.erase(
        std::remove_if(values.begin(), values.end(), [](const Value* v) { return v->IsNull(); }),
        values.end());
    if (values.empty()) continue;
    found = true;
    const bool has_items = std::any_of(values.begin(), values.end(),
                                       [](const Value* v) { return !v->IsArray() || !v->Empty(); });
    if (has_items) {
      lists = std::move(values);
      break;
    }
  }
  if (!found && !mapping.items_optional) {
    return Status::ParseError("no items at " + QuotedPathList(mapping.items) +
                              " (the document's top-level value is " + TypeName(doc) + ")");
  }
  size_t index = 0;
  const auto add = [&](const Value& v) {
    if (v.IsObject()) {
      parsed.items.push_back(ReadItem(v, mapping));
    } else if (parsed.error.empty()) {
      parsed.error = "item " + std::to_string(index) + " is " + TypeName(v) + ", not an object";
    }
    ++index;
  };
  for (const Value* v : lists) {
    if (v->IsArray()) {
      for (const Value& element : v->GetArray()) add(element);
    } else {
      add(*v);
    }
  }
  return parsed;
}

std::vector<std::string_view> BuiltinMappingNames() {
  std::vector<std::string_view> names;
  for (const BuiltinMapping& m : kBuiltinMappings) names.push_back(m.name);
  return names;
}

std::string_view BuiltinMappingText(std::string_view name) {
  for (const BuiltinMapping& m : kBuiltinMappings) {
    if (m.name == name) return m.text;
  }
  return {};
}

Result<JsonMapping> LoadBuiltinMapping(std::string_view name) {
  const std::string_view text = BuiltinMappingText(name);
  if (text.empty()) {
    std::string known;
    for (std::string_view n : BuiltinMappingNames())
      known += (known.empty() ? "" : ", ") + std::string(n);
    return Status::NotFound("no built-in JSON mapping named '" + std::string(name) +
                            "' (known: " + known + ")");
  }
  return ParseJsonMapping(text, std::string(name) + ".json");
}

}  // namespace mineral::feeds
