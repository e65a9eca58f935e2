// Declarative mappings that read items out of arbitrary JSON APIs (the
// Federal Register, ASX announcements, the gov.cn policy library, ...).
//
// A mapping says where the item objects are, and for each Item field where
// its value comes from: a path into the item object, a template with {path}
// placeholders, or a literal, with fallbacks.  Mappings are written as JSON
// files (format in docs/json-mapping.md); the ones shipped with the binary
// are in feeds/mappings/ and load by name with LoadBuiltinMapping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/parsed_feed.h"
#include "feeds/timezone.h"
#include "model/status.h"

namespace mineral::feeds {

// One step of a JsonPath.
struct JsonPathStep {
  enum class Kind {
    kKey,    // an object member: "data"
    kIndex,  // an array element: "[0]"; negative counts from the end ("[-1]")
    kEach,   // every array element or object member value: "[]" or "*"
  };
  Kind kind = Kind::kKey;
  std::string key;    // kKey
  int64_t index = 0;  // kIndex
};

// A path into a JSON value: keys separated by dots, array steps in brackets.
// "data.items", "agencies[].name", "results[0].title", "searchVO.catMap.*.listVO";
// "" is the value itself.  A backslash escapes '.', '[', ']', '*' or '\' in a
// key.
struct JsonPath {
  std::string text;  // as written, for messages
  std::vector<JsonPathStep> steps;
};

// Fails with a message naming the character position (0-based) of the
// problem: "empty key at character 5".
Result<JsonPath> ParseJsonPath(std::string_view text);

// How a date value is read.
enum class DateFormat {
  kAuto,          // a string, read by feeds::ParseDate (RFC 3339, RFC 822, ...)
  kEpochMillis,   // a number (or a string of digits) of milliseconds since 1970
  kEpochSeconds,  // a number (or a string of digits) of seconds since 1970
  kPattern,       // a string read with a strptime-like pattern ("%Y.%m.%d")
};

// Where one value comes from.
struct ValueSource {
  enum class Kind {
    kPath,      // the value at `path` (arrays give each of their elements)
    kTemplate,  // `template_literals` interleaved with the values at `template_paths`
    kLiteral,   // `literal` itself
  };
  Kind kind = Kind::kPath;
  JsonPath path;
  // A template "a{x}b{y}c" is literals {"a","b","c"} and paths {x, y};
  // literals.size() == paths.size() + 1.  "{{" and "}}" stand for braces.
  std::string template_text;
  std::vector<std::string> template_literals;
  std::vector<JsonPath> template_paths;
  std::string literal;

  // When set, the source gives nothing unless the value at this path is
  // truthy: true, a non-zero number, a non-empty string, array or object.
  std::optional<JsonPath> when;

  // Dates only (published, updated).
  DateFormat date_format = DateFormat::kAuto;
  std::string date_pattern;      // kPattern
  std::optional<TimeZone> zone;  // overrides JsonMapping::default_zone

  // Summary and content only: the value is HTML (else plain text).
  bool html = false;
};

// A field's sources in order.  Single-valued fields take the first source
// that gives a non-empty value; `author` takes every value of that first
// source; `categories` collects the values of every source.  No sources:
// the field is not mapped.
struct FieldMapping {
  std::vector<ValueSource> sources;
};

struct JsonMapping {
  std::string name;  // "federal-register"; also Feed::version of what it parses

  // Where the item objects are, relative to the document root.  The first
  // path that exists (and is not null) is used; every array it reaches gives
  // its elements, every object is one item.
  std::vector<JsonPath> items;
  // When no items path exists: false (the default) fails the parse, since a
  // changed API should not look like a quiet feed; true gives zero items.
  bool items_optional = false;

  // When any of these paths exists (and is not null, false or empty) the
  // document is an API error report, not a list: parsing fails with its text.
  std::vector<JsonPath> error_paths;

  // For dates without a zone, unless a source names its own (default UTC).
  TimeZone default_zone;

  // Feed fields, read from the document root.
  FieldMapping feed_title;
  FieldMapping feed_link;  // also the base for relative item links
  FieldMapping feed_description;
  FieldMapping feed_language;

  // Item fields, read from each item object.
  FieldMapping id;  // -> Item::guid
  FieldMapping title;
  FieldMapping link;
  FieldMapping published;
  FieldMapping updated;
  FieldMapping summary;  // -> summary_html or summary_text (ValueSource::html)
  FieldMapping content;  // -> content_html or content_text
  FieldMapping author;   // -> authors
  FieldMapping categories;
};

// Reads a mapping file.  `source_name` starts every error message, which
// names the place by JSON Pointer: "federal-register.json: unknown key 'titel'
// at /fields (did you mean 'title'?)".  Unknown keys are errors.
// Zones are "UTC", a fixed offset ("+08:00", "-0500", "UTC+8") or an IANA
// name ("America/New_York"), which is read from /usr/share/zoneinfo: that is
// the only I/O, so load mappings once at start-up, not per poll.
Result<JsonMapping> ParseJsonMapping(std::string_view json_text, std::string_view source_name);

// Reads items out of `utf8` (the whole document) with `mapping`.  Fills Feed
// (format kJson) and raw Items as NormalizeFeed expects them (see
// normalize.h); does not normalize.  Fails when the JSON does not parse, when
// an error path is present (an API error report: the message quotes it), or
// when no items path exists and the mapping does not allow that.  Pure.
Result<ParsedFeed> ParseMappedJson(std::string_view utf8, const JsonMapping& mapping,
                                   const ParseOptions& options);

// The mappings shipped with the binary: "federal-register",
// "asx-markitdigital", "asx-legacy", "govcn-policy-library".
std::vector<std::string_view> BuiltinMappingNames();

// The JSON text of a shipped mapping (as in feeds/mappings/<name>.json);
// empty when there is none of that name.
std::string_view BuiltinMappingText(std::string_view name);

// The shipped mapping `name`, parsed; NotFound for an unknown name.
Result<JsonMapping> LoadBuiltinMapping(std::string_view name);

}  // namespace mineral::feeds
