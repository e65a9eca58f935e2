#include "daemon/match_command.h"

#include <algorithm>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>

#include "daemon/cli.h"
#include "daemon/input.h"
#include "feeds/parser.h"
#include "model/json_out.h"
#include "rules/engine.h"
#include "rules/rule_parser.h"
#include "rules/tagger.h"
#include "rules/vocabulary.h"

namespace mineral::daemon {

const char kMatchHelp[] =
    "usage: mineral-alertd match --rules FILE [--explain] FEEDFILE|- [FEEDFILE...]\n"
    "\n"
    "Runs the rules of FILE (docs/rules.md) over the items of feed documents\n"
    "(any format `parse` reads) and prints one line per (item, rule) match:\n"
    "  {\"item\": ID, \"rule\": RULE_ID, \"severity\": \"info|warning|critical\",\n"
    "   \"explain\": [{\"term\", \"field\", \"offset\", \"length\"}]}\n"
    "ID is the item's id in its feed (else its key).  \"explain\" (with --explain)\n"
    "lists the terms that made the rule fire, with byte offsets into the item's\n"
    "title, summary, content or categories.  `-` reads standard input.\n"
    "\n"
    "options:\n"
    "  --rules FILE       the rules file (TOML; required)\n"
    "  --explain          add the evidence to each line\n"
    "  --max-bytes N      refuse feed documents larger than N bytes (default 16777216)\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 0 ok, 1 a feed could not be read or parsed, 2 usage error or bad rules\n";

namespace {

constexpr size_t kMaxRulesFileBytes = 16 * 1024 * 1024;

std::string RenderMatch(const Item& item, const rules::RuleMatch& match, bool explain) {
  JsonOut json;
  json.w().StartObject();
  json.Str("item", item.guid.empty() ? item.key : item.guid);
  json.Str("rule", match.rule_id);
  json.Str("severity", rules::SeverityName(match.severity));
  if (explain) {
    json.StartArray("explain");
    for (const rules::MatchedTerm& t : match.explain) {
      json.w().StartObject();
      json.Str("term", t.term);
      json.Str("field", t.field);
      json.Int("offset", static_cast<int64_t>(t.offset));
      json.Int("length", static_cast<int64_t>(t.length));
      json.w().EndObject();
    }
    json.w().EndArray();
  }
  json.w().EndObject();
  return json.Take();
}

// The built-in vocabulary, its tagger, and the rules of `path` compiled
// against them; errors are written to `err`.
std::shared_ptr<const rules::RuleEngine> LoadEngine(const std::string& path, std::istream& in,
                                                    std::ostream& err) {
  Result<std::string> text = ReadInputFile(path, in, kMaxRulesFileBytes);
  if (!text.ok()) {
    err << "mineral-alertd: " << text.status().message() << "\n";
    return nullptr;
  }
  if (text->size() > kMaxRulesFileBytes) {
    err << "mineral-alertd: " << path << ": rules file larger than " << kMaxRulesFileBytes
        << " bytes\n";
    return nullptr;
  }
  Result<rules::Vocabulary> vocabulary = rules::LoadBuiltinVocabulary();
  if (!vocabulary.ok()) {
    err << "mineral-alertd: built-in vocabulary: " << vocabulary.status().message() << "\n";
    return nullptr;
  }
  Result<rules::RuleSet> set =
      rules::ParseRules(*text, path == "-" ? "<stdin>" : path, *vocabulary);
  if (!set.ok()) {
    err << set.status().message() << "\n";
    return nullptr;
  }
  Result<std::shared_ptr<const rules::Tagger>> tagger = rules::Tagger::Compile(*vocabulary);
  if (!tagger.ok()) {
    err << "mineral-alertd: vocabulary: " << tagger.status().message() << "\n";
    return nullptr;
  }
  Result<std::shared_ptr<const rules::RuleEngine>> engine =
      rules::RuleEngine::Compile(std::move(*set), *tagger);
  if (!engine.ok()) {
    err << "mineral-alertd: " << path << ": " << engine.status().message() << "\n";
    return nullptr;
  }
  return *engine;
}

}  // namespace

int RunMatchCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  std::string rules_path;
  bool explain = false;
  feeds::ParseOptions options;
  std::vector<std::string> files;
  auto usage_error = [&](const std::string& message) {
    err << "mineral-alertd match: " << message << "\n"
        << "run `mineral-alertd match --help` for usage\n";
    return kExitUsage;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out << kMatchHelp;
      return kExitOk;
    } else if (a == "--rules") {
      if (i + 1 >= args.size()) return usage_error("--rules needs a value");
      rules_path = args[++i];
    } else if (a == "--explain") {
      explain = true;
    } else if (a == "--max-bytes") {
      if (i + 1 >= args.size()) return usage_error("--max-bytes needs a value");
      const std::optional<size_t> n = ParsePositiveSize(args[++i]);
      if (!n) return usage_error("--max-bytes wants a positive integer, not '" + args[i] + "'");
      options.max_document_bytes = *n;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else {
      files.push_back(a);
    }
  }
  if (rules_path.empty()) return usage_error("--rules FILE is required");
  if (files.empty()) return usage_error("no input: give a FEEDFILE, or - for standard input");
  if (rules_path == "-" && std::count(files.begin(), files.end(), "-") > 0) {
    return usage_error("standard input cannot hold both the rules and a feed");
  }

  const std::shared_ptr<const rules::RuleEngine> engine = LoadEngine(rules_path, in, err);
  if (engine == nullptr) return kExitUsage;

  return ForEachFeed(files, options, in, err, [&](const feeds::ParsedFeed& parsed) {
    for (const Item& item : parsed.items) {
      for (const rules::RuleMatch& match : engine->Match(item)) {
        out << RenderMatch(item, match, explain) << "\n";
      }
    }
  });
}

int RunCheckRules(const std::string& rules_path, std::istream& in, std::ostream& out,
                  std::ostream& err) {
  const std::shared_ptr<const rules::RuleEngine> engine = LoadEngine(rules_path, in, err);
  if (engine == nullptr) return kExitUsage;
  size_t enabled = 0;
  for (const rules::Rule& r : engine->rules().rules) enabled += r.enabled ? 1 : 0;
  const size_t total = engine->rules().rules.size();
  out << rules_path << ": " << total << (total == 1 ? " rule" : " rules") << " ok";
  if (enabled != total) out << " (" << total - enabled << " disabled)";
  out << "\n";
  return kExitOk;
}

}  // namespace mineral::daemon
