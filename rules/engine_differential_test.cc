// RuleEngine::Match (shared normalization, Tagger::TagIndices, the candidate
// filter) against RuleEngine::MatchEveryRule (every rule evaluated, each field
// normalized on its own, tags through Tagger::Tag), over the dev-set items
// and generated rules of every shape: the same rules must fire with the same
// explanations.
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "feeds/parser.h"
#include "rules/engine.h"
#include "rules/rule_parser.h"
#include "rules/tagger.h"
#include "rules/vocabulary.h"
#include "text/text.h"

namespace mineral::rules {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<Item> DevSetItems() {
  const std::string bytes = ReadFile(MINERAL_SHARED_DIR "/dev-set/items.feed.json");
  REQUIRE(!bytes.empty());
  feeds::ParseOptions options;
  options.source_feed = "devset";
  auto parsed = feeds::Parse(bytes, options);
  REQUIRE(parsed.ok());
  return parsed->items;
}

// Items the dev set lacks: a separate content, categories, a source the
// rules exclude, odd Unicode.
std::vector<Item> ExtraItems() {
  std::vector<Item> items;
  auto add = [&](std::string title, std::string summary, std::string content,
                 std::vector<std::string> categories, std::string source, std::string lang) {
    Item item;
    item.key = "extra-" + std::to_string(items.size());
    item.title = std::move(title);
    item.summary_text = std::move(summary);
    item.content_text = std::move(content);
    item.categories = std::move(categories);
    item.source_feed = std::move(source);
    item.language = std::move(lang);
    items.push_back(std::move(item));
  };
  add("China tightens gallium export controls", "Beijing said licences are required.",
      "The commerce ministry said gallium and germanium exports need a licence; the export "
      "ban on antimony stays.",
      {"China", "Export controls"}, "mofcom", "en");
  add("中国对镓、锗实施出口管制", "商务部宣布对镓和锗相关物项实施出口管制，需申请许可。", "",
      {"稀土"}, "mofcom-cn", "zh-CN");
  add("ＲＡＲＥ ＥＡＲＴＨ quota",
      "Ｃｈｉｎａ cuts the rare\u00ADearth quota; dysprosium prices rise.", "", {}, "news", "en");
  add("Cafe\u0301 owners and the Congo cobalt export ban",
      "The DRC suspends the cobalt export ban.", "The DRC suspends the cobalt export ban.", {},
      "asx", "en");
  add("Drill results: high-grade lithium intercept", "Maiden resource in Western Australia.",
      "Australian lithium miner reports significant discovery near Perth.", {"ASX"}, "asx", "en");
  add("US tariff on tungsten", "The U.S. imposes a tariff on Chinese tungsten and graphite.", "",
      {}, "news", "en-US");
  return items;
}

// Rules of every shape the language has, drawn from the vocabulary.
std::string GeneratedRules(const Vocabulary& v, int n) {
  std::vector<std::string> minerals, countries, clauses;
  for (const auto& c : v.concepts) {
    if (c.category == Category::kMineral) minerals.push_back(c.id);
    if (c.category == Category::kCountry) countries.push_back(c.id);
    if (c.category == Category::kClause) clauses.push_back(c.id);
  }
  const char* const words[] = {"export", "licence",    "ministry",   "said",  "prices",
                               "mining", "supply",     "ban",        "quota", "shipments",
                               "tariff", "high-grade", "rare earth", "china", "drill*"};
  std::mt19937 rng(11);
  auto pick = [&](const std::vector<std::string>& from) {
    // Half the picks from the few concepts the dev set is about, so rules fire.
    static const std::vector<std::string> common = {"gallium",  "germanium", "rare-earths",
                                                    "cobalt",   "lithium",   "antimony",
                                                    "graphite", "tungsten"};
    if (&from == &minerals && rng() % 2 == 0) return common[rng() % common.size()];
    return from[rng() % from.size()];
  };
  auto word = [&] { return std::string(words[rng() % std::size(words)]); };
  auto quoted = [&] { return "\"" + word() + "\""; };
  auto single = [&] {  // one token, for field scopes
    std::string w = word();
    return w.find(' ') == std::string::npos ? w : std::string("export");
  };
  // One generator per shape of rule.
  const std::vector<std::function<std::string()>> shapes = {
      [&] {
        return "minerals = [\"" + pick(minerals) + "\", \"" + pick(minerals) +
               "\"]\ncountries = [\"" + pick(countries) + "\", \"cn\"]\nclauses = [\"" +
               pick(clauses) + "\"]\n";
      },
      [&] {
        return "when = 'mineral:" + pick(minerals) + " AND (" + quoted() +
               " OR clause:" + pick(clauses) + ") AND NOT source:asx'\n";
      },
      [&] {
        return "when = '(mineral:" + pick(minerals) + " NEAR/8 clause:" + pick(clauses) +
               ") AND (country:" + pick(countries) + " OR title:mineral:" + pick(minerals) + ")'\n";
      },
      [&] {
        return "when = '" + quoted() + " NEAR/5 (" + quoted() + " OR mineral:" + pick(minerals) +
               ")'\n";
      },
      [&] { return "when = 'title:" + single() + " OR summary:mineral:" + pick(minerals) + "'\n"; },
      [&] { return "when = 'NOT mineral:" + pick(minerals) + " AND lang:en'\n"; },
      [&] {
        return "when = 'source:mofcom* OR (country:cn AND NOT clause:" + pick(clauses) + ")'\n";
      },
      [&] {
        return "when = 're:/(export|import)s? (ban|control)/ AND (mineral:" + pick(minerals) +
               " OR country:" + pick(countries) + ")'\n";
      },
      [&] {
        return "minerals = [\"" + pick(minerals) + "\"]\ninclude = [\"" + word() + "\", \"" +
               word() + "\"]\nexclude = [\"" + word() + "\"]\n";
      },
      [&] {
        return "when = '(mineral:" + pick(minerals) + " AND " + quoted() +
               ") OR (country:" + pick(countries) + " AND clause:" + pick(clauses) + ")'\n";
      },
      [&] {
        return "when = 'category:china* OR (content:" + single() + " AND clause:" + pick(clauses) +
               ")'\n";
      },
      [&] {
        return "when = 'mineral:" + pick(minerals) + " AND country:" + pick(countries) +
               " AND clause:" + pick(clauses) + "'\n";
      },
  };
  std::string toml;
  for (int i = 0; i < n; ++i) {
    toml += "[[rule]]\nid = \"G" + std::to_string(i) + "\"\n";
    if (i % 17 == 0) toml += "enabled = false\n";
    toml += shapes[static_cast<size_t>(i) % shapes.size()]();
  }
  return toml;
}

std::string Describe(const std::vector<RuleMatch>& matches) {
  std::string out;
  for (const RuleMatch& m : matches) {
    out += m.rule_id + " [" + SeverityName(m.severity) + "]:";
    for (const MatchedTerm& t : m.explain) {
      out += " " + t.term + "@" + t.field + ":" + std::to_string(t.offset) + "+" +
             std::to_string(t.length);
    }
    out += "\n";
  }
  return out;
}

TEST_CASE("differential: Match equals evaluating every rule, on the dev set and generated rules") {
  auto vocabulary = LoadBuiltinVocabulary();
  REQUIRE(vocabulary.ok());
  auto tagger = Tagger::Compile(*vocabulary);
  REQUIRE(tagger.ok());
  std::vector<Item> items = DevSetItems();
  for (Item& item : ExtraItems()) items.push_back(std::move(item));

  const std::string devset_rules = ReadFile(MINERAL_SOURCE_DIR "/rules/examples/devset-rules.toml");
  REQUIRE(!devset_rules.empty());
  for (const std::string& toml :
       {devset_rules, GeneratedRules(*vocabulary, 12), GeneratedRules(*vocabulary, 600)}) {
    auto rules = ParseRules(toml, "differential.toml", *vocabulary);
    INFO((rules.ok() ? std::string() : rules.status().ToString()));
    REQUIRE(rules.ok());
    const size_t rule_count = rules->rules.size();
    auto engine = RuleEngine::Compile(std::move(*rules), *tagger);
    REQUIRE(engine.ok());
    size_t fired = 0;
    size_t explained = 0;
    for (const Item& item : items) {
      const std::vector<RuleMatch> fast = (*engine)->Match(item);
      const std::vector<RuleMatch> reference = (*engine)->MatchEveryRule(item);
      INFO("item " << item.key << ", " << rule_count << " rules");
      REQUIRE(Describe(fast) == Describe(reference));
      const std::vector<Hit> hits = (*tagger)->FindHits(item);
      CHECK(Describe((*engine)->Match(item, hits, (*tagger)->Tag(item, hits))) ==
            Describe(reference));
      fired += fast.size();
      for (const RuleMatch& m : fast) explained += m.explain.size();
    }
    // The comparison means something only if rules fired, with evidence.
    CHECK(fired > 0);
    CHECK(explained >= fired);
    if (rule_count >= 600) CHECK(fired > items.size());
  }
}

// Match finds keywords in the Tagger's scan (every space/hyphen spelling a
// literal of the combined database); MatchEveryRule in a database of the
// rules' patterns alone.  Keywords at the edges of that: many spellings,
// more than 64 occurrences in a field, a vocabulary term as a keyword, CJK,
// a prefix, keywords only in the categories or the content, beside a
// regular expression.
TEST_CASE("differential: keywords found in the Tagger's scan, as in a scan of their own") {
  auto vocabulary = LoadBuiltinVocabulary();
  REQUIRE(vocabulary.ok());
  auto tagger = Tagger::Compile(*vocabulary);
  REQUIRE(tagger.ok());
  const std::string toml = R"([[rule]]
id = "spellings"
when = '"a-b-c-d-e-f-g" OR "a b-c d"'
[[rule]]
id = "many"
when = '"ore"'
[[rule]]
id = "term"
when = '"gallium" OR "rare earth"'
[[rule]]
id = "cjk"
when = '"出口管制"'
[[rule]]
id = "prefix"
when = '"export*" AND NOT "exporting"'
[[rule]]
id = "fields"
when = 'content:"lithium intercept" OR "gov notice"'
[[rule]]
id = "regex"
when = 're:/gall?ium/ AND "gallium"'
)";
  auto rules = ParseRules(toml, "keywords.toml", *vocabulary);
  INFO((rules.ok() ? std::string() : rules.status().ToString()));
  REQUIRE(rules.ok());
  auto engine = RuleEngine::Compile(std::move(*rules), *tagger);
  REQUIRE(engine.ok());
  std::vector<Item> items(5);
  std::string ores;
  for (int i = 0; i < 70; ++i) ores += "ore, ORE-ore; ";
  items[0].title = "A-b c-d E-f-G and a-b-c d and A B C D";
  items[0].summary_text = ores + " boreal ores";
  items[1].title = "Gallium and rare-earth and RARE EARTHS and gallium's";
  items[1].summary_text = "中国对镓实施出口管制。出口管制";
  items[1].categories = {"gov notice", "Gov-Notice"};
  items[2].title = "Exporters exporting exports";
  items[2].summary_text = "Lithium intercept";
  items[2].content_text = "Lithium intercept";
  items[3].title = "export";
  items[3].summary_text = "lithium intercepts";
  items[3].content_text = "The lithium-intercept and lithium intercept.";
  items[4].title = "galium, gallium";
  for (Item& item : items) item.language = "en";
  std::vector<std::string> fired;
  for (const Item& item : items) {
    const std::vector<RuleMatch> fast = (*engine)->Match(item);
    INFO("title '" << item.title << "'");
    REQUIRE(Describe(fast) == Describe((*engine)->MatchEveryRule(item)));
    for (const RuleMatch& m : fast) fired.push_back(m.rule_id);
    // The cap on matches kept per keyword and field holds in both.
    for (const RuleMatch& m : fast) {
      if (m.rule_id != "many") continue;
      size_t in_summary = 0;
      for (const MatchedTerm& t : m.explain) in_summary += t.field == "summary";
      CHECK(in_summary == 64);
    }
  }
  CHECK(fired == std::vector<std::string>{"spellings", "many", "term", "cjk", "fields", "regex",
                                          "fields", "prefix", "fields", "term", "regex"});
}

// The scan's form of `s` (CaseFold::kNonAscii) is `folded` (its kAll form)
// with ASCII letters in their own case: the same bytes once lower-cased, the
// same map back, and an ASCII letter from an ASCII byte is that byte.
void RequireScanFormFolds(const std::string& s, const NormalizedText& folded) {
  NormalizedText scan;
  NormalizeWithOffsets(s, CaseFold::kNonAscii, scan);
  std::string lowered = scan.text;
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  REQUIRE(lowered == folded.text);
  for (size_t k = 0; k < scan.text.size(); ++k) {
    REQUIRE(scan.Begin(k) == folded.Begin(k));
    REQUIRE(scan.End(k) == folded.End(k));
    if (scan.End(k) == scan.Begin(k) + 1 && static_cast<unsigned char>(s[scan.Begin(k)]) < 0x80 &&
        scan.text[k] != ' ') {
      REQUIRE(scan.text[k] == s[scan.Begin(k)]);
    }
  }
}

TEST_CASE("NormalizeWithOffsets: the scan's form folds to the text rules' form, any script") {
  std::mt19937 rng(11);
  // Characters whose NFKC form is ASCII (fullwidth, ligature, Kelvin sign),
  // folds that change length (ß, İ), compositions, CJK, punctuation.
  const std::string pieces[] = {"Ｒ",     "ａ",      "ＧａＮ",  "ﬁ",  "\u212A", "ß",  "\u0130",
                                "É",      "e\u0301", "E\u0301", "Ω",  "中国",   "“",  "–",
                                "\u00a0", "Rare",    "EARTHS",  "us", " ",      "  ", "-",
                                "\t",     "Ⅻ",       "㎏",      "ǅ",  "稀土",   "镓", "\u0301",
                                "\u4E00", "\u9FFF",  "\u4DFF"};
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const size_t n = rng() % 12;
    for (size_t i = 0; i < n; ++i) s += pieces[rng() % std::size(pieces)];
    NormalizedText folded;
    NormalizeWithOffsets(s, CaseFold::kAll, folded);
    INFO("input '" << s << "'");
    REQUIRE(folded.text == text::NormalizeForMatching(s));
    RequireScanFormFolds(s, folded);
    // An ideograph maps back to its own three bytes (and a combining mark
    // after it, which stays beside it).
    for (size_t k = 0; k + 3 <= folded.text.size(); ++k) {
      const std::string ideograph = folded.text.substr(k, 3);
      if (ideograph != "稀" && ideograph != "土" && ideograph != "镓" && ideograph != "中" &&
          ideograph != "国" && ideograph != "\u4E00" && ideograph != "\u9FFF") {
        continue;
      }
      REQUIRE(folded.End(k + 2) >= folded.Begin(k) + 3);
      REQUIRE(s.substr(folded.Begin(k), 3) == ideograph);
    }
  }
}

TEST_CASE("NormalizeWithOffsets: the ASCII fast path gives NormalizeForMatching's text") {
  std::mt19937 rng(5);
  const std::string alphabet = "aZ q-X.\t\n\r\x01\x7f  ,'Mm09";
  // Mostly prose (letters, single spaces) with a rare control or double
  // space: long plain stretches that take the 8- and 16-byte paths, broken at
  // every offset.
  const std::string prose = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,-'@[`{~";
  const std::string rare = "\t\n\x01\x7f ";
  for (int round = 0; round < 4000; ++round) {
    std::string s;
    if (round < 2000) {
      const size_t n = rng() % 40;
      for (size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    } else {
      const size_t n = rng() % 100;
      for (size_t i = 0; i < n; ++i) {
        s += rng() % 24 == 0 ? rare[rng() % rare.size()] : prose[rng() % prose.size()];
      }
    }
    // Sometimes end the ASCII run on a non-ASCII letter, or on a combining
    // mark (which composes with the run's last character: "m" U+0301 -> U+1E3F).
    if (round % 3 == 1) s += "m\u0301x";
    if (round % 3 == 2) s += "\u00C9 Y";
    NormalizedText out;
    NormalizeWithOffsets(s, CaseFold::kAll, out);
    INFO("input '" << s << "'");
    RequireScanFormFolds(s, out);
    if (round % 3 == 1) {
      // The run up to its last character, then that character composed.
      const size_t last = s.size() - 4;  // the "m" before U+0301
      NormalizedText head;
      NormalizeWithOffsets(std::string_view(s).substr(0, last), CaseFold::kAll, head);
      NormalizedText tail;
      NormalizeWithOffsets(std::string_view(s).substr(last), CaseFold::kAll, tail);
      // A space between when the head ends in whitespace (controls aside).
      bool space = false;
      for (size_t k = last; k > 0; --k) {
        const auto c = static_cast<unsigned char>(s[k - 1]);
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
          space = true;
        } else if (c >= 0x20 && c != 0x7F) {
          break;
        }
      }
      const bool space_between = space && !head.text.empty();
      REQUIRE(out.text == head.text + (space_between ? " " : "") + tail.text);
    } else {
      REQUIRE(out.text == text::NormalizeForMatching(s));
    }
    for (size_t k = 0; k < out.text.size(); ++k) {
      REQUIRE(out.Begin(k) < out.End(k));
      REQUIRE(out.End(k) <= s.size());
      if (k > 0) REQUIRE(out.Begin(k - 1) <= out.Begin(k));
      const auto c = static_cast<unsigned char>(s[out.Begin(k)]);
      if (out.text[k] != ' ' && c < 0x80 && out.End(k) == out.Begin(k) + 1) {
        REQUIRE(out.text[k] == static_cast<char>(std::tolower(c)));
      }
      // NormOffset is the first byte whose character starts at or after.
      REQUIRE(out.NormOffset(out.Begin(k)) <= k);
      REQUIRE(out.Begin(out.NormOffset(out.Begin(k))) == out.Begin(k));
    }
    NormalizedText kept;
    NormalizeWithOffsets(s, CaseFold::kKeep, kept);
    REQUIRE(kept.text.size() == out.text.size());
  }
}

// For ASCII text the map back is plain: a character comes from its own
// byte, a space from the whitespace (with any controls inside it) between
// the words around it.  Prose-like input, so the eight-bytes-at-once path
// runs, with now and then a double space, a tab or a control character.
TEST_CASE("NormalizeWithOffsets: the map of ASCII text, eight bytes at once or not") {
  std::mt19937 rng(9);
  const std::string words[] = {"Export", "ban",       "of",   "RARE",     "earths", "x",  "said",
                               "2023",   "(gallium)", "U.S.", "licence;", "~tilde", "{}", "a"};
  const std::string gaps[] = {" ", " ", " ", " ", " ", " ", "  ", "\t", " \n ", "\x01", " \x7f "};
  for (int round = 0; round < 3000; ++round) {
    std::string s = round % 4 == 0 ? " " : "";
    const size_t n = rng() % 30;
    for (size_t i = 0; i < n; ++i) {
      s += words[rng() % std::size(words)];
      s += gaps[rng() % std::size(gaps)];
    }
    if (round % 2 == 0 && !s.empty()) s.pop_back();
    std::string want_text;
    std::vector<std::pair<uint32_t, uint32_t>> want_map;
    bool pending = false;
    uint32_t space_begin = 0;
    uint32_t space_end = 0;
    for (size_t k = 0; k < s.size(); ++k) {
      const auto c = static_cast<unsigned char>(s[k]);
      if (c == ' ' || (c >= '\t' && c <= '\r')) {
        if (!pending) space_begin = static_cast<uint32_t>(k);
        pending = true;
        space_end = static_cast<uint32_t>(k + 1);
        continue;
      }
      if (c < 0x20 || c == 0x7F) continue;
      if (pending && !want_text.empty()) {
        want_text += ' ';
        want_map.emplace_back(space_begin, space_end);
      }
      pending = false;
      want_text += static_cast<char>(std::tolower(c));
      want_map.emplace_back(static_cast<uint32_t>(k), static_cast<uint32_t>(k + 1));
    }
    NormalizedText out;
    NormalizeWithOffsets(s, CaseFold::kAll, out);
    INFO("input '" << s << "'");
    REQUIRE(out.text == want_text);
    RequireScanFormFolds(s, out);
    for (size_t k = 0; k < want_map.size(); ++k) {
      INFO("byte " << k);
      REQUIRE(out.Begin(k) == want_map[k].first);
      REQUIRE(out.End(k) == want_map[k].second);
      REQUIRE(out.NormOffset(want_map[k].first) == k);
    }
  }
}

}  // namespace
}  // namespace mineral::rules
