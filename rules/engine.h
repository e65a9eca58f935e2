// The compiled rule set: which rules fire on an item, and why.
//
// Compile hands every keyword and phrase of every rule (each space/hyphen
// spelling a literal) to Tagger::CompileCombined, which compiles them with
// the vocabulary's literals into one Hyperscan database; regular expressions
// (rare, opt-in) go into a database of their own.  From each rule's tree
// come groups of terms one of each of which it needs (AND of concepts,
// NEAR's two sides, an OR's alternatives), and the rule is indexed under its
// rarest group.  Match then costs one normalization of the item's fields,
// one scan of the normalized text that finds the vocabulary's terms and the
// rules' keywords together (Tagger::FindHitsCombined), and an evaluation of
// only those rules all of whose groups were hit (and of the few rules that
// can fire with no text hit at all, such as `NOT source:asx` alone).
//
// Concept terms (mineral:, country:, clause:) mean "the item is about it":
// they fire when Tagger::Tag lists the concept or a concept it expands to
// (mineral:rare-earths fires on an item tagged dysprosium), so a passing
// mention does not trip a rule.  Under a field scope (title:mineral:x) or
// inside NEAR/n they need a position and read the Tagger's raw hits instead.
//
// Reload contract: a new rule file is compiled into a new engine; only when
// that succeeds does the daemon swap its std::shared_ptr<const RuleEngine>.
// A bad rule set never replaces a good one, and items being matched keep the
// engine they started with (the shared_ptr keeps it alive).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model/item.h"
#include "model/status.h"
#include "rules/rule.h"
#include "rules/tagger.h"

namespace mineral::rules {

// One piece of evidence for a rule firing.
struct MatchedTerm {
  // What the rule asked for: "export licence", "mineral:dysprosium" (the
  // concept actually found, which may be a member of the one named),
  // "re:/section 23[12]/", "source:asx".
  std::string term;
  // "title", "summary", "content" (offsets into Item::title, summary_text,
  // content_text), or "source", "lang" (offsets into Item::source_feed,
  // language).
  std::string field;
  size_t offset = 0;  // bytes
  size_t length = 0;  // bytes
};

struct RuleMatch {
  int rule_index = -1;  // into RuleSet::rules
  std::string rule_id;
  Severity severity = Severity::kWarning;
  // Sorted by field, then offset; no duplicates.  Concept terms judged by
  // aboutness bring all hits of the concepts they matched.
  std::vector<MatchedTerm> explain;
};

class RuleEngine {
 public:
  // Fails (InvalidArgument, naming the rule) when a rule names a concept the
  // Tagger's vocabulary lacks, or when the patterns cannot be compiled.
  // `tagger` must not be null.
  static Result<std::shared_ptr<const RuleEngine>> Compile(RuleSet rules,
                                                           std::shared_ptr<const Tagger> tagger);

  ~RuleEngine();
  RuleEngine(const RuleEngine&) = delete;
  RuleEngine& operator=(const RuleEngine&) = delete;

  // The enabled rules that fire on `item`, in rule-file order.  Runs the
  // Tagger itself.  Thread-safe.
  std::vector<RuleMatch> Match(const Item& item) const;

  // The same, with the Tagger's results for this item already at hand.
  std::vector<RuleMatch> Match(const Item& item, const std::vector<Hit>& hits,
                               const Tags& tags) const;

  // Match decided the plain way, for tests that check Match against it: every
  // enabled rule evaluated (no candidate filter), each field normalized on
  // its own, tags through Tagger::FindHits and Tagger::Tag.  Same result as
  // Match(item), only slower.
  std::vector<RuleMatch> MatchEveryRule(const Item& item) const;

  const RuleSet& rules() const { return rules_; }
  const Tagger& tagger() const { return *tagger_; }

  struct Impl;  // compiled form, in engine.cc

 private:
  RuleEngine() = default;

  RuleSet rules_;
  std::shared_ptr<const Tagger> tagger_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mineral::rules
