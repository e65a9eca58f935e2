// A small mustache: the template language of per-receiver overrides
// (docs/templates.md).  Parsing and rendering are pure functions of their
// arguments; a parsed Template is a value, shared read-only by the receivers
// that use it.
//
//   {{name}}  {{a.b}}  {{.}}      a value, escaped for the template's use
//   {{{name}}}  {{& name}}        a value as it is
//   {{#name}} ... {{/name}}       a section: once per list element, once for
//                                 a true value or a map, never for a false one
//   {{^name}} ... {{/name}}       an inverted section: only when false
//   {{! comment }}
//
// Inside a list section @index (1-based), @first and @last describe the
// element.  False are: a missing name, false, "" and an empty list.  A
// section or comment tag alone on its line takes the whole line (spec
// "standalone" tags).  Partials ({{> x}}) and delimiter changes ({{= =}})
// are not supported: a template is one file, checked when it loads.
//
// Errors are one message in the three-line shape of the config and rule
// files:
//
//   subject.txt:1:12: section 'alerts' is not closed (no {{/alerts}})
//   {{severity}} {{#alerts}}{{title}}
//                ^
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/status.h"

namespace mineral::notify {

// What a name finds: nothing, a flag, text, a list or a map (keys in
// insertion order; lookups are linear: maps here hold a few dozen keys).
struct TemplateValue {
  enum class Kind { kNull, kBool, kText, kList, kMap };
  Kind kind = Kind::kNull;
  bool flag = false;
  std::string text;
  std::vector<TemplateValue> list;
  std::vector<std::pair<std::string, TemplateValue>> map;

  static TemplateValue Bool(bool value);
  static TemplateValue Text(std::string value);
  static TemplateValue List(std::vector<TemplateValue> values = {});
  static TemplateValue Map();

  // Map: adds or replaces `key`; returns *this for chaining.
  TemplateValue& Set(std::string key, TemplateValue value);
  // Map: the value of `key`, nullptr when absent (or not a map).
  const TemplateValue* Find(std::string_view key) const;
  // False: null, false, "" and an empty list.
  bool Truthy() const;
};

// How {{name}} is escaped (triple braces and {{& }} never are).
enum class TemplateEscape {
  kNone,  // plain text: email subject and text part
  kHtml,  // &, <, >, " and ' as entities: the email HTML part
  kJson,  // the inside of a JSON string: \" \\ \n \uXXXX ...: web bodies
};

struct TemplateNode {
  enum class Type { kText, kVariable, kRaw, kSection, kInverted };
  Type type = Type::kText;
  std::string text;                    // kText: the literal; else the name as written
  std::vector<std::string> path;       // the name split at '.'; empty for "."
  int line = 1;                        // where the node starts (1-based; columns in
  int column = 1;                      //   code points)
  std::vector<TemplateNode> children;  // sections
};

struct Template {
  std::string file_name;
  std::vector<TemplateNode> nodes;
};

// Deepest nesting of sections a template may have.
inline constexpr int kMaxTemplateDepth = 64;

// Parses `text`; `file_name` names it in errors.  ParseError with one
// positioned message when the text is not a template.  Never throws.
Result<Template> ParseTemplate(std::string_view text, std::string_view file_name);

// Where a byte of rendered output came from (see RenderTemplate).
struct TemplateMark {
  size_t offset = 0;                   // into the output
  const TemplateNode* node = nullptr;  // the node that wrote from there
};

// `t` rendered against `context`.  A name not found renders as ""; a list
// of texts as its elements joined by ", "; a flag as "true"/"false"; a map
// as "".  With `marks`, appends one mark per node written (for errors that
// point from the output back into the template).
std::string RenderTemplate(const Template& t, const TemplateValue& context, TemplateEscape escape,
                           std::vector<TemplateMark>* marks = nullptr);

// Template line and column of output byte `offset`, from the marks of a
// render of `t`.
std::pair<int, int> TemplatePosition(const std::vector<TemplateMark>& marks, size_t offset);

// The names `t` uses that `schema` does not hold, each as a positioned
// message ("body.json:2:9: unknown name 'titel'"), checked as a render
// would look them up, descending into every section whatever its value
// (every list of `schema` should hold one element at least).  With kJson
// escaping, raw values are refused but for names ending in "_json", which
// hold JSON already.  Empty: the template is sound.
std::vector<std::string> CheckTemplate(const Template& t, std::string_view text,
                                       const TemplateValue& schema, TemplateEscape escape);

// "file:line:col: message", the source line of `text` and a caret under the
// column, joined by '\n'.
std::string TemplateDiagnostic(std::string_view file_name, std::string_view text, int line,
                               int column, std::string_view message);

}  // namespace mineral::notify
