// The daemon's configuration: one TOML file and what it includes, read into
// plain value types (docs/config.md is the reference for every key).
//
//   [daemon]     state dir, database, user agent, limits, timeouts, status address
//   [[feed]]     what to poll and how often -> FeedSpec + feeds::PollPolicy
//   [[host]]     per-host politeness overrides (connections, spacing)
//   rules = [..] rule files (rules/rule_parser.h); see config/config_rules.h
//   [[receiver]] where alerts go; secrets by reference only
//   [[route]]    which receivers an alert goes to, by severity, label, rule
//   include = [..] more files holding any of the above but [daemon]
//
// Loading reports every error it finds, not just the first, each as
//
//   mineral-alertd.toml:14:8: unknown receiver kind 'slak' — did you mean 'slack'?
//   kind = "slak"
//          ^
//
// (message, source line and caret, joined by '\n', as rules/rule_parser.h
// writes them).  Paths in the config are relative to the file that names
// them; the loaded Config holds them resolved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostic.h"
#include "config/environment.h"
#include "config/units.h"
#include "feeds/poll_policy.h"
#include "model/feed_state.h"
#include "model/item.h"
#include "model/status.h"

namespace mineral::config {

using Headers = std::vector<std::pair<std::string, std::string>>;

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };  // kText: key=value lines with <N> priority prefixes

// "debug", "info", "warning", "error" / "text", "json".
const char* LogLevelName(LogLevel level);
const char* LogFormatName(LogFormat format);

// The default User-Agent.  Sites such as SEC EDGAR refuse clients that do
// not name themselves with a contact address; configs should override it.
inline constexpr std::string_view kDefaultUserAgent =
    "mineral-alertd/0.1 (+https://github.com/mineral-alertd; contact: admin@example.com)";

// [daemon]: process-wide settings.  Only the main config file may hold it.
struct DaemonConfig {
  // Where the database and other state live.  Default /var/lib/mineral-alertd;
  // a relative path is relative to the config file's directory.
  std::string state_dir = "/var/lib/mineral-alertd";
  // SQLite database file.  Default state_dir/mineral-alertd.db; a relative
  // path is relative to state_dir.
  std::string database;
  std::string user_agent = std::string(kDefaultUserAgent);

  // Politeness and limits (issue 4).
  int max_concurrency = 16;          // requests in flight at once, all hosts
  int per_host_connections = 2;      // requests in flight at once to one host
  Duration per_host_min_spacing{0};  // between request starts to one host
  // Polling bounds and backoff every feed inherits (feeds::PollPolicy).
  feeds::PollPolicy poll;

  // Deadlines and bounds of every request.
  Duration connect_timeout{std::chrono::seconds(10)};
  Duration total_timeout{std::chrono::seconds(60)};
  Duration low_speed_timeout{std::chrono::seconds(30)};  // abort when slower than
  uint64_t low_speed_limit = 100;                        //   this many bytes/s that long
  uint64_t max_body_bytes = 16 * 1024 * 1024;            // default 16 MiB
  std::string proxy;  // "" : the environment's http_proxy/https_proxy/no_proxy

  // Status HTTP server (/metrics, /healthz, ...): "host:port"; "" disables it.
  std::string status_listen = "127.0.0.1:9187";
  // Delivered alerts and seen items older than this are pruned.  Default 90d.
  Duration retention{std::chrono::hours(24 * 90)};
  // On SIGTERM, how long sends in flight may take to finish.  Those still
  // running then are abandoned and stay queued: the next start sends them
  // at once, without counting an attempt.  Keep it below the unit's
  // TimeoutStopSec (45s).
  Duration drain_timeout{std::chrono::seconds(10)};

  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kText;
};

// [[host]]: overrides of [daemon]'s per-host limits for one host name.
// Loaded configs hold the [daemon] value for what a [[host]] leaves out.
struct HostConfig {
  std::string name;         // "www.sec.gov" (lower case)
  int connections = 2;      // default [daemon] per_host_connections
  Duration min_spacing{0};  // default [daemon] per_host_min_spacing
  SourceLocation where;
};

// [[feed]]
struct FeedConfig {
  // id, url (resolved: relative file: URLs become absolute file:///),
  // mapping (built-in name, or the resolved path of a mapping file), tags,
  // alert_backlog.
  FeedSpec spec;
  bool mapping_is_file = false;              // spec.mapping is a path, not a built-in name
  FeedFormat format = FeedFormat::kUnknown;  // kUnknown: detect from the bytes
  feeds::PollPolicy poll;                    // [daemon]'s, with this feed's overrides
  Headers headers;                           // extra request headers, in file order
  std::string user_agent;                    // default [daemon] user_agent
  uint64_t max_body_bytes = 0;               // default [daemon] max_body_bytes
  bool insecure_skip_tls_verify = false;     // logs a warning at every load
  bool enabled = true;                       // a disabled feed is checked, never polled
  SourceLocation where;                      // the [[feed]] header
};

// A secret named, never written, in the config.
struct SecretRef {
  enum class Kind {
    kFile,        // a file's contents, trailing newline trimmed (path resolved)
    kEnv,         // an environment variable's value
    kCredential,  // a systemd credential: $CREDENTIALS_DIRECTORY/<name>
  };
  Kind kind = Kind::kFile;
  std::string name;  // the path, variable or credential name
  SourceLocation where;
};

enum class ReceiverKind { kWebhook, kSlack, kDiscord, kTeams, kEmail, kFile, kConsole };

// "webhook", "slack", "discord", "teams", "email", "file", "console".
const char* ReceiverKindName(ReceiverKind kind);

// kind = "email": SMTP delivery (issue 6).
struct EmailConfig {
  // smtp://host[:port] (STARTTLS) or smtps://host[:port] (implicit TLS); in
  // ReceiverConfig::url.
  std::string from;
  std::vector<std::string> to;
  bool require_starttls = true;  // refuse to send in clear text over smtp://
  std::string username;          // "" : no AUTH
  std::optional<SecretRef> password;
};

// When and how often a receiver sends (issue 6).
struct DeliveryTiming {
  // Collect alerts this long before the first message of a group.  0 (the
  // default): send each alert at once.
  Duration group_wait{0};
  // Then at most one message per group this often.  Default 5m.
  Duration group_interval{std::chrono::minutes(5)};
  // One digest a day at this local time (minutes after midnight), instead of
  // grouping.  nullopt (the default): no digest.
  std::optional<int> digest_at;
  // The zone of digest_at and quiet hours.  Default "UTC".
  std::string timezone = "UTC";
  // At most rate.count messages in any window of rate.per.  count 0: no limit.
  Rate rate_limit;
  // Alerts wait (they are not dropped) from quiet_from to quiet_to, local
  // minutes after midnight, wrapping past midnight when from > to.
  std::optional<std::pair<int, int>> quiet_hours;
  bool critical_ignores_quiet_hours = true;
};

// Largest `concurrency` a receiver may ask for: more parallel sends to one
// endpoint look like a flood to it (and the delivery client's per-host
// connection limit is raised to the largest configured value).
inline constexpr int kMaxReceiverConcurrency = 64;

// [[receiver]]
struct ReceiverConfig {
  std::string id;
  ReceiverKind kind = ReceiverKind::kWebhook;
  bool enabled = true;
  // Where to send: https:// for webhook, slack, discord, teams; smtp:// or
  // smtps:// for email.  Empty when given by reference (url_ref).
  std::string url;
  // The URL by reference, for URLs that carry a token (Slack, Discord, Teams
  // incoming webhooks).
  std::optional<SecretRef> url_ref;
  std::string path;  // kind file: where JSON lines are appended (resolved)
  Headers headers;
  // Signing secrets (webhook: Standard Webhooks; several for rotation).
  std::vector<SecretRef> secrets;
  EmailConfig email;
  DeliveryTiming timing;
  Duration timeout{std::chrono::seconds(30)};  // per delivery attempt
  int max_attempts = 12;                       // then dead letter
  Duration max_age{std::chrono::hours(48)};    // or after this long, whichever first
  // Retries back off from retry_base, doubling up to retry_cap; after 5
  // failures in a row the circuit opens for circuit_open_for, doubling up to
  // circuit_max_open_for (docs/delivery.md).  Whole seconds, at least 1 s.
  Duration retry_base{std::chrono::seconds(30)};
  Duration retry_cap{std::chrono::hours(1)};
  Duration circuit_open_for{std::chrono::minutes(1)};
  Duration circuit_max_open_for{std::chrono::minutes(30)};
  // Sends in flight at once to this receiver, 1 to kMaxReceiverConcurrency
  // (default 4).
  int concurrency = 4;
  // Template override files (resolved paths; "" : built-in).
  std::string subject_template;
  std::string text_template;
  std::string html_template;
  std::string body_template;
  SourceLocation where;
};

// [[route]]: Alertmanager-like.  Routes are tried in order; an alert goes to
// the receivers of the first route that matches, and of later matching routes
// while each matching route says `continue`.  Each given list is "any of"; the
// lists are ANDed; a route with none matches every alert.  A rule's own
// `receivers` always get its alerts too.
struct RouteConfig {
  std::vector<std::string> severities;  // "info", "warning", "critical"
  std::vector<std::string> labels;
  std::vector<std::string> rule_ids;
  std::vector<SourceLocation> rule_id_where;  // one per rule_ids entry, for messages
  std::vector<std::string> receivers;         // at least one
  bool continue_matching = false;             // `continue`
  SourceLocation where;
};

// A file the config names (rules, vocabulary), with where it was named.
struct ConfigFile {
  std::string path;      // absolute
  std::string relative;  // as messages name it: relative to the working directory
  SourceLocation where;
};

struct Config {
  std::string path;  // the main file, as given
  DaemonConfig daemon;
  std::vector<FeedConfig> feeds;
  std::vector<HostConfig> hosts;
  std::vector<ConfigFile> rule_files;
  std::vector<ConfigFile> vocabulary_files;
  std::vector<ReceiverConfig> receivers;
  std::vector<RouteConfig> routes;
  std::vector<std::string> included_files;  // every file read, main file first

  // Lookups by id; nullptr when absent.
  const FeedConfig* FindFeed(std::string_view id) const;
  const ReceiverConfig* FindReceiver(std::string_view id) const;
};

// Everything a load found.  `config` is meaningful only when ok().
struct ConfigResult {
  Config config;
  std::vector<std::string> errors;    // in the order found (file by file, top to bottom)
  std::vector<std::string> warnings;  // same format; nothing that stops a load
  bool ok() const { return errors.empty(); }
  // OK, or InvalidArgument holding every error joined by '\n'.
  Status status() const;
};

struct LoadOptions {
  // Largest file the loader reads (config, includes, mapping files).  Default 4 MiB.
  size_t max_file_bytes = 4 * 1024 * 1024;
  // Deepest include chain.  Default 16.
  int max_include_depth = 16;
  // Check that secret files are readable (an error when not) and that secret
  // environment variables are set (a warning when not, since `check` may run
  // outside the service's environment).  Credentials are checked only when
  // $CREDENTIALS_DIRECTORY is set.  Default true.
  bool check_secrets = true;
};

// Reads the config file at `path` and everything it includes through `env`,
// validates all of it and resolves relative paths (against the directory of
// `path`, made absolute).  Never throws.
ConfigResult LoadConfig(const std::string& path, const Environment& env,
                        const LoadOptions& options = {});

// The same for a main file whose text is given; `file_name` names it in
// messages and its directory anchors relative paths.  Includes, mapping files
// and secret checks still go through `env`.
ConfigResult ParseConfig(std::string_view text, std::string_view file_name, const Environment& env,
                         const LoadOptions& options = {});

}  // namespace mineral::config
