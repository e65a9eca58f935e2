// The rules file: TOML text in, RuleSet out (docs/rules.md is the reference).
//
//   [[rule]]
//   id = "R1"
//   severity = "critical"
//   minerals = ["gallium", "germanium"]
//   when = 'country:cn AND clause:(export-control OR licence)'
//
// Every error is one Status whose message names the place and shows it:
//
//   rules.toml:4:20: unknown mineral 'galium' — did you mean 'gallium'?
//   minerals = ["gallium", "galium"]
//                           ^
//
// (three lines joined by '\n': message, the source line, a caret under the
// column).  Columns count code points and point inside TOML strings at the
// character at fault, escapes and multi-line strings included.
#pragma once

#include <string>
#include <string_view>

#include "model/status.h"
#include "rules/rule.h"
#include "rules/vocabulary.h"

namespace mineral::rules {

struct RuleParseOptions {
  // Longest regular expression accepted in re:/.../ (bytes).  Default 256.
  size_t max_regex_bytes = 256;
  // Longest `when` expression (bytes).  Default 16384.
  size_t max_expression_bytes = 16384;
  // Deepest nesting of parentheses and NOT.  Default 64.
  int max_depth = 64;
  // Most rules in one file.  Default 100000.
  size_t max_rules = 100000;
};

// Parses a whole rules file.  Concept terms (mineral:, country:, clause:) are
// checked against `vocabulary`; a concept may be named by its id or, case
// aside, by its display name ("China" for cn).  Never throws.
Result<RuleSet> ParseRules(std::string_view text, std::string_view file_name,
                           const Vocabulary& vocabulary, const RuleParseOptions& options = {});

// Parses one `when` expression on its own (as if it were the whole of a
// literal string at 1:1 of a file named `file_name`): for tests and for
// `check --expr`.
Result<Node> ParseExpression(std::string_view expression, std::string_view file_name,
                             const Vocabulary& vocabulary, const RuleParseOptions& options = {});

// A compact, fully parenthesized rendering of a tree, for tests and for
// `check` output: AND(OR(mineral:gallium, mineral:germanium), NOT(source:asx)),
// title:"export licence", NEAR/5(ban, mineral:cobalt), re:/sect.../.
std::string DebugString(const Node& node);

}  // namespace mineral::rules
