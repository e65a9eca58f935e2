#include "rules/engine.h"

#include <hs/hs.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <utility>

#include "text/text.h"

namespace mineral::rules {
namespace {

// Matches kept per (pattern, field) and item: enough to explain and to
// decide NEAR, and a bound on the work an adversarial item can cause.
constexpr size_t kMaxMatchesPerPattern = 64;

// The fields the Tagger reads, categories joined by "\n" (tagger.h).
constexpr int kFieldCount = 4;
constexpr Field kFields[kFieldCount] = {Field::kTitle, Field::kSummary, Field::kContent,
                                        Field::kCategories};

const char* TextFieldName(Field field) { return FieldName(field); }

bool InScope(Scope scope, Field field) {
  switch (scope) {
    case Scope::kAny:
      return true;
    case Scope::kTitle:
      return field == Field::kTitle;
    case Scope::kSummary:
      return field == Field::kSummary;
    case Scope::kContent:
      return field == Field::kContent;
  }
  return true;
}

bool IsCjk(char32_t cp) {
  return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

// A letter or digit of a script that separates words with spaces: whole-word
// matching applies at its edges.  CJK is matched as substrings (issue 3).
// IsWordChar of an ASCII byte, inline: word positions classify every byte
// of a field.
inline bool IsAsciiWordByte(unsigned char b) {
  return static_cast<unsigned>((b | 0x20) - 'a') < 26u || static_cast<unsigned>(b - '0') < 10u ||
         b == '_';
}

bool IsWordChar(char32_t cp) {
  if (cp < 0x80) return IsAsciiWordByte(static_cast<unsigned char>(cp));
  if (IsCjk(cp)) return false;
  if (cp == 0xD7 || cp == 0xF7) return false;
  // Latin-1 letters, Latin extended, IPA, Greek, Cyrillic, Armenian, Hebrew,
  // Arabic ... up to the general punctuation block are taken as letters.
  if (cp >= 0xC0 && cp < 0x2000) return true;
  return false;
}

char32_t CodePointBefore(std::string_view s, size_t pos) {
  if (pos == 0) return 0;
  if (static_cast<unsigned char>(s[pos - 1]) < 0x80) return static_cast<unsigned char>(s[pos - 1]);
  size_t p = pos - 1;
  while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
  return text::DecodeUtf8Char(s.substr(p, pos - p)).code_point;
}

char32_t CodePointAt(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  if (static_cast<unsigned char>(s[pos]) < 0x80) return static_cast<unsigned char>(s[pos]);
  return text::DecodeUtf8Char(s.substr(pos)).code_point;
}

// A field's text in the form the patterns read (the Tagger's
// NormalizeWithOffsets, so keyword and concept hits share coordinates), with
// word positions for NEAR built on demand.
struct FieldText {
  const NormalizedText* nt = nullptr;
  std::vector<uint32_t> word_starts;  // offsets into nt->text
  bool words_built = false;

  void Build(const NormalizedText& normalized) {
    nt = &normalized;
    words_built = false;
  }

  // The words are runs of word characters, and each CJK character alone.
  int WordIndex(size_t norm_offset) {
    if (!words_built) {
      word_starts.clear();
      bool in_word = false;
      size_t i = 0;
      const std::string_view norm = nt->text;
      while (i < norm.size()) {
        const auto byte = static_cast<unsigned char>(norm[i]);
        if (byte < 0x80) {  // ASCII: no decoding
          if (IsAsciiWordByte(byte)) {
            if (!in_word) word_starts.push_back(static_cast<uint32_t>(i));
            in_word = true;
          } else {
            in_word = false;
          }
          ++i;
          continue;
        }
        if (byte >= 0xE4 && byte <= 0xE9) {
          // U+4000-U+9FFF (the normalized text is valid UTF-8): CJK, each
          // character a word, without decoding.
          word_starts.push_back(static_cast<uint32_t>(i));
          in_word = false;
          i += 3;
          continue;
        }
        const text::Utf8Char ch = text::DecodeUtf8Char(norm.substr(i));
        if (IsCjk(ch.code_point)) {
          word_starts.push_back(static_cast<uint32_t>(i));
          in_word = false;
        } else if (IsWordChar(ch.code_point)) {
          if (!in_word) word_starts.push_back(static_cast<uint32_t>(i));
          in_word = true;
        } else {
          in_word = false;
        }
        i += static_cast<size_t>(ch.length);
      }
      words_built = true;
    }
    const auto it = std::upper_bound(word_starts.begin(), word_starts.end(), norm_offset);
    return static_cast<int>(it - word_starts.begin()) - 1;
  }

  // The norm offset of an original offset (the first norm byte at or after it).
  size_t NormOffset(size_t orig) const { return nt->NormOffset(orig); }
};

// A Hyperscan database of rule patterns (ids: Impl::patterns indices) and a
// pool of scratch spaces for it.
struct PatternDatabase {
  hs_database_t* database = nullptr;
  mutable std::mutex scratch_mutex;
  mutable std::vector<hs_scratch_t*> scratch_pool;

  PatternDatabase() = default;
  PatternDatabase(const PatternDatabase&) = delete;
  PatternDatabase& operator=(const PatternDatabase&) = delete;
  ~PatternDatabase() {
    for (hs_scratch_t* s : scratch_pool) hs_free_scratch(s);
    if (database != nullptr) hs_free_database(database);
  }

  hs_scratch_t* TakeScratch() const {
    {
      std::lock_guard<std::mutex> lock(scratch_mutex);
      if (!scratch_pool.empty()) {
        hs_scratch_t* s = scratch_pool.back();
        scratch_pool.pop_back();
        return s;
      }
    }
    hs_scratch_t* s = nullptr;
    if (hs_alloc_scratch(database, &s) != HS_SUCCESS) return nullptr;
    return s;
  }

  void ReturnScratch(hs_scratch_t* s) const {
    std::lock_guard<std::mutex> lock(scratch_mutex);
    scratch_pool.push_back(s);
  }
};

// A keyword or regular expression in the shared database.
struct Pattern {
  std::string expression;  // Hyperscan syntax
  unsigned flags = 0;
  bool whole_word_start = false;
  bool whole_word_end = false;
  // Keywords match exactly this many bytes, so their start is known from the
  // end without Hyperscan's costly start-of-match tracking.  -1: a regex.
  int fixed_length = -1;
  std::string keyword;  // a keyword's normalized text
};

struct PatternMatch {
  int pattern = -1;
  int field = 0;     // index into kFields
  size_t begin = 0;  // norm offsets
  size_t end = 0;
};

struct CNode {
  NodeKind kind = NodeKind::kAnd;
  std::vector<CNode> children;
  Scope scope = Scope::kAny;
  int pattern = -1;           // kKeyword, kRegex
  std::vector<int> concepts;  // kConcept: the concept and its expansion, sorted
  bool positional = false;    // kConcept: read raw hits (scoped or under NEAR)
  std::string label;          // the term, for explanations
  MetaField meta = MetaField::kSource;
  std::string value;    // kMeta, lower case, without a trailing '*'
  bool prefix = false;  // kMeta: value ended with '*'
  int distance = 0;     // kNear
};

struct CompiledRule {
  CNode root;
  bool enabled = true;
};

// Where a positional term was found.
struct Span {
  int field = 0;
  int first_word = 0;
  int last_word = 0;
  size_t offset = 0;  // original offsets
  size_t length = 0;
  const std::string* term = nullptr;  // CNode::label or Impl::concept_labels
};

}  // namespace

struct RuleEngine::Impl {
  std::vector<CompiledRule> rules;
  std::vector<std::string> concept_labels;  // "mineral:gallium", by concept
  // The candidate filter.  Each enabled rule has groups of triggers, every
  // group of which must have a trigger present in an item for the rule to
  // possibly hold (a necessary condition read off its AND/OR/NEAR tree); a
  // trigger is a concept the item is tagged with (TaggedTrigger), a concept
  // it has a hit of (HitTrigger) or a pattern that matched (PatternTrigger).
  // Only the rules whose every group has a present trigger are evaluated.
  // A rule is indexed under the triggers of one group, its rarest (by
  // GroupCost), and its other groups are checked only when one of those is
  // present: an item touches the rules of its rare terms, not every rule
  // that shares a common clause with it.
  // trigger t -> the rules indexed under it: trigger_rules[trigger_rules_begin[t],
  // trigger_rules_begin[t + 1]), in one array for locality.
  std::vector<int> trigger_rules_begin;
  std::vector<int> trigger_rules;
  size_t trigger_count() const { return trigger_rules_begin.size() - 1; }
  std::vector<int> rule_groups;           // rule r's groups: [rule_groups[r], [r + 1])
  std::vector<int> group_triggers_begin;  // group g's triggers: [begin[g], begin[g + 1])
  std::vector<int> group_triggers;
  std::vector<int> index_group;  // rule -> the group it is indexed by (-1: none)
  int TaggedTrigger(int concept_index) const { return concept_index; }
  int HitTrigger(int concept_index) const {
    return static_cast<int>(concept_labels.size()) + concept_index;
  }
  int PatternTrigger(int pattern) const {
    return 2 * static_cast<int>(concept_labels.size()) + pattern;
  }
  std::vector<Pattern> patterns;
  std::vector<int> always_rules;  // enabled rules with no group: evaluated for every item

  // The keywords go into the Tagger's scan (Tagger::CompileCombined) as
  // literals, every space/hyphen spelling of each, so Match reads an item's
  // text once for the vocabulary and the keywords; `rest` holds the patterns
  // that are not literals (regular expressions, keywords with too many
  // spellings), scanned on their own.  Without `combined` (a Tagger that
  // cannot combine, or no keyword), `all` holds every pattern and is scanned
  // after the Tagger's.  MatchEveryRule and Match(item, hits, tags) scan with
  // `all`, built on first use when `combined` is there.
  std::shared_ptr<const CombinedScan> combined;
  std::vector<int> literal_pattern;  // combined's extra literal -> pattern
  PatternDatabase rest;
  mutable PatternDatabase all;
  mutable std::once_flag all_once;

  // `all`, compiling it now if needed; null when there is no pattern.
  const PatternDatabase& All() const;
};

namespace {

// Everything Evaluate needs about one item.
struct ItemState {
  const Item* item = nullptr;
  const Vocabulary* vocabulary = nullptr;
  const RuleEngine::Impl* impl = nullptr;
  FieldText* fields = nullptr;        // kFieldCount of them
  std::vector<PatternMatch> matches;  // sorted by pattern
  const std::vector<Hit>* hits = nullptr;
  std::vector<int> hits_by_concept;  // indices into *hits, sorted by concept
  std::vector<char> tagged;          // per concept
  // Evaluate's span lists for a positional concept or a NEAR, kept between
  // items for their buffers (neither case evaluates another node while it
  // holds them).
  std::vector<Span> spans_a;
  std::vector<Span> spans_b;

  std::pair<std::vector<PatternMatch>::const_iterator, std::vector<PatternMatch>::const_iterator>
  MatchesOf(int pattern) const {
    return std::equal_range(
        matches.begin(), matches.end(), PatternMatch{pattern, 0, 0, 0},
        [](const PatternMatch& a, const PatternMatch& b) { return a.pattern < b.pattern; });
  }

  std::pair<std::vector<int>::const_iterator, std::vector<int>::const_iterator> HitsOf(
      int concept_index) const {
    const std::vector<Hit>& h = *hits;
    const auto lo = std::lower_bound(
        hits_by_concept.begin(), hits_by_concept.end(), concept_index,
        [&h](int hit, int c) { return h[static_cast<size_t>(hit)].concept_index < c; });
    const auto hi = std::upper_bound(
        lo, hits_by_concept.end(), concept_index,
        [&h](int c, int hit) { return c < h[static_cast<size_t>(hit)].concept_index; });
    return {lo, hi};
  }
};

int FieldIndex(Field f) {
  switch (f) {
    case Field::kTitle:
      return 0;
    case Field::kSummary:
      return 1;
    case Field::kContent:
      return 2;
    case Field::kCategories:
      return 3;
  }
  return 2;
}

// A MatchedTerm while a rule is evaluated, without its strings: they are
// made only for what the sorted list keeps (evidence repeats when a concept
// or keyword appears in several parts of a rule).
struct Evidence {
  const std::string* term;  // CNode::label or Impl::concept_labels
  const char* field;        // a static name: "title", ..., "lang", "source"
  int field_rank;           // title, summary, content, categories, then the rest
  size_t offset;
  size_t length;
};

Evidence TextEvidence(const std::string& term, int field, size_t offset, size_t length) {
  return Evidence{&term, TextFieldName(kFields[field]), field, offset, length};
}

Evidence SpanEvidence(const Span& s) { return TextEvidence(*s.term, s.field, s.offset, s.length); }

// The places a positional node (keyword, regex, concept, OR of those) was
// found in the item.
void CollectSpans(const CNode& node, ItemState& state, std::vector<Span>& out) {
  switch (node.kind) {
    case NodeKind::kOr:
      for (const CNode& child : node.children) CollectSpans(child, state, out);
      return;
    case NodeKind::kKeyword:
    case NodeKind::kRegex: {
      const auto [lo, hi] = state.MatchesOf(node.pattern);
      for (auto it = lo; it != hi; ++it) {
        if (!InScope(node.scope, kFields[it->field])) continue;
        FieldText& f = state.fields[it->field];
        Span s;
        s.field = it->field;
        s.first_word = f.WordIndex(it->begin);
        s.last_word = f.WordIndex(it->end - 1);
        s.offset = f.nt->Begin(it->begin);
        s.length = f.nt->End(it->end - 1) - s.offset;
        s.term = &node.label;
        out.push_back(std::move(s));
      }
      return;
    }
    case NodeKind::kConcept:
      for (int c : node.concepts) {
        const auto [lo, hi] = state.HitsOf(c);
        for (auto it = lo; it != hi; ++it) {
          const Hit& hit = (*state.hits)[static_cast<size_t>(*it)];
          if (!InScope(node.scope, hit.field) || hit.length == 0) continue;
          const int fi = FieldIndex(hit.field);
          FieldText& f = state.fields[fi];
          Span s;
          s.field = fi;
          const size_t nb = f.NormOffset(hit.offset);
          const size_t ne = std::max(nb + 1, f.NormOffset(hit.offset + hit.length));
          s.first_word = f.WordIndex(nb);
          s.last_word = std::max(s.first_word, f.WordIndex(ne - 1));
          s.offset = hit.offset;
          s.length = hit.length;
          s.term = &state.impl->concept_labels[static_cast<size_t>(c)];
          out.push_back(std::move(s));
        }
      }
      return;
    default:
      return;
  }
}

bool MatchesValue(const CNode& node, std::string_view field) {
  if (node.prefix) {
    return field.size() >= node.value.size() &&
           text::EqualsIgnoreAsciiCase(field.substr(0, node.value.size()), node.value);
  }
  return text::EqualsIgnoreAsciiCase(field, node.value);
}

bool MetaMatches(const CNode& node, const Item& item) {
  if (node.meta == MetaField::kCategory) {
    return std::any_of(item.categories.begin(), item.categories.end(),
                       [&node](const std::string& c) { return MatchesValue(node, c); });
  }
  const std::string& field = node.meta == MetaField::kLang ? item.language : item.source_feed;
  if (node.meta == MetaField::kLang) {
    // A language range: "zh" matches "zh" and "zh-CN".
    if (field.size() < node.value.size()) return false;
    if (!text::EqualsIgnoreAsciiCase(std::string_view(field).substr(0, node.value.size()),
                                     node.value)) {
      return false;
    }
    return field.size() == node.value.size() || field[node.value.size()] == '-' ||
           field[node.value.size()] == '_';
  }
  return MatchesValue(node, field);
}

// Decides `node`; when `explain` is given and the node holds, appends the
// evidence of the parts that made it hold (and nothing when it does not).
bool Evaluate(const CNode& node, ItemState& state, std::vector<Evidence>* explain) {
  switch (node.kind) {
    case NodeKind::kAnd:
      for (const CNode& child : node.children) {
        if (!Evaluate(child, state, nullptr)) return false;
      }
      if (explain != nullptr) {
        for (const CNode& child : node.children) Evaluate(child, state, explain);
      }
      return true;
    case NodeKind::kOr: {
      bool any = false;
      for (const CNode& child : node.children) {
        if (Evaluate(child, state, explain)) {
          any = true;
          if (explain == nullptr) return true;
        }
      }
      return any;
    }
    case NodeKind::kNot:
      return !Evaluate(node.children[0], state, nullptr);
    case NodeKind::kKeyword:
    case NodeKind::kRegex: {
      const auto [lo, hi] = state.MatchesOf(node.pattern);
      bool found = false;
      for (auto it = lo; it != hi; ++it) {
        if (!InScope(node.scope, kFields[it->field])) continue;
        found = true;
        if (explain == nullptr) break;
        const FieldText& f = state.fields[it->field];
        const size_t offset = f.nt->Begin(it->begin);
        explain->push_back(
            TextEvidence(node.label, it->field, offset, f.nt->End(it->end - 1) - offset));
      }
      return found;
    }
    case NodeKind::kConcept: {
      if (node.positional) {
        std::vector<Span>& spans = state.spans_a;
        spans.clear();
        CollectSpans(node, state, spans);
        if (explain != nullptr) {
          for (const Span& s : spans) explain->push_back(SpanEvidence(s));
        }
        return !spans.empty();
      }
      bool about = false;
      for (int c : node.concepts) {
        if (state.tagged[static_cast<size_t>(c)]) {
          about = true;
          break;
        }
      }
      if (about && explain != nullptr) {
        for (int c : node.concepts) {
          if (!state.tagged[static_cast<size_t>(c)]) continue;
          const auto [lo, hi] = state.HitsOf(c);
          for (auto it = lo; it != hi; ++it) {
            const Hit& hit = (*state.hits)[static_cast<size_t>(*it)];
            explain->push_back(TextEvidence(state.impl->concept_labels[static_cast<size_t>(c)],
                                            FieldIndex(hit.field), hit.offset, hit.length));
          }
        }
      }
      return about;
    }
    case NodeKind::kNear: {
      std::vector<Span>& left = state.spans_a;
      std::vector<Span>& right = state.spans_b;
      left.clear();
      right.clear();
      CollectSpans(node.children[0], state, left);
      if (left.empty()) return false;
      CollectSpans(node.children[1], state, right);
      bool found = false;
      for (const Span& a : left) {
        for (const Span& b : right) {
          if (a.field != b.field) continue;
          const int gap = a.last_word < b.first_word   ? b.first_word - a.last_word - 1
                          : b.last_word < a.first_word ? a.first_word - b.last_word - 1
                                                       : 0;
          if (gap > node.distance) continue;
          found = true;
          if (explain == nullptr) return true;
          explain->push_back(SpanEvidence(a));
          explain->push_back(SpanEvidence(b));
        }
      }
      return found;
    }
    case NodeKind::kMeta: {
      const bool ok = MetaMatches(node, *state.item);
      if (ok && explain != nullptr) {
        if (node.meta == MetaField::kLang) {
          explain->push_back(Evidence{&node.label, "lang", 4, 0, state.item->language.size()});
        } else if (node.meta == MetaField::kCategory) {
          explain->push_back(Evidence{&node.label, "category", 4, 0, 0});
        } else {
          explain->push_back(Evidence{&node.label, "source", 4, 0, state.item->source_feed.size()});
        }
      }
      return ok;
    }
  }
  return false;
}

using TriggerSet = std::vector<int>;

// The triggers one of which must be present for CollectSpans to find a place
// of `node`.
void PositionalTriggers(const CNode& node, const RuleEngine::Impl& impl, TriggerSet& out) {
  switch (node.kind) {
    case NodeKind::kOr:
      for (const CNode& child : node.children) PositionalTriggers(child, impl, out);
      return;
    case NodeKind::kKeyword:
    case NodeKind::kRegex:
      out.push_back(impl.PatternTrigger(node.pattern));
      return;
    case NodeKind::kConcept:
      for (int c : node.concepts) out.push_back(impl.HitTrigger(c));
      return;
    default:
      return;
  }
}

// Appends groups of triggers such that `node` can hold only if every group
// has a trigger present in the item (what Evaluate reads, over-approximated:
// field scopes are ignored).  No group: no such condition is known.
void Requirements(const CNode& node, const RuleEngine::Impl& impl, std::vector<TriggerSet>& out) {
  switch (node.kind) {
    case NodeKind::kKeyword:
    case NodeKind::kRegex:
      out.push_back({impl.PatternTrigger(node.pattern)});
      return;
    case NodeKind::kConcept: {
      TriggerSet set;
      for (int c : node.concepts) {
        set.push_back(node.positional ? impl.HitTrigger(c) : impl.TaggedTrigger(c));
      }
      out.push_back(std::move(set));
      return;
    }
    case NodeKind::kNear:
      for (const CNode& child : node.children) {
        out.emplace_back();
        PositionalTriggers(child, impl, out.back());
      }
      return;
    case NodeKind::kAnd:
      for (const CNode& child : node.children) Requirements(child, impl, out);
      return;
    case NodeKind::kOr: {
      // One of the children holds: the union of one group from each.
      TriggerSet any;
      for (const CNode& child : node.children) {
        std::vector<TriggerSet> groups;
        Requirements(child, impl, groups);
        if (groups.empty()) return;
        const auto smallest = std::min_element(
            groups.begin(), groups.end(),
            [](const TriggerSet& a, const TriggerSet& b) { return a.size() < b.size(); });
        any.insert(any.end(), smallest->begin(), smallest->end());
      }
      if (!node.children.empty()) out.push_back(std::move(any));
      return;
    }
    case NodeKind::kNot:
    case NodeKind::kMeta:
      return;
  }
}

// Escapes a normalized keyword into a Hyperscan expression in which a space
// and a hyphen stand for each other ("rare earth" finds "rare-earth").
std::string KeywordExpression(std::string_view norm) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : norm) {
    if (c == ' ' || c == '-') {
      out += "[\\x20\\x2d]";
    } else if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Every spelling of a normalized keyword, each space or hyphen in it either
// one (what KeywordExpression's classes match); none when there would be
// more than 32 (such a keyword stays a regular expression).
std::vector<std::string> Spellings(const std::string& norm) {
  std::vector<size_t> seps;
  for (size_t i = 0; i < norm.size(); ++i) {
    if (norm[i] == ' ' || norm[i] == '-') seps.push_back(i);
  }
  if (seps.size() > 5) return {};
  std::vector<std::string> out;
  for (unsigned mask = 0; mask < (1u << seps.size()); ++mask) {
    std::string v = norm;
    for (size_t k = 0; k < seps.size(); ++k) v[seps[k]] = (mask >> k) & 1 ? '-' : ' ';
    out.push_back(std::move(v));
  }
  return out;
}

// Compiles the patterns `which` (ids: their indices in `patterns`).
Status CompilePatterns(const std::vector<Pattern>& patterns, const std::vector<int>& which,
                       hs_database_t** database) {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (int i : which) {
    const Pattern& p = patterns[static_cast<size_t>(i)];
    expressions.push_back(p.expression.c_str());
    flags.push_back(p.flags);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, database,
                       &error) != HS_SUCCESS) {
    std::string message = "cannot compile rule patterns: ";
    message += error && error->message ? error->message : "unknown error";
    if (error && error->expression >= 0) {
      message +=
          " (pattern '" + std::string(expressions[static_cast<size_t>(error->expression)]) + "')";
    }
    hs_free_compile_error(error);
    *database = nullptr;
    return Status::InvalidArgument(message);
  }
  return Status::Ok();
}

class Compiler {
 public:
  Compiler(const Vocabulary& vocabulary, RuleEngine::Impl& impl)
      : vocabulary_(vocabulary), impl_(impl) {}

  Status CompileRule(const Rule& rule, int index) {
    rule_id_ = rule.id;
    CompiledRule compiled;
    compiled.enabled = rule.enabled;
    Status status = CompileNode(rule.condition, false, compiled.root);
    if (!status.ok()) return status;
    if (impl_.rule_groups.empty()) impl_.rule_groups.push_back(0);
    if (impl_.group_triggers_begin.empty()) impl_.group_triggers_begin.push_back(0);
    impl_.index_group.push_back(-1);
    if (rule.enabled) {
      std::vector<TriggerSet> groups;
      Requirements(compiled.root, impl_, groups);
      if (groups.empty()) impl_.always_rules.push_back(index);
      int best = -1;
      int best_cost = 0;
      for (TriggerSet& group : groups) {
        std::sort(group.begin(), group.end());
        group.erase(std::unique(group.begin(), group.end()), group.end());
        const int g = static_cast<int>(impl_.group_triggers_begin.size()) - 1;
        impl_.group_triggers.insert(impl_.group_triggers.end(), group.begin(), group.end());
        impl_.group_triggers_begin.push_back(static_cast<int>(impl_.group_triggers.size()));
        const int cost = GroupCost(group);
        if (best < 0 || cost < best_cost) {
          best = g;
          best_cost = cost;
        }
      }
      if (best >= 0) {
        impl_.index_group.back() = best;
        const auto b = static_cast<size_t>(best);
        for (int k = impl_.group_triggers_begin[b]; k < impl_.group_triggers_begin[b + 1]; ++k) {
          const auto trigger = static_cast<size_t>(impl_.group_triggers[static_cast<size_t>(k)]);
          if (trigger >= trigger_rules_.size()) trigger_rules_.resize(trigger + 1);
          trigger_rules_[trigger].push_back(index);
        }
      }
    }
    impl_.rule_groups.push_back(static_cast<int>(impl_.group_triggers_begin.size()) - 1);
    impl_.rules.push_back(std::move(compiled));
    return Status::Ok();
  }

  Status Build(const Tagger& tagger) {
    trigger_rules_.resize(std::max(
        trigger_rules_.size(),
        static_cast<size_t>(impl_.PatternTrigger(static_cast<int>(impl_.patterns.size())))));
    impl_.trigger_rules_begin.assign(1, 0);
    impl_.trigger_rules.clear();
    for (const std::vector<int>& rules : trigger_rules_) {
      impl_.trigger_rules.insert(impl_.trigger_rules.end(), rules.begin(), rules.end());
      impl_.trigger_rules_begin.push_back(static_cast<int>(impl_.trigger_rules.size()));
    }
    if (impl_.patterns.empty()) return Status::Ok();
    std::vector<std::string> literals;
    std::vector<int> literal_pattern;
    std::vector<int> rest;
    for (size_t i = 0; i < impl_.patterns.size(); ++i) {
      const Pattern& p = impl_.patterns[i];
      std::vector<std::string> spellings;
      if (p.fixed_length >= 0) spellings = Spellings(p.keyword);
      if (spellings.empty()) {
        rest.push_back(static_cast<int>(i));
        continue;
      }
      for (std::string& spelling : spellings) {
        literals.push_back(std::move(spelling));
        literal_pattern.push_back(static_cast<int>(i));
      }
    }
    if (!literals.empty()) {
      auto combined = tagger.CompileCombined(literals);
      if (!combined.ok()) {
        return Status::InvalidArgument("cannot compile rule patterns: " +
                                       combined.status().message());
      }
      impl_.combined = std::move(*combined);
    }
    if (impl_.combined == nullptr) {
      rest.resize(impl_.patterns.size());
      for (size_t i = 0; i < rest.size(); ++i) rest[i] = static_cast<int>(i);
      return CompilePatterns(impl_.patterns, rest, &impl_.all.database);
    }
    impl_.literal_pattern = std::move(literal_pattern);
    if (rest.empty()) return Status::Ok();
    return CompilePatterns(impl_.patterns, rest, &impl_.rest.database);
  }

 private:
  Status CompileNode(const Node& node, bool under_near, CNode& out) {
    out.kind = node.kind;
    out.scope = node.scope;
    switch (node.kind) {
      case NodeKind::kAnd:
      case NodeKind::kOr:
      case NodeKind::kNot:
      case NodeKind::kNear: {
        const bool near = under_near || node.kind == NodeKind::kNear;
        if (node.kind == NodeKind::kNot && node.children.size() != 1) {
          return Invalid("NOT needs exactly one operand");
        }
        if (node.kind == NodeKind::kNear && node.children.size() != 2) {
          return Invalid("NEAR needs exactly two operands");
        }
        if (node.children.empty()) return Invalid("empty AND/OR");
        out.distance = node.distance;
        for (const Node& child : node.children) {
          out.children.emplace_back();
          Status s = CompileNode(child, near, out.children.back());
          if (!s.ok()) return s;
        }
        return Status::Ok();
      }
      case NodeKind::kKeyword: {
        std::string word = node.text;
        const bool prefix = !word.empty() && word.back() == '*';
        if (prefix) word.pop_back();
        const std::string norm = text::NormalizeForMatching(word);
        if (norm.empty()) return Invalid("keyword '" + node.text + "' has no letters");
        Pattern p;
        p.expression = KeywordExpression(norm);
        // The text keeps ASCII case (CaseFold::kNonAscii); `norm` is folded.
        p.flags = HS_FLAG_UTF8 | HS_FLAG_CASELESS;
        p.fixed_length = static_cast<int>(norm.size());  // one byte or class per byte
        p.keyword = norm;
        p.whole_word_start = IsWordChar(CodePointAt(norm, 0));
        p.whole_word_end = !prefix && IsWordChar(CodePointBefore(norm, norm.size()));
        out.pattern = AddPattern(std::move(p));
        out.label = node.text;
        return Status::Ok();
      }
      case NodeKind::kRegex: {
        Pattern p;
        p.expression = node.text;
        p.flags = HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST;
        out.pattern = AddPattern(std::move(p));
        out.label = "re:/" + node.text + "/";
        return Status::Ok();
      }
      case NodeKind::kConcept: {
        if (vocabulary_.Find(node.category, node.text) < 0) {
          return Invalid(std::string("unknown ") + CategoryName(node.category) + " '" + node.text +
                         "' in this vocabulary");
        }
        out.concepts = vocabulary_.Expand(node.category, node.text);
        std::sort(out.concepts.begin(), out.concepts.end());
        out.concepts.erase(std::unique(out.concepts.begin(), out.concepts.end()),
                           out.concepts.end());
        out.positional = under_near || node.scope != Scope::kAny;
        out.label = std::string(CategoryName(node.category)) + ":" + node.text;
        return Status::Ok();
      }
      case NodeKind::kMeta: {
        out.meta = node.meta;
        out.value = node.text;
        if (!out.value.empty() && out.value.back() == '*') {
          out.prefix = true;
          out.value.pop_back();
        }
        out.label = std::string(MetaFieldName(node.meta)) + ":" + node.text;
        return Status::Ok();
      }
    }
    return Invalid("unknown node");
  }

  // How often a group is expected to have a present trigger, roughly: the
  // few clauses are in most policy news, a keyword is common, a particular
  // mineral or country is rare.
  int GroupCost(const TriggerSet& group) const {
    const int concepts = static_cast<int>(impl_.concept_labels.size());
    int cost = 0;
    for (int trigger : group) {
      if (trigger >= 2 * concepts) {
        cost += 4;
        continue;
      }
      const Concept& c = vocabulary_.concepts[static_cast<size_t>(trigger % concepts)];
      cost += c.category == Category::kClause ? 8 : 1;
    }
    return cost;
  }

  int AddPattern(Pattern p) {
    const std::string key = std::to_string(p.flags) + (p.whole_word_start ? "<" : "") +
                            (p.whole_word_end ? ">" : "") + "\n" + p.expression;
    auto [it, inserted] = pattern_ids_.emplace(key, static_cast<int>(impl_.patterns.size()));
    if (inserted) impl_.patterns.push_back(std::move(p));
    return it->second;
  }

  Status Invalid(const std::string& message) const {
    return Status::InvalidArgument("rule '" + rule_id_ + "': " + message);
  }

  const Vocabulary& vocabulary_;
  RuleEngine::Impl& impl_;
  std::map<std::string, int> pattern_ids_;
  std::string rule_id_;
  std::vector<std::vector<int>> trigger_rules_;  // Impl::trigger_rules while rules are added
};

// Where an item's pattern matches go, whichever scan finds them.
struct MatchCollector {
  const RuleEngine::Impl* impl;
  std::vector<PatternMatch>* out;
  std::vector<uint16_t>* counts;  // by pattern * kFieldCount + field; zero between items

  // Pattern `id` matched [from, to) of field `field`'s normalized `text`
  // (`from` unknown for a keyword: it has a fixed length).
  void Add(unsigned id, int field, std::string_view text, size_t from, size_t to) {
    const Pattern& p = impl->patterns[id];
    if (p.fixed_length >= 0) {
      if (to < static_cast<size_t>(p.fixed_length)) return;
      from = to - static_cast<size_t>(p.fixed_length);
    }
    if (to <= from) return;
    if (p.whole_word_start && IsWordChar(CodePointBefore(text, from))) return;
    if (p.whole_word_end && IsWordChar(CodePointAt(text, to))) return;
    uint16_t& count = (*counts)[id * kFieldCount + static_cast<size_t>(field)];
    if (count >= kMaxMatchesPerPattern) return;
    ++count;
    out->push_back(PatternMatch{static_cast<int>(id), field, from, to});
  }

  // Zeroes `counts` again.
  void Reset() {
    for (const PatternMatch& m : *out) {
      (*counts)[static_cast<size_t>(m.pattern) * kFieldCount + static_cast<size_t>(m.field)] = 0;
    }
  }
};

// The keywords' occurrences from the Tagger's combined scan.
class KeywordSink final : public ExtraMatchSink {
 public:
  explicit KeywordSink(MatchCollector& collector) : collector_(collector) {}
  void OnExtraMatch(unsigned id, Field field, std::string_view text, size_t from,
                    size_t to) override {
    const int pattern = collector_.impl->literal_pattern[id];
    collector_.Add(static_cast<unsigned>(pattern), FieldIndex(field), text, from, to);
  }

 private:
  MatchCollector& collector_;
};

struct ScanContext {
  MatchCollector* collector;
  std::string_view text;
  int field;
};

int OnMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
            void* context) {
  auto* ctx = static_cast<ScanContext*>(context);
  ctx->collector->Add(id, ctx->field, ctx->text, static_cast<size_t>(from),
                      static_cast<size_t>(to));
  return 0;
}

// Scans every field but a content that is the summary with `db`.
void ScanFields(const PatternDatabase& db, const NormalizedItem& norm, MatchCollector& collector) {
  if (db.database == nullptr) return;
  hs_scratch_t* scratch = db.TakeScratch();
  if (scratch == nullptr) return;
  for (int f = 0; f < kFieldCount; ++f) {
    const std::string& text = norm.fields[f].text;
    if (text.empty()) continue;
    if (f == FieldIndex(Field::kContent) && norm.content_is_summary) continue;
    ScanContext ctx{&collector, text, f};
    hs_scan(db.database, text.data(), static_cast<unsigned>(text.size()), 0, scratch, OnMatch,
            &ctx);
  }
  db.ReturnScratch(scratch);
}

}  // namespace

const PatternDatabase& RuleEngine::Impl::All() const {
  std::call_once(all_once, [this] {
    if (all.database != nullptr || patterns.empty()) return;
    std::vector<int> every(patterns.size());
    for (size_t i = 0; i < every.size(); ++i) every[i] = static_cast<int>(i);
    // The same patterns compiled when the engine was; a failure leaves `all`
    // empty.
    (void)CompilePatterns(patterns, every, &all.database);
  });
  return all;
}

RuleEngine::~RuleEngine() = default;

Result<std::shared_ptr<const RuleEngine>> RuleEngine::Compile(
    RuleSet rules, std::shared_ptr<const Tagger> tagger) {
  if (tagger == nullptr) return Status::InvalidArgument("rule engine needs a tagger");
  try {
    std::shared_ptr<RuleEngine> engine(new RuleEngine());
    engine->impl_ = std::make_unique<Impl>();
    engine->tagger_ = std::move(tagger);
    const Vocabulary& vocabulary = engine->tagger_->vocabulary();
    for (const Concept& c : vocabulary.concepts) {
      engine->impl_->concept_labels.push_back(std::string(CategoryName(c.category)) + ":" + c.id);
    }
    Compiler compiler(vocabulary, *engine->impl_);
    for (size_t i = 0; i < rules.rules.size(); ++i) {
      Status s = compiler.CompileRule(rules.rules[i], static_cast<int>(i));
      if (!s.ok()) return s;
    }
    Status s = compiler.Build(*engine->tagger_);
    if (!s.ok()) return s;
    engine->rules_ = std::move(rules);
    return std::shared_ptr<const RuleEngine>(std::move(engine));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("cannot compile rules: ") + e.what());
  }
}

namespace {

// One thread's buffers for matching, kept from item to item so that a match
// allocates nothing but its results.
struct MatchScratch {
  NormalizedItem norm;
  std::vector<Hit> hits;
  std::vector<int> tagged_concepts;
  FieldText fields[kFieldCount];
  ItemState state;
  std::vector<uint16_t> counts;  // by pattern and field (MatchCollector), zero between items
  // The candidate filter's marks, valid when equal to `stamp`.
  std::vector<uint32_t> rule_stamp;  // the rule was looked at for this item
  std::vector<uint8_t> present;      // by trigger; zero between items
  std::vector<int> fired;            // the triggers set in `present`
  std::vector<int> candidates;
  std::vector<Evidence> evidence;  // of the rule being evaluated
  uint32_t stamp = 0;
  bool busy = false;
};

MatchScratch& ThreadScratch() {
  thread_local MatchScratch scratch;
  return scratch;
}

// Holds a thread's scratch for one call, or a fresh one if it is in use.
class ScratchLease {
 public:
  ScratchLease() : scratch_(&ThreadScratch()) {
    if (scratch_->busy) {
      own_ = std::make_unique<MatchScratch>();
      scratch_ = own_.get();
    }
    scratch_->busy = true;
  }
  ~ScratchLease() { scratch_->busy = false; }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  MatchScratch& operator*() const { return *scratch_; }

 private:
  MatchScratch* scratch_;
  std::unique_ptr<MatchScratch> own_;
};

// The work of Match once the item is normalized and tagged.  Throws on
// allocation failure (the callers catch).
std::vector<RuleMatch> MatchWith(const RuleEngine::Impl& impl, const RuleSet& rules,
                                 const Vocabulary& vocabulary, const Item& item,
                                 const NormalizedItem& norm, const std::vector<Hit>& hits,
                                 const std::vector<int>& tagged_concepts, bool every_rule,
                                 bool keywords_scanned, MatchScratch& s) {
  std::vector<RuleMatch> result;
  {
    ItemState& state = s.state;
    state.item = &item;
    state.vocabulary = &vocabulary;
    state.impl = &impl;
    state.fields = s.fields;
    state.hits = &hits;
    for (int f = 0; f < kFieldCount; ++f) s.fields[f].Build(norm.fields[f]);

    {
      // With `keywords_scanned` the keywords' matches are in state.matches
      // already, from the Tagger's combined scan; the other patterns' now.
      MatchCollector collector{&impl, &state.matches, &s.counts};
      s.counts.resize(impl.patterns.size() * kFieldCount);
      ScanFields(keywords_scanned ? impl.rest : impl.All(), norm, collector);
      collector.Reset();
      const int content = FieldIndex(Field::kContent);
      if (norm.content_is_summary && !norm.fields[content].text.empty()) {
        // The same text as the summary: the same matches, not a second scan.
        const size_t n = state.matches.size();
        for (size_t k = 0; k < n; ++k) {
          if (state.matches[k].field != FieldIndex(Field::kSummary)) continue;
          PatternMatch m = state.matches[k];
          m.field = content;
          state.matches.push_back(m);
        }
      }
    }
    // By pattern (MatchesOf); the rest of the key only makes the order total.
    std::sort(state.matches.begin(), state.matches.end(),
              [](const PatternMatch& a, const PatternMatch& b) {
                if (a.pattern != b.pattern) return a.pattern < b.pattern;
                if (a.field != b.field) return a.field < b.field;
                if (a.begin != b.begin) return a.begin < b.begin;
                return a.end < b.end;
              });

    state.hits_by_concept.clear();
    for (size_t i = 0; i < hits.size(); ++i) {
      const int c = hits[i].concept_index;
      if (c >= 0 && static_cast<size_t>(c) < vocabulary.concepts.size()) {
        state.hits_by_concept.push_back(static_cast<int>(i));
      }
    }
    std::sort(state.hits_by_concept.begin(), state.hits_by_concept.end(), [&hits](int a, int b) {
      const int ca = hits[static_cast<size_t>(a)].concept_index;
      const int cb = hits[static_cast<size_t>(b)].concept_index;
      return ca != cb ? ca < cb : a < b;
    });
    state.tagged.assign(vocabulary.concepts.size(), 0);
    for (int c : tagged_concepts) {
      if (c >= 0 && static_cast<size_t>(c) < state.tagged.size()) {
        state.tagged[static_cast<size_t>(c)] = 1;
      }
    }

    std::vector<int>& candidates = s.candidates;
    candidates.clear();
    if (every_rule) {
      for (size_t i = 0; i < impl.rules.size(); ++i) candidates.push_back(static_cast<int>(i));
    } else {
      // The rules all of whose groups have a present trigger (Impl).
      if (++s.stamp == 0) {
        std::fill(s.rule_stamp.begin(), s.rule_stamp.end(), 0);
        s.stamp = 1;
      }
      const uint32_t stamp = s.stamp;
      s.rule_stamp.resize(impl.rules.size());
      s.present.resize(impl.trigger_count());
      candidates = impl.always_rules;
      s.fired.clear();
      // Clears `present` however this block is left.
      struct ClearPresent {
        MatchScratch& s;
        ~ClearPresent() {
          for (int t : s.fired) s.present[static_cast<size_t>(t)] = 0;
          s.fired.clear();
        }
      } clear_present{s};
      auto mark = [&s](int trigger) {
        if (trigger < 0 || static_cast<size_t>(trigger) >= s.present.size()) return;
        if (s.present[static_cast<size_t>(trigger)]) return;
        s.present[static_cast<size_t>(trigger)] = 1;
        s.fired.push_back(trigger);
      };
      for (int c : tagged_concepts) mark(impl.TaggedTrigger(c));
      for (int h : state.hits_by_concept)
        mark(impl.HitTrigger(hits[static_cast<size_t>(h)].concept_index));
      for (const PatternMatch& m : state.matches) mark(impl.PatternTrigger(m.pattern));
      auto group_present = [&](int g) {
        const auto gi = static_cast<size_t>(g);
        for (int k = impl.group_triggers_begin[gi]; k < impl.group_triggers_begin[gi + 1]; ++k) {
          if (s.present[static_cast<size_t>(impl.group_triggers[static_cast<size_t>(k)])])
            return true;
        }
        return false;
      };
      for (int t : s.fired) {
        const auto ti = static_cast<size_t>(t);
        for (int k = impl.trigger_rules_begin[ti]; k < impl.trigger_rules_begin[ti + 1]; ++k) {
          const int r = impl.trigger_rules[static_cast<size_t>(k)];
          const auto ri = static_cast<size_t>(r);
          if (s.rule_stamp[ri] == stamp) continue;
          s.rule_stamp[ri] = stamp;
          bool all = true;
          for (int g = impl.rule_groups[ri]; all && g < impl.rule_groups[ri + 1]; ++g) {
            if (g != impl.index_group[ri]) all = group_present(g);
          }
          if (all) candidates.push_back(r);
        }
      }
      std::sort(candidates.begin(), candidates.end());
    }

    for (int index : candidates) {
      const CompiledRule& rule = impl.rules[static_cast<size_t>(index)];
      if (!rule.enabled) continue;
      // Decided and explained in one pass: a node adds evidence only when it
      // holds, so a rule that does not hold leaves `explain` empty.
      std::vector<Evidence>& evidence = s.evidence;
      evidence.clear();
      if (!Evaluate(rule.root, state, &evidence)) continue;
      RuleMatch match;
      match.rule_index = index;
      match.rule_id = rules.rules[static_cast<size_t>(index)].id;
      match.severity = rules.rules[static_cast<size_t>(index)].severity;
      std::sort(evidence.begin(), evidence.end(), [](const Evidence& a, const Evidence& b) {
        if (a.field_rank != b.field_rank) return a.field_rank < b.field_rank;
        if (a.field != b.field) {
          const int by_name = std::strcmp(a.field, b.field);
          if (by_name != 0) return by_name < 0;
        }
        if (a.offset != b.offset) return a.offset < b.offset;
        if (a.length != b.length) return a.length < b.length;
        return *a.term < *b.term;
      });
      match.explain.reserve(evidence.size());
      for (size_t k = 0; k < evidence.size(); ++k) {
        const Evidence& e = evidence[k];
        if (k > 0) {
          const Evidence& p = evidence[k - 1];
          if (p.offset == e.offset && p.length == e.length &&
              (p.field == e.field || std::strcmp(p.field, e.field) == 0) &&
              (p.term == e.term || *p.term == *e.term)) {
            continue;
          }
        }
        match.explain.push_back(MatchedTerm{*e.term, e.field, e.offset, e.length});
      }
      result.push_back(std::move(match));
    }
  }
  return result;
}

}  // namespace

std::vector<RuleMatch> RuleEngine::Match(const Item& item) const {
  std::vector<RuleMatch> result;
  try {
    ScratchLease lease;
    MatchScratch& s = *lease;
    NormalizeItem(item, s.norm);
    s.state.matches.clear();
    if (impl_->combined != nullptr) {
      // One scan for the vocabulary and the keywords.
      s.counts.resize(impl_->patterns.size() * kFieldCount);
      MatchCollector collector{impl_.get(), &s.state.matches, &s.counts};
      KeywordSink sink(collector);
      tagger_->FindHitsCombined(item, s.norm, *impl_->combined, sink, s.hits);
      collector.Reset();
    } else {
      tagger_->FindHitsNormalized(item, s.norm, s.hits);
    }
    tagger_->TagIndices(item, s.hits, s.tagged_concepts);
    result = MatchWith(*impl_, rules_, tagger_->vocabulary(), item, s.norm, s.hits,
                       s.tagged_concepts, false, impl_->combined != nullptr, s);
  } catch (const std::exception&) {
    // Out of memory while matching one item: report no match rather than
    // take the daemon down.
    result.clear();
  }
  return result;
}

std::vector<RuleMatch> RuleEngine::Match(const Item& item, const std::vector<Hit>& hits,
                                         const Tags& tags) const {
  std::vector<RuleMatch> result;
  try {
    ScratchLease lease;
    MatchScratch& s = *lease;
    NormalizeItem(item, s.norm);
    s.state.matches.clear();
    result = MatchWith(*impl_, rules_, tagger_->vocabulary(), item, s.norm, hits,
                       TagsToIndices(tagger_->vocabulary(), tags), false, false, s);
  } catch (const std::exception&) {
    result.clear();
  }
  return result;
}

std::vector<RuleMatch> RuleEngine::MatchEveryRule(const Item& item) const {
  std::vector<RuleMatch> result;
  try {
    const std::vector<Hit> hits = tagger_->FindHits(item);
    const Tags tags = tagger_->Tag(item, hits);
    NormalizedItem norm;
    NormalizeWithOffsets(item.title, CaseFold::kNonAscii, norm.fields[0]);
    NormalizeWithOffsets(item.summary_text, CaseFold::kNonAscii, norm.fields[1]);
    NormalizeWithOffsets(item.content_text, CaseFold::kNonAscii, norm.fields[2]);
    for (const std::string& c : item.categories) {
      if (!norm.categories.empty()) norm.categories += '\n';
      norm.categories += c;
    }
    NormalizeWithOffsets(norm.categories, CaseFold::kNonAscii, norm.fields[3]);
    MatchScratch s;
    result = MatchWith(*impl_, rules_, tagger_->vocabulary(), item, norm, hits,
                       TagsToIndices(tagger_->vocabulary(), tags), true, false, s);
  } catch (const std::exception&) {
    result.clear();
  }
  return result;
}

}  // namespace mineral::rules
