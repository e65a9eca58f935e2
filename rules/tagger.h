// Finds every vocabulary concept an item mentions, in one pass over its text.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/item.h"
#include "model/status.h"
#include "rules/vocabulary.h"

namespace mineral::rules {

// kCategories: the item's categories joined by "\n" (feeds tag items with
// places and topics; offsets are into that joined string).
enum class Field { kTitle, kSummary, kContent, kCategories };

// "title", "summary", "content", "categories".
const char* FieldName(Field field);

// One occurrence of a vocabulary term in an item.
struct Hit {
  int concept_index = -1;  // into Vocabulary::concepts
  int term_index = -1;     // into that concept's terms
  Field field = Field::kTitle;
  // Byte offset and length in the item's field text (Item::title,
  // summary_text, content_text: the plain text, not the normalized form), so
  // an alert can highlight exactly what matched.
  size_t offset = 0;
  size_t length = 0;
};

// What an item is about, by category: concept ids, sorted, unique.  A member
// of a group also yields the group ("dysprosium" -> "rare-earths").
struct Tags {
  std::vector<std::string> minerals;
  std::vector<std::string> countries;
  std::vector<std::string> clauses;
};

struct TaggerOptions {
  bool capital_metonyms = false;  // enable opt-in terms ("Beijing" for China)
};

// The form the tagger matches (NormalizeForMatching's: NFKC, case folding,
// punctuation lumped to ASCII, ignorables and controls removed, whitespace
// collapsed) with, for each of its bytes, the byte range of the original text
// it came from, so hits are reported in the original.
//
// The map is kept as pieces, not per byte: a piece is either linear (each
// byte from the original byte at the same distance into the piece: ASCII
// copied or lower-cased, a lone space) or a lump (every byte from one range:
// a character NFKC rewrote, a run of whitespace collapsed to one space).  An
// English field is one or a few pieces, so normalizing costs little more
// than copying, and only the bytes hits are reported at are ever mapped.
struct NormalizedText {
  std::string text;

  struct Piece {
    uint32_t norm;        // first byte of `text` in the piece
    uint32_t orig_begin;  // linear: the original byte of text[norm]; lump: its range
    uint32_t orig_end;    // lump: end of its range; kLinear for a linear piece
  };
  static constexpr uint32_t kLinear = 0xFFFFFFFF;
  std::vector<Piece> pieces;  // by `norm`, the first at 0 when text is not empty

  // The original offset where text[i]'s character starts (i < text.size()).
  uint32_t Begin(size_t i) const {
    const Piece& p = PieceOf(i);
    return p.orig_end == kLinear ? p.orig_begin + static_cast<uint32_t>(i - p.norm) : p.orig_begin;
  }
  // The original offset just past it.
  uint32_t End(size_t i) const {
    const Piece& p = PieceOf(i);
    return p.orig_end == kLinear ? p.orig_begin + static_cast<uint32_t>(i - p.norm) + 1
                                 : p.orig_end;
  }
  // The first byte of `text` whose Begin is at or after `orig` (text.size()
  // if none).
  size_t NormOffset(size_t orig) const;

 private:
  const Piece& PieceOf(size_t i) const {
    const auto after = std::upper_bound(pieces.begin(), pieces.end(), i,
                                        [](size_t v, const Piece& p) { return v < p.norm; });
    return *(after - 1);
  }
};

// What NormalizeWithOffsets does to letter case.
enum class CaseFold {
  kKeep,  // NFKC only
  kAll,   // NFKC case folding: text::NormalizeForMatching's text
  // Every character folded but ASCII ones, which keep their case, and
  // characters whose NFKC form is ASCII, which keep its case ("ＵＳ" gives
  // "US"): the form the scan reads.  The scan matches ASCII letters caseless
  // (free in Hyperscan), so it finds what it would find in the kAll form,
  // and a case-sensitive term ("US") is matched case-sensitively by the
  // scan itself instead of as "us" in every "industry" and "focus".
  // Lower-casing its ASCII letters gives the kAll form.
  kNonAscii,
};

// Fills `out` (reusing its buffers).
void NormalizeWithOffsets(std::string_view text, CaseFold fold, NormalizedText& out);

// An item's four text fields normalized once (CaseFold::kNonAscii), for the
// Tagger and the RuleEngine to share.  Reused across items to keep its buffers.
struct NormalizedItem {
  std::string categories;           // Item::categories joined by "\n"
  NormalizedText fields[4];         // by Field: title, summary, content, categories
  bool content_is_summary = false;  // content_text == summary_text (then fields[2] == fields[1])
};

// Fills `out` from `item` (reusing its buffers).
void NormalizeItem(const Item& item, NormalizedItem& out);

// The concepts `tags` names, as indices into `vocabulary`, sorted.
std::vector<int> TagsToIndices(const Vocabulary& vocabulary, const Tags& tags);

// A database compiled by Tagger::CompileCombined; opaque to its users.
class CombinedScan {
 public:
  virtual ~CombinedScan() = default;
};

// Receives the extra literals' occurrences of a combined scan.
class ExtraMatchSink {
 public:
  virtual ~ExtraMatchSink() = default;
  // Extra literal `id` (its index in CompileCombined's `extra`) occupies
  // [from, to) of `text`, field `field`'s normalized text.
  virtual void OnExtraMatch(unsigned id, Field field, std::string_view text, size_t from,
                            size_t to) = 0;
};

// Compiled once per vocabulary; immutable and thread-safe after Compile.
class Tagger {
 public:
  static Result<std::shared_ptr<const Tagger>> Compile(const Vocabulary& vocabulary,
                                                       const TaggerOptions& options = {});
  virtual ~Tagger() = default;

  // Every hit in title, summary and content: case-insensitive after NFKC case
  // folding, whole words for Latin script, substrings for CJK, vetoes applied.
  virtual std::vector<Hit> FindHits(const Item& item) const = 0;

  // The concepts the item is about, judged from its hits (title weighs more
  // than body; a lone passing mention in a long body may not count).
  virtual Tags Tag(const Item& item, const std::vector<Hit>& hits) const = 0;

  virtual const Vocabulary& vocabulary() const = 0;

  // FindHits over fields already normalized by NormalizeItem(item, norm):
  // the same hits, appended to `hits` (cleared first).  The default calls
  // FindHits(item).
  virtual void FindHitsNormalized(const Item& item, const NormalizedItem& norm,
                                  std::vector<Hit>& hits) const;

  // Tag as concept indices: every concept whose id Tag(item, hits) lists,
  // sorted, into `concepts` (cleared first).  The default calls Tag.
  virtual void TagIndices(const Item& item, const std::vector<Hit>& hits,
                          std::vector<int>& concepts) const;

  // The Tagger's literals and another matcher's (`extra`, in the
  // CaseFold::kAll form, matched with ASCII letters caseless) compiled into one
  // database, so that FindHitsCombined reads an item's text once for both
  // (the RuleEngine's keywords).  Null (and Ok) when this Tagger cannot
  // combine; the default.
  virtual Result<std::shared_ptr<const CombinedScan>> CompileCombined(
      const std::vector<std::string>& extra) const;

  // FindHitsNormalized scanning with `combined` (from this Tagger's
  // CompileCombined): the same hits, and every occurrence of an extra
  // literal handed to `sink` as the scan finds it (in order of end within a
  // field; no word-edge test: that is the caller's).  Fields are scanned as
  // FindHitsNormalized does: title, summary, content unless it is the
  // summary, categories when there are any.  The default calls
  // FindHitsNormalized and reports nothing.
  virtual void FindHitsCombined(const Item& item, const NormalizedItem& norm,
                                const CombinedScan& combined, ExtraMatchSink& sink,
                                std::vector<Hit>& hits) const;
};

}  // namespace mineral::rules
