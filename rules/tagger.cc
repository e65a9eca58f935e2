#include "rules/tagger.h"

#include <hs/hs.h>
#include <utf8proc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

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

bool IsUnicodeSpace(char32_t cp) {
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Scripts written without spaces between words: their terms match as
// substrings and their characters bound Latin words.
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
  return text::DecodeUtf8Char(s.substr(i)).code_point;
}

// The character ending just before `i`.
char32_t CharBefore(std::string_view s, size_t i) {
  size_t j = i - 1;
  while (j > 0 && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) --j;
  return CharAt(s, j);
}

// Latin-style whole-word test at both ends of [b, e) in normalized text.
bool AtWordBoundaries(std::string_view s, size_t b, size_t e, bool check_left, bool check_right) {
  if (check_left && b > 0 && IsWordChar(CharBefore(s, b))) return false;
  if (check_right && e < s.size() && IsWordChar(CharAt(s, e))) return false;
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

void NormalizeWithOffsets(std::string_view text, bool fold_case, NormalizedText& out) {
  out.text.clear();
  out.begin.clear();
  out.end.clear();
  out.text.reserve(text.size());
  out.begin.reserve(text.size());
  out.end.reserve(text.size());
  bool pending_space = false;
  uint32_t space_begin = 0;
  uint32_t space_end = 0;
  auto flush_space = [&] {
    if (pending_space && !out.text.empty()) {
      out.text.push_back(' ');
      out.begin.push_back(space_begin);
      out.end.push_back(space_end);
    }
    pending_space = false;
  };
  auto emit = [&](const char* bytes, size_t n, size_t b, size_t e) {
    flush_space();
    for (size_t k = 0; k < n; ++k) {
      out.text.push_back(bytes[k]);
      out.begin.push_back(static_cast<uint32_t>(b));
      out.end.push_back(static_cast<uint32_t>(e));
    }
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
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
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
        if (fold_case && c >= 'A' && c <= 'Z') o = static_cast<char>(c + 32);
        emit(&o, 1, i, i + 1);
        ++i;
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
    if (ch.code_point >= 0x4E00 && ch.code_point <= 0x9FFF && !next_is_combining(i + 3)) {
      emit(text.data() + i, 3, i, i + 3);  // CJK ideographs are their own NFKC form
      i += 3;
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
    if (fold_case) options = static_cast<utf8proc_option_t>(options | UTF8PROC_CASEFOLD);
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                     static_cast<utf8proc_ssize_t>(seg_end - i), &mapped, options);
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

namespace {

enum class EntryKind : uint8_t { kTerm, kVeto, kContextVeto, kNearA, kNearB };

// What one literal stands for (a literal may stand for several).
struct Entry {
  EntryKind kind;
  bool check_left;
  bool check_right;
  bool case_sensitive;
  int concept_index;
  int index;          // term, veto or proximity index
  std::string exact;  // case-sensitive terms: the NFKC form to verify
};

struct RawMatch {
  unsigned id;
  uint32_t from;
  uint32_t to;
};

// A hit in normalized coordinates, before mapping back.
struct Candidate {
  int concept_index;
  int term_index;
  uint32_t from;
  uint32_t to;
  bool proximity;
  bool dropped;
};

struct Span {
  int concept_index;
  int index;
  uint32_t from;
  uint32_t to;
};

std::string Fold(std::string_view text, bool fold_case) {
  NormalizedText n;
  NormalizeWithOffsets(text, fold_case, n);
  return std::move(n.text);
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Plural and hyphen/space variants of a case-folded Latin term.
std::vector<std::string> Variants(const std::string& folded) {
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
  std::vector<std::string> out = base;
  for (const std::string& v : base) {
    if (v.size() < 3 || !IsAsciiLetter(v.back()) || !IsAsciiLetter(v[v.size() - 2])) continue;
    const char last = v.back();
    const char prev = v[v.size() - 2];
    if (last == 's' || last == 'x' || last == 'z' ||
        ((last == 'h') && (prev == 'c' || prev == 's'))) {
      out.push_back(v + "es");
    } else if (last == 'y' && std::string_view("aeiou").find(prev) == std::string_view::npos) {
      out.push_back(v.substr(0, v.size() - 1) + "ies");
    } else {
      out.push_back(v + "s");
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
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
  NormalizedText norm;
  NormalizedText exact;
  std::vector<RawMatch> raw;
  std::vector<Candidate> cands;
  std::vector<Span> vetoes;
  std::vector<Span> near_a;
  std::vector<Span> near_b;
  std::string categories;
};

int OnMatch(unsigned id, unsigned long long from, unsigned long long to, unsigned /*flags*/,
            void* ctx) {
  static_cast<std::vector<RawMatch>*>(ctx)->push_back(
      {id, static_cast<uint32_t>(from), static_cast<uint32_t>(to)});
  return 0;
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
  Tags Tag(const Item& item, const std::vector<Hit>& hits) const override;
  const Vocabulary& vocabulary() const override { return vocabulary_; }

 private:
  void AddLiteral(const std::string& literal, Entry entry);
  void AddPhrase(std::string_view text, bool case_sensitive, bool variants, Entry entry);
  void ScanField(std::string_view field_text, Field field, PerThread& t, std::vector<Hit>& hits,
                 std::vector<bool>& context_vetoed) const;

  Vocabulary vocabulary_;
  TaggerOptions options_;
  static inline std::atomic<uint64_t> next_serial_{1};
  const uint64_t serial_;
  hs_database_t* database_ = nullptr;
  std::unordered_map<std::string, unsigned> literal_ids_;
  std::vector<std::string> literals_;
  std::vector<std::vector<Entry>> entries_;  // by literal id
  std::vector<std::vector<int>> closure_;    // concept -> itself and its groups, transitively
  std::vector<int> context_support_;         // context concepts that support minerals
  std::vector<std::vector<int>> implies_;    // concept -> implied concepts
  // concept -> term -> clause indices one of which the term requires
  std::vector<std::vector<std::vector<int>>> requires_;
};

void HyperscanTagger::AddLiteral(const std::string& literal, Entry entry) {
  if (literal.empty()) return;
  auto [it, inserted] = literal_ids_.emplace(literal, static_cast<unsigned>(literals_.size()));
  if (inserted) {
    literals_.push_back(literal);
    entries_.emplace_back();
  }
  std::vector<Entry>& list = entries_[it->second];
  for (const Entry& e : list) {
    if (e.kind == entry.kind && e.concept_index == entry.concept_index && e.index == entry.index &&
        e.exact == entry.exact) {
      return;
    }
  }
  list.push_back(std::move(entry));
}

void HyperscanTagger::AddPhrase(std::string_view text, bool case_sensitive, bool variants,
                                Entry entry) {
  const std::string folded = Fold(text, true);
  if (folded.empty()) return;
  entry.case_sensitive = case_sensitive;
  if (case_sensitive) entry.exact = Fold(text, false);
  // Whole-word checks where the phrase starts or ends with a Latin word character.
  entry.check_left = IsWordChar(CharAt(folded, 0));
  entry.check_right = IsWordChar(CharBefore(folded, folded.size()));
  const bool latin = entry.check_right && CharBefore(folded, folded.size()) < 0x80;
  if (case_sensitive || !variants || !latin) {
    AddLiteral(folded, std::move(entry));
    return;
  }
  for (const std::string& v : Variants(folded)) AddLiteral(v, entry);
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
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < literals_.size(); ++i) {
    exprs.push_back(literals_[i].data());
    lens.push_back(literals_[i].size());
    flags.push_back(HS_FLAG_SOM_LEFTMOST);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &database_,
                           &error) != HS_SUCCESS) {
    std::string message = "cannot compile the vocabulary";
    if (error != nullptr) {
      if (error->expression >= 0) {
        message += " (term '" + literals_[error->expression] + "')";
      }
      message += std::string(": ") + error->message;
      hs_free_compile_error(error);
    }
    return Status::InvalidArgument(message);
  }
  // Check a scratch can be made, so FindHits cannot fail for that reason.
  hs_scratch_t* probe = nullptr;
  if (hs_alloc_scratch(database_, &probe) != HS_SUCCESS) {
    return Status::InvalidArgument("cannot allocate Hyperscan scratch space");
  }
  hs_free_scratch(probe);
  return Status::Ok();
}

PerThread& ThreadState() {
  thread_local PerThread state;
  return state;
}

void HyperscanTagger::ScanField(std::string_view field_text, Field field, PerThread& t,
                                std::vector<Hit>& hits, std::vector<bool>& context_vetoed) const {
  if (field_text.empty()) return;
  NormalizeWithOffsets(field_text, true, t.norm);
  const std::string& s = t.norm.text;
  if (s.empty()) return;
  t.raw.clear();
  if (hs_scan(database_, s.data(), static_cast<unsigned>(s.size()), 0, t.scratch.scratch, OnMatch,
              &t.raw) != HS_SUCCESS) {
    return;
  }
  t.cands.clear();
  t.vetoes.clear();
  t.near_a.clear();
  t.near_b.clear();
  const auto& concepts = vocabulary_.concepts;
  for (const RawMatch& m : t.raw) {
    for (const Entry& e : entries_[m.id]) {
      if (!AtWordBoundaries(s, m.from, m.to, e.check_left, e.check_right)) continue;
      if (e.case_sensitive) {
        const uint32_t ob = t.norm.begin[m.from];
        const uint32_t oe = t.norm.end[m.to - 1];
        const std::string_view original = field_text.substr(ob, oe - ob);
        bool same = original == e.exact;
        if (!same) {
          NormalizeWithOffsets(original, false, t.exact);
          same = t.exact.text == e.exact;
        }
        if (!same) continue;
      }
      switch (e.kind) {
        case EntryKind::kTerm:
          t.cands.push_back({e.concept_index, e.index, m.from, m.to, false, false});
          break;
        case EntryKind::kVeto:
          t.vetoes.push_back({e.concept_index, e.index, m.from, m.to});
          break;
        case EntryKind::kContextVeto:
          context_vetoed[e.concept_index] = true;
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
  for (Candidate& c : t.cands) {
    if (c.dropped) continue;
    const Category category = concepts[c.concept_index].category;
    for (const Candidate& o : t.cands) {
      if (&o == &c || o.dropped) continue;
      if (concepts[o.concept_index].category != category) continue;
      if (o.concept_index != c.concept_index && category != Category::kMineral &&
          category != Category::kCountry) {
        continue;
      }
      const bool inside = o.from <= c.from && c.to <= o.to;
      const bool longer = (o.to - o.from) > (c.to - c.from);
      const bool duplicate =
          o.from == c.from && o.to == c.to && o.concept_index == c.concept_index && &o < &c;
      if (inside && (longer || duplicate)) {
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
        t.cands.push_back({a.concept_index, term_index, first.from, second.to, true, false});
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
    h.offset = t.norm.begin[c.from];
    h.length = t.norm.end[c.to - 1] - h.offset;
    hits.push_back(h);
  }
}

std::vector<Hit> HyperscanTagger::FindHits(const Item& item) const {
  PerThread& t = ThreadState();
  std::vector<Hit> hits;
  if (std::find(t.fitted.begin(), t.fitted.end(), serial_) == t.fitted.end()) {
    if (hs_alloc_scratch(database_, &t.scratch.scratch) != HS_SUCCESS) return hits;
    if (t.fitted.size() >= 64) t.fitted.clear();
    t.fitted.push_back(serial_);
  }
  std::vector<bool> context_vetoed(vocabulary_.concepts.size(), false);
  ScanField(item.title, Field::kTitle, t, hits, context_vetoed);
  ScanField(item.summary_text, Field::kSummary, t, hits, context_vetoed);
  if (item.content_text != item.summary_text) {
    ScanField(item.content_text, Field::kContent, t, hits, context_vetoed);
  }
  if (!item.categories.empty()) {
    t.categories.clear();
    for (const std::string& c : item.categories) {
      if (!t.categories.empty()) t.categories.push_back('\n');
      t.categories += c;
    }
    ScanField(t.categories, Field::kCategories, t, hits, context_vetoed);
  }
  std::erase_if(hits, [&](const Hit& h) { return context_vetoed[h.concept_index]; });
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.field != b.field) return a.field < b.field;
    if (a.offset != b.offset) return a.offset < b.offset;
    if (a.length != b.length) return a.length > b.length;
    return a.concept_index < b.concept_index;
  });
  return hits;
}

Tags HyperscanTagger::Tag(const Item& item, const std::vector<Hit>& hits) const {
  const auto& concepts = vocabulary_.concepts;
  const size_t n = concepts.size();
  std::vector<double> score(n, 0.0);
  std::vector<bool> plain(n, false);  // has a hit by an ordinary (non-symbol) term
  std::vector<bool> in_title(n, false);
  // A long body holds many passing mentions: each body hit counts half.
  const size_t body_size = item.summary_text.size() +
                           (item.content_text != item.summary_text ? item.content_text.size() : 0);
  const double body_weight = body_size > 2000 ? 0.5 : 1.0;
  auto weight = [&](const Hit& h) {
    const double w = concepts[h.concept_index].terms[h.term_index].weight;
    return w * (h.field == Field::kTitle ? 2.0 : body_weight);
  };
  int plain_count[4] = {0, 0, 0, 0};  // concepts with a plain hit, by category
  // Pass 1: ordinary terms.
  for (const Hit& h : hits) {
    const Term& term = concepts[h.concept_index].terms[h.term_index];
    if (term.symbol || !term.requires_clauses.empty()) continue;
    score[h.concept_index] += weight(h);
    if (!plain[h.concept_index]) {
      plain[h.concept_index] = true;
      ++plain_count[static_cast<int>(concepts[h.concept_index].category)];
    }
    if (h.field == Field::kTitle) in_title[h.concept_index] = true;
  }
  std::vector<bool> tagged(n, false);
  for (size_t i = 0; i < n; ++i) tagged[i] = score[i] > 0 && score[i] >= concepts[i].threshold;
  for (size_t i = 0; i < n; ++i) {
    if (tagged[i] && concepts[i].category == Category::kContext &&
        concepts[i].effect == ContextEffect::kSuppress) {
      return {};
    }
  }
  // Implications between clauses (and any category), to a fixed point.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < n; ++i) {
      if (!tagged[i]) continue;
      for (int j : implies_[i]) {
        if (!tagged[j]) tagged[j] = changed = true;
      }
    }
  }
  // Pass 2: terms that depend on a clause or on a plain hit of their category.
  for (const Hit& h : hits) {
    const Concept& c = concepts[h.concept_index];
    const Term& term = c.terms[h.term_index];
    if (!term.symbol && term.requires_clauses.empty()) continue;
    if (term.symbol && plain_count[static_cast<int>(c.category)] == 0) continue;
    if (!term.requires_clauses.empty()) {
      bool ok = false;
      for (int j : requires_[h.concept_index][h.term_index]) ok = ok || tagged[j];
      if (!ok) continue;
    }
    score[h.concept_index] += weight(h);
    if (h.field == Field::kTitle) in_title[h.concept_index] = true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (concepts[i].category == Category::kClause) continue;
    tagged[i] = score[i] > 0 && score[i] >= concepts[i].threshold;
  }
  // A mineral counts only in an item about the mineral trade: one with an
  // event clause or a word of the trade (mining, ore, exports, prices, ...).
  bool support = context_support_.empty();
  for (int i : context_support_) support = support || score[i] > 0;
  for (size_t i = 0; i < n; ++i) {
    support = support || (tagged[i] && concepts[i].category == Category::kClause);
  }
  bool specific_in_title = false;
  for (size_t i = 0; i < n; ++i) {
    if (concepts[i].category != Category::kMineral) continue;
    if (!support) tagged[i] = false;
    if (tagged[i] && in_title[i] && !concepts[i].yields_to_specific) specific_in_title = true;
  }
  Tags tags;
  std::vector<bool> emitted(n, false);
  for (size_t i = 0; i < n; ++i) {
    if (!tagged[i]) continue;
    const Concept& c = concepts[i];
    if (c.yields_to_specific && specific_in_title) continue;
    std::vector<std::string>* out = nullptr;
    switch (c.category) {
      case Category::kMineral:
        out = &tags.minerals;
        break;
      case Category::kCountry:
        out = &tags.countries;
        break;
      case Category::kClause:
        out = &tags.clauses;
        break;
      case Category::kContext:
        break;
    }
    if (out == nullptr) continue;
    for (int g : closure_[i]) {
      if (emitted[g] || !concepts[g].report) continue;
      emitted[g] = true;
      out->push_back(concepts[g].id);
    }
  }
  for (auto* v : {&tags.minerals, &tags.countries, &tags.clauses}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  return tags;
}

}  // namespace

Result<std::shared_ptr<const Tagger>> Tagger::Compile(const Vocabulary& vocabulary,
                                                      const TaggerOptions& options) {
  auto tagger = std::make_shared<HyperscanTagger>(vocabulary, options);
  if (Status s = tagger->Build(); !s.ok()) return s;
  return std::shared_ptr<const Tagger>(std::move(tagger));
}

}  // namespace mineral::rules
