#include "feeds/xml_reader.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "feeds/bytes.h"
#include "text/text.h"

namespace mineral::feeds {
namespace {

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsNameStart(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == ':' || u >= 0x80;
}

// Bytes of a tag or attribute name: kEndsName ends it, kColon may split it
// into prefix and local name.  Deliberately loose: anything a browser would
// keep in a name is kept.  A table: names are scanned a byte at a time, and
// one load beats five compares.
enum NameByte : unsigned char { kInName = 0, kEndsName = 1, kColon = 2 };
constexpr std::array<NameByte, 256> kNameBytes = [] {
  std::array<NameByte, 256> table{};
  for (unsigned char c : {' ', '\t', '\n', '\r', '>', '/', '=', '<'}) table[c] = kEndsName;
  table[':'] = kColon;
  return table;
}();
bool EndsName(char c) { return kNameBytes[static_cast<unsigned char>(c)] == kEndsName; }

// ScanName a byte at a time: the definition, and what reads a name that
// does not end within 16 bytes or is too near the end of the document.
size_t ScanNameBytes(std::string_view s, size_t i, size_t* colon) {
  const size_t start = i;
  size_t first_colon = std::string_view::npos;
  for (; i < s.size(); ++i) {
    const NameByte b = kNameBytes[static_cast<unsigned char>(s[i])];
    if (b == kInName) continue;
    if (b == kEndsName) break;
    if (first_colon == std::string_view::npos) first_colon = i - start;
  }
  *colon = first_colon;
  return i;
}

// The end of the name that starts at s[i]; *colon is the offset of its first
// ':' from s[i] (std::string_view::npos when none), found in the same pass so
// that splitting the name needs no second search.  Nearly every name ends
// within 16 bytes: one load finds the end and the colon, without the
// mispredicted branch a byte loop takes where each name ends.
[[gnu::always_inline]] inline size_t ScanName(std::string_view s, size_t i, size_t* colon) {
#if defined(__SSE2__)
  if (s.size() - i >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const auto is = [&](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
    // kEndsName: ' ', '/', '\r', and two ranges, \t-\n and '<'-'>', each moved
    // to the bottom of the signed bytes for one compare.
    const auto in_range = [&](char low, int width) {
      const __m128i shifted = _mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(-128 - low)));
      return _mm_cmplt_epi8(shifted, _mm_set1_epi8(static_cast<char>(-128 + width)));
    };
    const __m128i ends = _mm_or_si128(_mm_or_si128(_mm_or_si128(is(' '), is('/')), is('\r')),
                                      _mm_or_si128(in_range('\t', 2), in_range('<', 3)));
    const auto end_mask = static_cast<unsigned>(_mm_movemask_epi8(ends));
    if (end_mask != 0) {
      const auto size = static_cast<unsigned>(__builtin_ctz(end_mask));
      const unsigned colons =
          static_cast<unsigned>(_mm_movemask_epi8(is(':'))) & ((1u << size) - 1);
      *colon = colons == 0 ? std::string_view::npos : static_cast<size_t>(__builtin_ctz(colons));
      return i + size;
    }
  }
#endif
  return ScanNameBytes(s, i, colon);
}

// Whether an attribute value needs decoding (a reference) or normalizing
// (\t, \n, \r become spaces); most are URLs and words that need neither.
bool NeedsDecoding(std::string_view v) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i amp = _mm_set1_epi8('&');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  for (; i + 16 <= v.size(); i += 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v.data() + i));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, amp), _mm_cmpeq_epi8(b, tab)),
                                     _mm_or_si128(_mm_cmpeq_epi8(b, lf), _mm_cmpeq_epi8(b, cr)));
    if (_mm_movemask_epi8(hit) != 0) return true;
  }
#endif
  for (; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '&' || c == '\t' || c == '\n' || c == '\r') return true;
  }
  return false;
}

// The first of kBytes in s from `i`, or s.size(): inline, 16 bytes at a
// time, as most of what it reads is short (a few bytes of whitespace between
// elements, a title).
template <char... kBytes>
size_t FindFirstOf(std::string_view s, size_t i) {
  const size_t n = s.size();
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i hits = _mm_setzero_si128();
    ((hits = _mm_or_si128(hits, _mm_cmpeq_epi8(b, _mm_set1_epi8(kBytes)))), ...);
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < n; ++i) {
    if (((s[i] == kBytes) || ...)) return i;
  }
  return n;
}

// The closing `quote` of the attribute value that starts at s[i], or
// s.size(); *needs_decoding tells whether the value holds what NeedsDecoding
// looks for, found in the same loads.  Inline rather than memchr: values are
// short, and the call costs more than the bytes it reads.
size_t QuotedValueEnd(std::string_view s, size_t i, char quote, bool* needs_decoding) {
  const size_t n = s.size();
#if defined(__SSE2__)
  const __m128i wanted = _mm_set1_epi8(quote);
  unsigned special_before = 0;  // a special byte in a block before the quote's
  for (; i + 16 <= n; i += 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const auto special = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('&')), _mm_cmpeq_epi8(b, _mm_set1_epi8('\t'))),
        _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('\n')),
                     _mm_cmpeq_epi8(b, _mm_set1_epi8('\r'))))));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, wanted)));
    if (mask != 0) {
      const auto at = static_cast<unsigned>(__builtin_ctz(mask));
      *needs_decoding = (special_before | (special & ((1u << at) - 1))) != 0;
      return i + at;
    }
    special_before |= special;
  }
  const size_t begin = i;
  while (i < n && s[i] != quote) ++i;
  *needs_decoding = special_before != 0 || NeedsDecoding(s.substr(begin, i - begin));
  return i;
#else
  const size_t end = std::min(s.find(quote, i), n);
  *needs_decoding = NeedsDecoding(s.substr(i, end - i));
  return end;
#endif
}

// An equality-only memcmp: the compiler inlines it for a constant prefix
// (string_view::compare orders, and is a call).
inline bool StartsWith(std::string_view s, size_t pos, std::string_view prefix) {
  return s.size() - pos >= prefix.size() &&
         std::memcmp(s.data() + pos, prefix.data(), prefix.size()) == 0;
}

// "xmlns" or "xmlns:*": an attribute that binds a namespace rather than one
// the element carries.
inline bool IsNamespaceDeclaration(std::string_view qname) {
  return qname.size() >= 5 && qname[0] == 'x' &&
         (qname == "xmlns" || StartsWith(qname, 0, "xmlns:"));
}

// Where the local part of a qualified name starts: after its first colon
// (`colon`, from the name scan), or 0 for a name without a prefix (no colon,
// or one that starts or ends the name).  The parts are made from this offset
// where they are used: views built in memory and copied in 16-byte loads
// from 8-byte stores stalled the loads, on every element and attribute.
inline size_t LocalBegin(std::string_view qname, size_t colon) {
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == qname.size()) return 0;
  return colon + 1;
}

// Prefixes feeds use without declaring them, mapped to what they always mean.
std::string_view WellKnownPrefix(std::string_view prefix) {
  struct Entry {
    std::string_view prefix, uri;
  };
  static constexpr Entry kEntries[] = {
      {"atom", "http://www.w3.org/2005/Atom"},
      {"content", "http://purl.org/rss/1.0/modules/content/"},
      {"dc", "http://purl.org/dc/elements/1.1/"},
      {"dcterms", "http://purl.org/dc/terms/"},
      {"itunes", "http://www.itunes.com/dtds/podcast-1.0.dtd"},
      {"media", "http://search.yahoo.com/mrss/"},
      {"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
      {"sy", "http://purl.org/rss/1.0/modules/syndication/"},
      {"xhtml", "http://www.w3.org/1999/xhtml"},
  };
  for (const auto& e : kEntries) {
    if (e.prefix == prefix) return e.uri;
  }
  return {};
}

}  // namespace

XmlReader::XmlReader(std::string_view utf8) : XmlReader(utf8, Limits()) {}

XmlReader::XmlReader(std::string_view utf8, Limits limits) : doc_(utf8), limits_(limits) {
  // A BOM left in front is not text.
  if (StartsWith(doc_, 0, "\xEF\xBB\xBF")) pos_ = 3;
}

const XmlAttribute* XmlReader::FindAttributeAmong(std::string_view ns,
                                                  std::string_view local) const {
  for (const auto& a : attributes_) {
    if (SameBytes(a.local, local) && SameBytes(a.ns, ns)) return &a;
  }
  return nullptr;
}

void XmlReader::SetError(size_t offset, std::string message) {
  if (!error_.empty()) return;
  offset = std::min(offset, doc_.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (doc_[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(doc_[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  error_ = std::move(message);
  error_line_ = line;
  error_column_ = column;
}

XmlReader::Token XmlReader::Next() {
  if (pending_ends_ > 0) return PopPending();
  if (self_closing_pending_) {
    self_closing_pending_ = false;
    return EmitEnd(token_end_, token_end_);
  }
  while (!done_) {
    if (pos_ >= doc_.size()) {
      if (stack_.empty()) {
        done_ = true;
        break;
      }
      SetError(doc_.size(),
               "unexpected end of document inside <" + std::string(stack_.back().qname) + ">");
      pending_at_ = doc_.size();
      pending_ends_ = stack_.size();
      return PopPending();
    }
    if (doc_[pos_] != '<' || pos_ + 1 >= doc_.size()) {
      if (SkipTextIfUnwanted()) continue;
      return ReadText();
    }
    const char c = doc_[pos_ + 1];
    if (c == '/') {
      const Token t = ReadEndTag();
      if (t != Token::kEnd) return t;
      continue;  // an end tag nothing was open for: skipped
    }
    if (c == '!') {
      if (StartsWith(doc_, pos_, "<!--")) {
        SkipComment();
        continue;
      }
      if (StartsWith(doc_, pos_, "<![CDATA[")) {
        token_begin_ = pos_;
        const size_t start = pos_ + 9;
        size_t end = doc_.find("]]>", start);
        if (end == std::string_view::npos) {
          SetError(pos_, "unterminated CDATA section");
          end = doc_.size();
          pos_ = end;
        } else {
          pos_ = end + 3;
        }
        if (!text_wanted_) continue;
        token_end_ = pos_;
        text_ = doc_.substr(start, end - start);
        text_undecoded_ = false;
        is_cdata_ = true;
        return Token::kText;
      }
      if (text::StartsWithIgnoreAsciiCase(doc_.substr(pos_), "<!DOCTYPE")) {
        ReadDoctype();
        continue;
      }
      // Some other declaration: skip it.
      const size_t end = doc_.find('>', pos_);
      pos_ = end == std::string_view::npos ? doc_.size() : end + 1;
      continue;
    }
    if (c == '?') {
      SkipProcessingInstruction();
      continue;
    }
    if (IsNameStart(c)) {
      const Token t = ReadStartTag();
      if (t != Token::kEnd) return t;
      continue;  // too deep: read on
    }
    // A '<' that starts nothing is text ("a < b").
    if (SkipTextIfUnwanted()) continue;
    return ReadText();
  }
  return Token::kEnd;
}

std::optional<std::string_view> XmlReader::ReadSimpleContent() {
  if (self_closing_pending_ || stack_.empty()) return std::nullopt;
  const size_t n = doc_.size();
  size_t i = pos_;
  std::string_view content;
  if (StartsWith(doc_, i, "<![CDATA[")) {
    const size_t end = doc_.find("]]>", i + 9);
    if (end == std::string_view::npos) return std::nullopt;
    content = doc_.substr(i + 9, end - i - 9);
    i = end + 3;
  } else {
    // Text as ReadText reads it: up to a '<', which must start the end tag.
    const size_t stop = FindFirstOf<'<', '&'>(doc_, i);
    if (stop == n || doc_[stop] == '&') return std::nullopt;
    content = doc_.substr(i, stop - i);
    i = stop;
  }
  // The end tag, as ReadEndTag's first test takes it.
  const size_t end = EndOfInnermostEndTag(i);
  if (end == 0) return std::nullopt;
  pos_ = end;
  EmitEnd(i, pos_);
  return content;
}

size_t XmlReader::EndOfInnermostEndTag(size_t at) const {
  // The open element's name came from a scan that stopped at the same bytes,
  // so a scan of the end tag's name would have read the same name.
  if (stack_.empty()) return 0;
  const std::string_view open = stack_.back().qname;
  const size_t n = doc_.size();
  if (n - at < open.size() + 3 || doc_[at] != '<' || doc_[at + 1] != '/' ||
      doc_[at + 2 + open.size()] != '>' ||
      !SameBytes(doc_.data() + at + 2, open.data(), open.size())) {
    return 0;
  }
  return at + 3 + open.size();
}

bool XmlReader::SkipTextIfUnwanted() {
  // Decoding text with DTD entities can report an error (the expansion
  // limit): that text is read, wanted or not.
  if (text_wanted_ || !dtd_entities_.empty()) return false;
  // Where ReadText would stop: at the first '<' that starts markup.
  const size_t n = doc_.size();
  size_t i = pos_ + (doc_[pos_] == '<' ? 1 : 0);  // a lone '<' is text
  for (;;) {
    i = FindFirstOf<'<'>(doc_, i);
    if (i + 1 >= n) {
      i = n;  // no '<', or one that ends the document: text to the end
      break;
    }
    const char c = doc_[i + 1];
    if (c == '/' || c == '!' || c == '?' || IsNameStart(c)) break;
    ++i;
  }
  pos_ = i;
  return true;
}

XmlReader::Token XmlReader::PopPending() {
  // Popped one at a time, so depth() is right for each end token.
  --pending_ends_;
  return EmitEnd(pending_at_, pending_at_);
}

XmlReader::Token XmlReader::EmitEnd(size_t begin, size_t end) {
  // Read where it is, then popped: no copy of the element.
  const OpenElement& e = stack_.back();
  // Bindings declared on this element end with it; the interned URI that
  // ns() points to outlives the binding.
  if (bindings_.size() != e.bindings_mark) {
    bindings_.resize(e.bindings_mark);
    default_ns_valid_ = false;
  }
  ns_ = e.ns;
  local_ = e.local;
  qname_ = e.qname;
  stack_.pop_back();
  attributes_.clear();
  has_xml_namespace_attribute_ = false;
  token_begin_ = begin;
  token_end_ = end;
  return Token::kEndElement;
}

void XmlReader::SkipComment() {
  const size_t end = doc_.find("-->", pos_ + 4);
  if (end == std::string_view::npos) {
    SetError(pos_, "unterminated comment");
    pos_ = doc_.size();
  } else {
    pos_ = end + 3;
  }
}

void XmlReader::SkipProcessingInstruction() {
  const size_t end = doc_.find("?>", pos_ + 2);
  if (end == std::string_view::npos) {
    SetError(pos_, "unterminated processing instruction");
    pos_ = doc_.size();
  } else {
    pos_ = end + 2;
  }
}

void XmlReader::ReadDoctype() {
  // <!DOCTYPE name [PUBLIC "..." "..."] [ [ internal subset ] ]>
  size_t i = pos_ + 9;
  const size_t n = doc_.size();
  char quote = 0;
  while (i < n) {
    const char c = doc_[i];
    if (quote) {
      if (c == quote) quote = 0;
      ++i;
    } else if (c == '"' || c == '\'') {
      quote = c;
      ++i;
    } else if (c == '>') {
      pos_ = i + 1;
      return;
    } else if (c == '[') {
      ++i;
      break;
    } else {
      ++i;
    }
  }
  // Internal subset: collect <!ENTITY name "value"> and skip the rest.
  while (i < n) {
    while (i < n && IsSpace(doc_[i])) ++i;
    if (i >= n) break;
    if (doc_[i] == ']') {
      const size_t end = doc_.find('>', i);
      pos_ = end == std::string_view::npos ? n : end + 1;
      return;
    }
    if (StartsWith(doc_, i, "<!--")) {
      const size_t end = doc_.find("-->", i + 4);
      i = end == std::string_view::npos ? n : end + 3;
      continue;
    }
    if (StartsWith(doc_, i, "<!ENTITY")) {
      size_t j = i + 8;
      while (j < n && IsSpace(doc_[j])) ++j;
      const bool parameter = j < n && doc_[j] == '%';
      if (parameter) {
        ++j;
        while (j < n && IsSpace(doc_[j])) ++j;
      }
      const size_t name_start = j;
      while (j < n && !IsSpace(doc_[j]) && doc_[j] != '>') ++j;
      const std::string_view name = doc_.substr(name_start, j - name_start);
      while (j < n && IsSpace(doc_[j])) ++j;
      if (j < n && (doc_[j] == '"' || doc_[j] == '\'')) {
        const char q = doc_[j];
        const size_t end = doc_.find(q, j + 1);
        if (end == std::string_view::npos) break;
        if (!parameter && !name.empty()) {
          dtd_entities_.emplace_back(std::string(name),
                                     std::string(doc_.substr(j + 1, end - j - 1)));
        }
        j = end + 1;
      }
      // External entities (SYSTEM/PUBLIC) are never fetched.
      char q = 0;
      while (j < n && (q || doc_[j] != '>')) {
        if (q && doc_[j] == q) {
          q = 0;
        } else if (!q && (doc_[j] == '"' || doc_[j] == '\'')) {
          q = doc_[j];
        }
        ++j;
      }
      i = j + 1;
      continue;
    }
    if (doc_[i] == '<') {
      // <!ELEMENT>, <!ATTLIST>, <?pi?>, ...: skip to the closing '>'.
      char q = 0;
      size_t j = i + 1;
      while (j < n && (q || doc_[j] != '>')) {
        if (q && doc_[j] == q) {
          q = 0;
        } else if (!q && (doc_[j] == '"' || doc_[j] == '\'')) {
          q = doc_[j];
        }
        ++j;
      }
      i = j + 1;
      continue;
    }
    ++i;  // parameter entity references and stray characters
  }
  SetError(pos_, "unterminated DOCTYPE");
  pos_ = n;
}

std::string_view XmlReader::ResolvePrefix(std::string_view prefix, bool is_attribute) const {
  if (prefix.empty()) {
    if (is_attribute) return {};
    // Most elements have no prefix: their namespace is looked up once per
    // change of the bindings.
    if (!default_ns_valid_) {
      default_ns_ = {};
      for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it) {
        if (it->prefix.empty()) {
          default_ns_ = it->uri;
          break;
        }
      }
      default_ns_valid_ = true;
    }
    return default_ns_;
  }
  if (prefix == "xml") return kXmlNamespace;
  for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it) {
    if (SameBytes(it->prefix, prefix)) return it->uri;
  }
  const std::string_view known = WellKnownPrefix(prefix);
  // An undeclared, unknown prefix keeps its name as a namespace of its own so
  // that <foo:title> is never mistaken for <title>.
  return known.empty() ? prefix : known;
}

XmlReader::Token XmlReader::ReadStartTag() {
  const size_t n = doc_.size();
  token_begin_ = pos_;
  size_t i = pos_ + 1;
  const size_t name_start = i;
  size_t name_colon;
  i = ScanName(doc_, i, &name_colon);
  const std::string_view qname = doc_.substr(name_start, i - name_start);

  std::vector<RawAttribute>& raw = raw_attributes_;
  raw.clear();
  bool self_closing = false;
  bool closed = false;
  bool declares_namespaces = false;  // an attribute named xmlns or xmlns:*
  while (i < n) {
    while (i < n && IsSpace(doc_[i])) ++i;
    if (i >= n) break;
    const char c = doc_[i];
    if (c == '>') {
      ++i;
      closed = true;
      break;
    }
    if (c == '/') {
      if (i + 1 < n && doc_[i + 1] == '>') {
        i += 2;
        self_closing = true;
        closed = true;
        break;
      }
      ++i;
      continue;
    }
    if (c == '<') break;  // tag never closed: the next tag starts here
    const size_t attr_start = i;
    size_t attr_colon;
    i = ScanName(doc_, i, &attr_colon);
    if (i == attr_start) {  // a stray '=' or similar
      ++i;
      continue;
    }
    const std::string_view aname = doc_.substr(attr_start, i - attr_start);
    while (i < n && IsSpace(doc_[i])) ++i;
    std::string_view value;
    bool needs_decoding = false;
    if (i < n && doc_[i] == '=') {
      ++i;
      while (i < n && IsSpace(doc_[i])) ++i;
      if (i < n && (doc_[i] == '"' || doc_[i] == '\'')) {
        const char q = doc_[i];
        const size_t found = QuotedValueEnd(doc_, i + 1, q, &needs_decoding);
        const size_t end = found == n ? std::string_view::npos : found;
        if (end == std::string_view::npos) {
          SetError(i, "unterminated attribute value");
          value = doc_.substr(i + 1);
          i = n;
        } else {
          value = doc_.substr(i + 1, end - i - 1);
          i = end + 1;
        }
      } else {
        const size_t vstart = i;
        while (i < n && !IsSpace(doc_[i]) && doc_[i] != '>') ++i;
        value = doc_.substr(vstart, i - vstart);
        needs_decoding = NeedsDecoding(value);
        // Unquoted values are read as HTML reads them; nothing is lost.
      }
    }
    bool duplicate = false;
    for (const auto& r : raw) duplicate |= SameBytes(r.qname, aname);
    if (!duplicate) {
      raw.push_back({aname, value, attr_colon, needs_decoding});
      declares_namespaces |= IsNamespaceDeclaration(aname);
    }
  }
  if (!closed) SetError(token_begin_, "unterminated start tag <" + std::string(qname) + ">");
  pos_ = i;
  token_end_ = i;

  if (stack_.size() >= limits_.max_depth) {
    SetError(token_begin_, "elements nested deeper than " + std::to_string(limits_.max_depth));
    return Token::kEnd;  // skipped; its end tag will find nothing open
  }

  const size_t bindings_mark = bindings_.size();
  attributes_.clear();
  has_xml_namespace_attribute_ = false;
  attribute_storage_used_ = 0;
  // Only for values that need it (RawAttribute::needs_decoding).
  auto decode = [&](const RawAttribute& r) -> std::string_view {
    const std::string_view v = r.raw_value;
    if (attribute_storage_used_ == attribute_storage_.size()) attribute_storage_.emplace_back();
    std::string& s = attribute_storage_[attribute_storage_used_++];
    s.clear();
    DecodeInto(v, s, 0);
    // Attribute-value normalization (XML 1.0 section 3.3.3).
    for (char& ch : s) {
      if (ch == '\t' || ch == '\n' || ch == '\r') ch = ' ';
    }
    return s;
  };
  if (declares_namespaces) {
    for (const auto& r : raw) {
      if (!IsNamespaceDeclaration(r.qname)) continue;
      const bool is_default = r.qname == "xmlns";
      // Interned, so that ns() views stay valid after the binding goes.
      const std::string& uri =
          *interned_uris_.emplace(r.needs_decoding ? decode(r) : r.raw_value).first;
      bindings_.push_back({is_default ? std::string_view() : r.qname.substr(6), uri});
    }
    default_ns_valid_ = false;
  }

  const size_t local_begin = LocalBegin(qname, name_colon);
  const std::string_view prefix = qname.substr(0, local_begin == 0 ? 0 : local_begin - 1);
  // Most elements are in the default namespace, already looked up: no call.
  const std::string_view ns =
      prefix.empty() && default_ns_valid_ ? default_ns_ : ResolvePrefix(prefix, false);
  ns_ = ns;
  local_ = qname.substr(local_begin);
  qname_ = qname;
  for (const auto& r : raw) {
    if (declares_namespaces && IsNamespaceDeclaration(r.qname)) continue;
    const size_t begin = LocalBegin(r.qname, r.colon);
    // Filled where it stays, not copied from a temporary (as above).
    XmlAttribute& a = attributes_.emplace_back();
    // An attribute without a prefix has no namespace: no call.
    if (begin == 0) {
      a.ns = {};
    } else {
      a.ns = ResolvePrefix(r.qname.substr(0, begin - 1), true);
      has_xml_namespace_attribute_ |= SameBytes(a.ns, kXmlNamespace);
    }
    a.local = r.qname.substr(begin);
    a.qname = r.qname;
    a.value = r.needs_decoding ? decode(r) : r.raw_value;
  }
  OpenElement& open = stack_.emplace_back();
  open.qname = qname;
  open.ns = ns;
  open.local = qname.substr(local_begin);
  open.bindings_mark = bindings_mark;
  self_closing_pending_ = self_closing;
  is_cdata_ = false;
  return Token::kStartElement;
}

XmlReader::Token XmlReader::ReadEndTag() {
  const size_t n = doc_.size();
  const size_t begin = pos_;
  size_t i = pos_ + 2;
  // Nearly always the innermost open element is closed, its name right
  // before '>': one compare instead of a scan of the name and a compare.
  if (const size_t end = EndOfInnermostEndTag(begin); end != 0) {
    pos_ = end;
    return EmitEnd(begin, pos_);
  }
  const size_t name_start = i;
  while (i < n && !EndsName(doc_[i])) ++i;
  const std::string_view qname = doc_.substr(name_start, i - name_start);
  // Nearly always the name ends at the '>': then no '<' can come first, and
  // the search for one is skipped.
  const bool gt_next = i < n && doc_[i] == '>';
  const size_t gt = gt_next ? i : doc_.find('>', i);
  const size_t lt = gt_next ? std::string_view::npos : doc_.find('<', i);
  if (gt == std::string_view::npos || (lt != std::string_view::npos && lt < gt)) {
    // "</rss" as the last bytes of a document loses nothing: not worth a
    // report.  Anywhere else the markup is broken.
    const bool last_tag =
        lt == std::string_view::npos && stack_.size() == 1 && stack_.back().qname == qname;
    if (!last_tag) SetError(begin, "unterminated end tag </" + std::string(qname) + ">");
    pos_ = lt == std::string_view::npos ? n : lt;
  } else {
    pos_ = gt + 1;
  }
  token_begin_ = begin;
  token_end_ = pos_;

  if (!stack_.empty() && stack_.back().qname == qname) {
    return EmitEnd(begin, pos_);
  }
  // Mismatched: close up to the nearest open element of that name (exact,
  // then ignoring case as HTML does), or ignore a tag nothing matches.
  auto match = std::find_if(stack_.rbegin(), stack_.rend(),
                            [&](const OpenElement& e) { return e.qname == qname; });
  if (match == stack_.rend()) {
    match = std::find_if(stack_.rbegin(), stack_.rend(), [&](const OpenElement& e) {
      return text::EqualsIgnoreAsciiCase(e.qname, qname);
    });
  }
  if (match == stack_.rend()) {
    SetError(begin, "end tag </" + std::string(qname) + "> matches no open element");
    return Token::kEnd;
  }
  if (!text::EqualsIgnoreAsciiCase(stack_.back().qname, qname)) {
    SetError(begin, "mismatched end tag </" + std::string(qname) + ">, expected </" +
                        std::string(stack_.back().qname) + ">");
  }
  pending_ends_ = static_cast<size_t>(match - stack_.rbegin()) + 1;
  pending_at_ = begin;
  return PopPending();
}

XmlReader::Token XmlReader::ReadText() {
  const size_t n = doc_.size();
  const size_t start = pos_;
  size_t i = pos_ + (doc_[pos_] == '<' ? 1 : 0);  // a lone '<' is text
  bool has_reference = false;
  while (i < n) {
    // One pass for the first '<' or '&' (most text between tags is a few
    // bytes of whitespace: two memchr calls cost more than reading it); once
    // a reference is known, only '<' matters.
    size_t lt = has_reference ? i : FindFirstOf<'<', '&'>(doc_, i);
    if (has_reference || (lt < n && doc_[lt] == '&')) {
      has_reference = true;
      // memchr: the rest of a text with a reference is often all of an
      // escaped HTML summary, where its wider loads win.
      const void* p = std::memchr(doc_.data() + lt, '<', n - lt);
      lt = p ? static_cast<size_t>(static_cast<const char*>(p) - doc_.data()) : n;
    }
    i = lt;
    if (i + 1 >= n) {
      if (i < n) ++i;  // trailing '<'
      continue;
    }
    const char c = doc_[i + 1];
    if (c == '/' || c == '!' || c == '?' || IsNameStart(c)) break;
    ++i;  // "a < b": the '<' is text
  }
  pos_ = i;
  token_begin_ = start;
  token_end_ = i;
  is_cdata_ = false;
  text_ = doc_.substr(start, i - start);
  text_undecoded_ = false;
  if (has_reference) {
    if (dtd_entities_.empty()) {
      // Decoded when read: without DTD entities decoding can neither fail
      // nor count towards the expansion limit, so when it happens changes
      // nothing.
      text_undecoded_ = true;
    } else {
      text_buffer_.clear();
      DecodeInto(text_, text_buffer_, 0);
      text_ = text_buffer_;
    }
  }
  return Token::kText;
}

std::string_view XmlReader::text() {
  if (text_undecoded_) {
    text_buffer_.clear();
    DecodeInto(text_, text_buffer_, 0);
    text_ = text_buffer_;
    text_undecoded_ = false;
  }
  return text_;
}

void XmlReader::AppendText(std::string& out) {
  if (text_undecoded_) {
    DecodeInto(text_, out, 0);
  } else {
    out.append(text_);
  }
}

void XmlReader::DecodeInto(std::string_view raw, std::string& out, int entity_depth) {
  // Escaped HTML is a reference every few bytes ("&lt;p&gt;"): appending
  // each run and each character to `out` cost a call or two apiece.  Runs
  // are copied 16 bytes at a time into the scratch buffer while '&' is
  // searched, and &lt; &gt; &amp; &quot; (which DecodeReference would read
  // the same way) are written there too; both shrink, so the buffer never
  // needs more than the input's size.  Any other reference goes through
  // DecodeReference, after what is buffered has been appended.
  const size_t n = raw.size();
  out.reserve(out.size() + n);
  if (decode_buffer_.size() < n) decode_buffer_.resize(n);
  char* buf = decode_buffer_.data();
  char* w = buf;  // never past buf + i: what is written is never longer than what was read
  const char* const r = raw.data();
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    const __m128i amp = _mm_set1_epi8('&');
    bool found = false;
    while (i + 16 <= n) {
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(w), b);
      const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(b, amp));
      if (mask != 0) {
        const auto k = static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
        i += k;
        w += k;
        found = true;
        break;
      }
      i += 16;
      w += 16;
    }
    if (!found) {
      while (i < n && r[i] != '&') *w++ = r[i++];
      if (i == n) break;
    }
#else
    while (i < n && r[i] != '&') *w++ = r[i++];
    if (i == n) break;
#endif
    // r[i] == '&'
    const size_t left = n - i;
    if (left >= 4 && r[i + 3] == ';' && r[i + 2] == 't' && (r[i + 1] == 'l' || r[i + 1] == 'g')) {
      *w++ = r[i + 1] == 'l' ? '<' : '>';
      i += 4;
    } else if (left >= 5 && SameBytes(r + i + 1, "amp;", 4)) {
      *w++ = '&';
      i += 5;
    } else if (left >= 6 && SameBytes(r + i + 1, "quot;", 5)) {
      *w++ = '"';
      i += 6;
    } else {
      out.append(buf, static_cast<size_t>(w - buf));
      i += DecodeReference(raw, i, out, entity_depth);
      // A DTD entity's expansion decodes through this function too, and may
      // have grown the buffer.
      buf = decode_buffer_.data();
      w = buf;
    }
  }
  out.append(buf, static_cast<size_t>(w - buf));
}

size_t XmlReader::DecodeReference(std::string_view raw, size_t i, std::string& out,
                                  int entity_depth) {
  const size_t n = raw.size();
  size_t j = i + 1;
  // &lt; &gt; &amp; &quot;, nearly every reference in escaped HTML, without
  // the name scan below (which reads them the same way).
  if (n - j >= 3 && raw[j + 2] == ';' && raw[j + 1] == 't' && (raw[j] == 'l' || raw[j] == 'g')) {
    out.push_back(raw[j] == 'l' ? '<' : '>');
    return 4;
  }
  if (n - j >= 4 && raw.compare(j, 4, "amp;") == 0) {
    out.push_back('&');
    return 5;
  }
  if (n - j >= 5 && raw.compare(j, 5, "quot;") == 0) {
    out.push_back('"');
    return 6;
  }
  if (j < n && raw[j] == '#') {
    ++j;
    const bool hex = j < n && (raw[j] == 'x' || raw[j] == 'X');
    if (hex) ++j;
    const size_t digits_start = j;
    uint32_t cp = 0;
    bool overflow = false;
    while (j < n) {
      const char c = raw[j];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (hex && c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (hex && c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        break;
      }
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      if (cp > 0x10FFFF) overflow = true, cp = 0x110000;
      ++j;
    }
    if (j == digits_start) {  // "&#" followed by no digits: literal
      out.push_back('&');
      return 1;
    }
    if (j < n && raw[j] == ';') ++j;
    if (overflow || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      cp = 0xFFFD;
    } else if (cp >= 0x80 && cp <= 0x9F) {
      // Code points 0x80-0x9F in a numeric reference almost always mean the
      // windows-1252 character of that byte (HTML5 remaps them the same way).
      cp = text::Windows1252ToUnicode(static_cast<unsigned char>(cp));
    }
    text::AppendUtf8(cp, out);
    return j - i;
  }
  while (j < n && j - i <= 64) {
    const char c = raw[j];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-' || c == '.' || c == ':') {
      ++j;
    } else {
      break;
    }
  }
  if (j >= n || raw[j] != ';' || j == i + 1) {  // a bare '&'
    out.push_back('&');
    return 1;
  }
  const std::string_view name = raw.substr(i + 1, j - i - 1);
  const size_t consumed = j + 1 - i;
  if (name == "amp") {
    out.push_back('&');
  } else if (name == "lt") {
    out.push_back('<');
  } else if (name == "gt") {
    out.push_back('>');
  } else if (name == "quot") {
    out.push_back('"');
  } else if (name == "apos") {
    out.push_back('\'');
  } else {
    for (const auto& [ename, value] : dtd_entities_) {
      if (ename != name) continue;
      if (entity_depth >= 8 || entity_bytes_ + value.size() > limits_.max_entity_expansion) {
        SetError(0, "entity expansion limit reached at &" + std::string(name) + ";");
        return consumed;
      }
      entity_bytes_ += value.size();
      DecodeInto(value, out, entity_depth + 1);
      return consumed;
    }
    // HTML5 moved &lang; and &rang; to U+27E8/U+27E9; feeds were written
    // against HTML 4, whose definitions (U+2329/U+232A) they mean.
    if (name == "lang" || name == "rang") {
      text::AppendUtf8(name == "lang" ? 0x2329 : 0x232A, out);
      return consumed;
    }
    const std::string_view html = text::LookupHtmlEntity(name);
    if (!html.empty()) {
      out.append(html);
    } else {
      out.append(raw.substr(i, consumed));  // unknown: keep as written
    }
  }
  return consumed;
}

}  // namespace mineral::feeds
