// The configured pipeline, assembled: the config, the compiled rules, each
// feed's poll settings, and the record step that ties the scheduler to the
// store and the rules.  Shared by `run`, `poll-once` and `feeds`.
#pragma once

#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/environment.h"
#include "daemon/poll_queue.h"
#include "daemon/receivers.h"
#include "daemon/scheduler.h"
#include "net/curl_http_client.h"
#include "rules/engine.h"
#include "storage/database.h"
#include "storage/store.h"

namespace mineral::daemon {

struct Pipeline {
  config::Config config;
  std::shared_ptr<const rules::RuleEngine> engine;
  std::vector<FeedSettings> feeds;  // the enabled feeds, in config order
  PolitenessLimits limits;
  TemplateSet templates;              // the receivers' template overrides, compiled
  std::vector<std::string> warnings;  // positioned, as `check` prints them
};

// Loads the config at `path`, its vocabulary and rules (compiled), the
// receivers' templates (compiled and checked), and every feed's settings
// (mappings resolved).  Errors: InvalidArgument holding every
// error, one per line group, positioned.
Result<Pipeline> LoadPipeline(const std::string& path, const config::Environment& env);

// How the daemon and its commands open the store: an 8 MiB page cache (the
// library's default too, set here explicitly: a daemon with 10,000 feeds
// must stay under 64 MiB in all).
storage::DatabaseOptions DaemonDatabaseOptions();

// What Store::Prune keeps, from [daemon] retention (pure): items and
// delivered alerts for `retention`; tombstones for a year, or for the
// retention if longer, so that a key pruned from a slow feed's long backlog
// still never counts as new.
storage::PruneOptions RetentionOptions(const config::DaemonConfig& daemon);

// A feed's poll settings from the config (pure, but for mapping files read
// through `env`).  Fails when a mapping does not load.
Result<FeedSettings> BuildFeedSettings(const config::FeedConfig& feed,
                                       const config::DaemonConfig& daemon,
                                       const config::Environment& env);

// LoadPipeline for a CLI command: on error prints every message to `err`
// and returns false (the command exits 2); prints the warnings either way.
bool LoadPipelineOrReport(const std::string& path, Pipeline& pipeline, std::ostream& err);

// Opens the config's database ([daemon] database, under state_dir).  With
// `read_only` (commands that only look), the file must exist and be at the
// current schema, and nothing in it changes: outbox rows a running daemon
// has in flight stay in flight.  Otherwise state_dir is created if need be.
Result<std::unique_ptr<storage::Database>> OpenStore(const config::Config& config, bool read_only);

// [daemon] and [[host]] limits as PollQueue takes them (pure).
PolitenessLimits BuildLimits(const config::Config& config);

// The polling HTTP client's options: the config's user agent, and curl's
// connection limits no tighter than the PollQueue's (the queue is the one
// that enforces politeness; curl must never make it wait).
net::ClientOptions PollClientOptions(const Pipeline& pipeline);

// Who gets an alert of `rule`: the rule's own receivers, then those of the
// first matching route and of each later matching route while the matching
// routes say `continue`; no duplicates, in that order (pure).
std::vector<std::string> RouteReceivers(const rules::Rule& rule,
                                        const std::vector<config::RouteConfig>& routes);

// The rules as storage's Matcher: one AlertCandidate per rule that fires,
// with its routed receivers and its evidence.
storage::Matcher MakeMatcher(std::shared_ptr<const rules::RuleEngine> engine,
                             std::vector<config::RouteConfig> routes);

// The record step over a Store: RecordFetch with the matcher for polls that
// returned a feed, SaveFeedState for the rest.  Keeps each feed's last
// RecordCounts for reports.
class StoreSink final : public FeedSink {
 public:
  StoreSink(storage::Store& store, storage::Matcher matcher,
            std::function<UtcTime()> now = nullptr);

  Status RecordItems(const FeedSettings& feed, const FeedState& state,
                     const std::vector<Item>& items) override;
  Status SaveState(const FeedState& state) override;

  // A reload's rules, for the next record (items being recorded keep theirs).
  void SetMatcher(storage::Matcher matcher) { matcher_ = std::move(matcher); }

  // The counts of the feed's last RecordItems (zeros if none).
  storage::RecordCounts LastCounts(const std::string& feed_id) const;

 private:
  storage::Store& store_;
  storage::Matcher matcher_;
  std::function<UtcTime()> now_;
  std::map<std::string, storage::RecordCounts> last_;
};

}  // namespace mineral::daemon
