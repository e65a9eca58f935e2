#include "rules/vocabulary.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

namespace mineral::rules {
namespace {

const Vocabulary& Builtin() {
  static const Vocabulary* v = [] {
    Result<Vocabulary> r = LoadBuiltinVocabulary();
    INFO(r.status().message());
    REQUIRE(r.ok());
    return new Vocabulary(std::move(r).value());
  }();
  return *v;
}

std::string ParseError(const std::string& text, const std::string& file = "minerals.toml") {
  Vocabulary v;
  return ParseVocabularyToml(text, file, v).message();
}

bool HasTerm(const Concept& c, std::string_view text) {
  return std::any_of(c.terms.begin(), c.terms.end(), [&](const Term& t) { return t.text == text; });
}

TEST_CASE("the built-in vocabulary loads and validates") {
  const Vocabulary& v = Builtin();
  CHECK(ValidateVocabulary(v).ok());
  CHECK(std::string(CategoryName(Category::kMineral)) == "mineral");
  CHECK(std::string(CategoryName(Category::kCountry)) == "country");
  CHECK(std::string(CategoryName(Category::kClause)) == "clause");
  CHECK(std::string(CategoryName(Category::kContext)) == "context");
}

TEST_CASE("minerals: the USGS 2022 list and the extras") {
  const Vocabulary& v = Builtin();
  const char* usgs2022[] = {"aluminium",  "antimony",  "arsenic",      "barite",    "beryllium",
                            "bismuth",    "cerium",    "cesium",       "chromium",  "cobalt",
                            "dysprosium", "erbium",    "europium",     "fluorspar", "gadolinium",
                            "gallium",    "germanium", "graphite",     "hafnium",   "holmium",
                            "indium",     "iridium",   "lanthanum",    "lithium",   "lutetium",
                            "magnesium",  "manganese", "neodymium",    "nickel",    "niobium",
                            "palladium",  "platinum",  "praseodymium", "rhodium",   "rubidium",
                            "ruthenium",  "samarium",  "scandium",     "tantalum",  "tellurium",
                            "terbium",    "thulium",   "tin",          "titanium",  "tungsten",
                            "vanadium",   "ytterbium", "yttrium",      "zinc",      "zirconium"};
  CHECK(std::size(usgs2022) == 50);
  for (const char* id : usgs2022) {
    INFO(id);
    CHECK(v.Find(Category::kMineral, id) >= 0);
  }
  for (const char* id :
       {"copper", "uranium", "gold", "silver", "potash", "polysilicon", "molybdenum", "bauxite",
        "superhard-materials", "critical-minerals", "rare-earths"}) {
    INFO(id);
    CHECK(v.Find(Category::kMineral, id) >= 0);
  }
  const Concept& re = v.concepts[v.Find(Category::kMineral, "rare-earths")];
  CHECK(HasTerm(re, "rare earth"));
  CHECK(HasTerm(re, "NdFeB magnets"));
  CHECK(HasTerm(re, "稀土"));
  const Concept& ga = v.concepts[v.Find(Category::kMineral, "gallium")];
  CHECK(HasTerm(ga, "gallium nitride"));
  CHECK(HasTerm(ga, "镓"));
  CHECK_FALSE(HasTerm(ga, "Ga"));
  CHECK(std::find(ga.hs_codes.begin(), ga.hs_codes.end(), "8112.92") != ga.hs_codes.end());
  CHECK(std::find(ga.vetoes.begin(), ga.vetoes.end(), "Gallium Software") != ga.vetoes.end());
}

TEST_CASE("rare-earths expands to the 17 elements and the light/heavy groups") {
  const Vocabulary& v = Builtin();
  const std::vector<int> members = v.Expand(Category::kMineral, "rare-earths");
  std::vector<std::string> ids;
  for (int i : members) ids.push_back(v.concepts[i].id);
  CHECK(ids.size() == 20);  // the umbrella, two groups, 17 elements
  for (const char* id : {"rare-earths", "light-rare-earths", "heavy-rare-earths", "lanthanum",
                         "promethium", "dysprosium", "lutetium", "scandium", "yttrium"}) {
    INFO(id);
    CHECK(std::find(ids.begin(), ids.end(), id) != ids.end());
  }
  CHECK(v.Expand(Category::kMineral, "heavy-rare-earths").size() == 11);
  CHECK(v.Expand(Category::kMineral, "gallium").size() == 1);
  CHECK(v.Expand(Category::kMineral, "no-such").empty());
}

TEST_CASE("countries: every ISO 3166-1 country plus eu") {
  const Vocabulary& v = Builtin();
  CHECK(v.Ids(Category::kCountry).size() == 250);  // 249 in iso-codes + eu
  const Concept& cn = v.concepts[v.Find(Category::kCountry, "cn")];
  CHECK(cn.name == "China");
  CHECK(HasTerm(cn, "Chinese"));
  CHECK(HasTerm(cn, "中国"));
  const auto beijing = std::find_if(cn.terms.begin(), cn.terms.end(),
                                    [](const Term& t) { return t.text == "Beijing"; });
  REQUIRE(beijing != cn.terms.end());
  CHECK(beijing->opt_in);
  const Concept& us = v.concepts[v.Find(Category::kCountry, "us")];
  const auto upper =
      std::find_if(us.terms.begin(), us.terms.end(), [](const Term& t) { return t.text == "US"; });
  REQUIRE(upper != us.terms.end());
  CHECK(upper->case_sensitive);
  CHECK(HasTerm(v.concepts[v.Find(Category::kCountry, "au")], "澳大利亚"));
  CHECK(HasTerm(v.concepts[v.Find(Category::kCountry, "eu")], "European Union"));
  CHECK(v.Find(Category::kCountry, "zw") >= 0);
}

TEST_CASE("clauses: the fixed set with English and Chinese phrases") {
  const Vocabulary& v = Builtin();
  std::vector<std::string> ids;
  for (std::string_view id : v.Ids(Category::kClause)) ids.emplace_back(id);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"discovery", "entity-list", "export-ban", "export-control",
                                        "investment", "licence", "price", "quota", "sanction",
                                        "suspension", "tariff"});
  CHECK(HasTerm(v.concepts[v.Find(Category::kClause, "licence")], "通用许可"));
  CHECK(HasTerm(v.concepts[v.Find(Category::kClause, "suspension")], "暂停"));
  CHECK(HasTerm(v.concepts[v.Find(Category::kClause, "discovery")], "maiden resource"));
}

TEST_CASE("the embedded vocabulary equals the shipped files") {
  for (const EmbeddedVocabularyFile& f : EmbeddedVocabularyFiles()) {
    INFO(f.name);
    std::ifstream in(std::string(MINERAL_SOURCE_DIR) + "/rules/vocabulary/" + std::string(f.name),
                     std::ios::binary);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == f.text);  // if not: run scripts/gen_countries.py --embed
  }
  CHECK(EmbeddedVocabularyFiles().size() == 3);
}

TEST_CASE("TOML syntax errors name file:line:col") {
  CHECK(ParseError("[[mineral]]\nid = \"gallium\"\nterms = [\"gallium\"\n") ==
        "minerals.toml:3:20: Error while parsing array: encountered end-of-file");
  CHECK(ParseError("[[mineral]]\nid \"gallium\"\n") ==
        "minerals.toml:2:4: Error while parsing key-value pair: expected '=', saw '\"'");
  // toml++ quotes a line break as it is; the message stays one line.
  CHECK(ParseError("[[mineral]]\nid = t\n") ==
        "minerals.toml:2:7: Error while parsing boolean: expected 'true', saw 't\\n'");
}

TEST_CASE("schema errors name file:line:col and the concept") {
  CHECK(ParseError("[[mineral]]\nid = \"gallium\"\ntermz = [\"gallium\"]\n") ==
        "minerals.toml:3:1: mineral 'gallium': unknown key 'termz'");
  CHECK(ParseError("[[metal]]\nid = \"gallium\"\n") ==
        "minerals.toml:1:1: unknown section 'metal' (expected [[mineral]], [[country]], "
        "[[clause]] or [[context]])");
  CHECK(ParseError("[[mineral]]\nname = \"Gallium\"\n") ==
        "minerals.toml:1:1: mineral without an id (id = \"...\")");
  CHECK(ParseError("[[mineral]]\nid = \"gallium\"\nterms = [\"gallium\", 3]\n") ==
        "minerals.toml:3:21: mineral 'gallium': a term is a string or a table {text = ...}");
  CHECK(ParseError("[[mineral]]\nid = \"Gallium\"\n") ==
        "minerals.toml:2:6: mineral 'Gallium': use lower-case letters, digits and '-' in ids");
  CHECK(ParseError(
            "[[clause]]\nid = \"x\"\nnear = [{ a = [\"ban\"], b = [\"exports\"], within = 99 }]\n",
            "clauses.toml") ==
        "clauses.toml:3:50: clause 'x': 'within' must be an integer from 0 to 50");
  CHECK(ParseError("[[mineral]]\nid = \"gallium\"\nterms = [{ txt = \"Ga\" }]\n") ==
        "minerals.toml:3:12: mineral 'gallium': unknown term key 'txt'");
}

TEST_CASE("validation: unknown groups with a hint, cycles") {
  Vocabulary v;
  REQUIRE(ParseVocabularyToml("[[mineral]]\nid = \"rare-earths\"\nterms = [\"rare earth\"]\n"
                              "[[mineral]]\nid = \"dysprosium\"\ngroups = [\"rare-earth\"]\n"
                              "terms = [\"dysprosium\"]\n",
                              "minerals.toml", v)
              .ok());
  CHECK(ValidateVocabulary(v).message() ==
        "minerals.toml:4: mineral 'dysprosium': unknown group 'rare-earth' (did you mean "
        "'rare-earths'?)");
  Vocabulary w;
  REQUIRE(ParseVocabularyToml("[[mineral]]\nid = \"a\"\ngroups = [\"b\"]\nterms = [\"x\"]\n"
                              "[[mineral]]\nid = \"b\"\ngroups = [\"a\"]\nterms = [\"y\"]\n",
                              "m.toml", w)
              .ok());
  CHECK(ValidateVocabulary(w).message() == "m.toml:1: mineral 'a': cycle in groups");
}

TEST_CASE("a later file overrides a concept by id") {
  Vocabulary v = Builtin();
  const size_t before = v.concepts.size();
  REQUIRE(ParseVocabularyToml("[[mineral]]\nid = \"gallium\"\nname = \"Ga\"\nterms = [\"galium\"]\n"
                              "[[mineral]]\nid = \"helium\"\nterms = [\"helium\"]\n",
                              "user.toml", v)
              .ok());
  CHECK(v.concepts.size() == before + 1);
  const Concept& ga = v.concepts[v.Find(Category::kMineral, "gallium")];
  CHECK(ga.name == "Ga");
  CHECK(ga.terms.size() == 1);
  CHECK(ga.source_location == "user.toml:1");
  CHECK(ValidateVocabulary(v).ok());
}

TEST_CASE("term tables and proximity terms") {
  Vocabulary v;
  REQUIRE(ParseVocabularyToml("[[clause]]\nid = \"export-ban\"\n"
                              "terms = [{ text = \"ban\", weight = 0.5, case_sensitive = true }]\n"
                              "near = [{ a = [\"ban\"], b = [\"exports\"], within = 4 }]\n",
                              "clauses.toml", v)
              .ok());
  const Concept& c = v.concepts.at(0);
  REQUIRE(c.terms.size() == 2);
  CHECK(c.terms[0].weight == 0.5);
  CHECK(c.terms[0].case_sensitive);
  CHECK(c.terms[1].proximity == 0);
  CHECK(c.terms[1].text == "ban NEAR/4 exports");
  CHECK(c.near.at(0).within == 4);
}

}  // namespace
}  // namespace mineral::rules
