#include "daemon/feeds_command.h"

#include <boost/asio/io_context.hpp>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "daemon/cli.h"
#include "daemon/command_args.h"
#include "daemon/pipeline.h"
#include "daemon/scheduler.h"
#include "model/json_out.h"
#include "net/curl_http_client.h"
#include "storage/database.h"

namespace mineral::daemon {

const char kPollOnceHelp[] =
    "usage: mineral-alertd poll-once --config FILE [--json]\n"
    "\n"
    "Polls every enabled feed of the config once, now, and exits: the same\n"
    "polling as `run` (conditional GET, the config's concurrency and per-host\n"
    "limits), recording new items, rule matches and queued alerts in the\n"
    "database under [daemon] state_dir.  Nothing is delivered.  A feed's first\n"
    "recorded poll is its baseline: its backlog is stored, not alerted, unless\n"
    "the feed sets alert_backlog = true.\n"
    "\n"
    "Prints one line per feed as it finishes (`--json`: one JSON object per\n"
    "line) and a summary.  Feeds that failed are listed with the reason and\n"
    "shown unhealthy by `mineral-alertd feeds`.\n"
    "\n"
    "exit status: 0 the cycle ran (even if some feeds failed), 1 the database\n"
    "could not be opened or written, 2 usage or configuration error\n";

const char kFeedsHelp[] =
    "usage: mineral-alertd feeds --config FILE [--json]\n"
    "\n"
    "Lists every configured feed's health from the database: ok, failing,\n"
    "gone (the server answered 410) or new (never polled); the last success,\n"
    "consecutive failures, when the next poll is due, average latency and the\n"
    "last error with its HTTP status.  Reads only (safe while the daemon\n"
    "runs); polls nothing.\n"
    "\n"
    "exit status: 0 listed, 1 the database could not be read, 2 usage or\n"
    "configuration error\n";

namespace {

struct Options {
  std::string config;
  bool json = false;
};

// Parses `--config FILE [--json]`; prints usage and returns false on error.
bool ParseOptions(const std::vector<std::string>& args, const char* help, Options& options,
                  std::ostream& out, std::ostream& err, int& exit_code) {
  CommandArgs parsed;
  if (auto code = ParseCommandArgs(args, {help, {"--json"}, {}, 0}, parsed, out, err)) {
    exit_code = *code;
    return false;
  }
  options.config = parsed.config;
  options.json = parsed.Has("--json");
  return true;
}

std::string Time(const std::optional<UtcTime>& t) { return t ? FormatRfc3339(*t) : "-"; }

const char* Health(const FeedState& s) {
  if (s.polls == 0) return "new";
  if (s.gone) return "gone";
  return s.consecutive_failures == 0 ? "ok" : "failing";
}

void StateJson(JsonOut& out, const FeedState& s) {
  out.Str("feed", s.feed_id);
  out.Str("url", net::RedactUrl(s.url));
  out.Str("health", Health(s));
  out.Time("last_success", s.last_success);
  out.Time("last_attempt", s.last_attempt);
  out.Time("next_poll_at", s.next_poll_at);
  out.Int("last_status", s.last_status);
  out.Str("last_error", s.last_error);
  out.Int("consecutive_failures", s.consecutive_failures);
  out.Int("polls", s.polls);
  out.Int("avg_latency_ms", s.avg_latency_ms);
  out.Int("interval_seconds", s.interval_seconds);
  out.Str("etag", s.etag);
  out.Str("last_modified", s.last_modified);
}

}  // namespace

int RunPollOnceCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Options options;
  int code = kExitOk;
  if (!ParseOptions(args, kPollOnceHelp, options, out, err, code)) return code;
  Pipeline pipeline;
  if (!LoadPipelineOrReport(options.config, pipeline, err)) return kExitUsage;

  auto store = OpenStore(pipeline.config, false);
  if (!store.ok()) {
    err << "mineral-alertd: " << store.status().message() << "\n";
    return kExitFailure;
  }
  std::vector<FeedSpec> specs;
  for (const FeedSettings& feed : pipeline.feeds) specs.push_back(feed.spec);
  Status synced = (*store)->SyncFeeds(specs);
  if (!synced.ok()) {
    err << "mineral-alertd: " << synced.message() << "\n";
    return kExitFailure;
  }
  auto states = (*store)->LoadFeedStates();
  if (!states.ok()) {
    err << "mineral-alertd: " << states.status().message() << "\n";
    return kExitFailure;
  }

  boost::asio::io_context io;
  net::CurlHttpClient http(io, PollClientOptions(pipeline));
  StoreSink sink(**store, MakeMatcher(pipeline.engine, pipeline.config.routes));
  SchedulerOptions scheduler_options;
  scheduler_options.limits = pipeline.limits;
  Scheduler scheduler(io, http, sink, scheduler_options);
  scheduler.SetFeeds(pipeline.feeds, *states);

  int ok = 0;
  int failed = 0;
  int store_errors = 0;
  int new_items = 0;
  int alerts = 0;
  scheduler.OnPolled([&](const PollReport& r) {
    const FeedState& s = r.state;
    storage::RecordCounts counts = sink.LastCounts(s.feed_id);
    const bool healthy = s.consecutive_failures == 0;
    if (healthy) {
      ++ok;
      if (r.items > 0) {
        new_items += counts.new_items;
        alerts += counts.alerts;
      }
    } else {
      ++failed;
    }
    if (!r.record.ok()) ++store_errors;
    if (options.json) {
      JsonOut json;
      json.w().StartObject();
      StateJson(json, s);
      json.Int("items", static_cast<int64_t>(r.items));
      json.Int("new_items", healthy && r.items > 0 ? counts.new_items : 0);
      json.Int("alerts", healthy && r.items > 0 ? counts.alerts : 0);
      json.Bool("baseline", healthy && r.items > 0 && counts.baseline);
      json.Str("warning", r.warning);
      json.w().EndObject();
      out << json.Take() << "\n";
    } else {
      out << "feed=" << s.feed_id << " status=" << s.last_status;
      if (healthy) {
        out << " items=" << r.items;
        if (r.items > 0) {
          out << " new=" << counts.new_items << " alerts=" << counts.alerts;
          if (counts.baseline) out << " baseline=yes";
        }
      } else {
        out << " failures=" << s.consecutive_failures << " error=\"" << s.last_error << "\"";
      }
      if (!r.warning.empty()) out << " warning=\"" << r.warning << "\"";
      out << " ms=" << r.elapsed.count() << " next=" << Time(s.next_poll_at) << "\n";
    }
  });
  scheduler.PollOnce([] {});
  io.run();

  if (!options.json) {
    out << "polled " << (ok + failed) << " feeds: " << ok << " ok, " << failed << " failed; "
        << new_items << " new items, " << alerts << " alerts queued\n";
  }
  if (store_errors > 0) {
    err << "mineral-alertd: the database refused " << store_errors << " of " << (ok + failed)
        << " records (see the feed errors above)\n";
    return kExitFailure;
  }
  return kExitOk;
}

int RunFeedsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Options options;
  int code = kExitOk;
  if (!ParseOptions(args, kFeedsHelp, options, out, err, code)) return code;
  Pipeline pipeline;
  if (!LoadPipelineOrReport(options.config, pipeline, err)) return kExitUsage;
  // Read-only: safe beside a running daemon (a read-write open would put
  // its in-flight deliveries back to pending).  No database yet: every
  // feed is new.
  std::vector<FeedState> stored;
  auto store = OpenStore(pipeline.config, /*read_only=*/true);
  if (store.ok()) {
    auto loaded = (*store)->LoadFeedStates();
    if (!loaded.ok()) {
      err << "mineral-alertd: " << loaded.status().message() << "\n";
      return kExitFailure;
    }
    stored = std::move(loaded).value();
  } else if (store.status().code() != Status::Code::kNotFound) {
    err << "mineral-alertd: " << store.status().message() << "\n";
    return kExitFailure;
  }
  // Configured feeds, in config order; a feed never polled has no row yet.
  std::vector<FeedState> states;
  for (const FeedSettings& feed : pipeline.feeds) {
    FeedState state;
    state.feed_id = feed.spec.id;
    state.url = feed.spec.url;
    for (const FeedState& s : stored) {
      if (s.feed_id == feed.spec.id) state = s;
    }
    states.push_back(std::move(state));
  }

  if (options.json) {
    JsonOut json;
    json.w().StartArray();
    for (const FeedState& s : states) {
      json.w().StartObject();
      StateJson(json, s);
      json.w().EndObject();
    }
    json.w().EndArray();
    out << json.Take() << "\n";
    return kExitOk;
  }
  size_t id_width = 4;
  for (const FeedState& s : states) id_width = std::max(id_width, s.feed_id.size());
  out << std::left << std::setw(static_cast<int>(id_width)) << "FEED"
      << "  HEALTH   LAST SUCCESS          FAILS  NEXT POLL             LATENCY  LAST ERROR\n";
  for (const FeedState& s : states) {
    std::string error = s.last_error;
    if (!error.empty() && s.last_status != 0 && error.find("HTTP") == std::string::npos)
      error += " (HTTP " + std::to_string(s.last_status) + ")";
    out << std::left << std::setw(static_cast<int>(id_width)) << s.feed_id << "  " << std::setw(7)
        << Health(s) << "  " << std::setw(20) << Time(s.last_success) << "  " << std::setw(5)
        << s.consecutive_failures << "  " << std::setw(20) << Time(s.next_poll_at) << "  "
        << std::setw(7) << (std::to_string(s.avg_latency_ms) + "ms") << "  "
        << (error.empty() ? "-" : error) << "\n";
  }
  return kExitOk;
}

}  // namespace mineral::daemon
