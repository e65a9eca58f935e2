#include "rules/rule_parser.h"

#include <catch2/catch.hpp>
#include <string>

#include "rules/edit_distance.h"

namespace mineral::rules {
namespace {

Concept MakeConcept(Category category, std::string id, std::string name,
                    std::vector<std::string> groups = {}) {
  Concept c;
  c.category = category;
  c.id = std::move(id);
  c.name = std::move(name);
  c.groups = std::move(groups);
  return c;
}

// A small vocabulary built in code: enough to resolve and expand terms.
const Vocabulary& TestVocabulary() {
  static const Vocabulary vocabulary = [] {
    Vocabulary v;
    v.concepts = {
        MakeConcept(Category::kMineral, "gallium", "Gallium"),
        MakeConcept(Category::kMineral, "germanium", "Germanium"),
        MakeConcept(Category::kMineral, "rare-earths", "Rare earths"),
        MakeConcept(Category::kMineral, "heavy-rare-earths", "Heavy rare earths", {"rare-earths"}),
        MakeConcept(Category::kMineral, "dysprosium", "Dysprosium", {"heavy-rare-earths"}),
        MakeConcept(Category::kMineral, "cobalt", "Cobalt"),
        MakeConcept(Category::kCountry, "cn", "China"),
        MakeConcept(Category::kCountry, "us", "United States"),
        MakeConcept(Category::kCountry, "cd", "DR Congo"),
        MakeConcept(Category::kClause, "export-control", "Export control"),
        MakeConcept(Category::kClause, "licence", "Licence"),
        MakeConcept(Category::kClause, "suspension", "Suspension"),
    };
    return v;
  }();
  return vocabulary;
}

std::string Expr(std::string_view expression) {
  Result<Node> node = ParseExpression(expression, "expr", TestVocabulary());
  if (!node.ok()) return "error: " + node.status().message();
  return DebugString(*node);
}

std::string ParseError(std::string_view toml) {
  Result<RuleSet> set = ParseRules(toml, "rules.toml", TestVocabulary());
  if (set.ok()) return "ok";
  return set.status().message();
}

// A control character that a string escape put in a value is quoted
// escaped: a message is one line (found by fuzz/fuzz_config.cc).
TEST_CASE("values quoted in messages keep them on one line") {
  CHECK(ParseError("[[rule]]\nid = \"R\\n1\\u001b[2J\"\nminerals = [\"gallium\"]") ==
        "rules.toml:2:8: rule id 'R\\n1\\x1B[2J' may only hold letters, digits, '-', '_' and '.'\n"
        "id = \"R\\n1\\u001b[2J\"\n       ^");
}

TEST_CASE("EditDistance and ClosestMatch") {
  CHECK(EditDistance("galium", "gallium") == 1);
  CHECK(EditDistance("", "abc") == 3);
  CHECK(EditDistance("kitten", "sitting") == 3);
  CHECK(EditDistance("abcdef", "zzzzzz", 2) == 3);
  CHECK(ClosestMatch("galium", {"germanium", "gallium", "cobalt"}) == "gallium");
  CHECK(ClosestMatch("Severty", {"severity", "labels"}) == "severity");
  CHECK(ClosestMatch("xyz", {"gallium"}).empty());
}

TEST_CASE("expression: operators and precedence") {
  CHECK(Expr("gallium") == "gallium");
  CHECK(Expr("a OR b AND c") == "OR(a, AND(b, c))");
  CHECK(Expr("a and not b or c") == "OR(AND(a, NOT(b)), c)");
  CHECK(Expr("NOT NOT a") == "NOT(NOT(a))");
  CHECK(Expr("(a OR b) c") == "AND(OR(a, b), c)");  // implicit AND
  CHECK(Expr("a b OR c d") == "OR(AND(a, b), AND(c, d))");
  CHECK(Expr("\"export  licence\" ban") == "AND(\"export  licence\", ban)");
  CHECK(Expr("drill*") == "drill*");
  CHECK(Expr("稀土 出口") == "AND(稀土, 出口)");
}

TEST_CASE("expression: fields and categories") {
  CHECK(Expr("mineral:(gallium OR germanium) AND country:cn AND clause:(export-control OR licence) "
             "AND NOT source:asx") ==
        "AND(OR(mineral:gallium, mineral:germanium), country:cn, OR(clause:export-control, "
        "clause:licence), NOT(source:asx))");
  CHECK(Expr("country:China") == "country:cn");              // by display name
  CHECK(Expr("country:\"united states\"") == "country:us");  // phrase, any case
  CHECK(Expr("MINERAL:Gallium") == "mineral:gallium");
  CHECK(Expr("title:(ban OR \"export licence\")") == "OR(title:ban, title:\"export licence\")");
  CHECK(Expr("title:mineral:cobalt") == "title:mineral:cobalt");
  CHECK(Expr("summary:x content:y") == "AND(summary:x, content:y)");
  CHECK(Expr("lang:zh feed:mofcom source:asx*") == "AND(lang:zh, feed:mofcom, source:asx*)");
  CHECK(Expr("category:news") == "category:news");
}

TEST_CASE("expression: NEAR and regular expressions") {
  CHECK(Expr("ban NEAR/5 mineral:cobalt") == "NEAR/5(ban, mineral:cobalt)");
  CHECK(Expr("(ban OR halt) near/3 exports") == "NEAR/3(OR(ban, halt), exports)");
  CHECK(Expr("a NEAR/2 b OR c") == "OR(NEAR/2(a, b), c)");
  CHECK(Expr("re:/section 23[12]/") == "re:/section 23[12]/");
  CHECK(Expr("re:/a\\/b/ x") == "AND(re:/a/b/, x)");
  CHECK(Expr("title:re:/^china/") == "title:re:/^china/");
}

TEST_CASE("expression errors") {
  // Each: the message, the line, a caret under the column.
  const std::pair<const char*, const char*> cases[] = {
      {"mineral:galium",
       "expr:1:9: unknown mineral 'galium' — did you mean 'gallium'?\n"
       "mineral:galium\n"
       "        ^"},
      {"mineral:xyzzy", "expr:1:9: unknown mineral 'xyzzy'\nmineral:xyzzy\n        ^"},
      {"country:chna",
       "expr:1:9: unknown country 'chna' — did you mean 'cn'?\n"
       "country:chna\n"
       "        ^"},
  };
  for (const auto& [input, expected] : cases) {
    INFO(input);
    CHECK(Expr(input) == std::string("error: ") + expected);
  }
}

TEST_CASE("rules file: structured form, expression form, both") {
  Result<RuleSet> set = ParseRules(R"(
# comment
[[rule]]
id = "R1"
description = "Gallium or germanium export controls by China"
severity = "critical"
labels = ["china", "chips"]
receivers = ["ops-webhook"]
amendments = true
minerals = ["gallium", "Germanium"]
countries = ["China"]
clauses = ["export-control", "licence"]
include = ["export licence"]
exclude = ["fuzz pedal"]
sources = ["mofcom", "news"]

[[rule]]
id = "R2"
enabled = false
when = 'mineral:dysprosium NEAR/3 "export ban"'

[[rule]]
id = "R3"
severity = "info"
clauses = ["suspension"]
when = "country:cd"
)",
                                   "rules.toml", TestVocabulary());
  REQUIRE(set.ok());
  REQUIRE(set->rules.size() == 3);
  const Rule& r1 = set->rules[0];
  CHECK(r1.id == "R1");
  CHECK(r1.description == "Gallium or germanium export controls by China");
  CHECK(r1.severity == Severity::kCritical);
  CHECK(r1.labels == std::vector<std::string>{"china", "chips"});
  CHECK(r1.receivers == std::vector<std::string>{"ops-webhook"});
  CHECK(r1.enabled);
  CHECK(r1.amendments);
  CHECK(r1.pos.line == 3);
  CHECK(DebugString(r1.condition) ==
        "AND(OR(mineral:gallium, mineral:germanium), country:cn, OR(clause:export-control, "
        "clause:licence), \"export licence\", NOT(\"fuzz pedal\"), OR(source:mofcom, "
        "source:news))");
  const Rule& r2 = set->rules[1];
  CHECK_FALSE(r2.enabled);
  CHECK(r2.severity == Severity::kWarning);
  CHECK(DebugString(r2.condition) == "NEAR/3(mineral:dysprosium, \"export ban\")");
  CHECK(r2.condition.children[1].pos.line == 20);
  CHECK(r2.condition.children[1].pos.column == 36);  // the e of "export ban"
  CHECK(DebugString(set->rules[2].condition) == "AND(clause:suspension, country:cd)");
  CHECK(std::string(SeverityName(Severity::kInfo)) == "info");
}

TEST_CASE("rules file: limits and hostile input never throw") {
  std::string deep = "[[rule]]\nid = \"R1\"\nwhen = '";
  for (int i = 0; i < 100; ++i) deep += "(";
  deep += "x'\n";
  CHECK(ParseError(deep) ==
        "rules.toml:3:73: expression nested too deeply (more than 64 levels)\n" +
            deep.substr(deep.find("when"), deep.size() - deep.find("when") - 1) + "\n" +
            std::string(72, ' ') + "^");
  RuleParseOptions small;
  small.max_regex_bytes = 4;
  Result<RuleSet> set =
      ParseRules("[[rule]]\nid = 'R1'\nwhen = 're:/abcdef/'\n", "r.toml", TestVocabulary(), small);
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().message() ==
        "r.toml:3:13: regular expression too long (more than 4 bytes)\n"
        "when = 're:/abcdef/'\n"
        "            ^");
  for (const char* junk : {"", "\xff\xfe", "[[rule]]\nid='\xff'\nwhen='\xc3'", "a=1\n[[rule]]",
                           "[[rule]]\nid='x'\nwhen='re:/\\\\/'"}) {
    INFO(junk);
    (void)ParseRules(junk, "junk.toml", TestVocabulary());
  }
  // Non-ASCII text in comments and strings is fine.
  CHECK(ParseError("[[rule]]\nid = \"R1\"  # ключ\nwhen = \"\"\"\nтитан\"\"\"\n") == "ok");
  Result<RuleSet> empty = ParseRules("", "empty.toml", TestVocabulary());
  REQUIRE(empty.ok());
  CHECK(empty->rules.empty());
}

// Positions are found through an index of line starts (a file of 1,000
// rules asks for thousands): one far down a long file, after multi-byte
// characters on earlier lines and on its own, must still be exact.
TEST_CASE("positions deep in a long rules file") {
  std::string toml;
  for (int i = 0; i < 300; ++i) {
    toml += "[[rule]]  # правило\nid = \"R" + std::to_string(i) +
            "\"\nwhen = 'mineral:gallium AND country:cn'\n";
  }
  toml += "[[rule]]\nid = \"LAST\"\nwhen = '\u6807 mineral:gallium AND country:chna'\n";
  const std::string error = ParseError(toml);
  // Line 3 * 300 + 3; column: `when = '` is 8 characters, the CJK character one.
  CHECK(error ==
        "rules.toml:903:39: unknown country 'chna' \u2014 did you mean 'cn'?\n"
        "when = '\u6807 mineral:gallium AND country:chna'\n"
        "                                      ^");
  Result<RuleSet> ok =
      ParseRules(toml.substr(0, toml.rfind("[[rule]]")), "rules.toml", TestVocabulary());
  REQUIRE(ok.ok());
  CHECK(ok->rules.size() == 300);
}

TEST_CASE("rules file errors, word for word") {
  // Each: a rules file, then the whole message: "file:line:col: what", the
  // source line, and a caret under the column.
  const std::pair<const char*, const char*> cases[] = {
      {R"x([[rule]]
id = "R1"
minerals = ["gallium", "galium"])x",
       R"x(rules.toml:3:25: unknown mineral 'galium' — did you mean 'gallium'?
minerals = ["gallium", "galium"]
                        ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'mineral:(gallium OR germanum) AND country:cn')x",
       R"x(rules.toml:3:29: unknown mineral 'germanum' — did you mean 'germanium'?
when = 'mineral:(gallium OR germanum) AND country:cn'
                            ^)x"},
      {R"x([[rule]]
id = "R1"
when = "clause:\"export-control\" AND mineral:galium")x",
       R"x(rules.toml:3:47: unknown mineral 'galium' — did you mean 'gallium'?
when = "clause:\"export-control\" AND mineral:galium"
                                              ^)x"},
      {R"x([[rule]]
id = "R1"
when = "\u00e9 mineral:galium")x",
       R"x(rules.toml:3:24: unknown mineral 'galium' — did you mean 'gallium'?
when = "\u00e9 mineral:galium"
                       ^)x"},
      {R"x([[rule]]
id = "R1"
when = """
  mineral:gallium AND
  country:chna""")x",
       R"x(rules.toml:5:11: unknown country 'chna' — did you mean 'cn'?
  country:chna"""
          ^)x"},
      {R"x([[rule]]
id = "R1"
when = '''
mineral:gallium AND \
country:(cn''')x",
       R"x(rules.toml:5:12: expected ')' after 'cn'
country:(cn'''
           ^)x"},
      {R"x([[rule]]
id = "R1"
severty = "critical"
minerals = ["gallium"])x",
       R"x(rules.toml:3:1: unknown key 'severty' in rule — did you mean 'severity'?
severty = "critical"
^)x"},
      {R"x([[rules]]
id = "R1")x",
       R"x(rules.toml:1:3: unknown top-level key 'rules' — did you mean 'rule'?
[[rules]]
  ^)x"},
      {R"x([rule]
id = "R1")x",
       R"x(rules.toml:1:2: 'rule' must be an array of tables: write [[rule]]
[rule]
 ^)x"},
      {R"x([[rule]]
minerals = ["gallium"])x",
       R"x(rules.toml:1:1: rule has no 'id'
[[rule]]
^)x"},
      {R"x([[rule]]
id = "R1"
minerals = ["gallium"]
[[rule]]
id = "R1"
minerals = ["germanium"])x",
       R"x(rules.toml:5:7: duplicate rule id 'R1' (first defined at line 1)
id = "R1"
      ^)x"},
      {R"x([[rule]]
id = "R 1"
minerals = ["gallium"])x",
       R"x(rules.toml:2:8: rule id 'R 1' may only hold letters, digits, '-', '_' and '.'
id = "R 1"
       ^)x"},
      {R"x([[rule]]
id = "R1"
severity = "high"
minerals = ["gallium"])x",
       R"x(rules.toml:3:13: unknown severity 'high' (info, warning or critical)
severity = "high"
            ^)x"},
      {R"x([[rule]]
id = "R1"
severity = "critcal"
minerals = ["gallium"])x",
       R"x(rules.toml:3:13: unknown severity 'critcal' — did you mean 'critical'?
severity = "critcal"
            ^)x"},
      {R"x([[rule]]
id = "R1"
description = "no condition")x",
       R"x(rules.toml:1:1: rule 'R1' has no condition: give minerals, countries, clauses, include, sources or when
[[rule]]
^)x"},
      {R"x([[rule]]
id = "R1"
enabled = "yes"
minerals = ["gallium"])x",
       R"x(rules.toml:3:12: 'enabled' must be true or false
enabled = "yes"
           ^)x"},
      {R"x([[rule]]
id = "R1"
minerals = "gallium")x",
       R"x(rules.toml:3:13: 'minerals' must be an array of strings
minerals = "gallium"
            ^)x"},
      {R"x([[rule]]
id = "R1"
minerals = ["gallium", 3])x",
       R"x(rules.toml:3:24: 'minerals' must hold only strings
minerals = ["gallium", 3]
                       ^)x"},
      {R"x([[rule]]
id = "R1"
minerals = [])x",
       R"x(rules.toml:3:12: 'minerals' is empty
minerals = []
           ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'gallium AND')x",
       R"x(rules.toml:3:20: expected a term after 'AND'
when = 'gallium AND'
                   ^)x"},
      {R"x([[rule]]
id = "R1"
when = '(gallium OR germanium')x",
       R"x(rules.toml:3:30: expected ')' after 'germanium'
when = '(gallium OR germanium'
                             ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'gallium)')x",
       R"x(rules.toml:3:16: unexpected ')'
when = 'gallium)'
               ^)x"},
      {R"x([[rule]]
id = "R1"
when = '"export licence')x",
       R"x(rules.toml:3:9: unterminated phrase: missing closing '"'
when = '"export licence'
        ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'titel:gallium')x",
       R"x(rules.toml:3:9: unknown field 'titel:' — did you mean 'title:'?
when = 'titel:gallium'
        ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'gallium NEAR ban')x",
       R"x(rules.toml:3:17: 'NEAR' needs a distance, as in NEAR/5
when = 'gallium NEAR ban'
                ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'gallium NEAR/0 ban')x",
       R"x(rules.toml:3:17: NEAR distance must be between 1 and 100 words
when = 'gallium NEAR/0 ban'
                ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'gallium NEAR/x ban')x",
       R"x(rules.toml:3:17: 'NEAR/x' needs a number of words, as in NEAR/5
when = 'gallium NEAR/x ban'
                ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'source:asx NEAR/3 ban')x",
       R"x(rules.toml:3:20: 'NEAR/3' needs a word, phrase, category term or regular expression on each side
when = 'source:asx NEAR/3 ban'
                   ^)x"},
      {R"x([[rule]]
id = "R1"
when = 're:/gall(ium/')x",
       R"x(rules.toml:3:13: invalid regular expression: Missing close parenthesis for group started at index 4.
when = 're:/gall(ium/'
            ^)x"},
      {R"x([[rule]]
id = "R1"
when = 're:/gallium')x",
       R"x(rules.toml:3:9: unterminated regular expression: missing closing '/'
when = 're:/gallium'
        ^)x"},
      {R"x([[rule]]
id = "R1"
when = 're:/a*/')x",
       R"x(rules.toml:3:13: invalid regular expression: it matches the empty text
when = 're:/a*/'
            ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'mineral:(gallium OR title:x)')x",
       R"x(rules.toml:3:29: 'title:' cannot appear inside 'mineral:'
when = 'mineral:(gallium OR title:x)'
                            ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'title:source:asx')x",
       R"x(rules.toml:3:15: 'source:' cannot appear inside 'title:'
when = 'title:source:asx'
              ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'ga*')x",
       R"x(rules.toml:3:11: '*' needs at least three letters before it
when = 'ga*'
          ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'gall*ium')x",
       R"x(rules.toml:3:13: '*' may only end a word
when = 'gall*ium'
            ^)x"},
      {R"x([[rule]]
id = "R1"
when = '()')x",
       R"x(rules.toml:3:10: empty parentheses
when = '()'
         ^)x"},
      {R"x([[rule]]
id = "R1"
when = '')x",
       R"x(rules.toml:3:9: empty expression
when = ''
        ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'gallium OR OR germanium')x",
       R"x(rules.toml:3:20: expected a term after 'OR', not 'OR'
when = 'gallium OR OR germanium'
                   ^)x"},
      {R"x([[rule]]
id = "R1"
when = '""')x",
       R"x(rules.toml:3:9: empty phrase
when = '""'
        ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'mineral:')x",
       R"x(rules.toml:3:17: expected a value after 'mineral:'
when = 'mineral:'
                ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'NOT')x",
       R"x(rules.toml:3:12: expected a term after 'NOT'
when = 'NOT'
           ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'a NEAR/3 b NEAR/3 c')x",
       R"x(rules.toml:3:20: NEAR cannot be chained: use (a NEAR/n b) AND (b NEAR/n c)
when = 'a NEAR/3 b NEAR/3 c'
                   ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'a NEAR/3 (b AND c)')x",
       R"x(rules.toml:3:11: 'NEAR/3' needs a word, phrase, category term or regular expression on each side
when = 'a NEAR/3 (b AND c)'
          ^)x"},
      {R"x([[rule]]
id = "R1"
minerals = ["gallium"]
when = 3)x",
       R"x(rules.toml:4:8: 'when' must be a string
when = 3
       ^)x"},
      {R"x([[rule]]
id = "R1)x",
       R"x(rules.toml:2:9: Error while parsing string: encountered end-of-file
id = "R1
        ^)x"},
      {R"x([[rule]]
id = "R1"
include = ["ok", "export \"licence\""])x",
       R"x(rules.toml:3:26: a term may not contain '"'
include = ["ok", "export \"licence\""]
                         ^)x"},
      {R"x([[rule]]
id = "R1"
when = 'mineral:gallium re:/x/i')x",
       R"x(rules.toml:3:31: unexpected text after regular expression (flags are not supported)
when = 'mineral:gallium re:/x/i'
                              ^)x"},
      {R"x([[rule]]
id = "R1"
clauses = ["export-contrl"])x",
       R"x(rules.toml:3:13: unknown clause 'export-contrl' — did you mean 'export-control'?
clauses = ["export-contrl"]
            ^)x"},
      {R"x([[rule]]
id = "R1"
when = ':x')x",
       R"x(rules.toml:3:9: expected a field name before ':'
when = ':x'
        ^)x"},
      {R"x([[rule]]
id = "R1"
when = 're:/x{2,150}/')x",
       R"x(rules.toml:3:13: regular expression repeats too much (at most {100} each, 200 in all)
when = 're:/x{2,150}/'
            ^)x"},
      {R"x([[= "R1")x",
       R"x(rules.toml:1:3: expected a table name after '['
[[= "R1"
  ^)x"},
      {R"x([[rule]]
id = У1)x",
       R"x(rules.toml:2:6: unexpected character 'У': outside quotes TOML is ASCII
id = У1
     ^)x"},
      // toml++ quotes the character it saw as it is, a line break too: the
      // message is kept on its line.
      {"[[rule]]\nid = t\n",
       R"x(rules.toml:2:7: Error while parsing boolean: expected 'true', saw 't\n'
id = t
      ^)x"},
  };
  for (const auto& [input, expected] : cases) {
    INFO(input);
    CHECK(ParseError(input) == expected);
  }
}

}  // namespace
}  // namespace mineral::rules
