#include "config/config_rules.h"

#include <toml++/toml.h>

#include <map>

#include "config/diagnostic.h"
#include "rules/rule_parser.h"

namespace mineral::config {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Where the values of a rules file are, by rule index: ParseRules keeps the
// [[rule]] tables in file order, so the i-th rule is the i-th table.  Read
// again with toml++ because Rule keeps only its header's position.
class RulePositions {
 public:
  RulePositions(const std::string& file_name, const std::string& text)
      : file_name_(file_name), text_(text) {
    try {
      root_ = toml::parse(text_, std::string_view(file_name_));
    } catch (const toml::parse_error&) {
      // ParseRules succeeded on this text, so this does not happen; without a
      // tree every position falls back to the rule's header.
    }
  }

  // The `index`-th element of key `key` of rule `rule` (index 0 for a
  // string value); `fallback` when absent.
  SourceLocation Of(size_t rule, std::string_view key, size_t index,
                    const rules::SourcePos& fallback) const {
    const toml::array* rules = root_["rule"].as_array();
    const toml::node* node = nullptr;
    if (rules != nullptr && rule < rules->size()) {
      if (const toml::table* table = rules->get(rule)->as_table()) {
        node = table->get(key);
        if (node != nullptr && node->is_array()) node = node->as_array()->get(index);
      }
    }
    if (node == nullptr) return Locate(file_name_, text_, fallback.line, fallback.column);
    return LocateValue(file_name_, text_, static_cast<int>(node->source().begin.line),
                       static_cast<int>(node->source().begin.column));
  }

 private:
  const std::string& file_name_;
  const std::string& text_;
  toml::table root_;
};

Status Joined(const std::vector<std::string>& errors) {
  if (errors.empty()) return Status::Ok();
  std::string message;
  for (const std::string& e : errors) message += (message.empty() ? "" : "\n") + e;
  return Status::InvalidArgument(std::move(message));
}

}  // namespace

Status RulesResult::status() const { return Joined(errors); }

Result<rules::Vocabulary> LoadVocabulary(const Config& config, const Environment& env,
                                         size_t max_file_bytes) {
  Result<rules::Vocabulary> vocabulary = rules::LoadBuiltinVocabulary();
  if (!vocabulary.ok() || config.vocabulary_files.empty()) return vocabulary;
  for (const ConfigFile& file : config.vocabulary_files) {
    Result<std::string> text = env.ReadFile(file.relative, max_file_bytes);
    if (!text.ok()) return text.status();
    const Status parsed = rules::ParseVocabularyToml(*text, file.relative, *vocabulary);
    if (!parsed.ok()) return parsed;
  }
  const Status valid = rules::ValidateVocabulary(*vocabulary);
  if (!valid.ok()) return valid;
  return vocabulary;
}

RulesResult LoadRules(const Config& config, const rules::Vocabulary& vocabulary,
                      const Environment& env, size_t max_file_bytes) {
  RulesResult result;
  result.rules.file_name = config.path;
  struct Defined {
    SourceLocation where;  // its id
  };
  std::map<std::string, Defined> rule_ids;
  std::vector<std::string_view> receiver_ids;
  for (const ReceiverConfig& r : config.receivers) receiver_ids.push_back(r.id);

  for (const ConfigFile& file : config.rule_files) {
    Result<std::string> text = env.ReadFile(file.relative, max_file_bytes);
    if (!text.ok()) {
      result.errors.push_back(
          FormatDiagnostic(file.where, "cannot read rules: " + text.status().message()));
      continue;
    }
    Result<rules::RuleSet> set = rules::ParseRules(*text, file.relative, vocabulary);
    if (!set.ok()) {
      result.errors.push_back(set.status().message());
      continue;
    }
    result.files.emplace_back(file.path, set->rules.size());
    const RulePositions positions(file.relative, *text);
    for (size_t i = 0; i < set->rules.size(); ++i) {
      rules::Rule& rule = set->rules[i];
      const SourceLocation id_where = positions.Of(i, "id", 0, rule.pos);
      const auto [it, inserted] = rule_ids.emplace(rule.id, Defined{id_where});
      if (!inserted) {
        result.errors.push_back(
            FormatDiagnostic(id_where, "duplicate rule id " + Quoted(rule.id) +
                                           " (first defined at " + it->second.where.file + ":" +
                                           std::to_string(it->second.where.line) + ")"));
      }
      for (size_t j = 0; j < rule.receivers.size(); ++j) {
        if (config.FindReceiver(rule.receivers[j]) != nullptr) continue;
        result.errors.push_back(FormatDiagnostic(positions.Of(i, "receivers", j, rule.pos),
                                                 "unknown receiver " + Quoted(rule.receivers[j]) +
                                                     DidYouMean(rule.receivers[j], receiver_ids)));
      }
      result.rules.rules.push_back(std::move(rule));
    }
  }

  std::vector<std::string_view> known;
  for (const auto& [id, defined] : rule_ids) known.push_back(id);
  for (const RouteConfig& route : config.routes) {
    for (size_t i = 0; i < route.rule_ids.size(); ++i) {
      if (rule_ids.count(route.rule_ids[i]) > 0) continue;
      const SourceLocation where =
          i < route.rule_id_where.size() ? route.rule_id_where[i] : route.where;
      result.errors.push_back(FormatDiagnostic(where, "unknown rule " + Quoted(route.rule_ids[i]) +
                                                          DidYouMean(route.rule_ids[i], known)));
    }
  }
  return result;
}

}  // namespace mineral::config
