// The command line of the subcommands that work on a configured daemon's
// state (feeds, poll-once, outbox, test-receiver, alerts, history,
// backtest): --config FILE, always required, plus the flags, valued
// options and positional words each one allows.  One parser, so they all
// answer --help, a missing value and a stray word the same way.
#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mineral::daemon {

struct CommandSpec {
  const char* help = "";         // printed for --help, and after a usage error
  std::set<std::string> flags;   // e.g. "--json", "--dead"
  std::set<std::string> valued;  // e.g. "--since", "--rule"
  size_t max_positional = 0;     // words that do not start with '-'
};

struct CommandArgs {
  std::string config;
  std::set<std::string> flags;
  std::map<std::string, std::string> values;
  std::vector<std::string> positional;

  bool Has(const std::string& flag) const { return flags.contains(flag); }
  // The option's value, "" when it was not given.
  std::string Value(const std::string& option) const {
    auto it = values.find(option);
    return it == values.end() ? "" : it->second;
  }
};

// Parses `args` (after the subcommand's name).  nullopt: go on with
// `parsed`.  Otherwise the exit code to return: kExitOk after --help
// (the help went to `out`), kExitUsage after an error (the message and the
// help went to `err`).
std::optional<int> ParseCommandArgs(const std::vector<std::string>& args, const CommandSpec& spec,
                                    CommandArgs& parsed, std::ostream& out, std::ostream& err);

}  // namespace mineral::daemon
