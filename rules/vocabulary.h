// The mineral-policy vocabulary: minerals, countries and clauses, each a
// concept with the words that name it in English and Chinese.
//
// Shipped as data files (rules/vocabulary/*.toml), editable by users and
// overridable in config.  Loading validates everything and reports errors as
// "minerals.toml:12:7: ...".
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/status.h"

namespace mineral::rules {

// kContext: cue words that are no tag themselves but steer Tag() (corporate
// housekeeping that suppresses everything, words of the mineral trade that
// make a mineral mention count); see ContextEffect.
enum class Category { kMineral, kCountry, kClause, kContext };

// "mineral", "country", "clause", "context".
const char* CategoryName(Category category);

struct Term {
  std::string text;  // as written: "rare earth", "NdFeB magnets", "稀土", "U.S."
  // Matched with case (after NFKC only): for "US", "Ga", "REE" and other
  // acronyms that are ordinary words in lower case.
  bool case_sensitive = false;
  // Only active when the user opts in (capital-city metonyms: "Beijing").
  bool opt_in = false;
  // A chemical symbol ("Dy", "Sb"): counts only when the item also names a
  // concept of the same category with an ordinary term.
  bool symbol = false;
  // Weight of one hit (title hits count twice): 0.5 makes a weak cue that
  // needs a second one or the title ("permitting").
  double weight = 1.0;
  // Clause ids, any of which must be tagged for this term to count: product
  // terms ("lithium-ion battery") only count under a trade measure.
  std::vector<std::string> requires_clauses;
  // >= 0: not a literal but Concept::near[proximity] ("ban" near "exports");
  // `text` then describes it ("ban NEAR/5 exports").
  int proximity = -1;
};

// Two word sets found within `within` words of each other, in either order, in
// one field (a CJK character counts as a word).
struct Proximity {
  std::vector<std::string> a;
  std::vector<std::string> b;
  int within = 5;
  bool case_sensitive = false;
};

// What a context concept does when it fires (kContext only).
enum class ContextEffect {
  kNone,
  kSuppress,         // the item gets no tags at all (Appendix 3Y, trading halt)
  kSupportMinerals,  // makes mineral mentions count (mining, ore, exports, ...)
};

struct Concept {
  Category category = Category::kMineral;
  std::string id;    // canonical: "gallium", "rare-earths", "cn", "eu", "export-control"
  std::string name;  // display name: "Gallium", "China", "Export control"
  // Groups this concept belongs to, by id: dysprosium -> {"heavy-rare-earths",
  // "rare-earths"}.  A rule on a group fires on any member.
  std::vector<std::string> groups;
  std::vector<Term> terms;
  // Phrases that veto a hit of this concept when the hit lies inside one of
  // them: "Gallium Software", "graphite pencil", "Cobalt Strike".
  std::vector<std::string> vetoes;
  // Vetoes that apply to the whole item: a hit of this concept does not count
  // when any of these phrases occurs anywhere in the item ("bipolar" for
  // lithium, "guitar" for germanium).
  std::vector<std::string> context_vetoes;
  std::vector<Proximity> near;        // proximity terms (Term::proximity)
  std::vector<std::string> hs_codes;  // minerals: HS codes ("2805.30", "8112.92")
  // Tag() decision: the summed hit weights (title x2) must reach this.
  double threshold = 1.0;
  // false for helper groups that are not reported as tags themselves
  // ("heavy-rare-earths" yields "rare-earths" but is not a tag).
  bool report = true;
  // A class-level concept ("critical-minerals") dropped when the title names
  // a specific member of the category.
  bool yields_to_specific = false;
  // Concepts of the same category this one implies when tagged
  // ("entity-list" -> "export-control").
  std::vector<std::string> implies;
  ContextEffect effect = ContextEffect::kNone;  // kContext only
  std::string source_location;                  // "minerals.toml:40" for error messages
};

struct Vocabulary {
  std::vector<Concept> concepts;

  // Index of the concept with this category and id, or -1.
  int Find(Category category, std::string_view id) const;
  // All concept ids of a category, for did-you-mean hints.
  std::vector<std::string_view> Ids(Category category) const;
  // The concept and every concept that lists it (directly or not) as a group:
  // "rare-earths" -> {rare-earths, light-rare-earths, heavy-rare-earths,
  // lanthanum, ..., yttrium}.
  std::vector<int> Expand(Category category, std::string_view id) const;
};

// Parses one vocabulary file (TOML) into `into`; `file_name` names it in
// errors.  A concept id defined twice replaces the earlier one (so a user file
// loaded after the shipped ones overrides them).
Status ParseVocabularyToml(std::string_view text, std::string_view file_name, Vocabulary& into);

// Checks cross references (groups name existing concepts of the same
// category, no cycles) after all files are parsed.
Status ValidateVocabulary(const Vocabulary& vocabulary);

// The vocabulary shipped with the binary (rules/vocabulary/*.toml, embedded).
Result<Vocabulary> LoadBuiltinVocabulary();

// The embedded copies of the shipped files, in load order: {"minerals.toml",
// text}, ...  (rules/embedded_vocabulary.cc, generated by
// scripts/gen_countries.py; a test checks it equals the files.)
struct EmbeddedVocabularyFile {
  std::string_view name;
  std::string_view text;
};
const std::vector<EmbeddedVocabularyFile>& EmbeddedVocabularyFiles();

}  // namespace mineral::rules
