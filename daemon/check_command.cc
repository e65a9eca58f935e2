#include "daemon/check_command.h"

#include <memory>
#include <ostream>
#include <vector>

#include "config/config.h"
#include "config/config_rules.h"
#include "daemon/cli.h"
#include "daemon/receivers.h"
#include "rules/engine.h"
#include "rules/tagger.h"

namespace mineral::daemon {
namespace {

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

int RunCheckConfig(const std::string& path, const config::Environment& env, std::ostream& out,
                   std::ostream& err) {
  const config::ConfigResult loaded = config::LoadConfig(path, env);
  std::vector<std::string> errors = loaded.errors;
  // Templates too: an error in one must fail `check`, not the first send.
  LoadedTemplates templates = LoadReceiverTemplates(loaded.config, env);
  errors.insert(errors.end(), templates.errors.begin(), templates.errors.end());
  size_t rule_count = 0;
  // Rule files are read even when the config has errors, so one run shows
  // everything; a config that did not read at all names no rule files.
  Result<rules::Vocabulary> vocabulary = config::LoadVocabulary(loaded.config, env);
  if (!vocabulary.ok()) {
    errors.push_back(vocabulary.status().message());
  } else {
    config::RulesResult rules = config::LoadRules(loaded.config, *vocabulary, env);
    errors.insert(errors.end(), rules.errors.begin(), rules.errors.end());
    rule_count = rules.rules.rules.size();
    if (rules.ok()) {
      Result<std::shared_ptr<const rules::Tagger>> tagger = rules::Tagger::Compile(*vocabulary);
      if (!tagger.ok()) {
        errors.push_back(path + ": vocabulary: " + tagger.status().message());
      } else {
        Result<std::shared_ptr<const rules::RuleEngine>> engine =
            rules::RuleEngine::Compile(std::move(rules.rules), *tagger);
        if (!engine.ok()) errors.push_back(path + ": rules: " + engine.status().message());
      }
    }
  }
  for (const std::string& warning : loaded.warnings) err << warning << "\n";
  if (!errors.empty()) {
    for (const std::string& error : errors) err << error << "\n";
    err << path << ": " << Plural(errors.size(), "error", "errors") << "\n";
    return kExitUsage;
  }
  out << path << ": ok \xE2\x80\x94 " << Plural(loaded.config.feeds.size(), "feed", "feeds") << ", "
      << Plural(rule_count, "rule", "rules") << ", "
      << Plural(loaded.config.receivers.size(), "receiver", "receivers") << "\n";
  return kExitOk;
}

}  // namespace mineral::daemon
