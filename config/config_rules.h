// The rules and vocabulary a config names, loaded and checked against the
// rest of the config: rule ids unique across files, every receiver a rule
// names defined, every rule a route names defined.
//
// Separate from LoadConfig because it needs the vocabulary (and `check`
// then compiles the rules with it); the daemon calls both at start and on
// SIGHUP, and swaps only when both succeed.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/environment.h"
#include "model/status.h"
#include "rules/rule.h"
#include "rules/vocabulary.h"

namespace mineral::config {

// The built-in vocabulary, then config.vocabulary_files in order (a concept
// defined again replaces the built-in one), validated.  The error names the
// file: "extra.toml:3:1: ...".
Result<rules::Vocabulary> LoadVocabulary(const Config& config, const Environment& env,
                                         size_t max_file_bytes = 4 * 1024 * 1024);

struct RulesResult {
  // Every rule of every file, in file order.  file_name: the config's path.
  rules::RuleSet rules;
  // The rule files that were read, in order, with how many rules each gave.
  std::vector<std::pair<std::string, size_t>> files;
  // One error per rule file that does not parse (rules/rule_parser.h stops
  // at its first), then every cross-reference error; each positioned.
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
  Status status() const;  // OK, or InvalidArgument with the errors joined by '\n'
};

// Parses config.rule_files with `vocabulary` and checks them against
// `config`.  Pure but for reading the rule files through `env`.
RulesResult LoadRules(const Config& config, const rules::Vocabulary& vocabulary,
                      const Environment& env, size_t max_file_bytes = 16 * 1024 * 1024);

}  // namespace mineral::config
