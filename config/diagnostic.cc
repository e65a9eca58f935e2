#include "config/diagnostic.h"

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
  where.line_text = std::string(text::LineOf(text, line));
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
  out += text::PointAt(where.line_text, where.column);
  return out;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  const std::string_view hint = rules::ClosestMatch(word, candidates);
  if (hint.empty()) return "";
  return std::string(kHintDash) + "did you mean '" + std::string(hint) + "'?";
}

}  // namespace mineral::config
