#include "daemon/pipeline.h"

#include <algorithm>
#include <filesystem>
#include <ostream>

#include "config/config_rules.h"
#include "feeds/json_mapping.h"

namespace mineral::daemon {
namespace {

UtcTime SystemNow() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool AnyOf(const std::vector<std::string>& wanted, const std::vector<std::string>& have) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return Contains(have, w); });
}

}  // namespace

storage::DatabaseOptions DaemonDatabaseOptions() {
  storage::DatabaseOptions options;
  options.cache_bytes = 8 << 20;
  return options;
}

Result<FeedSettings> BuildFeedSettings(const config::FeedConfig& feed,
                                       const config::DaemonConfig& daemon,
                                       const config::Environment& env) {
  FeedSettings settings;
  settings.spec = feed.spec;
  settings.policy = feed.poll;
  settings.headers = feed.headers;
  settings.verify_tls = !feed.insecure_skip_tls_verify;
  settings.format = feed.format;

  net::HttpRequest& r = settings.request_defaults;
  r.user_agent = feed.user_agent.empty() ? daemon.user_agent : feed.user_agent;
  r.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(daemon.connect_timeout);
  r.total_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(daemon.total_timeout);
  r.low_speed_time = std::chrono::duration_cast<std::chrono::seconds>(daemon.low_speed_timeout);
  r.low_speed_bytes = static_cast<int64_t>(daemon.low_speed_limit);
  r.max_body_bytes = feed.max_body_bytes != 0 ? feed.max_body_bytes : daemon.max_body_bytes;
  r.proxy = daemon.proxy;

  if (!feed.spec.mapping.empty()) {
    Result<feeds::JsonMapping> mapping = Status();
    if (feed.mapping_is_file) {
      Result<std::string> text = env.ReadFile(feed.spec.mapping, 1 << 20);
      if (!text.ok()) return text.status();
      mapping = feeds::ParseJsonMapping(*text, feed.spec.mapping);
    } else {
      mapping = feeds::LoadBuiltinMapping(feed.spec.mapping);
    }
    if (!mapping.ok()) {
      return Status::InvalidArgument("feed '" + feed.spec.id +
                                     "': mapping: " + mapping.status().message());
    }
    settings.mapping = std::make_shared<const feeds::JsonMapping>(std::move(mapping).value());
  }
  return settings;
}

PolitenessLimits BuildLimits(const config::Config& config) {
  PolitenessLimits limits;
  const config::DaemonConfig& d = config.daemon;
  limits.max_in_flight = static_cast<size_t>(std::max(1, d.max_concurrency));
  limits.per_host.in_flight = static_cast<size_t>(std::max(1, d.per_host_connections));
  limits.per_host.spacing =
      std::chrono::duration_cast<std::chrono::milliseconds>(d.per_host_min_spacing);
  // The loader has already filled a [[host]]'s missing keys from [daemon].
  for (const config::HostConfig& host : config.hosts) {
    HostLimits& h = limits.host_overrides[host.name];
    h.in_flight = static_cast<size_t>(std::max(1, host.connections));
    h.spacing = std::chrono::duration_cast<std::chrono::milliseconds>(host.min_spacing);
  }
  return limits;
}

net::ClientOptions PollClientOptions(const Pipeline& pipeline) {
  net::ClientOptions client;
  client.user_agent = pipeline.config.daemon.user_agent;
  client.max_total_connections = static_cast<long>(pipeline.limits.max_in_flight);
  client.max_host_connections = static_cast<long>(pipeline.limits.per_host.in_flight);
  for (const auto& [host, limits] : pipeline.limits.host_overrides) {
    client.max_host_connections =
        std::max(client.max_host_connections, static_cast<long>(limits.in_flight));
  }
  return client;
}

std::vector<std::string> RouteReceivers(const rules::Rule& rule,
                                        const std::vector<config::RouteConfig>& routes) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& id) {
    if (!Contains(out, id)) out.push_back(id);
  };
  for (const std::string& id : rule.receivers) add(id);
  const std::string severity = rules::SeverityName(rule.severity);
  for (const config::RouteConfig& route : routes) {
    if (!route.severities.empty() && !Contains(route.severities, severity)) continue;
    if (!route.labels.empty() && !AnyOf(route.labels, rule.labels)) continue;
    if (!route.rule_ids.empty() && !Contains(route.rule_ids, rule.id)) continue;
    for (const std::string& id : route.receivers) add(id);
    if (!route.continue_matching) break;
  }
  return out;
}

storage::Matcher MakeMatcher(std::shared_ptr<const rules::RuleEngine> engine,
                             std::vector<config::RouteConfig> routes) {
  // Receivers per rule are fixed for the engine's life: route once.
  auto receivers = std::make_shared<std::vector<std::vector<std::string>>>();
  for (const rules::Rule& rule : engine->rules().rules)
    receivers->push_back(RouteReceivers(rule, routes));
  return [engine, receivers](const Item& item) {
    std::vector<AlertCandidate> out;
    for (const rules::RuleMatch& match : engine->Match(item)) {
      const rules::Rule& rule = engine->rules().rules[static_cast<size_t>(match.rule_index)];
      AlertCandidate c;
      c.rule_id = match.rule_id;
      c.severity = rules::SeverityName(match.severity);
      c.labels = rule.labels;
      c.receivers = (*receivers)[static_cast<size_t>(match.rule_index)];
      c.amendments = rule.amendments;
      for (const rules::MatchedTerm& t : match.explain)
        c.evidence.push_back({t.term, t.field, t.offset, t.length});
      out.push_back(std::move(c));
    }
    return out;
  };
}

Result<Pipeline> LoadPipeline(const std::string& path, const config::Environment& env) {
  config::ConfigResult loaded = config::LoadConfig(path, env);
  if (!loaded.ok()) return loaded.status();
  Pipeline p;
  p.config = std::move(loaded.config);
  p.warnings = std::move(loaded.warnings);

  Result<rules::Vocabulary> vocabulary = config::LoadVocabulary(p.config, env);
  if (!vocabulary.ok()) return vocabulary.status();
  config::RulesResult rule_set = config::LoadRules(p.config, *vocabulary, env);
  if (!rule_set.ok()) return rule_set.status();
  auto tagger = rules::Tagger::Compile(*vocabulary);
  if (!tagger.ok()) return tagger.status();
  auto engine = rules::RuleEngine::Compile(std::move(rule_set.rules), std::move(tagger).value());
  if (!engine.ok()) return engine.status();
  p.engine = std::move(engine).value();

  LoadedTemplates templates = LoadReceiverTemplates(p.config, env);
  std::vector<std::string> errors = std::move(templates.errors);
  p.templates = std::move(templates.templates);
  for (const config::FeedConfig& feed : p.config.feeds) {
    if (!feed.enabled) continue;
    Result<FeedSettings> settings = BuildFeedSettings(feed, p.config.daemon, env);
    if (!settings.ok()) {
      errors.push_back(settings.status().message());
      continue;
    }
    p.feeds.push_back(std::move(settings).value());
  }
  if (!errors.empty()) return Status::InvalidArgument(JoinLines(errors));
  p.limits = BuildLimits(p.config);
  return p;
}

storage::PruneOptions RetentionOptions(const config::DaemonConfig& daemon) {
  storage::PruneOptions options;
  options.max_age = std::chrono::duration_cast<std::chrono::seconds>(daemon.retention);
  options.tombstone_max_age = std::max(options.tombstone_max_age, options.max_age);
  return options;
}

bool LoadPipelineOrReport(const std::string& path, Pipeline& pipeline, std::ostream& err) {
  config::RealEnvironment env;
  Result<Pipeline> loaded = LoadPipeline(path, env);
  if (!loaded.ok()) {
    err << loaded.status().message() << "\n";
    return false;
  }
  for (const std::string& warning : loaded->warnings) err << warning << "\n";
  pipeline = std::move(loaded).value();
  return true;
}

Result<std::unique_ptr<storage::Database>> OpenStore(const config::Config& config, bool read_only) {
  storage::DatabaseOptions options = DaemonDatabaseOptions();
  options.read_only = read_only;
  std::error_code ec;
  if (read_only) {
    if (!std::filesystem::exists(config.daemon.database, ec)) {
      return Status::NotFound(config.daemon.database +
                              ": no database yet (no feed has been polled)");
    }
  } else {
    std::filesystem::create_directories(config.daemon.state_dir, ec);
    if (ec) {
      return Status::IoError("cannot create state_dir " + config.daemon.state_dir + ": " +
                             ec.message());
    }
  }
  return storage::Database::Open(config.daemon.database, options);
}

StoreSink::StoreSink(storage::Store& store, storage::Matcher matcher, std::function<UtcTime()> now)
    : store_(store), matcher_(std::move(matcher)), now_(now ? std::move(now) : SystemNow) {}

Status StoreSink::RecordItems(const FeedSettings& feed, const FeedState& state,
                              const std::vector<Item>& items) {
  Result<storage::RecordCounts> counts = store_.RecordFetch(state, items, now_(), matcher_);
  if (!counts.ok()) return counts.status();
  last_[feed.spec.id] = *counts;
  return Status();
}

Status StoreSink::SaveState(const FeedState& state) { return store_.SaveFeedState(state); }

storage::RecordCounts StoreSink::LastCounts(const std::string& feed_id) const {
  auto it = last_.find(feed_id);
  return it == last_.end() ? storage::RecordCounts{} : it->second;
}

}  // namespace mineral::daemon
