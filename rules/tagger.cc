#include "rules/tagger.h"

#include <hs/hs.h>
#include <utf8proc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "text/text.h"

namespace mineral::rules {

const char* FieldName(Field field) {
  switch (field) {
    case Field::kTitle:
      return "title";
    case Field::kSummary:
      return "summary";
    case Field::kContent:
      return "content";
    case Field::kCategories:
      return "categories";
  }
  return "unknown";
}

namespace {

bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

constexpr uint64_t kBytes01 = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;
constexpr uint64_t kNotPlain = ~0ULL;

// The high bit of each byte of `w` that is zero, exactly.
uint64_t ZeroBytes(uint64_t w) {
  const uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;
  return ~(((w & low7) + low7) | w | low7);
}

// For eight bytes of text: kNotPlain unless every byte is printable ASCII
// (0x20-0x7E) and no two spaces are next to each other; else the high bit
// of each byte that is a space.
uint64_t PlainAsciiSpaces(uint64_t w) {
  if ((w & kHighBits) != 0) return kNotPlain;
  // Any byte below 0x20 (w's bytes are below 0x80, so no borrow misleads).
  if (((w - 0x20 * kBytes01) & ~w & kHighBits) != 0) return kNotPlain;
  if (ZeroBytes(w ^ (0x7F * kBytes01)) != 0) return kNotPlain;
  const uint64_t spaces = ZeroBytes(w ^ (0x20 * kBytes01));
  if ((spaces & (spaces >> 8)) != 0) return kNotPlain;
  return spaces;
}

#if defined(__SSE2__)
// For sixteen ASCII bytes at `src`: -1 unless every one is printable
// (0x20-0x7E) and no two spaces are next to each other; else a mask with bit
// i set when byte i is a space.  The bytes, lower-cased when `fold_case`, go
// to `dst` either way.
int PlainAscii16(const char* src, bool fold_case, char* dst) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  // Signed compares: ASCII bytes are non-negative.
  const __m128i control =
      _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
  const int spaces = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
  if (_mm_movemask_epi8(control) != 0 || (spaces & (spaces >> 1)) != 0) return -1;
  if (fold_case) {
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                        _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
    v = _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), v);
  return spaces;
}
#endif

// `w` (eight ASCII bytes) with A-Z lower-cased.
uint64_t LowerAscii(uint64_t w) {
  const uint64_t at_least_a = w + (0x80 - 'A') * kBytes01;
  const uint64_t past_z = w + (0x80 - 'Z' - 1) * kBytes01;
  return w | ((at_least_a & ~past_z & kHighBits) >> 2);
}

bool IsUnicodeSpace(char32_t cp) {
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Scripts written without spaces between words: their terms match as
// substrings and their characters bound Latin words.
// Whether the three bytes at `p` are a CJK ideograph in U+4E00-U+9FFF
// (lead byte E4 with a second byte from B8, or E5-E9).
inline bool IsCjkIdeograph(const char* p) {
  const auto b0 = static_cast<unsigned char>(p[0]);
  const auto b1 = static_cast<unsigned char>(p[1]);
  const auto b2 = static_cast<unsigned char>(p[2]);
  return b0 >= 0xE4 && b0 <= 0xE9 && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 &&
         (b0 != 0xE4 || b1 >= 0xB8);
}

bool IsCjk(char32_t cp) {
  return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF);
}

bool IsWordChar(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  }
  if (IsCjk(cp)) return false;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

bool IsCombining(char32_t cp) {
  return cp >= 0x300 &&
         utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class != 0;
}

// The character starting at `i` (valid UTF-8 assumed: normalized text).
char32_t CharAt(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return c;
  return text::DecodeUtf8Char(s.substr(i)).code_point;
}

// The character ending just before `i`.
char32_t CharBefore(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i - 1]);
  if (c < 0x80) return c;
  size_t j = i - 1;
  while (j > 0 && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) --j;
  return CharAt(s, j);
}

// Latin-style whole-word test at both ends of [b, e) in normalized text.
// Called for every literal the scan reports, so an ASCII neighbour (the
// common case) is classified without decoding or a call.
[[gnu::always_inline]] inline bool IsWordByteOrChar(std::string_view s, size_t i, bool before) {
  const auto c = static_cast<unsigned char>(before ? s[i - 1] : s[i]);
  if (c < 0x80)
    return static_cast<unsigned>((c | 0x20) - 'a') < 26u || static_cast<unsigned>(c - '0') < 10u;
  return IsWordChar(before ? CharBefore(s, i) : CharAt(s, i));
}

inline bool AtWordBoundaries(std::string_view s, size_t b, size_t e, bool check_left,
                             bool check_right) {
  if (check_left && b > 0 && IsWordByteOrChar(s, b, true)) return false;
  if (check_right && e < s.size() && IsWordByteOrChar(s, e, false)) return false;
  return true;
}

// Words between two positions: runs of non-space characters, where each CJK
// character is a word of its own.
int WordsBetween(std::string_view s, size_t from, size_t to) {
  int words = 0;
  bool in_word = false;
  size_t i = from;
  while (i < to) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == ' ') {
        in_word = false;
      } else if (!in_word) {
        in_word = true;
        ++words;
      }
      ++i;
      continue;
    }
    const text::Utf8Char ch = text::DecodeUtf8Char(s.substr(i));
    if (IsCjk(ch.code_point)) {
      ++words;
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
    i += ch.length;
  }
  return words;
}

}  // namespace

size_t NormalizedText::NormOffset(size_t orig) const {
  // The first piece whose last byte begins at or after `orig`.
  size_t lo = 0;
  size_t hi = pieces.size();
  auto last_begin = [this](size_t k) -> size_t {
    const Piece& p = pieces[k];
    if (p.orig_end != kLinear) return p.orig_begin;
    const size_t next = k + 1 < pieces.size() ? pieces[k + 1].norm : text.size();
    return p.orig_begin + (next - p.norm) - 1;
  };
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (last_begin(mid) < orig) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == pieces.size()) return text.size();
  const Piece& p = pieces[lo];
  if (p.orig_end != kLinear || orig <= p.orig_begin) return p.norm;
  return p.norm + (orig - p.orig_begin);
}

void NormalizeWithOffsets(std::string_view text, CaseFold fold, NormalizedText& out) {
  const bool fold_ascii = fold == CaseFold::kAll;
  out.text.clear();
  out.pieces.clear();
  out.text.reserve(text.size());
  using Piece = NormalizedText::Piece;
  constexpr uint32_t kLinear = NormalizedText::kLinear;
  // The original offset that would extend the last piece when it is linear
  // (kLinear otherwise): a byte from there needs no piece of its own.
  uint32_t next_linear = kLinear;
  auto map_byte = [&](size_t norm, uint32_t orig) {
    if (orig != next_linear)
      out.pieces.push_back(Piece{static_cast<uint32_t>(norm), orig, kLinear});
    next_linear = orig + 1;
  };
  // `n` bytes just appended at `norm`, every one from [b, e).
  auto map_lump = [&](size_t norm, size_t n, uint32_t b, uint32_t e) {
    if (n == 1 && e == b + 1) {
      map_byte(norm, b);
      return;
    }
    out.pieces.push_back(Piece{static_cast<uint32_t>(norm), b, e});
    next_linear = kLinear;
  };
  bool pending_space = false;
  uint32_t space_begin = 0;
  uint32_t space_end = 0;
  auto flush_space = [&] {
    if (pending_space && !out.text.empty()) {
      out.text.push_back(' ');
      map_lump(out.text.size() - 1, 1, space_begin, space_end);
    }
    pending_space = false;
  };
  auto emit = [&](const char* bytes, size_t n, size_t b, size_t e) {
    flush_space();
    const size_t at = out.text.size();
    out.text.append(bytes, n);
    map_lump(at, n, static_cast<uint32_t>(b), static_cast<uint32_t>(e));
  };
  auto space = [&](size_t b, size_t e) {
    if (!pending_space) space_begin = static_cast<uint32_t>(b);
    pending_space = true;
    space_end = static_cast<uint32_t>(e);
  };
  // A combining mark after a fast-path character sends it the slow way.
  auto next_is_combining = [&](size_t j) {
    if (j >= text.size() || static_cast<unsigned char>(text[j]) < 0xCC) return false;
    const text::Utf8Char n = text::DecodeUtf8Char(text.substr(j));
    return n.valid && IsCombining(n.code_point);
  };
  // A run of ASCII characters each followed by another ASCII byte (so by no
  // combining mark): straight into the buffer (lower-cased for kAll), the
  // common case for English items.
  auto ascii_run = [&](size_t from, size_t to) {
    const size_t base = out.text.size();
    out.text.resize(base + (to - from) + 1);  // +1: a space pending from before
    char* t = out.text.data();
    size_t n = base;
    for (size_t k = from; k < to; ++k) {
      // Sixteen, then eight bytes at once while they are printable and their
      // spaces single (each maps to itself), the common case in prose.
#if defined(__SSE2__)
      while (!pending_space && k + 16 <= to && (n > 0 || text[k] != ' ')) {
        const int spaces = PlainAscii16(text.data() + k, fold_ascii, t + n);
        if (spaces < 0) break;
        // A space last is pending: only a printable non-space after it
        // makes it a plain single space.
        if ((spaces & 0x8000) != 0 &&
            (k + 16 >= to || text[k + 16] <= ' ' || text[k + 16] == 0x7F)) {
          break;
        }
        if (k != next_linear) {
          out.pieces.push_back(Piece{static_cast<uint32_t>(n), static_cast<uint32_t>(k), kLinear});
        }
        next_linear = static_cast<uint32_t>(k + 16);
        n += 16;
        k += 16;
      }
#endif
      while (!pending_space && k + 8 <= to && (n > 0 || text[k] != ' ')) {
        uint64_t w;
        std::memcpy(&w, text.data() + k, 8);
        const uint64_t spaces = PlainAsciiSpaces(w);
        if (spaces == kNotPlain) break;
        // A space last is pending: only a printable non-space after it
        // makes it a plain single space.
        if ((spaces >> 63) != 0 && (k + 8 >= to || text[k + 8] <= ' ' || text[k + 8] == 0x7F)) {
          break;
        }
        if (fold_ascii) w = LowerAscii(w);
        std::memcpy(t + n, &w, 8);
        if (k != next_linear) {
          out.pieces.push_back(Piece{static_cast<uint32_t>(n), static_cast<uint32_t>(k), kLinear});
        }
        next_linear = static_cast<uint32_t>(k + 8);
        n += 8;
        k += 8;
      }
      if (k >= to) break;
      const auto ch = static_cast<unsigned char>(text[k]);
      if (IsAsciiSpace(ch)) {
        if (!pending_space) space_begin = static_cast<uint32_t>(k);
        pending_space = true;
        space_end = static_cast<uint32_t>(k + 1);
        continue;
      }
      if (ch < 0x20 || ch == 0x7F) continue;
      if (pending_space) {
        if (n > 0) {
          t[n] = ' ';
          if (space_end == space_begin + 1) {
            map_byte(n, space_begin);
          } else {
            out.pieces.push_back(Piece{static_cast<uint32_t>(n), space_begin, space_end});
            next_linear = kLinear;
          }
          ++n;
        }
        pending_space = false;
      }
      t[n] = static_cast<char>(fold_ascii && ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
      map_byte(n, static_cast<uint32_t>(k));
      ++n;
    }
    out.text.resize(n);
  };
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      size_t run_end = i + 1;
#if defined(__SSE2__)
      while (run_end + 16 <= text.size()) {  // sixteen bytes at a time while all ASCII
        const __m128i block =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + run_end));
        if (_mm_movemask_epi8(block) != 0) break;
        run_end += 16;
      }
#endif
      while (run_end + 8 <= text.size()) {  // eight bytes at a time while all ASCII
        uint64_t word;
        std::memcpy(&word, text.data() + run_end, 8);
        if ((word & 0x8080808080808080ULL) != 0) break;
        run_end += 8;
      }
      while (run_end < text.size() && static_cast<unsigned char>(text[run_end]) < 0x80) ++run_end;
      if (run_end - i > 1) {
        // The last ASCII character of the run goes the general way below: a
        // combining mark may follow it.
        ascii_run(i, run_end - 1);
        i = run_end - 1;
        continue;
      }
      if (IsAsciiSpace(c)) {
        space(i, i + 1);
        ++i;
        continue;
      }
      if (c < 0x20 || c == 0x7F) {
        ++i;
        continue;
      }
      if (!next_is_combining(i + 1)) {
        char o = static_cast<char>(c);
        if (fold_ascii && c >= 'A' && c <= 'Z') o = static_cast<char>(c + 32);
        emit(&o, 1, i, i + 1);
        ++i;
        continue;
      }
    }
    // A run of CJK ideographs (U+4E00-U+9FFF): each is its own NFKC form and
    // case fold, so the run is copied whole and mapped byte for byte (a
    // Chinese item is mostly such runs).
    if (c >= 0xE4 && c <= 0xE9) {
      size_t j = i;
      while (j + 3 <= text.size() && IsCjkIdeograph(text.data() + j)) j += 3;
      // A combining mark after the run composes with its last ideograph,
      // which goes the general way.
      if (j > i && next_is_combining(j)) j -= 3;
      if (j > i) {
        flush_space();
        if (i != next_linear) {
          out.pieces.push_back(
              Piece{static_cast<uint32_t>(out.text.size()), static_cast<uint32_t>(i), kLinear});
        }
        out.text.append(text.data() + i, j - i);
        next_linear = static_cast<uint32_t>(j);
        i = j;
        continue;
      }
    }
    const text::Utf8Char ch = text::DecodeUtf8Char(text.substr(i));
    if (!ch.valid) {
      emit("\xEF\xBF\xBD", 3, i, i + ch.length);
      i += ch.length;
      continue;
    }
    if (IsUnicodeSpace(ch.code_point)) {
      space(i, i + ch.length);
      i += ch.length;
      continue;
    }
    size_t seg_end = i + ch.length;
    while (seg_end < text.size()) {
      const text::Utf8Char n = text::DecodeUtf8Char(text.substr(seg_end));
      if (!n.valid || !IsCombining(n.code_point)) break;
      seg_end += n.length;
    }
    auto options =
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                       UTF8PROC_IGNORE | UTF8PROC_STRIPCC | UTF8PROC_LUMP);
    const auto nfkc = options;
    if (fold != CaseFold::kKeep) {
      options = static_cast<utf8proc_option_t>(options | UTF8PROC_CASEFOLD);
    }
    utf8proc_uint8_t* mapped = nullptr;
    utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                                      static_cast<utf8proc_ssize_t>(seg_end - i), &mapped, options);
    // kNonAscii: a character whose NFKC form is ASCII keeps that form's case
    // ("ＧａＮ" gives "GaN", for the case-sensitive terms).  Only such forms
    // fold to ASCII, so only they are mapped twice.
    auto all_ascii = [](const utf8proc_uint8_t* m, utf8proc_ssize_t len) {
      for (utf8proc_ssize_t k = 0; k < len; ++k) {
        if (m[k] >= 0x80) return false;
      }
      return true;
    };
    if (fold == CaseFold::kNonAscii && n > 0 && all_ascii(mapped, n)) {
      utf8proc_uint8_t* kept = nullptr;
      const utf8proc_ssize_t kn =
          utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                       static_cast<utf8proc_ssize_t>(seg_end - i), &kept, nfkc);
      if (kn > 0 && all_ascii(kept, kn)) {
        std::free(mapped);
        mapped = kept;
        n = kn;
      } else {
        std::free(kept);
      }
    }
    if (n > 0) {
      const auto* m = reinterpret_cast<const char*>(mapped);
      size_t k = 0;
      while (k < static_cast<size_t>(n)) {
        if (m[k] == ' ') {
          space(i, seg_end);
          ++k;
          continue;
        }
        size_t run = k;
        while (run < static_cast<size_t>(n) && m[run] != ' ') ++run;
        emit(m + k, run - k, i, seg_end);
        k = run;
      }
    } else if (n < 0) {
      emit(text.data() + i, seg_end - i, i, seg_end);
    }
    std::free(mapped);
    i = seg_end;
  }
}

void NormalizeItem(const Item& item, NormalizedItem& out) {
  NormalizeWithOffsets(item.title, CaseFold::kNonAscii, out.fields[0]);
  NormalizeWithOffsets(item.summary_text, CaseFold::kNonAscii, out.fields[1]);
  out.content_is_summary = item.content_text == item.summary_text;
  if (out.content_is_summary) {
    out.fields[2] = out.fields[1];
  } else {
    NormalizeWithOffsets(item.content_text, CaseFold::kNonAscii, out.fields[2]);
  }
  out.categories.clear();
  for (const std::string& c : item.categories) {
    if (!out.categories.empty()) out.categories.push_back('\n');
    out.categories += c;
  }
  NormalizeWithOffsets(out.categories, CaseFold::kNonAscii, out.fields[3]);
}

void Tagger::FindHitsNormalized(const Item& item, const NormalizedItem& /*norm*/,
                                std::vector<Hit>& hits) const {
  hits = FindHits(item);
}

std::vector<int> TagsToIndices(const Vocabulary& vocabulary, const Tags& tags) {
  std::vector<int> out;
  const std::pair<Category, const std::vector<std::string>*> lists[] = {
      {Category::kMineral, &tags.minerals},
      {Category::kCountry, &tags.countries},
      {Category::kClause, &tags.clauses}};
  for (const auto& [category, ids] : lists) {
    for (const std::string& id : *ids) {
      const int c = vocabulary.Find(category, id);
      if (c >= 0) out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Tagger::TagIndices(const Item& item, const std::vector<Hit>& hits,
                        std::vector<int>& concepts) const {
  concepts = TagsToIndices(vocabulary(), Tag(item, hits));
}

Result<std::shared_ptr<const CombinedScan>> Tagger::CompileCombined(
    const std::vector<std::string>& /*extra*/) const {
  return std::shared_ptr<const CombinedScan>();
}

void Tagger::FindHitsCombined(const Item& item, const NormalizedItem& norm,
                              const CombinedScan& /*combined*/, ExtraMatchSink& /*sink*/,
                              std::vector<Hit>& hits) const {
  FindHitsNormalized(item, norm, hits);
}

namespace {

enum class EntryKind : uint8_t { kTerm, kVeto, kContextVeto, kNearA, kNearB };

// The forms of a literal an entry accepts: the literal itself, or the literal
// followed by the plural ending "s" or "es".  Regular plurals are found as
// their singular's literal plus an ending checked where the scan reports it,
// not as literals of their own: fewer literals make Hyperscan's scan cheaper
// (2% fewer instructions per item at 1,000 rules), and a plural costs the
// callback one more byte test only where its singular is followed by a
// letter.
constexpr uint8_t kFormBare = 1;
constexpr uint8_t kFormS = 2;
constexpr uint8_t kFormEs = 4;

// What one literal stands for (a literal may stand for several).
struct Entry {
  EntryKind kind;
  bool check_left;
  bool check_right;
  bool case_sensitive;
  int concept_index;
  int index;          // term, veto or proximity index
  std::string exact;  // case-sensitive terms: the NFKC form to verify
  uint8_t forms = kFormBare;
};

// An Entry as matching reads it, all of a literal's side by side in one
// array: a raw match costs one cache line, not a pointer chase per entry.
struct FlatEntry {
  EntryKind kind;
  bool check_left;
  bool check_right;
  bool case_sensitive;
  Category category;  // the concept's
  int concept_index;
  int index;
  int exact;  // case-sensitive: index into HyperscanTagger::exact_
  uint8_t forms;
};

struct RawMatch {
  unsigned id;
  uint32_t from;
  uint32_t to;   // past the plural ending when `form` is not kFormBare
  uint8_t form;  // kFormBare, kFormS or kFormEs
};

// A hit in normalized coordinates, before mapping back.
struct Candidate {
  int concept_index;
  int term_index;
  uint32_t from;
  uint32_t to;
  bool proximity;
  bool dropped;
  Category category;  // the concept's
};

struct Span {
  int concept_index;
  int index;
  uint32_t from;
  uint32_t to;
};

std::string Fold(std::string_view text, CaseFold fold) {
  NormalizedText n;
  NormalizeWithOffsets(text, fold, n);
  return std::move(n.text);
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A spelling of a term and the endings that make its plural (kFormS,
// kFormEs); a plural in "ies" is a spelling of its own.
struct Variant {
  std::string text;
  uint8_t forms = kFormBare;
};

// Plural and hyphen/space variants of a case-folded Latin term.
std::vector<Variant> Variants(const std::string& folded) {
  std::vector<std::string> base = {folded};
  if (folded.find(' ') != std::string::npos) {
    std::string v = folded;
    std::replace(v.begin(), v.end(), ' ', '-');
    base.push_back(v);
  }
  if (folded.find('-') != std::string::npos) {
    std::string v = folded;
    std::replace(v.begin(), v.end(), '-', ' ');
    base.push_back(v);
  }
  std::sort(base.begin(), base.end());
  base.erase(std::unique(base.begin(), base.end()), base.end());
  std::vector<Variant> out;
  for (const std::string& v : base) {
    Variant bare{v, kFormBare};
    if (v.size() >= 3 && IsAsciiLetter(v.back()) && IsAsciiLetter(v[v.size() - 2])) {
      const char last = v.back();
      const char prev = v[v.size() - 2];
      if (last == 's' || last == 'x' || last == 'z' ||
          ((last == 'h') && (prev == 'c' || prev == 's'))) {
        bare.forms |= kFormEs;
      } else if (last == 'y' && std::string_view("aeiou").find(prev) == std::string_view::npos) {
        out.push_back({v.substr(0, v.size() - 1) + "ies", kFormBare});
      } else {
        bare.forms |= kFormS;
      }
    }
    out.push_back(std::move(bare));
  }
  return out;
}

// A thread's scratch space, grown for every database it meets.
struct ScratchHolder {
  hs_scratch_t* scratch = nullptr;
  ~ScratchHolder() {
    if (scratch != nullptr) hs_free_scratch(scratch);
  }
};

struct PerThread {
  ScratchHolder scratch;
  // Taggers (by serial number) the scratch has been grown for: growing it
  // again for each item would cost more than the scan.
  std::vector<uint64_t> fitted;
  NormalizedItem item;
  NormalizedText exact;
  std::vector<RawMatch> raw;
  std::vector<Candidate> cands;
  std::vector<uint32_t> order;  // into cands
  std::vector<Span> vetoes;
  std::vector<Span> near_a;
  std::vector<Span> near_b;
  std::vector<bool> context_vetoed;
  // Tag's per-concept state, all zero between calls except while `dirty`;
  // only the concepts in `touched` (and the emitted ones) are ever nonzero.
  std::vector<double> score;
  std::vector<char> plain;  // has a hit by an ordinary (non-symbol) term
  std::vector<char> in_title;
  std::vector<char> tagged;
  std::vector<char> seen;  // in `touched`
  std::vector<char> emitted;
  std::vector<int> touched;
  std::vector<int> stack;
  bool dirty = false;
};

// Per literal: bit 0, every entry checks the left word edge; bit 1, the
// right; bits 2 and 3, some entry accepts the literal followed by "s" or "es"
// (kFormS and kFormEs shifted by one).
constexpr uint8_t kCheckLeft = 1;
constexpr uint8_t kCheckRight = 2;
constexpr uint8_t kPluralS = kFormS << 1;
constexpr uint8_t kPluralEs = kFormEs << 1;

struct ScanContext {
  std::string_view text;
  const uint8_t* checks;    // by literal id
  const uint32_t* lengths;  // by literal id
  std::vector<RawMatch>* raw;
  // A combined scan's: ids from extra_base on are the extra literals.
  unsigned extra_base = 0;
  const uint32_t* extra_lengths = nullptr;  // by extra id
  ExtraMatchSink* sink = nullptr;
  Field field = Field::kTitle;
};

// Literals match exactly their own bytes, so a match starts its literal's
// length before its end: the database is compiled without Hyperscan's
// start-of-match tracking, which would cost more than the scan itself.
inline void OnLiteral(ScanContext* ctx, unsigned id, unsigned long long to) {
  const unsigned long long from = to - ctx->lengths[id];
  // A match inside a word fails every entry of its literal: drop it here
  // ("us" in "industry"), before anything is looked up.
  const uint8_t checks = ctx->checks[id];
  const std::string_view s = ctx->text;
  if ((checks & kCheckLeft) && from > 0 && IsWordByteOrChar(s, from, true)) return;
  if (!(checks & kCheckRight) || to >= s.size() || !IsWordByteOrChar(s, to, false)) {
    ctx->raw->push_back({id, static_cast<uint32_t>(from), static_cast<uint32_t>(to), kFormBare});
    return;
  }
  // Followed by a word character: a plural ending and then a word edge?
  auto ends_word = [&s](size_t e) { return e >= s.size() || !IsWordByteOrChar(s, e, false); };
  // The text keeps ASCII case (CaseFold::kNonAscii): "RARE EARTHS" too.
  const char next = static_cast<char>(s[to] | 0x20);
  if ((checks & kPluralS) && next == 's' && ends_word(to + 1)) {
    ctx->raw->push_back({id, static_cast<uint32_t>(from), static_cast<uint32_t>(to + 1), kFormS});
  } else if ((checks & kPluralEs) && next == 'e' && to + 1 < s.size() &&
             (s[to + 1] | 0x20) == 's' && ends_word(to + 2)) {
    ctx->raw->push_back({id, static_cast<uint32_t>(from), static_cast<uint32_t>(to + 2), kFormEs});
  }
}

int OnMatch(unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
            void* context) {
  OnLiteral(static_cast<ScanContext*>(context), id, to);
  return 0;
}

int OnCombinedMatch(unsigned id, unsigned long long /*from*/, unsigned long long to,
                    unsigned /*flags*/, void* context) {
  auto* ctx = static_cast<ScanContext*>(context);
  if (id < ctx->extra_base) {
    OnLiteral(ctx, id, to);
    return 0;
  }
  const unsigned x = id - ctx->extra_base;
  ctx->sink->OnExtraMatch(x, ctx->field, ctx->text, static_cast<size_t>(to - ctx->extra_lengths[x]),
                          static_cast<size_t>(to));
  return 0;
}

// The Tagger's literals followed by the extra ones, in one database.
class HyperscanCombined final : public CombinedScan {
 public:
  explicit HyperscanCombined(uint64_t serial_number) : serial(serial_number) {}
  ~HyperscanCombined() override {
    if (database != nullptr) hs_free_database(database);
  }
  HyperscanCombined(const HyperscanCombined&) = delete;
  HyperscanCombined& operator=(const HyperscanCombined&) = delete;

  const uint64_t serial;        // for PerThread::fitted, from the Taggers' counter
  const void* owner = nullptr;  // the Tagger that compiled it
  hs_database_t* database = nullptr;
  unsigned extra_base = 0;
  std::vector<uint32_t> extra_lengths;
};

// A literal to compile: its bytes, and whether ASCII letters match either case.
struct LiteralSpec {
  const std::string* text;
  bool caseless;
};

// Compiles literals (ids their indices) into a block-mode database.
Status CompileLiterals(const std::vector<LiteralSpec>& literals, hs_database_t** database) {
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < literals.size(); ++i) {
    exprs.push_back(literals[i].text->data());
    lens.push_back(literals[i].text->size());
    flags.push_back(literals[i].caseless ? HS_FLAG_CASELESS : 0u);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, database,
                           &error) != HS_SUCCESS) {
    std::string message = "cannot compile the vocabulary";
    if (error != nullptr) {
      if (error->expression >= 0) {
        message += " (term '" + *literals[static_cast<size_t>(error->expression)].text + "')";
      }
      message += std::string(": ") + error->message;
      hs_free_compile_error(error);
    }
    *database = nullptr;
    return Status::InvalidArgument(message);
  }
  // Check a scratch can be made, so a scan cannot fail for that reason.
  hs_scratch_t* probe = nullptr;
  if (hs_alloc_scratch(*database, &probe) != HS_SUCCESS) {
    hs_free_database(*database);
    *database = nullptr;
    return Status::InvalidArgument("cannot allocate Hyperscan scratch space");
  }
  hs_free_scratch(probe);
  return Status::Ok();
}

class HyperscanTagger final : public Tagger {
 public:
  HyperscanTagger(Vocabulary vocabulary, TaggerOptions options)
      : vocabulary_(std::move(vocabulary)), options_(options), serial_(next_serial_++) {}
  ~HyperscanTagger() override {
    if (database_ != nullptr) hs_free_database(database_);
  }

  Status Build();
  std::vector<Hit> FindHits(const Item& item) const override;
  void FindHitsNormalized(const Item& item, const NormalizedItem& norm,
                          std::vector<Hit>& hits) const override;
  Tags Tag(const Item& item, const std::vector<Hit>& hits) const override;
  void TagIndices(const Item& item, const std::vector<Hit>& hits,
                  std::vector<int>& concepts) const override;
  const Vocabulary& vocabulary() const override { return vocabulary_; }
  Result<std::shared_ptr<const CombinedScan>> CompileCombined(
      const std::vector<std::string>& extra) const override;
  void FindHitsCombined(const Item& item, const NormalizedItem& norm, const CombinedScan& combined,
                        ExtraMatchSink& sink, std::vector<Hit>& hits) const override;

 private:
  void AddLiteral(const std::string& literal, bool caseless, Entry entry);
  void AddPhrase(std::string_view text, bool case_sensitive, bool variants, Entry entry);
  // FindHitsNormalized, through `combined` when it is not null.
  void FindHitsWith(const Item& item, const NormalizedItem& norm, const HyperscanCombined* combined,
                    ExtraMatchSink* sink, std::vector<Hit>& hits) const;
  void ScanField(std::string_view field_text, const NormalizedText& norm, Field field, PerThread& t,
                 const HyperscanCombined* combined, ExtraMatchSink* sink,
                 std::vector<Hit>& hits) const;

  Vocabulary vocabulary_;
  TaggerOptions options_;
  static inline std::atomic<uint64_t> next_serial_{1};
  const uint64_t serial_;
  // The Tagger's own database, compiled on first use: a RuleEngine with
  // keywords scans with its combined database instead, so a daemon never
  // holds this copy of the literals.  Build compiles it once to check it.
  const hs_database_t* Database() const;
  mutable std::once_flag database_once_;
  mutable hs_database_t* database_ = nullptr;
  // By 'i' (caseless) or 's' (case-sensitive) and the literal's bytes.
  std::unordered_map<std::string, unsigned> literal_ids_;
  std::vector<std::string> literals_;
  std::vector<bool> literal_caseless_;
  // literals_ as CompileLiterals takes them (ids: their indices).
  std::vector<LiteralSpec> LiteralSpecs() const {
    std::vector<LiteralSpec> out;
    out.reserve(literals_.size());
    for (size_t i = 0; i < literals_.size(); ++i) {
      out.push_back({&literals_[i], literal_caseless_[i]});
    }
    return out;
  }
  std::vector<std::vector<Entry>> entries_;  // by literal id, while building
  std::vector<FlatEntry> flat_;              // literal i's: [flat_begin_[i], flat_begin_[i + 1])
  std::vector<uint32_t> flat_begin_;
  std::vector<std::string> exact_;         // FlatEntry::exact
  std::vector<uint8_t> literal_checks_;    // by literal id: kCheckLeft | kCheckRight
  std::vector<uint32_t> literal_lengths_;  // by literal id: bytes
  std::vector<std::vector<int>> closure_;  // concept -> itself and its groups, transitively
  std::vector<int> context_support_;       // context concepts that support minerals
  std::vector<std::vector<int>> implies_;  // concept -> implied concepts
  // concept -> term -> clause indices one of which the term requires
  std::vector<std::vector<std::vector<int>>> requires_;
  // What TagIndices reads of each hit's term and concept, side by side: the
  // Vocabulary's structs spread it over several cache lines per hit.
  struct TermFacts {
    double weight;
    bool symbol;
    bool needs_clause;  // !requires_clauses.empty()
  };
  struct ConceptFacts {
    double threshold;
    Category category;
    bool suppresses;  // a context concept whose effect is kSuppress
    bool yields_to_specific;
    bool report;
  };
  std::vector<uint32_t> term_base_;  // concept -> its first TermFacts
  std::vector<TermFacts> term_facts_;
  std::vector<ConceptFacts> concept_facts_;
  const TermFacts& FactsOf(const Hit& h) const {
    return term_facts_[term_base_[static_cast<size_t>(h.concept_index)] +
                       static_cast<size_t>(h.term_index)];
  }
};

void HyperscanTagger::AddLiteral(const std::string& literal, bool caseless, Entry entry) {
  if (literal.empty()) return;
  auto [it, inserted] = literal_ids_.emplace((caseless ? 'i' : 's') + literal,
                                             static_cast<unsigned>(literals_.size()));
  if (inserted) {
    literals_.push_back(literal);
    literal_caseless_.push_back(caseless);
    entries_.emplace_back();
  }
  std::vector<Entry>& list = entries_[it->second];
  for (Entry& e : list) {
    if (e.kind == entry.kind && e.concept_index == entry.concept_index && e.index == entry.index &&
        e.exact == entry.exact) {
      e.forms |= entry.forms;
      return;
    }
  }
  list.push_back(std::move(entry));
}

void HyperscanTagger::AddPhrase(std::string_view text, bool case_sensitive, bool variants,
                                Entry entry) {
  const std::string folded = Fold(text, CaseFold::kAll);
  if (folded.empty()) return;
  entry.case_sensitive = case_sensitive;
  if (case_sensitive) entry.exact = Fold(text, CaseFold::kKeep);
  // Whole-word checks where the phrase starts or ends with a Latin word character.
  entry.check_left = IsWordChar(CharAt(folded, 0));
  entry.check_right = IsWordChar(CharBefore(folded, folded.size()));
  const bool latin = entry.check_right && CharBefore(folded, folded.size()) < 0x80;
  if (case_sensitive) {
    // In the scan's form of the text, case-sensitively; the entry checks
    // the original against `exact` after that.
    AddLiteral(Fold(text, CaseFold::kNonAscii), false, std::move(entry));
    return;
  }
  if (!variants || !latin) {
    AddLiteral(folded, true, std::move(entry));
    return;
  }
  for (Variant& v : Variants(folded)) {
    entry.forms = v.forms;
    AddLiteral(v.text, true, entry);
  }
}

Status HyperscanTagger::Build() {
  const auto& concepts = vocabulary_.concepts;
  for (size_t ci = 0; ci < concepts.size(); ++ci) {
    const Concept& c = concepts[ci];
    const int cidx = static_cast<int>(ci);
    for (size_t ti = 0; ti < c.terms.size(); ++ti) {
      const Term& term = c.terms[ti];
      if (term.opt_in && !options_.capital_metonyms) continue;
      if (term.proximity >= 0) continue;
      AddPhrase(term.text, term.case_sensitive, !term.symbol,
                Entry{EntryKind::kTerm, false, false, false, cidx, static_cast<int>(ti), {}});
    }
    for (size_t vi = 0; vi < c.vetoes.size(); ++vi) {
      AddPhrase(c.vetoes[vi], false, true,
                Entry{EntryKind::kVeto, false, false, false, cidx, static_cast<int>(vi), {}});
    }
    for (size_t vi = 0; vi < c.context_vetoes.size(); ++vi) {
      AddPhrase(
          c.context_vetoes[vi], false, true,
          Entry{EntryKind::kContextVeto, false, false, false, cidx, static_cast<int>(vi), {}});
    }
    for (size_t pi = 0; pi < c.near.size(); ++pi) {
      const Proximity& p = c.near[pi];
      for (const std::string& a : p.a) {
        AddPhrase(a, p.case_sensitive, true,
                  Entry{EntryKind::kNearA, false, false, false, cidx, static_cast<int>(pi), {}});
      }
      for (const std::string& b : p.b) {
        AddPhrase(b, p.case_sensitive, true,
                  Entry{EntryKind::kNearB, false, false, false, cidx, static_cast<int>(pi), {}});
      }
    }
    if (c.category == Category::kContext && c.effect == ContextEffect::kSupportMinerals) {
      context_support_.push_back(cidx);
    }
  }
  implies_.resize(concepts.size());
  requires_.resize(concepts.size());
  for (size_t ci = 0; ci < concepts.size(); ++ci) {
    for (const std::string& id : concepts[ci].implies) {
      const int j = vocabulary_.Find(concepts[ci].category, id);
      if (j >= 0) implies_[ci].push_back(j);
    }
    requires_[ci].resize(concepts[ci].terms.size());
    for (size_t ti = 0; ti < concepts[ci].terms.size(); ++ti) {
      for (const std::string& id : concepts[ci].terms[ti].requires_clauses) {
        const int j = vocabulary_.Find(Category::kClause, id);
        if (j >= 0) requires_[ci][ti].push_back(j);
      }
    }
  }
  term_base_.clear();
  term_facts_.clear();
  concept_facts_.clear();
  for (const Concept& c : concepts) {
    term_base_.push_back(static_cast<uint32_t>(term_facts_.size()));
    for (const Term& term : c.terms) {
      term_facts_.push_back(TermFacts{term.weight, term.symbol, !term.requires_clauses.empty()});
    }
    concept_facts_.push_back(
        ConceptFacts{c.threshold, c.category,
                     c.category == Category::kContext && c.effect == ContextEffect::kSuppress,
                     c.yields_to_specific, c.report});
  }
  closure_.resize(concepts.size());
  for (size_t ci = 0; ci < concepts.size(); ++ci) {
    std::vector<int>& out = closure_[ci];
    std::vector<int> stack = {static_cast<int>(ci)};
    while (!stack.empty()) {
      const int cur = stack.back();
      stack.pop_back();
      if (std::find(out.begin(), out.end(), cur) != out.end()) continue;
      out.push_back(cur);
      for (const std::string& g : concepts[cur].groups) {
        const int gi = vocabulary_.Find(concepts[cur].category, g);
        if (gi >= 0) stack.push_back(gi);
      }
    }
  }
  if (literals_.empty()) return Status::InvalidArgument("vocabulary has no terms to match");
  literal_checks_.assign(literals_.size(), kCheckLeft | kCheckRight);
  literal_lengths_.clear();
  for (const std::string& l : literals_)
    literal_lengths_.push_back(static_cast<uint32_t>(l.size()));
  for (size_t i = 0; i < literals_.size(); ++i) {
    for (const Entry& e : entries_[i]) {
      if (!e.check_left) literal_checks_[i] &= static_cast<uint8_t>(~kCheckLeft);
      if (!e.check_right) literal_checks_[i] &= static_cast<uint8_t>(~kCheckRight);
      literal_checks_[i] |= static_cast<uint8_t>((e.forms & (kFormS | kFormEs)) << 1);
    }
  }
  flat_.clear();
  flat_begin_.assign(1, 0);
  for (const std::vector<Entry>& list : entries_) {
    for (const Entry& e : list) {
      int exact = -1;
      if (e.case_sensitive) {
        exact = static_cast<int>(exact_.size());
        exact_.push_back(e.exact);
      }
      flat_.push_back(FlatEntry{e.kind, e.check_left, e.check_right, e.case_sensitive,
                                concepts[static_cast<size_t>(e.concept_index)].category,
                                e.concept_index, e.index, exact, e.forms});
    }
    flat_begin_.push_back(static_cast<uint32_t>(flat_.size()));
  }
  entries_.clear();
  entries_.shrink_to_fit();
  hs_database_t* probe = nullptr;
  Status status = CompileLiterals(LiteralSpecs(), &probe);
  if (probe != nullptr) hs_free_database(probe);
  return status;
}

const hs_database_t* HyperscanTagger::Database() const {
  std::call_once(database_once_, [this] {
    // Compiled in Build already, so it compiles again (or leaves no hits).
    (void)CompileLiterals(LiteralSpecs(), &database_);
  });
  return database_;
}

Result<std::shared_ptr<const CombinedScan>> HyperscanTagger::CompileCombined(
    const std::vector<std::string>& extra) const {
  auto combined = std::make_shared<HyperscanCombined>(next_serial_++);
  combined->owner = this;
  combined->extra_base = static_cast<unsigned>(literals_.size());
  std::vector<LiteralSpec> literals = LiteralSpecs();
  for (const std::string& l : extra) {
    if (l.empty()) return Status::InvalidArgument("an empty literal cannot be matched");
    literals.push_back({&l, true});
    combined->extra_lengths.push_back(static_cast<uint32_t>(l.size()));
  }
  if (Status s = CompileLiterals(literals, &combined->database); !s.ok()) return s;
  return std::shared_ptr<const CombinedScan>(std::move(combined));
}

PerThread& ThreadState() {
  thread_local PerThread state;
  return state;
}

void HyperscanTagger::ScanField(std::string_view field_text, const NormalizedText& norm,
                                Field field, PerThread& t, const HyperscanCombined* combined,
                                ExtraMatchSink* sink, std::vector<Hit>& hits) const {
  if (field_text.empty()) return;
  const std::string& s = norm.text;
  if (s.empty()) return;
  t.raw.clear();
  ScanContext ctx{s, literal_checks_.data(), literal_lengths_.data(), &t.raw};
  if (combined != nullptr) {
    ctx.extra_base = combined->extra_base;
    ctx.extra_lengths = combined->extra_lengths.data();
    ctx.sink = sink;
    ctx.field = field;
    if (hs_scan(combined->database, s.data(), static_cast<unsigned>(s.size()), 0, t.scratch.scratch,
                OnCombinedMatch, &ctx) != HS_SUCCESS) {
      return;
    }
  } else if (hs_scan(Database(), s.data(), static_cast<unsigned>(s.size()), 0, t.scratch.scratch,
                     OnMatch, &ctx) != HS_SUCCESS) {
    return;
  }
  t.cands.clear();
  t.vetoes.clear();
  t.near_a.clear();
  t.near_b.clear();
  const auto& concepts = vocabulary_.concepts;
  for (const RawMatch& m : t.raw) {
    const uint8_t checked = literal_checks_[m.id];  // the edges OnMatch has tested
    for (uint32_t k = flat_begin_[m.id]; k < flat_begin_[m.id + 1]; ++k) {
      const FlatEntry& e = flat_[k];
      if (!(e.forms & m.form)) continue;
      const bool left = e.check_left && !(checked & kCheckLeft);
      const bool right = e.check_right && !(checked & kCheckRight);
      if ((left || right) && !AtWordBoundaries(s, m.from, m.to, left, right)) continue;
      if (e.case_sensitive) {
        const std::string& exact = exact_[static_cast<size_t>(e.exact)];
        const uint32_t ob = norm.Begin(m.from);
        const uint32_t oe = norm.End(m.to - 1);
        const std::string_view original = field_text.substr(ob, oe - ob);
        bool same = original == exact;
        if (!same) {
          NormalizeWithOffsets(original, CaseFold::kKeep, t.exact);
          same = t.exact.text == exact;
        }
        if (!same) continue;
      }
      switch (e.kind) {
        case EntryKind::kTerm:
          t.cands.push_back({e.concept_index, e.index, m.from, m.to, false, false, e.category});
          break;
        case EntryKind::kVeto:
          t.vetoes.push_back({e.concept_index, e.index, m.from, m.to});
          break;
        case EntryKind::kContextVeto:
          t.context_vetoed[static_cast<size_t>(e.concept_index)] = true;
          break;
        case EntryKind::kNearA:
          t.near_a.push_back({e.concept_index, e.index, m.from, m.to});
          break;
        case EntryKind::kNearB:
          t.near_b.push_back({e.concept_index, e.index, m.from, m.to});
          break;
      }
    }
  }
  // Vetoes cancel the hits of their concept that lie inside them.
  for (Candidate& c : t.cands) {
    for (const Span& v : t.vetoes) {
      if (v.concept_index == c.concept_index && v.from <= c.from && c.to <= v.to) {
        c.dropped = true;
        break;
      }
    }
  }
  // A hit inside a longer hit of the same concept, or of another mineral or
  // country, is not a hit of its own: "Korea" in "North Korea", "lithium" in
  // "lithium-ion battery", 铝 in 铝土矿.  Clauses overlap freely ("export
  // licence" is both export-control and licence).
  // Only a hit that lies inside another can be dropped, so the pairwise test
  // runs only for those: in order of start (longest first; of one span, the
  // lower term first) each hit is inside some hit before it exactly when
  // one of those reaches as far as it does, and only a hit before it can
  // contain it.  Whether a hit is dropped does not depend on the order the
  // hits are looked at: whatever contains a dropped container contains the
  // hit too.
  const size_t n_cands = t.cands.size();
  t.order.resize(n_cands);
  for (size_t i = 0; i < n_cands; ++i) t.order[i] = static_cast<uint32_t>(i);
  std::sort(t.order.begin(), t.order.end(), [&t](uint32_t a, uint32_t b) {
    const Candidate& x = t.cands[a];
    const Candidate& y = t.cands[b];
    if (x.from != y.from) return x.from < y.from;
    if (x.to != y.to) return x.to > y.to;
    if (x.term_index != y.term_index) return x.term_index < y.term_index;
    return a < b;
  });
  uint32_t reach = 0;  // the furthest end of the hits so far in that order
  for (size_t k = 0; k < n_cands; ++k) {
    Candidate& c = t.cands[t.order[k]];
    const bool enclosed = k > 0 && reach >= c.to;
    reach = std::max(reach, c.to);
    if (!enclosed || c.dropped) continue;
    const Category category = c.category;
    const bool any_concept = category == Category::kMineral || category == Category::kCountry;
    for (size_t j = k; j-- > 0;) {
      const Candidate& o = t.cands[t.order[j]];
      // Before c in the order, o starts where c does or earlier: it contains
      // c when it ends where c does or later, and then it is longer, or the
      // same span found for a lower term of the same concept (or found
      // twice), which stays.
      if (o.to < c.to || o.dropped || o.category != category) continue;
      const bool same_span = o.from == c.from && o.to == c.to;
      if (o.concept_index == c.concept_index || (any_concept && !same_span)) {
        c.dropped = true;
        break;
      }
    }
  }
  // Proximity terms: an `a` word within n words of a `b` word, either order.
  for (const Span& a : t.near_a) {
    for (const Span& b : t.near_b) {
      if (a.concept_index != b.concept_index || a.index != b.index) continue;
      const Proximity& p = concepts[a.concept_index].near[a.index];
      const Span& first = a.from <= b.from ? a : b;
      const Span& second = a.from <= b.from ? b : a;
      if (first.to > second.from) continue;
      if (WordsBetween(s, first.to, second.from) > p.within) continue;
      int term_index = -1;
      const auto& terms = concepts[a.concept_index].terms;
      for (size_t k = 0; k < terms.size(); ++k) {
        if (terms[k].proximity == a.index) term_index = static_cast<int>(k);
      }
      bool vetoed = false;
      for (const Span& v : t.vetoes) {
        if (v.concept_index == a.concept_index && v.from <= first.from && second.to <= v.to) {
          vetoed = true;
        }
      }
      if (term_index >= 0 && !vetoed) {
        t.cands.push_back({a.concept_index, term_index, first.from, second.to, true, false,
                           concepts[static_cast<size_t>(a.concept_index)].category});
      }
      break;
    }
  }
  for (const Candidate& c : t.cands) {
    if (c.dropped) continue;
    Hit h;
    h.concept_index = c.concept_index;
    h.term_index = c.term_index;
    h.field = field;
    h.offset = norm.Begin(c.from);
    h.length = norm.End(c.to - 1) - h.offset;
    hits.push_back(h);
  }
}

std::vector<Hit> HyperscanTagger::FindHits(const Item& item) const {
  PerThread& t = ThreadState();
  NormalizeItem(item, t.item);
  std::vector<Hit> hits;
  FindHitsNormalized(item, t.item, hits);
  return hits;
}

void HyperscanTagger::FindHitsNormalized(const Item& item, const NormalizedItem& norm,
                                         std::vector<Hit>& hits) const {
  FindHitsWith(item, norm, nullptr, nullptr, hits);
}

void HyperscanTagger::FindHitsCombined(const Item& item, const NormalizedItem& norm,
                                       const CombinedScan& combined, ExtraMatchSink& sink,
                                       std::vector<Hit>& hits) const {
  const auto* own = dynamic_cast<const HyperscanCombined*>(&combined);
  if (own == nullptr || own->owner != this) {
    FindHitsNormalized(item, norm, hits);
    return;
  }
  FindHitsWith(item, norm, own, &sink, hits);
}

void HyperscanTagger::FindHitsWith(const Item& item, const NormalizedItem& norm,
                                   const HyperscanCombined* combined, ExtraMatchSink* sink,
                                   std::vector<Hit>& hits) const {
  PerThread& t = ThreadState();
  hits.clear();
  const uint64_t serial = combined != nullptr ? combined->serial : serial_;
  if (std::find(t.fitted.begin(), t.fitted.end(), serial) == t.fitted.end()) {
    const hs_database_t* db = combined != nullptr ? combined->database : Database();
    if (db == nullptr) return;
    if (hs_alloc_scratch(db, &t.scratch.scratch) != HS_SUCCESS) return;
    if (t.fitted.size() >= 64) t.fitted.clear();
    t.fitted.push_back(serial);
  }
  t.context_vetoed.assign(vocabulary_.concepts.size(), false);
  ScanField(item.title, norm.fields[0], Field::kTitle, t, combined, sink, hits);
  ScanField(item.summary_text, norm.fields[1], Field::kSummary, t, combined, sink, hits);
  if (!norm.content_is_summary) {
    ScanField(item.content_text, norm.fields[2], Field::kContent, t, combined, sink, hits);
  }
  if (!item.categories.empty()) {
    ScanField(norm.categories, norm.fields[3], Field::kCategories, t, combined, sink, hits);
  }
  std::erase_if(
      hits, [&](const Hit& h) { return t.context_vetoed[static_cast<size_t>(h.concept_index)]; });
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.field != b.field) return a.field < b.field;
    if (a.offset != b.offset) return a.offset < b.offset;
    if (a.length != b.length) return a.length > b.length;
    if (a.concept_index != b.concept_index) return a.concept_index < b.concept_index;
    return a.term_index < b.term_index;
  });
}

Tags HyperscanTagger::Tag(const Item& item, const std::vector<Hit>& hits) const {
  std::vector<int> emitted;
  TagIndices(item, hits, emitted);
  Tags tags;
  for (int g : emitted) {
    const Concept& c = vocabulary_.concepts[static_cast<size_t>(g)];
    switch (c.category) {
      case Category::kMineral:
        tags.minerals.push_back(c.id);
        break;
      case Category::kCountry:
        tags.countries.push_back(c.id);
        break;
      case Category::kClause:
        tags.clauses.push_back(c.id);
        break;
      case Category::kContext:
        break;
    }
  }
  for (auto* v : {&tags.minerals, &tags.countries, &tags.clauses}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  return tags;
}

// Only the concepts the item has hits of (and those their tags imply) are
// looked at, so the cost follows the hits, not the vocabulary's size.
void HyperscanTagger::TagIndices(const Item& item, const std::vector<Hit>& hits,
                                 std::vector<int>& out) const {
  out.clear();
  const size_t n = concept_facts_.size();
  const auto& concepts = concept_facts_;
  PerThread& t = ThreadState();
  if (t.dirty || t.score.size() != n) {
    t.score.assign(n, 0.0);
    t.plain.assign(n, 0);
    t.in_title.assign(n, 0);
    t.tagged.assign(n, 0);
    t.seen.assign(n, 0);
    t.emitted.assign(n, 0);
  }
  t.dirty = true;
  t.touched.clear();
  auto touch = [&t](int c) {
    if (!t.seen[static_cast<size_t>(c)]) {
      t.seen[static_cast<size_t>(c)] = 1;
      t.touched.push_back(c);
    }
  };
  auto finish = [&t, &out] {
    for (int c : t.touched) {
      const auto i = static_cast<size_t>(c);
      t.score[i] = 0.0;
      t.plain[i] = t.in_title[i] = t.tagged[i] = t.seen[i] = 0;
    }
    for (int g : out) t.emitted[static_cast<size_t>(g)] = 0;
    t.dirty = false;
  };
  // A long body holds many passing mentions: each body hit counts half.
  const size_t body_size = item.summary_text.size() +
                           (item.content_text != item.summary_text ? item.content_text.size() : 0);
  const double body_weight = body_size > 2000 ? 0.5 : 1.0;
  auto weight = [&](const Hit& h) {
    return FactsOf(h).weight * (h.field == Field::kTitle ? 2.0 : body_weight);
  };
  auto passes = [&](size_t i) { return t.score[i] > 0 && t.score[i] >= concepts[i].threshold; };
  int plain_count[4] = {0, 0, 0, 0};  // concepts with a plain hit, by category
  // Pass 1: ordinary terms.
  for (const Hit& h : hits) {
    touch(h.concept_index);
    const auto ci = static_cast<size_t>(h.concept_index);
    const TermFacts& term = FactsOf(h);
    if (term.symbol || term.needs_clause) continue;
    t.score[ci] += weight(h);
    if (!t.plain[ci]) {
      t.plain[ci] = 1;
      ++plain_count[static_cast<int>(concepts[ci].category)];
    }
    if (h.field == Field::kTitle) t.in_title[ci] = 1;
  }
  t.stack.clear();
  for (int c : t.touched) {
    const auto i = static_cast<size_t>(c);
    t.tagged[i] = passes(i);
    if (!t.tagged[i]) continue;
    if (concepts[i].suppresses) {
      finish();
      return;
    }
    t.stack.push_back(c);
  }
  // Implications between clauses (and any category), transitively.
  while (!t.stack.empty()) {
    const int i = t.stack.back();
    t.stack.pop_back();
    for (int j : implies_[static_cast<size_t>(i)]) {
      if (t.tagged[static_cast<size_t>(j)]) continue;
      touch(j);
      t.tagged[static_cast<size_t>(j)] = 1;
      t.stack.push_back(j);
    }
  }
  // Pass 2: terms that depend on a clause or on a plain hit of their category.
  for (const Hit& h : hits) {
    const auto ci = static_cast<size_t>(h.concept_index);
    const TermFacts& term = FactsOf(h);
    if (!term.symbol && !term.needs_clause) continue;
    if (term.symbol && plain_count[static_cast<int>(concepts[ci].category)] == 0) continue;
    if (term.needs_clause) {
      bool ok = false;
      for (int j : requires_[ci][h.term_index]) ok = ok || t.tagged[static_cast<size_t>(j)];
      if (!ok) continue;
    }
    t.score[ci] += weight(h);
    if (h.field == Field::kTitle) t.in_title[ci] = 1;
  }
  for (int c : t.touched) {
    const auto i = static_cast<size_t>(c);
    if (concepts[i].category == Category::kClause) continue;
    t.tagged[i] = passes(i);
  }
  // A mineral counts only in an item about the mineral trade: one with an
  // event clause or a word of the trade (mining, ore, exports, prices, ...).
  bool support = context_support_.empty();
  for (int i : context_support_) support = support || t.score[static_cast<size_t>(i)] > 0;
  for (int c : t.touched) {
    const auto i = static_cast<size_t>(c);
    support = support || (t.tagged[i] && concepts[i].category == Category::kClause);
  }
  bool specific_in_title = false;
  for (int c : t.touched) {
    const auto i = static_cast<size_t>(c);
    if (concepts[i].category != Category::kMineral) continue;
    if (!support) t.tagged[i] = 0;
    if (t.tagged[i] && t.in_title[i] && !concepts[i].yields_to_specific) specific_in_title = true;
  }
  for (int c : t.touched) {
    const auto i = static_cast<size_t>(c);
    if (!t.tagged[i]) continue;
    const ConceptFacts& concept_i = concepts[i];
    if (concept_i.yields_to_specific && specific_in_title) continue;
    if (concept_i.category == Category::kContext) continue;
    for (int g : closure_[i]) {
      if (t.emitted[static_cast<size_t>(g)] || !concepts[static_cast<size_t>(g)].report) continue;
      t.emitted[static_cast<size_t>(g)] = 1;
      out.push_back(g);
    }
  }
  finish();
  std::sort(out.begin(), out.end());
}

}  // namespace

Result<std::shared_ptr<const Tagger>> Tagger::Compile(const Vocabulary& vocabulary,
                                                      const TaggerOptions& options) {
  auto tagger = std::make_shared<HyperscanTagger>(vocabulary, options);
  if (Status s = tagger->Build(); !s.ok()) return s;
  return std::shared_ptr<const Tagger>(std::move(tagger));
}

}  // namespace mineral::rules
