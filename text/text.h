// Text helpers: HTML to plain text, character references, Unicode
// normalization for matching, UTF-8 hygiene.  All pure.
#pragma once

#include <string>
#include <string_view>

namespace mineral::text {

// The UTF-8 text of an HTML named character reference without '&' and ';'
// ("nbsp" -> "\u00a0", "eacute" -> "é"), from the full HTML5 table; empty when
// unknown.  Case-sensitive, as in HTML.
std::string_view LookupHtmlEntity(std::string_view name);

// As LookupHtmlEntity, but only for the legacy names HTML also accepts
// without the ';' ("amp", "copy", "eacute"); empty for the others ("hellip").
std::string_view LookupLegacyHtmlEntity(std::string_view name);

// Decodes every character reference in `text`: named (HTML5 table, also the
// legacy forms without ';' such as "&amp" and "&copy"), decimal and hex (the
// ';' optional, as in browsers: "&#39s" -> "'s").  Numeric references to C1
// controls 0x80-0x9F are read as windows-1252 (as browsers do); 0, surrogates
// and code points above U+10FFFF become U+FFFD; references to control
// characters SanitizeUtf8 would remove are dropped.  Unknown names stay as
// written.
std::string DecodeHtmlEntities(std::string_view text);

// An HTML fragment as plain text: tags removed (<script>, <style>,
// <noscript>, <template>, <iframe>, <head> and comments with their content;
// CDATA sections keep theirs, literally), block-level elements and <br>
// become whitespace, character references decoded once, ASCII whitespace
// collapsed to single spaces and trimmed.  A '<' that starts no tag ("a < b")
// is text.  Never fails: malformed markup degrades to its text, and the time
// taken is linear in the input.  Expects UTF-8 (as the parsers produce):
// invalid bytes are passed through, not repaired.
std::string HtmlToText(std::string_view html);

// HtmlToText(html) cut to its first kept_size(text) bytes, for callers that
// drop a suffix (a footer): kept_size reads the text where it was written,
// still in cache, and only what is kept is copied out.
std::string HtmlToText(std::string_view html, size_t (*kept_size)(std::string_view text));

// HtmlToText without its fast paths (tag names read a byte at a time, quoted
// attribute values searched by std::string_view::find): the reference the
// tests and fuzz_text hold HtmlToText to.  Same result, slower.
std::string HtmlToTextWithoutFastPaths(std::string_view html);

// Escapes &, <, > and " so plain text can be shown as HTML.
std::string EscapeHtml(std::string_view text);

// Runs of ASCII whitespace (space, \t, \n, \r, \f, \v) become one space;
// leading and trailing ones are removed.  Other Unicode spaces such as U+00A0
// are text here: a title written "testing &nbsp; entity" keeps its no-break
// space, as feed readers show it.  NormalizeForMatching folds them.
std::string CollapseWhitespace(std::string_view text);

// Whether CollapseWhitespace(text) == text: no ASCII whitespace at either
// end, and none inside but single spaces.
bool IsCollapsedWhitespace(std::string_view text);

// CollapseWhitespace(text), in place; text already in that form (the common
// case: a title, a name, a URL) is left as it is, without a copy.
void CollapseWhitespaceInPlace(std::string& text);

// The form the matcher reads: invalid UTF-8 replaced, NFKC, Unicode case
// folding, look-alike punctuation lumped to ASCII (U+2019 -> ', U+2010 -> -),
// default-ignorable characters (soft hyphen, zero-width space) and control
// characters removed, then every run of Unicode whitespace collapsed to one
// space and trimmed.  "Ｒare  EARTHS" -> "rare earths", "Straße" -> "strasse".
std::string NormalizeForMatching(std::string_view text);

// `text` for one line of a message: C0 controls and DEL written as \n, \r,
// \t or \xNN, everything else (backslashes, UTF-8) as it is.  For text a
// library quotes from its input, as toml++ does the character it stopped at.
std::string EscapeControls(std::string_view text);

// Line `line` (1-based) of `text` without its line break (\n or \r\n);
// empty when `text` has fewer lines.
std::string_view LineOf(std::string_view text, int line);

// The two lines under a "file:line:col: message": `line_text`, a newline, and
// a caret under its `column`-th code point (1-based).  Tabs before the caret
// stay tabs, so it lines up whatever the terminal's tab width.
std::string PointAt(std::string_view line_text, int column);

// Valid UTF-8 with every invalid byte sequence replaced by U+FFFD, and NUL and
// other C0 controls except tab, newline and carriage return removed.
std::string SanitizeUtf8(std::string_view text);

// Each three-byte encoding of a UTF-16 surrogate (ED A0-BF xx), which UTF-8
// forbids, becomes one U+FFFD; everything else is copied.  For decoders that
// produce such bytes (RapidJSON, from an escaped lone "\udc00").
std::string ReplaceEncodedSurrogates(std::string_view text);

// The character a windows-1252 byte stands for (WHATWG index); the five bytes
// Microsoft leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1
// control of the same value, as do all bytes below 0x80 to themselves.
char32_t Windows1252ToUnicode(unsigned char byte);

// Appends the UTF-8 encoding of a code point (precondition: a Unicode scalar
// value, not a surrogate).
void AppendUtf8(char32_t cp, std::string& out);

// `s` without leading and trailing ASCII whitespace (space, \t, \n, \r, \f, \v).
std::string_view TrimAsciiWhitespace(std::string_view s);

// True when `s` begins with `prefix`, ASCII case aside ("<!doctype" / "<!DOCTYPE").
bool StartsWithIgnoreAsciiCase(std::string_view s, std::string_view prefix);

// ASCII case-insensitive equality ("CHANNEL" == "channel"); other bytes must
// match exactly.
bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);

// True when `text` is valid UTF-8: no overlong forms, no surrogates, nothing
// above U+10FFFF.
bool IsValidUtf8(std::string_view text);

// Valid UTF-8 with every invalid byte sequence replaced by U+FFFD; unlike
// SanitizeUtf8, control characters are kept.
std::string ReplaceInvalidUtf8(std::string_view text);

// One step of a UTF-8 decoder, for callers that walk text themselves.
struct Utf8Char {
  char32_t code_point;  // U+FFFD when !valid
  int length;           // bytes consumed, 1 to 4
  bool valid;
};

// The character that starts `text`.  An invalid sequence is reported with the
// length of its maximal ill-formed subpart, so replacing each with one U+FFFD
// follows Unicode's recommended practice (chapter 3, "U+FFFD Substitution of
// Maximal Subparts").  Precondition: !text.empty().
Utf8Char DecodeUtf8Char(std::string_view text);

}  // namespace mineral::text
