// LoadRules and LoadVocabulary: rule files named by a config, checked
// against its receivers and routes.
#include "config/config_rules.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/testing.h"

namespace mineral::config {
namespace {

const rules::Vocabulary& Builtin() {
  static const rules::Vocabulary vocabulary = *rules::LoadBuiltinVocabulary();
  return vocabulary;
}

TEST_CASE("rules from several files, checked against receivers and routes") {
  MemoryEnvironment env;
  env.AddFile("main.toml", R"(rules = ["rules/*.toml"]
[[receiver]]
id = "ops"
kind = "console"
[[route]]
rule_ids = ["inv-1", "cmp-9"]
receivers = ["ops"]
)");
  env.AddFile("rules/a.toml", R"([[rule]]
id = "inv-1"
minerals = ["gallium"]
receivers = ["ops", "opps"]
)");
  env.AddFile("rules/b.toml", R"([[rule]]
id = "cmp-1"
minerals = ["lithium"]

[[rule]]
id = "inv-1"
countries = ["cn"]
)");
  const ConfigResult config = LoadConfig("main.toml", env);
  INFO(JoinLines(config.errors));
  REQUIRE(config.ok());
  const RulesResult rules = LoadRules(config.config, Builtin(), env);
  const std::vector<std::string> expected = {
      "rules/a.toml:4:22: unknown receiver 'opps' — did you mean 'ops'?\n"
      "receivers = [\"ops\", \"opps\"]\n"
      "                     ^",
      "rules/b.toml:6:7: duplicate rule id 'inv-1' (first defined at rules/a.toml:2)\n"
      "id = \"inv-1\"\n"
      "      ^",
      "main.toml:6:23: unknown rule 'cmp-9' — did you mean 'cmp-1'?\n"
      "rule_ids = [\"inv-1\", \"cmp-9\"]\n"
      "                      ^",
  };
  CHECK(JoinLines(rules.errors) == JoinLines(expected));
  CHECK(rules.rules.rules.size() == 3);
  CHECK(rules.files.size() == 2);
  CHECK_FALSE(rules.status().ok());
}

TEST_CASE("a rule file that does not parse gives its first error; the others still load") {
  MemoryEnvironment env;
  env.AddFile("main.toml", "rules = [\"bad.toml\", \"good.toml\"]\n");
  env.AddFile("bad.toml", "[[rule]]\nid = \"x\"\nminerals = [\"galium\"]\n");
  env.AddFile("good.toml", "[[rule]]\nid = \"y\"\nminerals = [\"gallium\"]\n");
  const ConfigResult config = LoadConfig("main.toml", env);
  REQUIRE(config.ok());
  const RulesResult rules = LoadRules(config.config, Builtin(), env);
  CHECK(JoinLines(rules.errors) ==
        "bad.toml:3:14: unknown mineral 'galium' — did you mean 'gallium'?\n"
        "minerals = [\"galium\"]\n"
        "             ^\n");
  REQUIRE(rules.rules.rules.size() == 1);
  CHECK(rules.rules.rules[0].id == "y");
}

TEST_CASE("vocabulary files extend the built-in vocabulary") {
  MemoryEnvironment env;
  env.AddFile("main.toml", "vocabulary = [\"extra.toml\"]\n");
  env.AddFile(
      "extra.toml",
      "[[mineral]]\nid = \"unobtainium\"\nname = \"Unobtainium\"\nterms = [\"unobtainium\"]\n");
  const ConfigResult config = LoadConfig("main.toml", env);
  REQUIRE(config.ok());
  Result<rules::Vocabulary> vocabulary = LoadVocabulary(config.config, env);
  INFO(vocabulary.status().message());
  REQUIRE(vocabulary.ok());
  CHECK(vocabulary->Find(rules::Category::kMineral, "unobtainium") >= 0);
  CHECK(vocabulary->Find(rules::Category::kMineral, "gallium") >= 0);

  env.AddFile("extra.toml", "[[mineral]]\nid = \"x\"\nterm = [\"x\"]\n");
  Result<rules::Vocabulary> bad = LoadVocabulary(LoadConfig("main.toml", env).config, env);
  CHECK_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::StartsWith("extra.toml:"));
}

}  // namespace
}  // namespace mineral::config
