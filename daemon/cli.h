// The mineral-alertd command line: subcommands, --help, exit codes.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace mineral::daemon {

// Exit codes every subcommand keeps (documented in README and --help).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,  // runtime failure: unreadable input, unparseable feed, I/O
  kExitUsage = 2,    // usage or configuration error
};

// Runs `mineral-alertd ARGS...` (args excludes the program name) writing to
// the given streams; returns the process exit code.
int RunCli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
           std::ostream& err);

}  // namespace mineral::daemon
