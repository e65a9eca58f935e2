#include "daemon/history_command.h"

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <set>

#include "config/config_rules.h"
#include "config/units.h"
#include "daemon/cli.h"
#include "daemon/command_args.h"
#include "daemon/pipeline.h"
#include "model/json_out.h"
#include "rules/rule_parser.h"
#include "rules/tagger.h"

namespace mineral::daemon {

const char kAlertsHelp[] =
    "usage: mineral-alertd alerts --config FILE [--since DURATION] [--rule ID] [--json]\n"
    "\n"
    "Lists the alerts raised in the last DURATION (default 24h; units ms, s,\n"
    "m, h, d, w as in the config: 90m, 30d), newest first, from the database\n"
    "under [daemon] state_dir: each alert's rule, kind (new or amended),\n"
    "severity and document number (an amended alert whose rule no longer\n"
    "fires on the corrected item says \"no longer matches\"), every source of its story (the first "
    "item,\n"
    "then each reprint that joined it) and its delivery state per receiver\n"
    "(pending, in-flight, delivered, dead) with attempts and the last error.\n"
    "Reads only; safe while the daemon runs.\n"
    "\n"
    "options:\n"
    "  --config FILE      the configuration (required)\n"
    "  --since DURATION   how far back (default 24h)\n"
    "  --rule ID          only alerts of this rule\n"
    "  --json             one JSON array of alerts\n"
    "\n"
    "exit status: 0 listed (even none), 1 the database could not be read,\n"
    "2 usage or configuration error\n";

const char kHistoryHelp[] =
    "usage: mineral-alertd history --config FILE [--json] ITEM_OR_ALERT\n"
    "\n"
    "Prints the whole trail of one item or alert, in time order: fetched,\n"
    "amended, matched (rule and terms), alerted, joined (another source of the\n"
    "story), queued (per receiver), each delivery attempt, delivered or dead.\n"
    "An item's trail includes the trails of its alerts.\n"
    "\n"
    "ITEM_OR_ALERT is one of:\n"
    "  alert:N         the alert with id N (as `alerts` lists them)\n"
    "  item:N          the stored item with id N\n"
    "  FEED_ID:KEY     the item KEY of the feed FEED_ID (the key is what\n"
    "                  `alerts --json` shows; it may itself contain ':')\n"
    "\n"
    "options:\n"
    "  --config FILE      the configuration (required)\n"
    "  --json             one JSON array of {at, event, detail}\n"
    "\n"
    "exit status: 0 printed, 1 no such item or alert, or the database could\n"
    "not be read, 2 usage or configuration error\n";

const char kBacktestHelp[] =
    "usage: mineral-alertd backtest --config FILE --rules FILE [--since DURATION] [--json]\n"
    "\n"
    "Runs the rules of --rules FILE (parsed and compiled as `check --rules`\n"
    "does, with the config's vocabulary) over every item stored in the last\n"
    "DURATION (default 30d) and reports what would have fired: per rule, the\n"
    "number of items and each item with the terms that matched.  Nothing is\n"
    "written, queued or sent, so a rule can be tried before it goes live.\n"
    "Every matching item counts: the baseline and cross-source clustering of a\n"
    "live poll are not replayed (a story with three sources counts three).\n"
    "Items pruned by retention are not there to match.\n"
    "\n"
    "options:\n"
    "  --config FILE      the configuration (its database; required)\n"
    "  --rules FILE       the rules to try (required)\n"
    "  --since DURATION   how far back (default 30d)\n"
    "  --json             one JSON object {since, items, rules: [...]}\n"
    "\n"
    "exit status: 0 ran (even if nothing fired), 1 the database could not be\n"
    "read, 2 usage, configuration or rules error\n";

namespace {

constexpr size_t kMaxRulesFileBytes = 16 * 1024 * 1024;

struct Options {
  std::string config;
  std::string since;
  std::string rule;
  std::string rules;
  bool json = false;
  std::vector<std::string> positional;
};

// Parses `args` as `spec` allows into `options`; prints help and sets `code`
// when the command should stop.  Options not given keep their defaults.
bool ParseOptions(const std::vector<std::string>& args, const CommandSpec& spec, Options& options,
                  std::ostream& out, std::ostream& err, int& code) {
  CommandArgs parsed;
  if (auto stop = ParseCommandArgs(args, spec, parsed, out, err)) {
    code = *stop;
    return false;
  }
  options.config = parsed.config;
  options.json = parsed.Has("--json");
  for (auto [option, field] :
       {std::pair{"--since", &options.since}, std::pair{"--rule", &options.rule},
        std::pair{"--rules", &options.rules}}) {
    if (parsed.values.contains(option)) *field = parsed.Value(option);
  }
  options.positional = parsed.positional;
  return true;
}

// now - DURATION, or a usage error.
bool SinceTime(const std::string& text, UtcTime now, UtcTime& since, const char* help,
               std::ostream& err) {
  Result<config::Duration> d = config::ParseDuration(text);
  if (!d.ok()) {
    err << "mineral-alertd: --since " << text << ": " << d.status().message() << "\n" << help;
    return false;
  }
  since = now - std::chrono::duration_cast<std::chrono::seconds>(*d);
  return true;
}

// The config's store, read-only; on failure the error is printed.
std::unique_ptr<storage::Database> OpenForReading(const Pipeline& pipeline, std::ostream& err) {
  auto store = OpenStore(pipeline.config, true);
  if (!store.ok()) {
    err << "mineral-alertd: " << store.status().message() << "\n";
    return nullptr;
  }
  return std::move(store).value();
}

void ItemJson(JsonOut& json, const storage::StoredItem& s) {
  json.Int("item", s.id);
  json.Str("feed", s.feed_id);
  json.Str("key", s.item.key);
  json.Str("title", s.item.title);
  json.Str("link", s.item.link);
  json.Str("first_seen", FormatRfc3339(s.first_seen));
  json.Int("revisions", s.revisions);
}

void AlertJson(JsonOut& json, const storage::AlertRecord& a) {
  json.w().StartObject();
  json.Int("alert", a.id);
  json.Str("rule", a.rule_id);
  json.Str("kind", a.kind);
  json.Bool("matches", a.matches);
  json.Str("severity", a.severity);
  json.Strings("labels", a.labels);
  json.Str("doc_number", a.doc_number);
  json.Str("created_at", FormatRfc3339(a.created_at));
  json.StartArray("sources");
  for (const storage::StoredItem& s : a.sources) {
    json.w().StartObject();
    ItemJson(json, s);
    json.w().EndObject();
  }
  json.w().EndArray();
  json.StartArray("deliveries");
  for (const storage::OutboxStatus& d : a.deliveries) {
    json.w().StartObject();
    json.Str("receiver", d.receiver);
    json.Str("state", OutboxStateName(d.state));
    json.Int("attempts", d.attempts);
    json.Time("next_attempt_at", d.next_attempt_at);
    json.Str("last_error", d.last_error);
    json.w().EndObject();
  }
  json.w().EndArray();
  json.w().EndObject();
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

void PrintAlert(std::ostream& out, const storage::AlertRecord& a) {
  out << "alert " << a.id << "  " << FormatRfc3339(a.created_at) << "  rule=" << a.rule_id
      << "  severity=" << a.severity << "  kind=" << a.kind;
  if (!a.matches) out << "  (no longer matches)";
  if (!a.doc_number.empty()) out << "  doc=" << a.doc_number;
  out << "\n";
  for (const storage::StoredItem& s : a.sources) {
    out << "  source    item:" << s.id << "  " << s.feed_id << ":" << s.item.key << "  "
        << Quoted(s.item.title);
    if (!s.item.link.empty()) out << "  " << s.item.link;
    out << "\n";
  }
  for (const storage::OutboxStatus& d : a.deliveries) {
    out << "  delivery  " << d.receiver << "  " << OutboxStateName(d.state)
        << "  attempts=" << d.attempts;
    if (d.next_attempt_at) out << "  next=" << FormatRfc3339(*d.next_attempt_at);
    if (!d.last_error.empty()) out << "  error=" << Quoted(d.last_error);
    out << "\n";
  }
}

// "alert:N", "item:N" or "FEED_ID:KEY".
struct Target {
  enum Kind { kAlert, kItem, kFeedKey } kind = kItem;
  int64_t id = 0;
  std::string feed;
  std::string key;
};

std::optional<int64_t> ParseId(const std::string& s) {
  if (s.empty() || s.size() > 18 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(s);
}

std::optional<Target> ParseTarget(const std::string& arg) {
  const size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == arg.size()) return std::nullopt;
  const std::string head = arg.substr(0, colon);
  const std::string tail = arg.substr(colon + 1);
  Target t;
  if (head == "alert" || head == "item") {
    const std::optional<int64_t> id = ParseId(tail);
    if (!id) return std::nullopt;
    t.kind = head == "alert" ? Target::kAlert : Target::kItem;
    t.id = *id;
    return t;
  }
  t.kind = Target::kFeedKey;
  t.feed = head;
  t.key = tail;
  return t;
}

// The rules of `path` compiled with the config's vocabulary; errors printed.
std::shared_ptr<const rules::RuleEngine> LoadTrialRules(const std::string& path,
                                                        const config::Config& config,
                                                        std::ostream& err) {
  config::RealEnvironment env;
  Result<std::string> text = env.ReadFile(path, kMaxRulesFileBytes);
  if (!text.ok()) {
    err << "mineral-alertd: " << text.status().message() << "\n";
    return nullptr;
  }
  Result<rules::Vocabulary> vocabulary = config::LoadVocabulary(config, env);
  if (!vocabulary.ok()) {
    err << vocabulary.status().message() << "\n";
    return nullptr;
  }
  Result<rules::RuleSet> set = rules::ParseRules(*text, path, *vocabulary);
  if (!set.ok()) {
    err << set.status().message() << "\n";
    return nullptr;
  }
  auto tagger = rules::Tagger::Compile(*vocabulary);
  if (!tagger.ok()) {
    err << "mineral-alertd: vocabulary: " << tagger.status().message() << "\n";
    return nullptr;
  }
  auto engine = rules::RuleEngine::Compile(std::move(*set), *tagger);
  if (!engine.ok()) {
    err << "mineral-alertd: " << path << ": " << engine.status().message() << "\n";
    return nullptr;
  }
  return *engine;
}

// Sorted distinct terms of a match.
std::vector<std::string> Terms(const rules::RuleMatch& match) {
  std::set<std::string> terms;
  for (const rules::MatchedTerm& t : match.explain) terms.insert(t.term);
  return {terms.begin(), terms.end()};
}

std::string JoinComma(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

}  // namespace

int RunAlertsCommand(const std::vector<std::string>& args, UtcTime now, std::ostream& out,
                     std::ostream& err) {
  Options options;
  options.since = "24h";
  int code = kExitOk;
  if (!ParseOptions(args, {kAlertsHelp, {"--json"}, {"--since", "--rule"}, 0}, options, out, err,
                    code))
    return code;
  UtcTime since{};
  if (!SinceTime(options.since, now, since, kAlertsHelp, err)) return kExitUsage;
  Pipeline pipeline;
  if (!LoadPipelineOrReport(options.config, pipeline, err)) return kExitUsage;
  std::unique_ptr<storage::Database> store = OpenForReading(pipeline, err);
  if (store == nullptr) return kExitFailure;
  auto alerts = store->ListAlerts(since, options.rule);
  if (!alerts.ok()) {
    err << "mineral-alertd: " << alerts.status().message() << "\n";
    return kExitFailure;
  }
  if (options.json) {
    JsonOut json;
    json.w().StartArray();
    for (const storage::AlertRecord& a : *alerts) AlertJson(json, a);
    json.w().EndArray();
    out << json.Take() << "\n";
    return kExitOk;
  }
  for (const storage::AlertRecord& a : *alerts) PrintAlert(out, a);
  out << alerts->size() << (alerts->size() == 1 ? " alert" : " alerts") << " since "
      << FormatRfc3339(since);
  if (!options.rule.empty()) out << " of rule " << options.rule;
  out << "\n";
  return kExitOk;
}

int RunHistoryCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Options options;
  int code = kExitOk;
  if (!ParseOptions(args, {kHistoryHelp, {"--json"}, {}, 1}, options, out, err, code)) return code;
  if (options.positional.empty()) {
    err << "mineral-alertd: which item or alert? (alert:N, item:N or FEED_ID:KEY)\n"
        << kHistoryHelp;
    return kExitUsage;
  }
  const std::optional<Target> target = ParseTarget(options.positional[0]);
  if (!target) {
    err << "mineral-alertd: '" << options.positional[0]
        << "' is not alert:N, item:N or FEED_ID:KEY\n"
        << kHistoryHelp;
    return kExitUsage;
  }
  Pipeline pipeline;
  if (!LoadPipelineOrReport(options.config, pipeline, err)) return kExitUsage;
  std::unique_ptr<storage::Database> store = OpenForReading(pipeline, err);
  if (store == nullptr) return kExitFailure;

  Result<std::vector<storage::HistoryEvent>> events = Status();
  if (target->kind == Target::kAlert) {
    events = store->AlertHistory(target->id);
  } else {
    int64_t item_id = target->id;
    if (target->kind == Target::kFeedKey) {
      Result<storage::StoredItem> item = store->FindItem(target->feed, target->key);
      if (!item.ok()) {
        err << "mineral-alertd: " << item.status().message() << "\n";
        return kExitFailure;
      }
      item_id = item->id;
    }
    events = store->ItemHistory(item_id);
  }
  if (!events.ok()) {
    err << "mineral-alertd: " << events.status().message() << "\n";
    return kExitFailure;
  }
  if (options.json) {
    JsonOut json;
    json.w().StartArray();
    for (const storage::HistoryEvent& e : *events) {
      json.w().StartObject();
      json.Str("at", FormatRfc3339(e.at));
      json.Str("event", e.event);
      json.Str("detail", e.detail);
      json.w().EndObject();
    }
    json.w().EndArray();
    out << json.Take() << "\n";
    return kExitOk;
  }
  for (const storage::HistoryEvent& e : *events) {
    std::string event = e.event;
    event.resize(std::max<size_t>(event.size(), 9), ' ');
    out << FormatRfc3339(e.at) << "  " << event << "  " << e.detail << "\n";
  }
  return kExitOk;
}

int RunBacktestCommand(const std::vector<std::string>& args, UtcTime now, std::ostream& out,
                       std::ostream& err) {
  Options options;
  options.since = "30d";
  int code = kExitOk;
  if (!ParseOptions(args, {kBacktestHelp, {"--json"}, {"--since", "--rules"}, 0}, options, out, err,
                    code))
    return code;
  if (options.rules.empty()) {
    err << "mineral-alertd: --rules FILE is required\n" << kBacktestHelp;
    return kExitUsage;
  }
  UtcTime since{};
  if (!SinceTime(options.since, now, since, kBacktestHelp, err)) return kExitUsage;
  Pipeline pipeline;
  if (!LoadPipelineOrReport(options.config, pipeline, err)) return kExitUsage;
  const std::shared_ptr<const rules::RuleEngine> engine =
      LoadTrialRules(options.rules, pipeline.config, err);
  if (engine == nullptr) return kExitUsage;
  std::unique_ptr<storage::Database> store = OpenForReading(pipeline, err);
  if (store == nullptr) return kExitFailure;

  struct Hit {
    storage::StoredItem item;
    std::vector<std::string> terms;
  };
  std::map<int, std::vector<Hit>> hits;  // by rule index
  int64_t items = 0;
  Status read = store->ForEachItemSince(since, [&](const storage::StoredItem& stored) {
    ++items;
    for (const rules::RuleMatch& m : engine->Match(stored.item)) {
      hits[m.rule_index].push_back({stored, Terms(m)});
    }
  });
  if (!read.ok()) {
    err << "mineral-alertd: " << read.message() << "\n";
    return kExitFailure;
  }

  const std::vector<rules::Rule>& rule_list = engine->rules().rules;
  if (options.json) {
    JsonOut json;
    json.w().StartObject();
    json.Str("since", FormatRfc3339(since));
    json.Int("items", items);
    json.StartArray("rules");
    for (size_t r = 0; r < rule_list.size(); ++r) {
      const std::vector<Hit>& fired = hits[static_cast<int>(r)];
      json.w().StartObject();
      json.Str("rule", rule_list[r].id);
      json.Str("severity", rules::SeverityName(rule_list[r].severity));
      json.Bool("enabled", rule_list[r].enabled);
      json.Int("count", static_cast<int64_t>(fired.size()));
      json.StartArray("items");
      for (const Hit& h : fired) {
        json.w().StartObject();
        ItemJson(json, h.item);
        json.Strings("terms", h.terms);
        json.w().EndObject();
      }
      json.w().EndArray();
      json.w().EndObject();
    }
    json.w().EndArray();
    json.w().EndObject();
    out << json.Take() << "\n";
    return kExitOk;
  }
  size_t total = 0;
  for (size_t r = 0; r < rule_list.size(); ++r) {
    const std::vector<Hit>& fired = hits[static_cast<int>(r)];
    total += fired.size();
    out << "rule " << rule_list[r].id << ": " << fired.size()
        << (fired.size() == 1 ? " item" : " items");
    if (!rule_list[r].enabled) out << " (disabled: never fires)";
    out << "\n";
    for (const Hit& h : fired) {
      out << "  " << FormatRfc3339(h.item.first_seen) << "  item:" << h.item.id << "  "
          << h.item.feed_id << ":" << h.item.item.key << "  " << Quoted(h.item.item.title)
          << "  terms=" << JoinComma(h.terms) << "\n";
    }
  }
  out << "backtest: " << items << " stored items since " << FormatRfc3339(since) << ", "
      << rule_list.size() << (rule_list.size() == 1 ? " rule, " : " rules, ") << total
      << (total == 1 ? " match" : " matches") << "; nothing sent\n";
  return kExitOk;
}

}  // namespace mineral::daemon
