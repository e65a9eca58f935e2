#include "daemon/run_command.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <ostream>

#include "daemon/alert_feed.h"
#include "daemon/cli.h"
#include "daemon/delivery_loop.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/pipeline.h"
#include "daemon/receivers.h"
#include "daemon/scheduler.h"
#include "daemon/secrets.h"
#include "daemon/status_server.h"
#include "net/curl_http_client.h"
#include "storage/database.h"
#include "systemd/notifier.h"

namespace mineral::daemon {

const char kRunHelp[] =
    "usage: mineral-alertd run --config FILE [--once] [--log-format text|json]\n"
    "\n"
    "Runs the daemon in the foreground: polls every enabled feed when it is\n"
    "due, records new items, matches the rules and queues alerts in the\n"
    "database under [daemon] state_dir, all in one transaction per fetched\n"
    "feed.  A feed's first poll is its baseline (stored, not alerted) unless\n"
    "it sets alert_backlog = true.\n"
    "\n"
    "Logs go to stderr, one line per event: key=value with a syslog priority\n"
    "prefix (<3> error, <4> warning, <6> info, <7> debug) that journald keeps\n"
    "as the level, or JSON with --log-format json.\n"
    "\n"
    "With [daemon] status_listen set (default 127.0.0.1:9187) it serves\n"
    "/metrics (Prometheus), /healthz, /readyz, /alerts.json (JSON Feed) and\n"
    "/alerts.atom.\n"
    "\n"
    "Under systemd (Type=notify): READY=1 once the database is migrated and\n"
    "the rules compiled, STATUS= with counts, WATCHDOG=1 while the loop runs\n"
    "and the database answers, STOPPING=1 on shutdown.\n"
    "\n"
    "--once polls every feed once, now, then stops as on SIGTERM and exits 0\n"
    "(for cron, and for the demo).\n"
    "\n"
    "signals: SIGHUP reloads the config and rules; a bad file is reported and\n"
    "the running config stays.  SIGTERM or SIGINT stops polling, cancels\n"
    "polls in flight (their feeds are polled again at the next start), lets\n"
    "deliveries in flight finish for up to [daemon] drain_timeout (those\n"
    "still running then stay queued and go first at the next start) and\n"
    "exits 0.\n"
    "\n"
    "exit status: 0 stopped by a signal, 1 the database could not be opened,\n"
    "2 usage or configuration error\n";

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

UtcTime WallNow() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

class Daemon {
 public:
  Daemon(asio::io_context& io, Logger& log, std::string config_path)
      : io_(io),
        log_(log),
        config_path_(std::move(config_path)),
        signals_(io, SIGINT, SIGTERM, SIGHUP),
        watchdog_(io),
        status_timer_(io),
        prune_timer_(io) {
    DeclareMetrics();
  }

  // Loads everything and starts polling; the exit code on failure.
  int Start() {
    config::RealEnvironment env;
    Result<Pipeline> pipeline = LoadPipeline(config_path_, env);
    if (!pipeline.ok()) {
      log_.Error("config invalid",
                 {{"config", config_path_}, {"error", pipeline.status().message()}});
      return kExitUsage;
    }
    pipeline_ = std::move(pipeline).value();
    ApplyLogSettings();
    for (const std::string& w : pipeline_.warnings) log_.Warn("config warning", {{"detail", w}});

    std::error_code fs_error;
    std::filesystem::create_directories(pipeline_.config.daemon.state_dir, fs_error);
    // SQLite says only "unable to open database file" when it cannot write
    // (a read-only mount, a wrong owner): name the cause.
    for (const std::string& path :
         {pipeline_.config.daemon.state_dir, pipeline_.config.daemon.database}) {
      if (::access(path.c_str(), F_OK) == 0 && ::access(path.c_str(), W_OK) != 0) {
        log_.Error("state not writable", {{"path", path}, {"error", std::strerror(errno)}});
        return kExitFailure;
      }
    }
    auto store = storage::Database::Open(pipeline_.config.daemon.database, DaemonDatabaseOptions());
    if (!store.ok()) {
      log_.Error("database unavailable",
                 {{"path", pipeline_.config.daemon.database}, {"error", store.status().message()}});
      return kExitFailure;
    }
    store_ = std::move(store).value();
    Status synced = store_->SyncFeeds(Specs());
    auto states = store_->LoadFeedStates();
    if (!synced.ok() || !states.ok()) {
      log_.Error("database unavailable",
                 {{"error", !synced.ok() ? synced.message() : states.status().message()}});
      return kExitFailure;
    }

    http_ = std::make_unique<net::CurlHttpClient>(io_, PollClientOptions(pipeline_));
    sink_ = std::make_unique<StoreSink>(*store_, CountingMatcher());
    SchedulerOptions options;
    options.limits = pipeline_.limits;
    scheduler_ = std::make_unique<Scheduler>(io_, *http_, *sink_, options);
    scheduler_->OnPolled([this](const PollReport& r) { OnPolled(r); });
    HandFeedsToScheduler(*states);

    // Deliveries have their own client: stopping the scheduler cancels
    // polls, never a send in flight.
    net::ClientOptions delivery_client;
    delivery_client.user_agent = pipeline_.config.daemon.user_agent;
    // Each receiver's `concurrency` bounds its sends; receivers often share
    // a host (Slack, Teams), so curl's per-host cap only backs that up: the
    // largest concurrency a receiver may ask for, a reload included.
    delivery_client.max_host_connections = config::kMaxReceiverConcurrency;
    delivery_client.max_total_connections = 4 * config::kMaxReceiverConcurrency;
    delivery_http_ = std::make_unique<net::CurlHttpClient>(io_, delivery_client);
    delivery_ = std::make_unique<DeliveryLoop>(io_, *store_);
    delivery_->OnAttempt([this](const DeliveryEvent& e) { OnDelivery(e); });
    delivery_->OnReceiverDisabled([this](const ReceiverState& r) {
      log_.Error("receiver disabled", {{"receiver", r.id}, {"reason", r.disabled_reason}});
    });
    delivery_->OnStoreError([this](const Status& s) {
      log_.Error("delivery not recorded", {{"error", s.message()}});
      StoreFailed(s.message());
    });
    delivery_->OnClockJump([this](std::chrono::seconds by) {
      log_.Warn("wall clock jumped: pending waits moved with it",
                {{"seconds", static_cast<long long>(by.count())}});
    });
    SetReceivers();

    if (!StartStatusServer()) return kExitUsage;
    WarnInsecureFeeds();
    if (once_) {
      // One cycle, then everything due is delivered once, then stop.
      scheduler_->PollOnce([this] { delivery_->DeliverDue([this] { Shutdown("cycle done"); }); });
    } else {
      scheduler_->Run();
      delivery_->Start();
    }
    WaitForSignal();
    if (notifier_.WatchdogInterval()) PingWatchdog();
    UpdateStatus();
    Prune();
    ready_ = true;
    notifier_.Ready();
    log_.Info("started", {{"config", config_path_},
                          {"feeds", static_cast<long long>(scheduler_->feeds().size())},
                          {"rules", static_cast<long long>(pipeline_.engine->rules().rules.size())},
                          {"database", pipeline_.config.daemon.database},
                          {"status", status_ ? StatusAddress() : std::string("off")}});
    return kExitOk;
  }

 private:
  // Builds the configured receivers (secrets read now, never logged) and
  // gives them to the delivery loop.  A receiver that does not build is
  // left out and reported; its alerts wait in the outbox.
  void SetReceivers() {
    config::RealEnvironment env;
    SecretReader secrets(env);
    ReceiverDeps deps{*delivery_http_, *delivery_http_, std::cout, secrets, &pipeline_.templates};
    BuiltReceivers built = BuildReceivers(pipeline_.config, deps);
    for (const std::string& e : built.errors) log_.Error("receiver unavailable", {{"error", e}});
    delivery_->SetReceivers(std::move(built.receivers));
  }

  // A store verb failed (a full disk, a read-only file): counted, and shown
  // in STATUS until a write succeeds again.
  void StoreFailed(const std::string& error) {
    metrics_.Add("mineral_store_errors_total", {});
    const bool first = store_error_.empty();
    store_error_ = error;
    if (first) UpdateStatus(/*rearm=*/false);
  }
  void StoreWrote() {
    if (store_error_.empty()) return;
    store_error_.clear();
    log_.Info("database writes again");
    UpdateStatus(/*rearm=*/false);
  }

  void OnDelivery(const DeliveryEvent& e) {
    if (e.store.ok()) StoreWrote();
    const char* verdict = VerdictName(e.decision.verdict);
    metrics_.Add("mineral_deliveries_total", {{"receiver", e.receiver}, {"result", verdict}});
    metrics_.Observe("mineral_delivery_duration_seconds", {{"receiver", e.receiver}},
                     static_cast<double>(e.result.latency.count()) / 1000.0);
    std::vector<LogField> fields = {{"receiver", e.receiver},
                                    {"alert", static_cast<long long>(e.alert_id)},
                                    {"attempt", e.attempt},
                                    {"status", e.result.status},
                                    {"ms", static_cast<long long>(e.result.latency.count())}};
    if (e.decision.verdict == Verdict::kDelivered) {
      log_.Info("delivered", fields);
      return;
    }
    fields.push_back({"error", e.decision.error});
    if (e.decision.verdict == Verdict::kRetry) {
      fields.push_back({"next", FormatRfc3339(e.decision.next_attempt)});
      log_.Warn("delivery failed", fields);
    } else {
      log_.Error("dead letter", fields);
    }
  }

  // The scheduler keeps the one copy of the feed list (10,000 feeds' settings
  // are megabytes): the pipeline's and the config's are dropped.
  void HandFeedsToScheduler(const std::vector<FeedState>& states) {
    scheduler_->SetFeeds(std::move(pipeline_.feeds), states);
    pipeline_.feeds = {};
    pipeline_.config.feeds = {};
  }

  std::vector<FeedSpec> Specs() const {
    std::vector<FeedSpec> specs;
    for (const FeedSettings& f : pipeline_.feeds) specs.push_back(f.spec);
    return specs;
  }

  void ApplyLogSettings() {
    log_.SetLevel(pipeline_.config.daemon.log_level);
    if (!log_format_forced_) log_.SetFormat(pipeline_.config.daemon.log_format);
  }

 public:
  void SetOnce() { once_ = true; }

  void ForceLogFormat(LogFormat format) {
    log_format_forced_ = true;
    log_.SetFormat(format);
  }

 private:
  void WarnInsecureFeeds() {
    for (const FeedSettings& f : scheduler_->feeds()) {
      if (!f.verify_tls)
        log_.Warn("TLS verification off",
                  {{"feed", f.spec.id}, {"url", net::RedactUrl(f.spec.url)}});
    }
  }

  // The rules, counting matches per rule for /metrics.
  storage::Matcher CountingMatcher() {
    storage::Matcher inner = MakeMatcher(pipeline_.engine, pipeline_.config.routes);
    return [this, inner](const Item& item) {
      std::vector<AlertCandidate> out = inner(item);
      for (const AlertCandidate& c : out)
        metrics_.Add("mineral_matches_total", {{"rule", c.rule_id}});
      return out;
    };
  }

  void DeclareMetrics() {
    using T = Metrics::Type;
    metrics_.Declare("mineral_polls_total", "Feed polls by result (ok, not_modified, error).",
                     T::kCounter);
    metrics_.Declare("mineral_poll_errors_total",
                     "Failed polls by kind (connect, timeout, tls, http, parse, store, ...).",
                     T::kCounter);
    metrics_.Declare("mineral_poll_duration_seconds", "Time from request to last byte.",
                     T::kHistogram, {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
    metrics_.Declare("mineral_items_new_total", "Items seen for the first time.", T::kCounter);
    metrics_.Declare("mineral_items_amended_total", "Known items whose content changed.",
                     T::kCounter);
    metrics_.Declare("mineral_matches_total", "Rule matches on new or amended items, by rule.",
                     T::kCounter);
    metrics_.Declare("mineral_alerts_total", "Alerts raised (queued for delivery).", T::kCounter);
    metrics_.Declare("mineral_alerts_clustered_total",
                     "Items that joined an existing alert as another source.", T::kCounter);
    metrics_.Declare("mineral_outbox_queued_total", "Deliveries queued (alert x receiver).",
                     T::kCounter);
    metrics_.Declare("mineral_feeds", "Configured feeds by health (ok, failing, gone, new).",
                     T::kGauge);
    metrics_.Declare("mineral_config_reloads_total", "SIGHUP reloads by result.", T::kCounter);
    metrics_.Declare("mineral_deliveries_total",
                     "Delivery attempts by receiver and result (delivered, retry, dead).",
                     T::kCounter);
    metrics_.Declare("mineral_delivery_duration_seconds", "Time of one delivery attempt.",
                     T::kHistogram, {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
    metrics_.Declare("mineral_polls_in_flight", "Polls running now.", T::kGauge);
    metrics_.Declare("mineral_poll_limit",
                     "Polls allowed at once: max_concurrency, or fewer while the loop runs late.",
                     T::kGauge);
    metrics_.Declare("mineral_loop_lag_seconds",
                     "How late the event loop ran a timer at the last sample (every 100 ms).",
                     T::kGauge);
    metrics_.Declare("mineral_store_errors_total",
                     "Database verbs that failed (full disk, read-only file, I/O error).",
                     T::kCounter);
    metrics_.Add("mineral_store_errors_total", {}, 0);  // shown from the start
    metrics_.Declare("mineral_store_checkpoints_total",
                     "WAL checkpoints done by the storage's checkpoint thread.", T::kCounter);
    metrics_.Declare("mineral_store_checkpoint_failures_total",
                     "Checkpoints of that thread that failed (the writer then checkpoints "
                     "itself once the log holds twice the checkpoint size).",
                     T::kCounter);
  }

  void OnPolled(const PollReport& r) {
    const FeedState& s = r.state;
    if (r.record.ok()) {
      StoreWrote();
    } else {
      StoreFailed(r.record.message());
    }
    metrics_.Observe("mineral_poll_duration_seconds", {},
                     static_cast<double>(r.elapsed.count()) / 1000.0);
    if (s.consecutive_failures != 0) {
      metrics_.Add("mineral_polls_total", {{"result", "error"}});
      metrics_.Add("mineral_poll_errors_total", {{"kind", r.error_kind}});
      log_.Warn("poll failed", {{"feed", s.feed_id},
                                {"url", net::RedactUrl(s.url)},
                                {"status", s.last_status},
                                {"failures", s.consecutive_failures},
                                {"error", s.last_error},
                                {"next", s.next_poll_at ? FormatRfc3339(*s.next_poll_at) : ""}});
      return;
    }
    metrics_.Add("mineral_polls_total", {{"result", s.last_status == 304 ? "not_modified" : "ok"}});
    if (r.items == 0) {
      log_.Debug("polled", {{"feed", s.feed_id}, {"status", s.last_status}});
      return;
    }
    const storage::RecordCounts c = sink_->LastCounts(s.feed_id);
    metrics_.Add("mineral_items_new_total", {}, c.new_items);
    metrics_.Add("mineral_items_amended_total", {}, c.amended_items);
    metrics_.Add("mineral_alerts_total", {}, c.alerts);
    metrics_.Add("mineral_alerts_clustered_total", {}, c.clustered);
    metrics_.Add("mineral_outbox_queued_total", {}, c.outbox_rows);
    alerts_since_start_ += c.alerts;
    if (c.outbox_rows > 0 && delivery_ && !once_) delivery_->Wake();
    const bool news = c.new_items > 0 || c.amended_items > 0;
    log_.Log(news ? LogLevel::kInfo : LogLevel::kDebug, "polled",
             {{"feed", s.feed_id},
              {"status", s.last_status},
              {"items", static_cast<long long>(r.items)},
              {"new", c.new_items},
              {"amended", c.amended_items},
              {"alerts", c.alerts},
              {"clustered", c.clustered},
              {"baseline", c.baseline ? "yes" : "no"}});
    if (!r.warning.empty())
      log_.Debug("feed ill-formed", {{"feed", s.feed_id}, {"detail", r.warning}});
  }

  bool StartStatusServer() {
    auto server = OpenStatusServer(pipeline_.config.daemon.status_listen);
    if (!server.ok()) return false;
    status_ = std::move(server).value();
    return true;
  }

  // The status server on `address`; null when `address` is "" (off).
  Result<std::unique_ptr<StatusServer>> OpenStatusServer(const std::string& address) {
    if (address.empty()) return std::unique_ptr<StatusServer>();
    auto server = StatusServer::Start(io_, address,
                                      [this](std::string_view target) { return Serve(target); });
    if (!server.ok()) {
      log_.Error("status server", {{"address", address}, {"error", server.status().message()}});
    }
    return server;
  }

  std::string StatusAddress() const {
    std::string address = pipeline_.config.daemon.status_listen;
    return address.substr(0, address.rfind(':') + 1) + std::to_string(status_->port());
  }

  StatusReply Serve(std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/healthz") {
      // Answering at all proves the loop runs; the database must answer too.
      if (store_->SchemaVersion() < 0) return {503, "text/plain; charset=utf-8", "database\n"};
      return {200, "text/plain; charset=utf-8", "ok\n"};
    }
    if (path == "/readyz") {
      if (!ready_ || stopping_) return {503, "text/plain; charset=utf-8", "not ready\n"};
      return {200, "text/plain; charset=utf-8", "ready\n"};
    }
    if (path == "/metrics") {
      RefreshGauges();
      return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.RenderPrometheus()};
    }
    if (path == "/alerts.json" || path == "/alerts.atom") {
      const UtcTime now = WallNow();
      auto alerts = store_->ListAlerts(now - std::chrono::hours(24 * 7), "");
      if (!alerts.ok()) return {503, "text/plain; charset=utf-8", alerts.status().message() + "\n"};
      if (alerts->size() > 200) alerts->resize(200);
      const std::string self = "http://" + StatusAddress() + std::string(path);
      if (path == "/alerts.json")
        return {200, "application/feed+json; charset=utf-8", RenderAlertsJsonFeed(*alerts, self)};
      return {200, "application/atom+xml; charset=utf-8", RenderAlertsAtom(*alerts, self, now)};
    }
    return {404, "text/plain; charset=utf-8",
            "not found; try /metrics /healthz /readyz /alerts.json /alerts.atom\n"};
  }

  void RefreshGauges() {
    metrics_.ClearSeries("mineral_feeds");
    for (const char* h : {"ok", "failing", "gone", "new"})
      metrics_.Set("mineral_feeds", {{"health", h}}, 0);
    for (const FeedState& s : scheduler_->states()) {
      const char* health = s.polls == 0                  ? "new"
                           : s.gone                      ? "gone"
                           : s.consecutive_failures == 0 ? "ok"
                                                         : "failing";
      metrics_.Add("mineral_feeds", {{"health", health}});
    }
    metrics_.Set("mineral_polls_in_flight", {}, static_cast<double>(scheduler_->in_flight()));
    metrics_.Set("mineral_poll_limit", {}, static_cast<double>(scheduler_->poll_limit()));
    metrics_.Set("mineral_loop_lag_seconds", {},
                 static_cast<double>(scheduler_->loop_lag().count()) / 1000.0);
    const storage::CheckpointStats checkpoints = store_->CheckpointerStats();
    metrics_.Set("mineral_store_checkpoints_total", {},
                 static_cast<double>(checkpoints.checkpoints));
    metrics_.Set("mineral_store_checkpoint_failures_total", {},
                 static_cast<double>(checkpoints.failures));
  }

  void UpdateStatus(bool rearm = true) {
    size_t failing = 0;
    for (const FeedState& s : scheduler_->states()) failing += s.consecutive_failures != 0;
    std::string line = "polling " + std::to_string(scheduler_->states().size()) + " feeds (" +
                       std::to_string(failing) + " failing); " +
                       std::to_string(alerts_since_start_) + " alerts queued since start";
    if (!store_error_.empty()) line += "; database failing: " + store_error_;
    notifier_.Status(line);
    if (!rearm) return;
    status_timer_.expires_after(std::chrono::seconds(10));
    status_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && !stopping_) UpdateStatus();
    });
  }

  // Retention ([daemon] retention, issue 5): at start, then hourly, so the
  // database stays bounded under constant load.  A failure is logged and
  // retried at the next turn; it never stops polling.
  void Prune() {
    auto pruned = store_->Prune(WallNow(), RetentionOptions(pipeline_.config.daemon));
    if (!pruned.ok()) {
      log_.Error("prune failed", {{"error", pruned.status().message()}});
    } else if (pruned->items + pruned->alerts + pruned->tombstones_dropped > 0) {
      log_.Info("pruned",
                {{"items", static_cast<long long>(pruned->items)},
                 {"alerts", static_cast<long long>(pruned->alerts)},
                 {"tombstones_added", static_cast<long long>(pruned->tombstones_added)},
                 {"tombstones_dropped", static_cast<long long>(pruned->tombstones_dropped)}});
    }
    prune_timer_.expires_after(std::chrono::hours(1));
    prune_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && !stopping_) Prune();
    });
  }

  // WATCHDOG=1 only while this timer fires (the loop runs) and the
  // database answers; a wedged loop or store lets systemd restart us.
  void PingWatchdog() {
    if (store_->SchemaVersion() >= 0) {
      notifier_.Watchdog();
    } else {
      log_.Error("database does not answer: withholding the watchdog ping");
    }
    watchdog_.expires_after(*notifier_.WatchdogInterval() / 2);
    watchdog_.async_wait([this](boost::system::error_code ec) {
      if (!ec && !stopping_) PingWatchdog();
    });
  }

  void WaitForSignal() {
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        Reload();
        WaitForSignal();
      } else {
        Shutdown(signal == SIGTERM ? "TERM" : "INT");
      }
    });
  }

  void RefuseReload(const std::string& error) {
    metrics_.Add("mineral_config_reloads_total", {{"result", "error"}});
    log_.Error("reload refused: keeping the running config",
               {{"config", config_path_}, {"error", error}});
    notifier_.Ready();
  }

  void Reload() {
    notifier_.Reloading();
    config::RealEnvironment env;
    Result<Pipeline> next = LoadPipeline(config_path_, env);
    if (!next.ok()) return RefuseReload(next.status().message());
    // A new status address is bound before anything changes: if it cannot
    // be, the reload is refused and the old server keeps answering.
    const bool status_moved =
        next->config.daemon.status_listen != pipeline_.config.daemon.status_listen;
    std::unique_ptr<StatusServer> moved_status;
    if (status_moved) {
      auto opened = OpenStatusServer(next->config.daemon.status_listen);
      if (!opened.ok()) return RefuseReload(opened.status().message());
      moved_status = std::move(opened).value();
    }
    Pipeline old = std::move(pipeline_);
    pipeline_ = std::move(next).value();
    Status synced = store_->SyncFeeds(Specs());
    auto states = store_->LoadFeedStates();
    if (!synced.ok() || !states.ok()) {
      metrics_.Add("mineral_config_reloads_total", {{"result", "error"}});
      log_.Error("reload refused: database",
                 {{"error", !synced.ok() ? synced.message() : states.status().message()}});
      pipeline_ = std::move(old);
      if (moved_status) moved_status->Stop();
      notifier_.Ready();
      return;
    }
    ApplyLogSettings();
    for (const std::string& w : pipeline_.warnings) log_.Warn("config warning", {{"detail", w}});
    if (status_moved) {
      if (status_) status_->Stop();
      status_ = std::move(moved_status);
      log_.Info("status server moved", {{"status", status_ ? StatusAddress() : "off"}});
    }
    sink_->SetMatcher(CountingMatcher());
    scheduler_->SetLimits(pipeline_.limits);
    SetReceivers();
    HandFeedsToScheduler(*states);
    WarnInsecureFeeds();
    metrics_.Add("mineral_config_reloads_total", {{"result", "ok"}});
    log_.Info("reloaded",
              {{"feeds", static_cast<long long>(scheduler_->feeds().size())},
               {"rules", static_cast<long long>(pipeline_.engine->rules().rules.size())}});
    notifier_.Ready();
  }

  void Shutdown(const char* why) {
    if (stopping_) return;
    stopping_ = true;
    notifier_.Stopping();
    log_.Info("stopping",
              {{"reason", why}, {"in_flight", static_cast<long long>(scheduler_->in_flight())}});
    // Cancel and drain: no new polls, polls in flight end as cancelled and
    // leave their feeds' state as it was; sends in flight finish and are
    // recorded, or are abandoned at [daemon] drain_timeout and stay queued;
    // then the loop runs out of work.
    scheduler_->Stop();
    if (status_) status_->Stop();
    watchdog_.cancel();
    status_timer_.cancel();
    prune_timer_.cancel();
    signals_.cancel();
    // After the cancelled polls' callbacks (posted before this), close the
    // polling client: its cached keep-alive connections are the last work.
    asio::post(io_, [this] { http_.reset(); });
    delivery_->Stop(
        [this] {
          if (int abandoned = delivery_->abandoned(); abandoned > 0) {
            log_.Warn("deliveries abandoned at drain_timeout",
                      {{"in_flight", static_cast<long long>(abandoned)}});
          } else {
            log_.Info("deliveries drained");
          }
          asio::post(io_, [this] { delivery_http_.reset(); });
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(
            pipeline_.config.daemon.drain_timeout));
  }

  asio::io_context& io_;
  Logger& log_;
  std::string config_path_;
  bool log_format_forced_ = false;
  bool once_ = false;
  Pipeline pipeline_;
  std::unique_ptr<storage::Database> store_;
  std::unique_ptr<net::CurlHttpClient> http_;
  std::unique_ptr<StoreSink> sink_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<StatusServer> status_;
  std::unique_ptr<net::CurlHttpClient> delivery_http_;
  std::unique_ptr<DeliveryLoop> delivery_;
  systemd::Notifier notifier_;
  Metrics metrics_;
  asio::signal_set signals_;
  asio::steady_timer watchdog_;
  asio::steady_timer status_timer_;
  asio::steady_timer prune_timer_;
  bool ready_ = false;
  bool stopping_ = false;
  int64_t alerts_since_start_ = 0;
  std::string store_error_;  // the last store failure, until a write succeeds
};

}  // namespace

int RunDaemonCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string config_path;
  std::optional<LogFormat> format;
  bool once = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") {
      out << kRunHelp;
      return kExitOk;
    }
    if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (args[i] == "--once") {
      once = true;
    } else if (args[i] == "--log-format" && i + 1 < args.size()) {
      const std::string& f = args[++i];
      if (f == "text") {
        format = LogFormat::kText;
      } else if (f == "json") {
        format = LogFormat::kJson;
      } else {
        err << "mineral-alertd: --log-format must be text or json, not '" << f << "'\n";
        return kExitUsage;
      }
    } else {
      err << "mineral-alertd: unexpected argument '" << args[i] << "'\n" << kRunHelp;
      return kExitUsage;
    }
  }
  if (config_path.empty()) {
    err << "mineral-alertd: --config FILE is required\n" << kRunHelp;
    return kExitUsage;
  }
  // Signals are handled on the loop (signal_set); block nothing else.
  std::signal(SIGPIPE, SIG_IGN);
  Logger log(err, LogLevel::kInfo, format.value_or(LogFormat::kText));
  asio::io_context io;
  Daemon daemon(io, log, config_path);
  if (format) daemon.ForceLogFormat(*format);
  if (once) daemon.SetOnce();
  const int started = daemon.Start();
  if (started != kExitOk) return started;
  io.run();
  log.Info("stopped");
  return kExitOk;
}

}  // namespace mineral::daemon
