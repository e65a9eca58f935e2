// The shipped configs load, with their rules, without an error or warning.
#include <catch2/catch.hpp>
#include <string>

#include "config/config.h"
#include "config/config_rules.h"
#include "config/testing.h"

namespace mineral::config {
namespace {

std::string Example(const std::string& name) {
  return std::string(MINERAL_SOURCE_DIR) + "/examples/" + name;
}

// Loads a shipped config and its rules; both must be clean.
Config LoadClean(const std::string& name, size_t* rule_count) {
  RealEnvironment env;
  const ConfigResult result = LoadConfig(Example(name), env);
  INFO(JoinLines(result.errors) << JoinLines(result.warnings));
  REQUIRE(result.ok());
  CHECK(result.warnings.empty());
  Result<rules::Vocabulary> vocabulary = LoadVocabulary(result.config, env);
  REQUIRE(vocabulary.ok());
  const RulesResult rules = LoadRules(result.config, *vocabulary, env);
  INFO(JoinLines(rules.errors));
  REQUIRE(rules.ok());
  *rule_count = rules.rules.rules.size();
  return result.config;
}

TEST_CASE("examples/mineral-alertd.toml: real sources, secrets by reference") {
  size_t rules = 0;
  const Config config = LoadClean("mineral-alertd.toml", &rules);
  CHECK(rules >= 8);
  CHECK(config.daemon.state_dir == "/var/lib/mineral-alertd");
  // SEC EDGAR wants a declared agent with a contact address.
  CHECK(config.daemon.user_agent.find('@') != std::string::npos);
  for (const char* id : {"fr-bis", "fr-ustr", "sec-mp-materials", "asx-lyc", "asx-ilu", "asx-aru",
                         "govcn-export-control", "usgs-news", "mining-com"}) {
    INFO(id);
    CHECK(config.FindFeed(id) != nullptr);
  }
  CHECK(config.FindFeed("fr-bis")->spec.mapping == "federal-register");
  CHECK(config.FindFeed("asx-lyc")->spec.mapping == "asx-markitdigital");
  for (const ReceiverConfig& r : config.receivers) {
    INFO(r.id);
    // No literal secrets: signing secrets, passwords and token URLs are references.
    if (r.kind == ReceiverKind::kSlack) CHECK(r.url_ref.has_value());
    if (r.kind == ReceiverKind::kEmail) CHECK(r.email.password.has_value());
  }
  CHECK_FALSE(config.routes.empty());
}

TEST_CASE("examples/demo.toml: the same pipeline over the bundled feeds") {
  size_t rules = 0;
  const Config config = LoadClean("demo.toml", &rules);
  CHECK(rules >= 8);
  CHECK(config.daemon.state_dir == Example("demo-state"));
  CHECK(config.daemon.status_listen.empty());
  REQUIRE(config.feeds.size() >= 5);
  RealEnvironment env;
  for (const FeedConfig& feed : config.feeds) {
    INFO(feed.spec.url);
    REQUIRE(feed.spec.url.starts_with("file:///"));
    CHECK(env.IsReadable(feed.spec.url.substr(7)));
    CHECK(feed.spec.alert_backlog);  // the sample files are all backlog
  }
  REQUIRE(config.FindReceiver("alerts-file") != nullptr);
  CHECK(config.FindReceiver("alerts-file")->path == Example("demo-state/alerts.jsonl"));
}

}  // namespace
}  // namespace mineral::config
