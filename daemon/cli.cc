#include "daemon/cli.h"

#include <chrono>
#include <ostream>

#include "allocator/allocator.h"
#include "config/environment.h"
#include "daemon/check_command.h"
#include "daemon/feeds_command.h"
#include "daemon/history_command.h"
#include "daemon/match_command.h"
#include "daemon/outbox_command.h"
#include "daemon/parse_command.h"
#include "daemon/run_command.h"
#include "daemon/tag_command.h"

namespace mineral::daemon {
namespace {

constexpr char kVersion[] = "0.1.0";

constexpr char kCheckHelp[] =
    "usage: mineral-alertd check --config FILE\n"
    "       mineral-alertd check --rules FILE\n"
    "\n"
    "--config: loads the configuration (docs/config.md) and every file it\n"
    "includes, parses and compiles the rule files it names, and checks feed\n"
    "URLs and mappings, receivers, routes, and that secret files exist (without\n"
    "reading them).  Reports every error as FILE:LINE:COL with the line and a\n"
    "caret, or prints `FILE: ok \xE2\x80\x94 N feeds, M rules, K receivers`.\n"
    "\n"
    "--rules: parses and compiles one rules file against the built-in\n"
    "vocabulary and reports its first error the same way, or `FILE: N rules ok`.\n"
    "\n"
    "Runs nothing and sends nothing.\n"
    "\n"
    "exit status: 0 valid, 2 invalid or usage error\n";

int RunCheck(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
             std::ostream& err) {
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    out << kCheckHelp;
    return kExitOk;
  }
  if (args.size() == 2 && args[0] == "--config") {
    return RunCheckConfig(args[1], config::RealEnvironment(), out, err);
  }
  if (args.size() != 2 || args[0] != "--rules") {
    err << kCheckHelp;
    return kExitUsage;
  }
  return RunCheckRules(args[1], in, out, err);
}

constexpr char kUsage[] =
    "usage: mineral-alertd <command> [options]\n"
    "\n"
    "Watches mineral-policy news feeds and alerts on what matters.\n"
    "\n"
    "commands:\n"
    "  parse     parse feed documents and print their items as JSON\n"
    "  tag       print the minerals, countries and clauses each item is about\n"
    "  match     print which rules of a rules file fire on each item\n"
    "  check     validate a config or rules file without running anything\n"
    "  run       run the daemon: poll, match, record, serve /metrics (see run --help)\n"
    "  poll-once poll every feed of a config once, record and match, then exit\n"
    "  feeds     list every feed's health from the database\n"
    "  alerts    list recent alerts with their sources and delivery states\n"
    "  history   show an item's or an alert's trail, fetched to delivered\n"
    "  backtest  run a rules file over stored items; report what would fire\n"
    "  outbox    list pending and dead deliveries; `outbox retry` requeues dead ones\n"
    "  test-receiver  send a sample alert to one receiver and report its answer\n"
    "  help      show this help, or `help COMMAND` for one command\n"
    "\n"
    "options:\n"
    "  -h, --help     show help (also after a command: `parse --help`)\n"
    "  --version      print the version\n"
    "\n"
    "exit status: 0 ok, 1 runtime failure, 2 usage or configuration error\n";

}  // namespace

int RunCli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
           std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return kExitUsage;
  }
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help") {
    out << kUsage;
    return kExitOk;
  }
  if (command == "--version") {
    out << "mineral-alertd " << kVersion << " (" << AllocatorName() << ")\n";
    return kExitOk;
  }
  if (command == "help") {
    if (rest.empty()) {
      out << kUsage;
    } else if (rest[0] == "parse") {
      out << kParseHelp;
    } else if (rest[0] == "tag") {
      out << kTagHelp;
    } else if (rest[0] == "match") {
      out << kMatchHelp;
    } else if (rest[0] == "check") {
      out << kCheckHelp;
    } else if (rest[0] == "run") {
      out << kRunHelp;
    } else if (rest[0] == "poll-once") {
      out << kPollOnceHelp;
    } else if (rest[0] == "feeds") {
      out << kFeedsHelp;
    } else if (rest[0] == "alerts") {
      out << kAlertsHelp;
    } else if (rest[0] == "history") {
      out << kHistoryHelp;
    } else if (rest[0] == "backtest") {
      out << kBacktestHelp;
    } else if (rest[0] == "outbox") {
      out << kOutboxHelp;
    } else if (rest[0] == "test-receiver") {
      out << kTestReceiverHelp;
    } else {
      err << "mineral-alertd: no such command: " << rest[0] << "\n";
      return kExitUsage;
    }
    return kExitOk;
  }
  if (command == "parse") return RunParseCommand(rest, in, out, err);
  if (command == "tag") return RunTagCommand(rest, in, out, err);
  if (command == "match") return RunMatchCommand(rest, in, out, err);
  if (command == "check") return RunCheck(rest, in, out, err);
  if (command == "run") return RunDaemonCommand(rest, out, err);
  if (command == "poll-once") return RunPollOnceCommand(rest, out, err);
  if (command == "feeds") return RunFeedsCommand(rest, out, err);
  const UtcTime now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (command == "alerts") return RunAlertsCommand(rest, now, out, err);
  if (command == "history") return RunHistoryCommand(rest, out, err);
  if (command == "backtest") return RunBacktestCommand(rest, now, out, err);
  if (command == "outbox") return RunOutboxCommand(rest, out, err);
  if (command == "test-receiver") return RunTestReceiverCommand(rest, out, err);
  err << "mineral-alertd: no such command: " << command << "\n"
      << "run `mineral-alertd --help` for the list\n";
  return kExitUsage;
}

}  // namespace mineral::daemon
