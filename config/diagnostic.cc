#include "config/diagnostic.h"

#include <algorithm>

#include "rules/edit_distance.h"
#include "text/text.h"

namespace mineral::config {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

SourceLocation Locate(std::string_view file, std::string_view text, int line, int column) {
  SourceLocation where;
  where.file = std::string(file);
  where.line = line;
  where.column = column;
  size_t begin = 0;
  for (int l = 1; l < line && begin != std::string_view::npos; ++l) {
    begin = text.find('\n', begin);
    if (begin != std::string_view::npos) ++begin;
  }
  if (begin == std::string_view::npos || begin > text.size()) return where;
  size_t end = text.find('\n', begin);
  if (end == std::string_view::npos) end = text.size();
  if (end > begin && text[end - 1] == '\r') --end;
  where.line_text = std::string(text.substr(begin, end - begin));
  return where;
}

SourceLocation LocateValue(std::string_view file, std::string_view text, int line, int column) {
  SourceLocation where = Locate(file, text, line, column);
  size_t i = 0;
  for (int c = 1; i < where.line_text.size(); ++i) {
    if (IsContinuationByte(where.line_text[i])) continue;
    if (c++ == column) break;
  }
  const std::string_view rest = std::string_view(where.line_text).substr(i);
  if (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
    where.column += 3;
  } else if (rest.starts_with("\"") || rest.starts_with("'")) {
    where.column += 1;
  }
  return where;
}

std::string FormatDiagnostic(const SourceLocation& where, std::string_view message) {
  std::string out = where.file;
  if (where.line <= 0) {
    out += ": ";
    out += text::EscapeControls(message);
    return out;
  }
  out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column) + ": ";
  // One line, whatever a quoted value or toml++'s description holds.
  out += text::EscapeControls(message);
  if (where.line_text.empty()) return out;  // a line not to be shown (a credential)
  out += '\n';
  out += where.line_text;
  out += '\n';
  // The caret sits under the column-th code point; tabs stay tabs so it
  // lines up whatever the terminal's tab width.
  int column = 1;
  for (size_t i = 0; i < where.line_text.size() && column < where.column; ++i) {
    const char c = where.line_text[i];
    if (IsContinuationByte(c)) continue;
    out += c == '\t' ? '\t' : ' ';
    ++column;
  }
  out.append(static_cast<size_t>(std::max(0, where.column - column)), ' ');
  out += '^';
  return out;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  const std::string_view hint = rules::ClosestMatch(word, candidates);
  if (hint.empty()) return "";
  return std::string(kHintDash) + "did you mean '" + std::string(hint) + "'?";
}

}  // namespace mineral::config
