// libFuzzer target: the rules file parser (TOML, then the expression
// language), and the engine compiled from whatever parses.
//
//   build/fuzz/fuzz/fuzz_rules -max_len=4096 CORPUS rules/examples
//
// The input is a rules file, and the text of an item.  Invariants: no
// crash, no exception; every error message starts "rules.toml:LINE:COL: "
// and ends with a caret line; a rule set that parses also compiles, and
// matching one item with it works; as item text, the scan's case form of the
// input folds to the text rules' form with the same map, and its hits lie
// inside the field.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz/fuzz_checks.h"
#include "model/item.h"
#include "rules/engine.h"
#include "rules/rule_parser.h"
#include "rules/tagger.h"
#include "rules/vocabulary.h"

namespace {

struct Fixture {
  mineral::rules::Vocabulary vocabulary;
  std::shared_ptr<const mineral::rules::Tagger> tagger;
};

const Fixture& GetFixture() {
  static const Fixture fixture = [] {
    Fixture f;
    auto vocabulary = mineral::rules::LoadBuiltinVocabulary();
    if (vocabulary.ok()) f.vocabulary = std::move(*vocabulary);
    auto tagger = mineral::rules::Tagger::Compile(f.vocabulary);
    if (tagger.ok()) f.tagger = *tagger;
    return f;
  }();
  return fixture;
}

// The input as item text: the scan's form of it lower-cases (ASCII) to the
// text rules' form with the same map back, and every hit lies inside its
// field.
void CheckTextForms(const Fixture& fixture, std::string_view text) {
  using namespace mineral::rules;
  NormalizedText folded;
  NormalizeWithOffsets(text, CaseFold::kAll, folded);
  NormalizedText scan;
  NormalizeWithOffsets(text, CaseFold::kNonAscii, scan);
  FUZZ_CHECK(scan.text.size() == folded.text.size());
  for (size_t k = 0; k < scan.text.size(); ++k) {
    char c = scan.text[k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    FUZZ_CHECK(c == folded.text[k]);
    FUZZ_CHECK(scan.Begin(k) == folded.Begin(k) && scan.End(k) == folded.End(k));
    FUZZ_CHECK(scan.Begin(k) < scan.End(k) && scan.End(k) <= text.size());
  }
  if (fixture.tagger == nullptr) return;
  mineral::Item item;
  item.title = std::string(text);
  item.summary_text = item.title;
  for (const Hit& h : fixture.tagger->FindHits(item)) {
    FUZZ_CHECK(h.offset + h.length <= item.title.size());
    FUZZ_CHECK(h.length > 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mineral;
  const Fixture& fixture = GetFixture();
  const std::string_view text = fuzz::AsText(data, size);
  CheckTextForms(fixture, text);
  rules::RuleParseOptions options;
  options.max_rules = 64;  // keeps engine compilation cheap per input
  Result<rules::RuleSet> set = rules::ParseRules(text, "rules.toml", fixture.vocabulary, options);
  if (!set.ok()) {
    const std::string& m = set.status().message();
    FUZZ_CHECK(m.starts_with("rules.toml:"));
    FUZZ_CHECK(m.find('\n') != std::string::npos && m.back() == '^');
    return 0;
  }
  // The same bytes as one expression.
  (void)rules::ParseExpression(text, "expr", fixture.vocabulary, options);
  if (fixture.tagger == nullptr) return 0;
  auto engine = rules::RuleEngine::Compile(std::move(*set), fixture.tagger);
  if (!engine.ok()) {
    // Only Hyperscan can refuse what the parser accepted (a set of patterns
    // too large together); concepts were checked against this vocabulary.
    FUZZ_CHECK(engine.status().message().find("cannot compile rule patterns") != std::string::npos);
    return 0;
  }
  Item item;
  item.title = "China suspends gallium and rare-earth export controls";
  item.content_text = std::string(text.substr(0, 512));
  item.source_feed = "asx";
  item.language = "en";
  for (const rules::RuleMatch& m : (*engine)->Match(item)) {
    FUZZ_CHECK(m.rule_index >= 0 &&
               static_cast<size_t>(m.rule_index) < (*engine)->rules().rules.size());
    for (const rules::MatchedTerm& t : m.explain) {
      const std::string& field = t.field == "title"     ? item.title
                                 : t.field == "content" ? item.content_text
                                 : t.field == "source"  ? item.source_feed
                                 : t.field == "lang"    ? item.language
                                                        : std::string();
      if (t.field == "title" || t.field == "content")
        FUZZ_CHECK(t.offset + t.length <= field.size());
    }
  }
  return 0;
}
