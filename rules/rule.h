// Rules as data: the syntax tree of a rule's condition, Rule and RuleSet.
//
// A RuleSet comes out of ParseRules (rules/rule_parser.h) and goes into
// RuleEngine::Compile (rules/engine.h).  Plain value types, no behaviour.
#pragma once

#include <string>
#include <vector>

#include "rules/vocabulary.h"

namespace mineral::rules {

enum class Severity { kInfo, kWarning, kCritical };

// "info", "warning", "critical".
const char* SeverityName(Severity severity);

// A place in a rules file: 1-based line and column (columns count Unicode
// code points, as toml++ does).  0:0 when the node was built in code.
struct SourcePos {
  int line = 0;
  int column = 0;
};

// Which text of an item a text term looks at.
// kAny also covers the item's categories, which the Tagger reads too.
enum class Scope { kAny, kTitle, kSummary, kContent };

// "any", "title", "summary", "content".
const char* ScopeName(Scope scope);

// Item metadata a term can compare.
enum class MetaField {
  kSource,    // Item::source_feed, case-insensitive; a trailing '*' makes a prefix
  kFeed,      // the same field (an alias kept for readability: feed:my-feed-id)
  kLang,      // Item::language: "zh" matches "zh", "zh-CN", "ZH-hant"
  kCategory,  // any of Item::categories, case-insensitive; a trailing '*' makes a prefix
};

// "source", "feed", "lang", "category".
const char* MetaFieldName(MetaField field);

enum class NodeKind {
  kAnd,      // every child
  kOr,       // any child
  kNot,      // one child
  kKeyword,  // word or phrase in the item's text (text: as written)
  kConcept,  // a vocabulary concept and the concepts it expands to
  kRegex,    // re:/.../ over the normalized text (text: the pattern)
  kNear,     // two positional children within `distance` words
  kMeta,     // source:, feed:, lang:, category:
};

struct Node {
  NodeKind kind = NodeKind::kAnd;
  std::vector<Node> children;
  // kKeyword: the keyword as written ("export licence", "drill*");
  // kConcept: the concept id ("gallium"); kRegex: the pattern;
  // kMeta: the value compared, as written.
  std::string text;
  Category category = Category::kMineral;  // kConcept
  Scope scope = Scope::kAny;               // kKeyword, kConcept, kRegex
  MetaField meta = MetaField::kSource;     // kMeta
  int distance = 0;                        // kNear: at most this many words between
  SourcePos pos;                           // where the term starts in the file
};

struct Rule {
  std::string id;
  std::string description;
  Severity severity = Severity::kWarning;
  std::vector<std::string> labels;
  std::vector<std::string> receivers;
  bool enabled = true;      // disabled rules are parsed and checked, never matched
  bool amendments = false;  // also alert on updated versions of an item already alerted
  // The structured form and `when`, ANDed into one tree.
  Node condition;
  SourcePos pos;  // the [[rule]] header
};

struct RuleSet {
  std::string file_name;  // as given to the parser, for messages
  std::vector<Rule> rules;
};

}  // namespace mineral::rules
