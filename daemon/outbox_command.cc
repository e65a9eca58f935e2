#include "daemon/outbox_command.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>

#include "config/config.h"
#include "daemon/cli.h"
#include "daemon/command_args.h"
#include "daemon/receivers.h"
#include "model/json_out.h"
#include "net/curl_http_client.h"
#include "notify/sample.h"
#include "storage/database.h"

namespace mineral::daemon {

const char kOutboxHelp[] =
    "usage: mineral-alertd outbox --config FILE [--dead] [--json]\n"
    "       mineral-alertd outbox retry ID --config FILE\n"
    "       mineral-alertd outbox retry --all-dead --config FILE\n"
    "\n"
    "Lists the deliveries not yet done, from the database under [daemon]\n"
    "state_dir: one line per alert and receiver that is pending (with when it\n"
    "is next tried), in flight, or dead (a dead letter: it failed permanently,\n"
    "or max_attempts or max_age ran out), with its attempts and last error.\n"
    "--dead lists only dead letters; --json prints one JSON object per line.\n"
    "\n"
    "retry: puts a dead letter (or, with --all-dead, every one) back in the\n"
    "queue, due now, its attempts counted afresh.  A running daemon sends it\n"
    "within a second.\n"
    "\n"
    "exit status: 0 listed or requeued, 1 the database could not be read or\n"
    "the row is not a dead letter, 2 usage or configuration error\n";

const char kTestReceiverHelp[] =
    "usage: mineral-alertd test-receiver NAME --config FILE\n"
    "\n"
    "Sends a sample alert (marked as a test) to the configured receiver NAME,\n"
    "now, with its real secrets, headers and timeout, and reports what the far\n"
    "end answered: the HTTP status or SMTP reply, the latency, and the error.\n"
    "A 404, a refused login or a timeout is a failure, not a success.  Touches\n"
    "no database.\n"
    "\n"
    "exit status: 0 delivered, 1 the receiver did not accept it, 2 usage or\n"
    "configuration error (unknown receiver, unreadable secret)\n";

namespace {

struct Args {
  std::string config;
  std::vector<std::string> positional;
  bool dead = false;
  bool all_dead = false;
  bool json = false;
};

// Parses --config FILE, the given flags and positional words; prints usage
// and sets `code` when it returns false.
bool ParseArgs(const std::vector<std::string>& args, const char* help, Args& parsed,
               std::ostream& out, std::ostream& err, int& code) {
  CommandArgs got;
  const CommandSpec spec{help, {"--dead", "--all-dead", "--json"}, {}, SIZE_MAX};
  if (auto stop = ParseCommandArgs(args, spec, got, out, err)) {
    code = *stop;
    return false;
  }
  parsed.config = got.config;
  parsed.positional = got.positional;
  parsed.dead = got.Has("--dead");
  parsed.all_dead = got.Has("--all-dead");
  parsed.json = got.Has("--json");
  return true;
}

bool LoadConfigOrReport(const std::string& path, config::Config& loaded, std::ostream& err) {
  config::RealEnvironment env;
  config::ConfigResult result = config::LoadConfig(path, env);
  for (const std::string& w : result.warnings) err << w << "\n";
  if (!result.ok()) {
    for (const std::string& e : result.errors) err << e << "\n";
    return false;
  }
  loaded = std::move(result.config);
  return true;
}

// The database the config names, or nullptr with `code` set (2: the config
// is invalid, 1: the database would not open) and the reason printed.
std::unique_ptr<storage::Database> OpenFromConfig(const std::string& path, std::ostream& err,
                                                  int& code) {
  config::Config config;
  if (!LoadConfigOrReport(path, config, err)) {
    code = kExitUsage;
    return nullptr;
  }
  std::error_code ec;
  std::filesystem::create_directories(config.daemon.state_dir, ec);
  auto db = storage::Database::Open(config.daemon.database, {});
  if (!db.ok()) {
    err << "mineral-alertd: " << db.status().message() << "\n";
    code = kExitFailure;
    return nullptr;
  }
  return std::move(db).value();
}

std::string Time(const std::optional<UtcTime>& t) { return t ? FormatRfc3339(*t) : "-"; }

int ListOutbox(const Args& args, std::ostream& out, std::ostream& err) {
  int code = kExitOk;
  auto db = OpenFromConfig(args.config, err, code);
  if (db == nullptr) return code;
  auto alerts = db->ListAlerts(UtcTime{}, "");
  if (!alerts.ok()) {
    err << "mineral-alertd: " << alerts.status().message() << "\n";
    return kExitFailure;
  }
  int rows = 0;
  for (auto it = alerts->rbegin(); it != alerts->rend(); ++it) {  // oldest first
    const storage::AlertRecord& a = *it;
    for (const storage::OutboxStatus& d : a.deliveries) {
      if (d.state == OutboxState::kDelivered) continue;
      if (args.dead && d.state != OutboxState::kDead) continue;
      ++rows;
      std::string title = a.sources.empty() ? "" : a.sources.front().item.title;
      if (args.json) {
        JsonOut json;
        json.w().StartObject();
        json.Int("outbox_id", d.outbox_id);
        json.Str("receiver", d.receiver);
        json.Str("state", OutboxStateName(d.state));
        json.Int("attempts", d.attempts);
        json.Time("next_attempt_at", d.next_attempt_at);
        json.Str("last_error", d.last_error);
        json.Int("alert_id", a.id);
        json.Str("rule", a.rule_id);
        json.Str("severity", a.severity);
        json.Str("created_at", FormatRfc3339(a.created_at));
        json.Str("title", title);
        json.w().EndObject();
        out << json.Take() << "\n";
      } else {
        out << d.outbox_id << "  " << d.receiver << "  " << OutboxStateName(d.state)
            << "  attempts=" << d.attempts;
        if (d.state == OutboxState::kPending) out << "  next=" << Time(d.next_attempt_at);
        out << "  alert=" << a.id << " rule=" << a.rule_id << " severity=" << a.severity << "  "
            << title << "\n";
        if (!d.last_error.empty()) out << "    last error: " << d.last_error << "\n";
      }
    }
  }
  if (!args.json) {
    out << rows << (args.dead ? " dead letters" : " deliveries not done") << "\n";
  }
  return kExitOk;
}

int RetryOutbox(const Args& args, std::ostream& out, std::ostream& err) {
  std::optional<int64_t> id;
  if (args.positional.size() == 2 && !args.all_dead) {
    try {
      size_t used = 0;
      id = std::stoll(args.positional[1], &used);
      if (used != args.positional[1].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      err << "mineral-alertd: outbox retry: '" << args.positional[1] << "' is not a row id\n"
          << kOutboxHelp;
      return kExitUsage;
    }
  } else if (!(args.positional.size() == 1 && args.all_dead)) {
    err << "mineral-alertd: outbox retry takes one row ID or --all-dead\n" << kOutboxHelp;
    return kExitUsage;
  }
  int code = kExitOk;
  auto db = OpenFromConfig(args.config, err, code);
  if (db == nullptr) return code;
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto moved = db->RequeueDead(id, now);
  if (!moved.ok()) {
    err << "mineral-alertd: " << moved.status().message() << "\n";
    return kExitFailure;
  }
  out << *moved << (*moved == 1 ? " dead letter" : " dead letters") << " queued again\n";
  return kExitOk;
}

}  // namespace

int RunOutboxCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Args parsed;
  int code = kExitOk;
  if (!ParseArgs(args, kOutboxHelp, parsed, out, err, code)) return code;
  if (!parsed.positional.empty() && parsed.positional[0] == "retry") {
    return RetryOutbox(parsed, out, err);
  }
  if (!parsed.positional.empty() || parsed.all_dead) {
    err << "mineral-alertd: outbox: unexpected argument\n" << kOutboxHelp;
    return kExitUsage;
  }
  return ListOutbox(parsed, out, err);
}

int RunTestReceiverCommand(const std::vector<std::string>& args, std::ostream& out,
                           std::ostream& err) {
  Args parsed;
  int code = kExitOk;
  if (!ParseArgs(args, kTestReceiverHelp, parsed, out, err, code)) return code;
  if (parsed.positional.size() != 1 || parsed.dead || parsed.all_dead) {
    err << "mineral-alertd: test-receiver takes one receiver NAME\n" << kTestReceiverHelp;
    return kExitUsage;
  }
  const std::string& name = parsed.positional[0];
  config::Config config;
  if (!LoadConfigOrReport(parsed.config, config, err)) return kExitUsage;
  const config::ReceiverConfig* receiver_config = config.FindReceiver(name);
  if (receiver_config == nullptr) {
    err << "mineral-alertd: no receiver '" << name << "' in " << parsed.config << "\n";
    return kExitUsage;
  }
  boost::asio::io_context io;
  net::ClientOptions client_options;
  client_options.user_agent = config.daemon.user_agent;
  net::CurlHttpClient curl(io, client_options);
  config::RealEnvironment env;
  // The receiver's templates, as the daemon would render with them.
  LoadedTemplates templates = LoadReceiverTemplates(config, env);
  if (!templates.errors.empty()) {
    for (const std::string& e : templates.errors) err << e << "\n";
    return kExitUsage;
  }
  SecretReader secrets(env);
  ReceiverDeps deps{curl, curl, out, secrets, &templates.templates};
  auto receiver = BuildReceiver(*receiver_config, deps);
  if (!receiver.ok()) {
    err << "mineral-alertd: " << receiver.status().message() << "\n";
    return kExitUsage;
  }
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  notify::Alert alert = notify::SampleAlert(name);
  // A fresh key per test: a receiver that drops repeats must not drop this one.
  alert.idempotency_key = "test-" + name + "-" + std::to_string(now.time_since_epoch().count());
  alert.created_at = now;
  std::optional<notify::DeliveryResult> result;
  (*receiver)->Send(notify::SingleAlertMessage(name, alert),
                    [&](notify::DeliveryResult r) { result = std::move(r); });
  while (!result && io.run_one() > 0) {
  }
  if (!result) {
    err << "mineral-alertd: receiver '" << name << "': no answer\n";
    return kExitFailure;
  }
  // "(HTTP 404, 12 ms)", "(SMTP 250, 80 ms)", "(12 ms)" when no reply came.
  std::string answer = " (";
  if (result->status != 0) {
    answer += receiver_config->kind == config::ReceiverKind::kEmail ? "SMTP " : "HTTP ";
    answer += std::to_string(result->status) + ", ";
  }
  answer += std::to_string(result->latency.count()) + " ms)";
  if (result->ok) {
    out << "receiver '" << name << "': delivered" << answer << "\n";
    return kExitOk;
  }
  err << "receiver '" << name << "': failed" << answer << ": " << result->error
      << (result->permanent ? " (permanent: retrying would not help)" : " (would be retried)")
      << "\n";
  return kExitFailure;
}

}  // namespace mineral::daemon
