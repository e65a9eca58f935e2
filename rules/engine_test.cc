#include "rules/engine.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "rules/rule_parser.h"

namespace mineral::rules {
namespace {

Concept MakeConcept(Category category, std::string id, std::vector<std::string> terms,
                    std::vector<std::string> groups = {}) {
  Concept c;
  c.category = category;
  c.id = id;
  c.name = id;
  c.groups = std::move(groups);
  for (std::string& t : terms) {
    Term term;
    term.text = std::move(t);
    c.terms.push_back(std::move(term));
  }
  return c;
}

// A stand-in for the real Tagger: ASCII case-insensitive substring hits at
// word edges; Tag() reports every concept hit (and its groups) except those
// listed as `passing`, which it treats as mere mentions.
class FakeTagger : public Tagger {
 public:
  explicit FakeTagger(std::set<std::string> passing = {}) : passing_(std::move(passing)) {
    vocabulary_.concepts = {
        MakeConcept(Category::kMineral, "gallium", {"gallium", "镓"}),
        MakeConcept(Category::kMineral, "rare-earths", {"rare earth", "稀土"}),
        MakeConcept(Category::kMineral, "heavy-rare-earths", {"heavy rare earth"}, {"rare-earths"}),
        MakeConcept(Category::kMineral, "dysprosium", {"dysprosium"}, {"heavy-rare-earths"}),
        MakeConcept(Category::kMineral, "cobalt", {"cobalt"}),
        MakeConcept(Category::kCountry, "cn", {"china", "chinese"}),
        MakeConcept(Category::kCountry, "cd", {"congo"}),
        MakeConcept(Category::kClause, "export-ban", {"export ban", "bans exports"}),
        MakeConcept(Category::kClause, "suspension", {"suspends", "pause"}),
    };
  }

  std::vector<Hit> FindHits(const Item& item) const override {
    std::vector<Hit> hits;
    const std::pair<Field, const std::string*> fields[] = {{Field::kTitle, &item.title},
                                                           {Field::kSummary, &item.summary_text},
                                                           {Field::kContent, &item.content_text}};
    for (const auto& [field, text] : fields) {
      std::string lower = *text;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (size_t ci = 0; ci < vocabulary_.concepts.size(); ++ci) {
        const Concept& c = vocabulary_.concepts[ci];
        for (size_t ti = 0; ti < c.terms.size(); ++ti) {
          const std::string& term = c.terms[ti].text;
          for (size_t p = lower.find(term); p != std::string::npos; p = lower.find(term, p + 1)) {
            const bool left = p == 0 || !std::isalnum(static_cast<unsigned char>(lower[p - 1]));
            const size_t e = p + term.size();
            const bool right =
                e >= lower.size() || !std::isalnum(static_cast<unsigned char>(lower[e]));
            if (left && right) {
              hits.push_back(
                  Hit{static_cast<int>(ci), static_cast<int>(ti), field, p, term.size()});
            }
          }
        }
      }
    }
    return hits;
  }

  Tags Tag(const Item&, const std::vector<Hit>& hits) const override {
    Tags tags;
    std::set<int> seen;
    for (const Hit& h : hits) {
      const Concept& c = vocabulary_.concepts[static_cast<size_t>(h.concept_index)];
      if (passing_.count(c.id)) continue;
      std::vector<std::string>* out = c.category == Category::kMineral   ? &tags.minerals
                                      : c.category == Category::kCountry ? &tags.countries
                                                                         : &tags.clauses;
      out->push_back(c.id);
      for (const std::string& g : c.groups) out->push_back(g);
      if (c.id == "dysprosium") out->push_back("rare-earths");
    }
    for (auto* v : {&tags.minerals, &tags.countries, &tags.clauses}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    return tags;
  }

  const Vocabulary& vocabulary() const override { return vocabulary_; }

 private:
  Vocabulary vocabulary_;
  std::set<std::string> passing_;
};

std::shared_ptr<const RuleEngine> Engine(const std::string& toml,
                                         std::shared_ptr<const Tagger> tagger = nullptr) {
  if (tagger == nullptr) tagger = std::make_shared<FakeTagger>();
  Result<RuleSet> set = ParseRules(toml, "rules.toml", tagger->vocabulary());
  if (!set.ok()) FAIL(set.status().message());
  Result<std::shared_ptr<const RuleEngine>> engine = RuleEngine::Compile(std::move(*set), tagger);
  if (!engine.ok()) FAIL(engine.status().message());
  return *engine;
}

// Fires `when` (one rule) on an item with this title and content?
bool Fires(const std::string& when, const std::string& title, const std::string& content = "",
           std::shared_ptr<const Tagger> tagger = nullptr) {
  auto engine = Engine("[[rule]]\nid = 'R'\nwhen = '''" + when + "'''\n", std::move(tagger));
  Item item;
  item.title = title;
  item.content_text = content;
  return !engine->Match(item).empty();
}

TEST_CASE("keywords: whole words, case, hyphens, wildcards, CJK") {
  CHECK(Fires("tin", "Tin prices rise"));
  CHECK_FALSE(Fires("tin", "Martin Luther"));
  CHECK_FALSE(Fires("us", "usage of metals"));
  CHECK(Fires("\"export licence\"", "New EXPORT   Licence rules"));
  CHECK(Fires("\"rare earth\"", "rare-earth magnets"));
  CHECK(Fires("\"rare-earth\"", "rare earth magnets"));
  CHECK(Fires("drill*", "Drilling starts"));
  CHECK_FALSE(Fires("drill", "Drilling starts"));
  CHECK(Fires("ｅｘｐｏｒｔ", "export"));      // NFKC on the rule side
  CHECK(Fires("export", "ＥＸＰＯＲＴ ban"));  // and on the item side
  CHECK(Fires("出口", "暂停出口管制"));        // CJK: substrings
  CHECK(Fires("section 232", "a Section 232 probe"));
  CHECK_FALSE(Fires("section 232", "Section 2321"));
}

TEST_CASE("boolean operators and scopes") {
  CHECK(Fires("ban AND cobalt", "", "cobalt ban"));
  CHECK_FALSE(Fires("ban AND NOT cobalt", "", "cobalt ban"));
  CHECK(Fires("ban OR nothing", "ban"));
  CHECK(Fires("ban cobalt", "ban on cobalt"));  // implicit AND
  CHECK(Fires("title:ban", "ban", "x"));
  CHECK_FALSE(Fires("title:ban", "x", "ban"));
  CHECK(Fires("content:ban", "x", "ban"));
  CHECK_FALSE(Fires("summary:ban", "x", "ban"));
  CHECK(Fires("re:/section (232|301)/", "A SECTION 301 action"));
  CHECK_FALSE(Fires("re:/section (232|301)/", "section 302"));
}

TEST_CASE("metadata: source, feed, lang, category") {
  auto engine = Engine(R"(
[[rule]]
id = "asx"
when = "source:asx"
[[rule]]
id = "not-asx"
when = "NOT feed:asx*"
[[rule]]
id = "zh"
when = "lang:zh"
[[rule]]
id = "news"
when = "category:News"
)");
  Item item;
  item.source_feed = "ASX";
  item.language = "zh-CN";
  item.categories = {"markets", "news"};
  std::vector<std::string> ids;
  for (const RuleMatch& m : engine->Match(item)) ids.push_back(m.rule_id);
  CHECK(ids == std::vector<std::string>{"asx", "zh", "news"});
  item.source_feed = "mofcom";
  item.language = "zhx";
  item.categories.clear();
  ids.clear();
  for (const RuleMatch& m : engine->Match(item)) ids.push_back(m.rule_id);
  CHECK(ids == std::vector<std::string>{"not-asx"});
}

TEST_CASE("concepts: aboutness, expansion, raw hits under scopes and NEAR") {
  CHECK(Fires("mineral:gallium", "Gallium prices"));
  CHECK(Fires("mineral:gallium", "镓出口"));
  CHECK(Fires("mineral:rare-earths", "Dysprosium exports fall"));  // expansion
  CHECK(Fires("mineral:heavy-rare-earths", "Dysprosium exports fall"));
  CHECK_FALSE(Fires("mineral:dysprosium", "Rare earth exports fall"));  // not the other way
  // A passing mention (the Tagger does not tag it) does not fire an
  // unscoped concept term, but a scoped one reads the raw hit.
  auto passing = std::make_shared<FakeTagger>(std::set<std::string>{"cobalt"});
  CHECK_FALSE(Fires("mineral:cobalt", "Cobalt Robotics quarterly report", "", passing));
  CHECK(Fires("title:mineral:cobalt", "Cobalt Robotics quarterly report", "", passing));
  CHECK(Fires("mineral:cobalt NEAR/2 clause:export-ban", "", "Congo cobalt export ban", passing));
  CHECK_FALSE(Fires("mineral:cobalt NEAR/2 clause:export-ban", "",
                    "cobalt miners said on Friday that the export ban", passing));
}

TEST_CASE("NEAR counts the words between, in one field, CJK characters as words") {
  CHECK(Fires("ban NEAR/1 exports", "ban on exports"));
  CHECK(Fires("ban NEAR/1 exports", "exports ban"));
  CHECK_FALSE(Fires("ban NEAR/1 exports", "ban on all exports"));
  CHECK(Fires("ban NEAR/2 exports", "ban on all exports"));
  CHECK_FALSE(Fires("ban NEAR/5 exports", "ban", "exports"));
  CHECK(Fires("暂停 NEAR/2 出口", "暂停钴出口"));
  CHECK_FALSE(Fires("暂停 NEAR/1 出口", "暂停钴钴出口"));
}

TEST_CASE("explanations point into the original text") {
  auto engine = Engine(R"(
[[rule]]
id = "R3"
severity = "critical"
when = 'mineral:cobalt AND country:cd AND "export ban"'
)");
  Item item;
  std::vector<std::string> got;
  // Full-width letters and a curly apostrophe: normalized for matching,
  // reported in the original bytes.
  item.title = "Ｅxport ban: Congo’s cobalt export ban";
  const std::vector<RuleMatch> again = engine->Match(item);
  REQUIRE(again.size() == 1);
  got.clear();
  for (const MatchedTerm& t : again[0].explain) {
    got.push_back(t.term + "@" + t.field + ":" + item.title.substr(t.offset, t.length));
  }
  CHECK(got == std::vector<std::string>{"export ban@title:Ｅxport ban", "country:cd@title:Congo",
                                        "mineral:cobalt@title:cobalt",
                                        "export ban@title:export ban"});
}

TEST_CASE("disabled rules, rules with no text terms, compile errors") {
  auto engine = Engine(R"(
[[rule]]
id = "off"
enabled = false
include = ["gallium"]
[[rule]]
id = "on"
include = ["gallium"]
)");
  Item item;
  item.title = "gallium";
  const auto matches = engine->Match(item);
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].rule_id == "on");
  CHECK(matches[0].rule_index == 1);

  // A rule set checked against one vocabulary but compiled against another.
  RuleSet set;
  Rule rule;
  rule.id = "X";
  rule.condition.kind = NodeKind::kConcept;
  rule.condition.category = Category::kMineral;
  rule.condition.text = "unobtainium";
  set.rules.push_back(rule);
  auto bad = RuleEngine::Compile(set, std::make_shared<FakeTagger>());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "rule 'X': unknown mineral 'unobtainium' in this vocabulary");
  CHECK_FALSE(RuleEngine::Compile(set, nullptr).ok());
}

TEST_CASE("many rules: only rules whose terms were hit matter") {
  std::string toml;
  for (int i = 0; i < 1000; ++i) {
    toml += "[[rule]]\nid = 'r" + std::to_string(i) + "'\nwhen = '\"term" + std::to_string(i) +
            "\" AND mineral:gallium'\n";
  }
  auto engine = Engine(toml);
  Item item;
  item.title = "gallium term17 and term999 but not term1000";
  std::vector<std::string> ids;
  for (const RuleMatch& m : engine->Match(item)) ids.push_back(m.rule_id);
  CHECK(ids == std::vector<std::string>{"r17", "r999"});
}

}  // namespace
}  // namespace mineral::rules
