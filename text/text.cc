#include "text/text.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "text/run_scan.h"

namespace mineral::text {
namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// The whitespace CollapseWhitespace folds; see text.h for why only ASCII.
constexpr std::array<bool, 256> kAsciiSpace = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {' ', '\t', '\n', '\r', '\f', '\v'}) table[c] = true;
  return table;
}();

inline bool IsAsciiSpace(char c) { return kAsciiSpace[static_cast<unsigned char>(c)]; }
inline bool IsAsciiAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }
inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; }

// The C0 controls SanitizeUtf8 removes: all but tab, newline and carriage
// return (XML 1.0 forbids them, and they only ever appear as corruption).
inline bool IsRemovedControl(char32_t c) { return c < 0x20 && c != '\t' && c != '\n' && c != '\r'; }

// DecodeUtf8Char, inlined into this file's loops.
inline Utf8Char DecodeUtf8At(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const unsigned lead = p[0];
  if (lead < 0x80) return {lead, 1, true};

  // Unicode Table 3-7, "Well-Formed UTF-8 Byte Sequences": the second byte's
  // range is narrowed after E0, ED, F0 and F4 to exclude overlong forms,
  // surrogates and code points past U+10FFFF.
  int trail;
  char32_t cp;
  unsigned low = 0x80;
  unsigned high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    trail = 1;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    trail = 2;
    cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    trail = 3;
    cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {0xFFFD, 1, false};
  }
  int length = 1;
  for (int k = 0; k < trail; ++k) {
    if (static_cast<size_t>(length) >= n || p[length] < low || p[length] > high) {
      return {0xFFFD, length, false};
    }
    cp = (cp << 6) | (p[length] & 0x3F);
    ++length;
    low = 0x80;
    high = 0xBF;
  }
  return {cp, length, true};
}

// Writes the UTF-8 form of `cp` (at most U+10FFFF) to `out` and returns
// the end of what it wrote, 1 to 4 bytes.
char* EncodeUtf8(char32_t cp, char* out) {
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xC0 | (cp >> 6));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (cp >> 12));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (cp >> 18));
    *out++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// A thread's buffer for CollapsingWriter: kept between calls, so writing
// needs neither an allocation nor zero-filling per call.
thread_local std::string t_collapsing_buffer;

// Collects text, turning every run of ASCII whitespace into one space and
// dropping it at both ends, so HtmlToText needs no second pass.  It writes
// through a pointer into a buffer with room for the whole input up front
// (the output is rarely longer: only references such as "&nGt;" expand) and
// for the run scanners to store whole blocks past what they copy; Take()
// copies the result out at its exact size.
class CollapsingWriter {
 public:
  explicit CollapsingWriter(size_t expected)
      : scanners_(internal::Scanners()), buffer_(std::move(t_collapsing_buffer)) {
    if (buffer_.size() < expected + 1 + kSlack) buffer_.resize(expected + 1 + kSlack);
    begin_ = p_ = buffer_.data();
    end_ = begin_ + buffer_.size();
  }

  ~CollapsingWriter() {
    // A writer made while another is alive found the buffer taken and made
    // its own; the larger stays, unless it is too large to keep.
    if (buffer_.size() <= kKeptBufferSize && buffer_.size() > t_collapsing_buffer.size()) {
      t_collapsing_buffer = std::move(buffer_);
    }
  }

  CollapsingWriter(const CollapsingWriter&) = delete;
  CollapsingWriter& operator=(const CollapsingWriter&) = delete;

  // Makes room for `size` more bytes of output and the scanners' spill.
  void Reserve(size_t size) {
    if (static_cast<size_t>(end_ - p_) < size + kSlack) Grow(size + kSlack);
  }

  void Append(std::string_view s) {
    const size_t n = s.size();
    Reserve(n + 1);
    if (n <= 8) {  // references, "<", "&": a byte loop is cheaper than a scanner call
      for (const char c : s) AppendByte(c);
      return;
    }
    size_t i = 0;
    while (i < n) {
      if (IsAsciiSpace(s[i])) {
        pending_space_ = true;
        ++i;
        continue;
      }
      OpenRun();
      const size_t end = scanners_.copy_plain_run(s.data(), i, n, p_);
      p_ += end - i;
      i = end;
    }
  }

  // Copies the markup run (see internal::RunScanners) at html[i] and returns
  // its end.  Precondition: html[i] is neither whitespace nor '<' nor '&'.
  size_t CopyMarkupRun(std::string_view html, size_t i) {
    Reserve(html.size() - i + 1);
    OpenRun();
    const size_t end = scanners_.copy_markup_run(html.data(), i, html.size(), p_);
    p_ += end - i;
    return end;
  }

  void AppendCodePoint(char32_t cp) {
    Reserve(5);
    if (cp < 0x80) {
      AppendByte(static_cast<char>(cp));
      return;
    }
    OpenRun();
    p_ = EncodeUtf8(cp, p_);
  }

  void Separate() { pending_space_ = true; }

  std::string Take() const { return std::string(begin_, p_); }

  // The text written so far, in the buffer.
  std::string_view view() const {
    return std::string_view(begin_, static_cast<size_t>(p_ - begin_));
  }

  // Take(), cut to its first `size` bytes.
  std::string Take(size_t size) const { return std::string(view().substr(0, size)); }

 private:
  static constexpr size_t kSlack = internal::kCopySpill;
  static constexpr size_t kKeptBufferSize = size_t{1} << 20;

  // Writes the space a run of whitespace left, unless nothing came before it.
  void OpenRun() {
    if (pending_space_ && p_ != begin_) *p_++ = ' ';
    pending_space_ = false;
  }

  void AppendByte(char c) {
    if (IsAsciiSpace(c)) {
      pending_space_ = true;
      return;
    }
    OpenRun();
    *p_++ = c;
  }

  [[gnu::noinline]] void Grow(size_t room) {
    const size_t used = static_cast<size_t>(p_ - begin_);
    buffer_.resize(std::max(buffer_.size() * 2, used + room));
    begin_ = buffer_.data();
    p_ = begin_ + used;
    end_ = begin_ + buffer_.size();
  }

  const internal::RunScanners& scanners_;
  std::string buffer_;  // its size() is the room: all of it is written over
  char* begin_;
  char* p_;
  char* end_;
  bool pending_space_ = false;
};

class PlainWriter {
 public:
  explicit PlainWriter(size_t capacity) { out_.reserve(capacity); }
  void Append(std::string_view s) { out_.append(s); }
  void AppendCodePoint(char32_t cp) { AppendUtf8(cp, out_); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Decodes the character reference whose '&' is at text[amp] into `out` and
// returns how many bytes it spans, or 0 (and writes nothing) when there is
// none, following the HTML Standard's character reference state for text
// content.
template <typename Writer>
size_t DecodeReferenceAt(std::string_view text, size_t amp, Writer& out) {
  const size_t n = text.size();
  size_t i = amp + 1;
  if (i >= n) return 0;

  if (text[i] == '#') {
    ++i;
    const bool hex = i < n && (text[i] == 'x' || text[i] == 'X');
    if (hex) ++i;
    const size_t digits_begin = i;
    uint32_t value = 0;
    for (; i < n; ++i) {
      const char c = text[i];
      uint32_t digit;
      if (IsAsciiDigit(c)) {
        digit = c - '0';
      } else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        digit = (c | 0x20) - 'a' + 10;
      } else {
        break;
      }
      // Saturate: anything past U+10FFFF is invalid however long it is.
      value = std::min<uint32_t>(value * (hex ? 16 : 10) + digit, 0x110000);
    }
    if (i == digits_begin) return 0;  // "&#;" and "&#x" are plain text
    if (i < n && text[i] == ';') ++i;

    char32_t cp = value;
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      cp = 0xFFFD;
    } else if (value >= 0x80 && value <= 0x9F) {
      // HTML Standard, "numeric character reference end state": these mean
      // the windows-1252 character of that byte.
      cp = Windows1252ToUnicode(static_cast<unsigned char>(value));
      if (cp == value) return i - amp;  // undefined in windows-1252: a bare C1 control
    } else if (IsRemovedControl(value) || value == 0x7F) {
      return i - amp;
    }
    out.AppendCodePoint(cp);
    return i - amp;
  }

  const size_t name_begin = i;
  while (i < n && IsAsciiAlnum(text[i])) ++i;
  const std::string_view name = text.substr(name_begin, i - name_begin);
  if (name.empty()) return 0;
  if (i < n && text[i] == ';') {
    if (std::string_view value = LookupHtmlEntity(name); !value.empty()) {
      out.Append(value);
      return i + 1 - amp;
    }
  }
  // Without a ';' only the legacy names count, and the longest one that
  // prefixes the run wins: "&copy2024" is "©2024", "&notit;" is "¬it;".
  // Legacy names are 2 to 6 bytes long.
  for (size_t len = std::min<size_t>(name.size(), 6); len >= 2; --len) {
    if (std::string_view value = LookupLegacyHtmlEntity(name.substr(0, len)); !value.empty()) {
      out.Append(value);
      return 1 + len;
    }
  }
  return 0;
}

template <typename Writer>
void DecodeInto(std::string_view text, Writer& out) {
  size_t done = 0;
  for (size_t amp = text.find('&'); amp != std::string_view::npos; amp = text.find('&', amp)) {
    out.Append(text.substr(done, amp - done));
    const size_t used = DecodeReferenceAt(text, amp, out);
    if (used == 0) {
      out.Append("&");
      ++amp;
    } else {
      amp += used;
    }
    done = amp;
  }
  out.Append(text.substr(done));
}

// ---- HtmlToText -----------------------------------------------------------

// Elements whose start and end tags separate words.
constexpr std::string_view kBlockElements[] = {
    "address", "article",  "aside",      "blockquote", "body",     "br",    "caption",
    "center",  "dd",       "details",    "dialog",     "dir",      "div",   "dl",
    "dt",      "fieldset", "figcaption", "figure",     "footer",   "form",  "frameset",
    "h1",      "h2",       "h3",         "h4",         "h5",       "h6",    "header",
    "hgroup",  "hr",       "html",       "legend",     "li",       "main",  "menu",
    "nav",     "ol",       "optgroup",   "option",     "p",        "pre",   "section",
    "summary", "table",    "tbody",      "td",         "textarea", "tfoot", "th",
    "thead",   "title",    "tr",         "ul",
};

// Elements dropped together with their content.  Their content is either
// never shown (script, style, template, head) or a fallback for browsers
// without a feature (noscript, iframe, noembed, noframes).
constexpr std::string_view kDroppedElements[] = {
    "head", "iframe", "noembed", "noframes", "noscript", "script", "style", "template",
};

// A lower-case tag name of up to 16 bytes as two words, zero-padded: a key
// that hashes and compares without a loop.
struct PackedName {
  uint64_t lo = 0;
  uint64_t hi = 0;
  size_t size = 0;
  constexpr bool operator==(const PackedName&) const = default;
};

constexpr PackedName Pack(std::string_view name) {
  PackedName p;
  p.size = name.size();
  for (size_t k = 0; k < name.size(); ++k) {
    const uint64_t byte = static_cast<unsigned char>(name[k]);
    (k < 8 ? p.lo : p.hi) |= byte << (8 * (k % 8));
  }
  return p;
}

// What HtmlToText does with an element.
struct ElementKind {
  bool block = false;  // in kBlockElements
  int dropped = -1;    // its index in kDroppedElements, or -1
};

// kBlockElements and kDroppedElements as a perfect hash table: one slot per
// name, so a lookup is one hash, one index and one compare.
class ElementTable {
 public:
  constexpr ElementTable() {
    for (std::string_view name : kBlockElements) Insert(Pack(name), {true, -1});
    for (size_t k = 0; k < std::size(kDroppedElements); ++k) {
      Insert(Pack(kDroppedElements[k]), {false, static_cast<int>(k)});
    }
  }

  constexpr ElementKind Find(const PackedName& name) const {
    const uint8_t index = index_[Hash(name)];
    if (index == 0) return {};
    const Entry& entry = entries_[index - 1];
    return entry.name == name ? entry.kind : ElementKind{};
  }

 private:
  static constexpr size_t kSlots = 256;
  struct Entry {
    PackedName name;
    ElementKind kind;
  };

  // The first multiplier was found by a search for one that gives each name
  // above a slot of its own; Insert stops the build if a name is added that
  // shares one (then search again: about one multiplier in 200 does).
  static constexpr size_t Hash(const PackedName& name) {
    return static_cast<size_t>(
        ((name.lo * 0xFB314FCA6A67BBE9ULL) ^ (name.hi * 0xC2B2AE3D27D4EB4FULL)) >> 56);
  }

  constexpr void Insert(const PackedName& name, ElementKind kind) {
    const size_t h = Hash(name);
    if (index_[h] != 0) throw "two element names share a slot: choose another multiplier";
    entries_[count_] = {name, kind};
    index_[h] = static_cast<uint8_t>(++count_);
  }

  uint8_t index_[kSlots]{};  // 1 + the entry's index; 0 for none
  Entry entries_[std::size(kBlockElements) + std::size(kDroppedElements)]{};
  size_t count_ = 0;
};

constexpr ElementTable kElementTable;
static_assert(kElementTable.Find(Pack("p")).block && kElementTable.Find(Pack("figcaption")).block);
static_assert(kElementTable.Find(Pack("template")).dropped == 7);
static_assert(!kElementTable.Find(Pack("b")).block && kElementTable.Find(Pack("b")).dropped == -1);

// Bytes that end a tag name (whitespace, '/', '>') and an attribute name
// (those and '='): tables, as names are scanned a byte at a time.
constexpr std::array<bool, 256> kEndsTagName = [] {
  std::array<bool, 256> table = kAsciiSpace;
  table['/'] = table['>'] = true;
  return table;
}();
constexpr std::array<bool, 256> kEndsAttributeName = [] {
  std::array<bool, 256> table = kEndsTagName;
  table['='] = true;
  return table;
}();

// The tag name that starts at html[begin] (HTML Standard, tag name state):
// where it ends, and its lower-case form, copied into a small buffer as it is
// scanned; names longer than any element we treat specially are left empty,
// which matches nothing.  With kFast, a name that ends within the next 16
// bytes is read with one load: the byte loop is the reference, and what
// reads the last 15 bytes of an input.
class TagName {
 public:
  template <bool kFast>
  static TagName Read(std::string_view html, size_t begin) {
    TagName tag(begin);
#if defined(__SSE2__) && defined(__x86_64__)
    if (kFast && html.size() - begin >= 16 && tag.ReadBlock(html.data() + begin)) return tag;
#endif
    tag.ReadBytes(html);
    return tag;
  }

  size_t end() const { return end_; }
  std::string_view view() const { return std::string_view(buffer_, size_); }

  ElementKind kind() const {
    return size_ == 0 ? ElementKind{} : kElementTable.Find(PackedName{lo_, hi_, size_});
  }

 private:
  static constexpr size_t kMaxSize = 12;

  explicit TagName(size_t begin) : begin_(begin), end_(begin) {}

  void ReadBytes(std::string_view html) {
    std::memset(buffer_, 0, sizeof buffer_);
    const size_t n = html.size();
    for (; end_ < n && !kEndsTagName[static_cast<unsigned char>(html[end_])]; ++end_) {
      if (end_ - begin_ == kMaxSize) {
        std::memset(buffer_, 0, sizeof buffer_);
        while (end_ < n && !kEndsTagName[static_cast<unsigned char>(html[end_])]) ++end_;
        return;
      }
      buffer_[end_ - begin_] = AsciiLower(html[end_]);
    }
    size_ = end_ - begin_;
    std::memcpy(&lo_, buffer_, 8);
    std::memcpy(&hi_, buffer_ + 8, 8);
  }

#if defined(__SSE2__) && defined(__x86_64__)
  // The name from the 16 bytes at p: false, having read nothing, when it does
  // not end among them or is longer than kMaxSize.
  bool ReadBlock(const char* p) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // kEndsTagName: \t-\r (moved to -128..-124 for one signed compare), ' ', '/', '>'.
    const __m128i controls =
        _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(0x80 - '\t'))),
                       _mm_set1_epi8(static_cast<char>(-128 + ('\r' - '\t') + 1)));
    const __m128i ends = _mm_or_si128(
        _mm_or_si128(controls, _mm_cmpeq_epi8(v, _mm_set1_epi8(' '))),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')), _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(ends));
    if (mask == 0) return false;
    const auto size = static_cast<unsigned>(__builtin_ctz(mask));
    if (size > kMaxSize) return false;
    // AsciiLower (bytes of 0x80 and above are negative, so never upper case),
    // and zero past the name.
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                        _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
    const __m128i lower = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    const __m128i in_name =
        _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(size)),
                       _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    const __m128i name = _mm_and_si128(lower, in_name);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(buffer_), name);  // for view()
    // The words kind() looks up, taken from the register, not the buffer.
    lo_ = static_cast<uint64_t>(_mm_cvtsi128_si64(name));
    hi_ = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(name, name)));
    size_ = size;
    end_ = begin_ + size;
    return true;
  }
#endif

  size_t begin_;
  size_t end_;
  // Zero past size_, as Pack pads; written whole by ReadBlock or ReadBytes
  // (not here: zeroing it for every tag cost more than the tag's lookup).
  char buffer_[16];
  size_t size_ = 0;
  uint64_t lo_ = 0;  // buffer_ as PackedName's words
  uint64_t hi_ = 0;
};

// The first `c` in html[from, size), or npos: with kFast 16 bytes at a time,
// inline (most quoted attribute values are shorter than memchr's call).
template <bool kFast>
size_t FindByte(std::string_view html, size_t from, char c) {
  const size_t n = html.size();
#if defined(__SSE2__)
  if (kFast) {
    const __m128i needle = _mm_set1_epi8(c);
    for (; n - from >= 16; from += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(html.data() + from));
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, needle)));
      if (mask != 0) return from + static_cast<size_t>(__builtin_ctz(mask));
    }
    for (; from < n; ++from) {
      if (html[from] == c) return from;
    }
    return std::string_view::npos;
  }
#endif
  return html.find(c, from);
}

// Skips the attributes of a tag from `i` (just after its name) to past its
// '>', honouring quoted values so `<a title="x > y">` is one tag.  Returns
// html.size() when the tag never closes: the HTML Standard drops a tag cut off
// by the end of input.
template <bool kFast>
size_t SkipAttributesSlow(std::string_view html, size_t i, bool* self_closing) {
  const size_t n = html.size();
  bool slash = false;
  while (i < n) {
    const char c = html[i];
    if (c == '>') {
      if (self_closing) *self_closing = slash;
      return i + 1;
    }
    if (c == '/') {
      slash = true;
      ++i;
      continue;
    }
    slash = false;
    if (IsAsciiSpace(c)) {
      ++i;
      continue;
    }
    // An attribute name; a leading '=' belongs to it (attribute name state).
    ++i;
    while (i < n && !kEndsAttributeName[static_cast<unsigned char>(html[i])]) ++i;
    size_t j = i;
    while (j < n && IsAsciiSpace(html[j])) ++j;
    if (j >= n || html[j] != '=') continue;
    i = j + 1;
    while (i < n && IsAsciiSpace(html[i])) ++i;
    if (i >= n) break;
    if (html[i] == '"' || html[i] == '\'') {
      const size_t close = FindByte<kFast>(html, i + 1, html[i]);
      if (close == std::string_view::npos) return n;
      i = close + 1;
    } else {
      while (i < n && !IsAsciiSpace(html[i]) && html[i] != '>') ++i;
    }
  }
  return n;
}

// SkipAttributes with its inline fast path: most tags end right after
// their name.
template <bool kFast>
size_t SkipAttributes(std::string_view html, size_t i, bool* self_closing) {
  if (i < html.size() && html[i] == '>') {
    if (self_closing) *self_closing = false;
    return i + 1;
  }
  return SkipAttributesSlow<kFast>(html, i, self_closing);
}

// Where the end tag `</name` (any case, followed by a delimiter) begins at or
// after `from`, or npos.
size_t FindEndTag(std::string_view html, size_t from, std::string_view name) {
  const size_t n = html.size();
  for (size_t lt = html.find("</", from); lt != std::string_view::npos;
       lt = html.find("</", lt + 2)) {
    const size_t after = lt + 2 + name.size();
    if (after > n) return std::string_view::npos;
    bool same = true;
    for (size_t k = 0; k < name.size() && same; ++k) same = AsciiLower(html[lt + 2 + k]) == name[k];
    if (same &&
        (after == n || IsAsciiSpace(html[after]) || html[after] == '/' || html[after] == '>')) {
      return lt;
    }
  }
  return std::string_view::npos;
}

size_t PastNext(std::string_view html, size_t from, std::string_view what) {
  const size_t at = html.find(what, from);
  return at == std::string_view::npos ? html.size() : at + what.size();
}

bool StartsWithAt(std::string_view html, size_t at, std::string_view prefix) {
  return html.size() - at >= prefix.size() && html.compare(at, prefix.size(), prefix) == 0;
}

// What HtmlToText has learnt about the input so far.
struct MarkupState {
  // Per kDroppedElements entry: a position from which its end tag is known
  // to be missing.  Without it "<head><head>..." would search the rest of
  // the input once per tag, quadratic time on hostile input.
  std::array<size_t, std::size(kDroppedElements)> end_tag_missing_from;

  MarkupState() { end_tag_missing_from.fill(std::string_view::npos); }
};

// Consumes the markup that starts with the '<' at html[lt], writing any text
// it carries, and returns where text resumes.  A '<' that starts no markup
// ("a < b", "1<2") is written as text.
template <bool kFast>
size_t ConsumeMarkup(std::string_view html, size_t lt, MarkupState& state, CollapsingWriter& out) {
  const size_t n = html.size();
  const size_t i = lt + 1;
  if (i >= n) {
    out.Append("<");
    return n;
  }
  const char c = html[i];

  if (c == '!') {
    if (StartsWithAt(html, i + 1, "--")) {
      const size_t body = i + 3;
      // "<!-->" and "<!--->" are complete (empty) comments.
      if (StartsWithAt(html, body, ">")) return body + 1;
      if (StartsWithAt(html, body, "->")) return body + 2;
      const size_t end = html.find("--", body);
      for (size_t at = end; at != std::string_view::npos; at = html.find("--", at + 1)) {
        if (StartsWithAt(html, at + 2, ">")) return at + 3;
        if (StartsWithAt(html, at + 2, "!>")) return at + 4;
      }
      return n;  // an unclosed comment runs to the end
    }
    if (StartsWithAt(html, i + 1, "[CDATA[")) {
      // Feeds wrap text in CDATA; its content is literal text, no references.
      const size_t body = i + 8;
      const size_t end = html.find("]]>", body);
      out.Append(html.substr(body, end == std::string_view::npos ? n - body : end - body));
      return end == std::string_view::npos ? n : end + 3;
    }
    return PastNext(html, i, ">");  // <!DOCTYPE ...> and other bogus comments
  }
  if (c == '?') return PastNext(html, i, ">");

  if (c == '/') {
    if (i + 1 >= n) {
      out.Append("</");
      return n;
    }
    if (html[i + 1] == '>') return i + 2;
    if (!IsAsciiAlpha(html[i + 1])) return PastNext(html, i, ">");
    const TagName tag = TagName::Read<kFast>(html, i + 1);
    if (tag.kind().block) out.Separate();
    return SkipAttributes<kFast>(html, tag.end(), nullptr);
  }

  if (!IsAsciiAlpha(c)) {
    out.Append("<");
    return i;
  }

  const TagName tag = TagName::Read<kFast>(html, i);
  bool self_closing = false;
  const size_t after = SkipAttributes<kFast>(html, tag.end(), &self_closing);
  const ElementKind kind = tag.kind();
  if (kind.dropped >= 0) {
    // <script/> is not self-closing in HTML, but in XHTML feed content it is,
    // and swallowing the rest of the text would be the worse mistake.
    if (self_closing) return after;
    size_t& missing_from = state.end_tag_missing_from[static_cast<size_t>(kind.dropped)];
    const size_t end_tag =
        after >= missing_from ? std::string_view::npos : FindEndTag(html, after, tag.view());
    if (end_tag == std::string_view::npos) {
      missing_from = std::min(missing_from, after);
      // Script-like elements run to the end when unclosed, as in browsers.
      // <head> and <template> are ordinary containers: keep their text.
      return tag.view() == "head" || tag.view() == "template" ? after : n;
    }
    return SkipAttributes<kFast>(html, end_tag + 2 + tag.view().size(), nullptr);
  }
  if (kind.block) out.Separate();
  return after;
}

// HtmlToText; kFast chooses the fast paths (see HtmlToTextWithoutFastPaths).
template <bool kFast>
std::string ConvertHtml(std::string_view html, size_t (*kept_size)(std::string_view) = nullptr) {
  CollapsingWriter out(html.size());
  MarkupState state;
  const size_t n = html.size();
  size_t i = 0;
  while (i < n) {
    const char c = html[i];
    if (c == '<') {
      i = ConsumeMarkup<kFast>(html, i, state, out);
    } else if (c == '&') {
      const size_t used = DecodeReferenceAt(html, i, out);
      if (used == 0) out.Append("&");
      i += std::max<size_t>(used, 1);
    } else if (IsAsciiSpace(c)) {
      out.Separate();
      ++i;
    } else {
      i = out.CopyMarkupRun(html, i);
    }
  }
  return kept_size == nullptr ? out.Take() : out.Take(kept_size(out.view()));
}

// ---- Whitespace -----------------------------------------------------------

// The length of the Unicode whitespace character (White_Space=yes) at the
// start of `s`, 0 when there is none.  Only for NormalizeForMatching.
size_t UnicodeSpaceLength(std::string_view s) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  if (IsAsciiSpace(s[0])) return 1;
  if (b(0) < 0xC2 || s.size() < 2) return 0;
  if (b(0) == 0xC2) return b(1) == 0x85 || b(1) == 0xA0 ? 2 : 0;
  if (s.size() < 3) return 0;
  if (b(0) == 0xE1) return b(1) == 0x9A && b(2) == 0x80 ? 3 : 0;  // U+1680
  if (b(0) == 0xE3) return b(1) == 0x80 && b(2) == 0x80 ? 3 : 0;  // U+3000
  if (b(0) != 0xE2) return 0;
  if (b(1) == 0x80) {
    const unsigned c = b(2);
    return c <= 0x8A || c == 0xA8 || c == 0xA9 || c == 0xAF ? 3
                                                            : 0;  // U+2000-200A, 2028, 2029, 202F
  }
  return b(1) == 0x81 && b(2) == 0x9F ? 3 : 0;  // U+205F
}

std::string CollapseUnicodeWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  size_t i = 0;
  while (i < text.size()) {
    if (const size_t space = UnicodeSpaceLength(text.substr(i)); space != 0) {
      pending_space = true;
      i += space;
      continue;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    out.push_back(text[i++]);
  }
  return out;
}

// The common characters whose NormalizeForMatching form needs no tables:
// no-break space, precomposed Latin-1 letters, CJK ideographs, kana, Hangul
// syllables, common punctuation and fullwidth ASCII.  None of them is the second
// element of a canonical composition, so they also bound the segments that do
// need utf8proc.  A test checks every one against utf8proc.
bool IsSimpleFold(char32_t cp) {
  return cp == 0xA0 ||                      // no-break space
         (cp >= 0xC0 && cp <= 0xFF) ||      // Latin-1 letters (and × ÷)
         (cp >= 0xFF01 && cp <= 0xFF5E) ||  // fullwidth ASCII
         (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK Unified Ideographs
         (cp >= 0x3400 && cp <= 0x4DBF) ||  // Extension A
         (cp >= 0x3041 && cp <= 0x3096) ||  // hiragana
         (cp >= 0x30A1 && cp <= 0x30FA) ||  // katakana
         (cp >= 0xAC00 && cp <= 0xD7A3) ||  // Hangul syllables
         cp == 0x3001 || cp == 0x3002 ||    // ideographic comma, full stop
         cp == 0x2013 || cp == 0x2014 ||    // en and em dash
         cp == 0x2018 || cp == 0x2019 ||    // single quotes
         cp == 0x201C || cp == 0x201D ||    // double quotes
         cp == 0x2026 || cp == 0x20AC;      // ellipsis, euro sign
}

// Precondition: IsSimpleFold(cp); `bytes` is its UTF-8.
void AppendSimpleFold(char32_t cp, std::string_view bytes, std::string& out) {
  if (cp == 0xA0) {
    out.push_back(' ');
  } else if (cp == 0xDF) {
    out.append("ss");
  } else if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
    AppendUtf8(cp + 0x20, out);
  } else if (cp == 0x2013 || cp == 0x2014) {
    out.push_back('-');  // UTF8PROC_LUMP
  } else if (cp == 0x2018 || cp == 0x2019) {
    out.push_back('\'');  // UTF8PROC_LUMP
  } else if (cp == 0x2026) {
    out.append("...");
  } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
    out.push_back(AsciiLower(static_cast<char>(cp - 0xFEE0)));  // NFKC gives ASCII
  } else {
    for (char byte : bytes) out.push_back(byte);  // cheaper than append() for 1-3 bytes
  }
}

// NFKC with case folding as NormalizeForMatching defines it, by utf8proc.
// `segment` is valid UTF-8.
void AppendNormalized(std::string_view segment, std::string& out) {
  // STRIPCC turns newlines and tabs into spaces and removes other controls;
  // IGNORE removes default-ignorable characters such as U+00AD and U+200B,
  // which split words invisibly; LUMP maps look-alike punctuation to ASCII.
  constexpr auto kOptions = static_cast<utf8proc_option_t>(
      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE |
      UTF8PROC_STRIPCC | UTF8PROC_LUMP);
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(segment.data()),
                   static_cast<utf8proc_ssize_t>(segment.size()), &mapped, kOptions);
  if (length >= 0) {
    out.append(reinterpret_cast<const char*>(mapped), length);
  } else {
    out.append(segment);  // only on allocation failure, as the input is valid
  }
  std::free(mapped);
}

bool IsAscii(std::string_view text) {
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, text.data() + i, 8);
    if (chunk & 0x8080808080808080ULL) return false;
  }
  for (; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) >= 0x80) return false;
  }
  return true;
}

// Replaces invalid UTF-8; also removes the controls SanitizeUtf8 removes when
// `remove_controls`.  Copies runs of good bytes at once.
std::string CleanUtf8(std::string_view text, bool remove_controls) {
  std::string out;
  out.reserve(text.size());
  size_t run = 0;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (remove_controls && IsRemovedControl(c)) {
        out.append(text.data() + run, i - run);
        run = ++i;
      } else {
        ++i;
      }
      continue;
    }
    const Utf8Char ch = DecodeUtf8At(text.substr(i));
    if (!ch.valid) {
      out.append(text.data() + run, i - run);
      out.append(kReplacementChar);
      run = i + ch.length;
    }
    i += ch.length;
  }
  out.append(text.data() + run, text.size() - run);
  return out;
}

// Collapsed already: no whitespace in front, and one plain run to the end
// (no whitespace at the end, none inside but single spaces).  Most titles,
// names and categories are.
bool IsCollapsed(std::string_view text) {
  const size_t n = text.size();
  return n == 0 ||
         (!IsAsciiSpace(text[0]) && internal::Scanners().plain_run_end(text.data(), 0, n) == n);
}

// Out of line, so that callers of the check above keep a light frame.
[[gnu::noinline]] std::string CollapseWithWriter(std::string_view text) {
  CollapsingWriter out(text.size());
  out.Append(text);
  return out.Take();
}

}  // namespace

void AppendUtf8(char32_t cp, std::string& out) {
  char bytes[4];
  out.append(bytes, static_cast<size_t>(EncodeUtf8(cp, bytes) - bytes));
}

char32_t Windows1252ToUnicode(unsigned char byte) {
  // The WHATWG windows-1252 index for 0x80-0x9F; the five bytes Microsoft
  // leaves undefined map to the C1 control of the same value.
  static constexpr char16_t kC1[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80-87
      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,  // 88-8F
      0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90-97
      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,  // 98-9F
  };
  return byte >= 0x80 && byte <= 0x9F ? kC1[byte - 0x80] : byte;
}

std::string ReplaceEncodedSurrogates(std::string_view text) {
  std::string s(text);
  for (size_t i = s.find('\xED'); i != std::string::npos && i + 2 < s.size();
       i = s.find('\xED', i + 1)) {
    if (static_cast<unsigned char>(s[i + 1]) >= 0xA0) s.replace(i, 3, "\xEF\xBF\xBD");
  }
  return s;
}

std::string_view LineOf(std::string_view text, int line) {
  size_t begin = 0;
  for (int i = 1; i < line; ++i) {
    const size_t nl = text.find('\n', begin);
    if (nl == std::string_view::npos) return {};
    begin = nl + 1;
  }
  size_t end = text.find('\n', begin);
  if (end == std::string_view::npos) end = text.size();
  if (end > begin && text[end - 1] == '\r') --end;
  return text.substr(begin, end - begin);
}

std::string PointAt(std::string_view line_text, int column) {
  std::string out(line_text);
  out += '\n';
  int at = 1;
  for (size_t i = 0; i < line_text.size() && at < column; ++i) {
    const char c = line_text[i];
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // inside a code point
    out += c == '\t' ? '\t' : ' ';
    ++at;
  }
  out.append(static_cast<size_t>(std::max(0, column - at)), ' ');
  out += '^';
  return out;
}

std::string EscapeControls(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7F) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::string_view TrimAsciiWhitespace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoreAsciiCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreAsciiCase(s.substr(0, prefix.size()), prefix);
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

Utf8Char DecodeUtf8Char(std::string_view text) { return DecodeUtf8At(text); }

std::string SanitizeUtf8(std::string_view text) { return CleanUtf8(text, true); }

std::string ReplaceInvalidUtf8(std::string_view text) { return CleanUtf8(text, false); }

std::string DecodeHtmlEntities(std::string_view text) {
  PlainWriter out(text.size());
  DecodeInto(text, out);
  return out.Take();
}

std::string HtmlToText(std::string_view html) { return ConvertHtml<true>(html); }

std::string HtmlToText(std::string_view html, size_t (*kept_size)(std::string_view text)) {
  return ConvertHtml<true>(html, kept_size);
}

std::string HtmlToTextWithoutFastPaths(std::string_view html) { return ConvertHtml<false>(html); }

std::string EscapeHtml(std::string_view text) {
  // How much escaping adds (4 bytes for &, 3 for < and >, 5 for "), counted
  // first so the result is allocated once at its exact size; text without
  // any of the four (most) is then copied whole.
  size_t extra = 0;
  size_t i = 0;
#if defined(__SSE2__)
  for (; text.size() - i >= 16; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const auto bits = [&v](char c) {
      return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c))));
    };
    const unsigned amp = bits('&');
    const unsigned angle = bits('<') | bits('>');
    const unsigned quot = bits('"');
    if ((amp | angle | quot) != 0) {
      extra += 4 * static_cast<size_t>(__builtin_popcount(amp)) +
               3 * static_cast<size_t>(__builtin_popcount(angle)) +
               5 * static_cast<size_t>(__builtin_popcount(quot));
    }
  }
#endif
  for (; i < text.size(); ++i) {
    const char c = text[i];
    extra += c == '&' ? 4 : c == '<' || c == '>' ? 3 : c == '"' ? 5 : 0;
  }
  if (extra == 0) return std::string(text);
  std::string out(text.size() + extra, '\0');
  char* p = out.data();
  size_t run = 0;
  for (i = 0; i < text.size(); ++i) {
    std::string_view escaped;
    switch (text[i]) {
      case '&':
        escaped = "&amp;";
        break;
      case '<':
        escaped = "&lt;";
        break;
      case '>':
        escaped = "&gt;";
        break;
      case '"':
        escaped = "&quot;";
        break;
      default:
        continue;
    }
    std::memcpy(p, text.data() + run, i - run);
    p += i - run;
    std::memcpy(p, escaped.data(), escaped.size());
    p += escaped.size();
    run = i + 1;
  }
  std::memcpy(p, text.data() + run, text.size() - run);
  return out;
}

std::string CollapseWhitespace(std::string_view text) {
  return IsCollapsed(text) ? std::string(text) : CollapseWithWriter(text);
}

bool IsCollapsedWhitespace(std::string_view text) { return IsCollapsed(text); }

void CollapseWhitespaceInPlace(std::string& text) {
  if (!IsCollapsed(text)) text = CollapseWithWriter(text);
}

std::string NormalizeForMatching(std::string_view text) {
  if (IsAscii(text)) {
    // NFKC, case folding and lumping leave ASCII alone but for case, so skip
    // utf8proc for the common English item.  Same result as below: controls
    // SanitizeUtf8 removes vanish, the rest is lower-cased and collapsed.
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    for (const char c : text) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pending_space = true;
      } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) {
        if (pending_space && !out.empty()) out.push_back(' ');
        pending_space = false;
        out.push_back(AsciiLower(c));
      }
    }
    return out;
  }

  const std::string clean = SanitizeUtf8(text);
  // utf8proc runs at a few tens of MB/s, so only the characters that need it
  // go through it: ASCII and AppendSimpleFold's characters bound the
  // segments handed to utf8proc, and each segment takes the character before
  // it along, as that may be the starter a combining mark composes with
  // ("e" U+0301 -> "é").
  std::string folded;
  folded.reserve(clean.size() + 16);
  const std::string_view input(clean);
  const size_t n = input.size();
  size_t prev_start = std::string::npos;  // the previous character if it was
  size_t prev_folded_size = 0;            // folded here, and where its fold starts
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(input[i]);
    const size_t folded_size = folded.size();
    if (c < 0x80) {
      if (c != 0x7F) folded.push_back(AsciiLower(static_cast<char>(c)));  // STRIPCC drops DEL
      prev_start = i++;
      prev_folded_size = folded_size;
      continue;
    }
    const Utf8Char ch = DecodeUtf8At(input.substr(i));
    if (IsSimpleFold(ch.code_point)) {
      AppendSimpleFold(ch.code_point, input.substr(i, ch.length), folded);
      prev_start = i;
      prev_folded_size = folded_size;
      i += ch.length;
      continue;
    }
    size_t begin = i;
    if (prev_start != std::string::npos) {
      begin = prev_start;
      folded.resize(prev_folded_size);
    }
    // The segment ends before the next character that is simple on its own.
    size_t end = i + ch.length;
    while (end < n && static_cast<unsigned char>(input[end]) >= 0x80) {
      const Utf8Char next = DecodeUtf8At(input.substr(end));
      if (IsSimpleFold(next.code_point)) break;
      end += next.length;
    }
    AppendNormalized(input.substr(begin, end - begin), folded);
    prev_start = std::string::npos;
    i = end;
  }
  return CollapseUnicodeWhitespace(folded);
}

}  // namespace mineral::text
