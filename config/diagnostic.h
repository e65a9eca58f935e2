// Positions in config files and the messages that point at them:
//
//   main.toml:14:8: unknown receiver kind 'slak' — did you mean 'slack'?
//   kind = "slak"
//          ^
//
// the same three-line shape as rules/rule_parser.h errors, so `check` output
// reads the same for config and rule files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mineral::config {

// Where something was written: the file (as the loader names it), 1-based
// line and column (columns count code points, as toml++ does), and that
// line's text, so a message can show it long after the file was read.
// Empty file: built in code.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string line_text;
};

// The location of (line, column) in `text`, a file named `file`.
SourceLocation Locate(std::string_view file, std::string_view text, int line, int column);

// The same for a TOML value starting at (line, column): a string's location
// is its first character, not its opening quote, so a caret sits under the
// word at fault (as rules/rule_parser.h points).
SourceLocation LocateValue(std::string_view file, std::string_view text, int line, int column);

// "file:line:col: message", the source line and a caret under the column,
// joined by '\n'.  Just "file: message" when the location has no line, and
// just "file:line:col: message" when it has no line_text (a line holding a
// credential is never printed: Hidden below).
// Control characters in `message` (from a quoted value) are escaped
// (text::EscapeControls), so it stays one line.
std::string FormatDiagnostic(const SourceLocation& where, std::string_view message);

// `where` without its line's text, for messages about a line that holds a
// credential: the message points at it without printing it.
inline SourceLocation Hidden(SourceLocation where) {
  where.line_text.clear();
  return where;
}

// " — " (an em dash between spaces), the separator before a hint.
inline constexpr std::string_view kHintDash = " \xE2\x80\x94 ";

// " — did you mean 'x'?" for the candidate closest to `word`, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace mineral::config
