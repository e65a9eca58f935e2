// `mineral-alertd match` and `check --rules`: rule files against feeds.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace mineral::daemon {

extern const char kMatchHelp[];

// `mineral-alertd match --rules FILE [--explain] FEEDFILE...`: one JSON line
// per (item, rule) match: {"item", "rule", "severity", "explain"?}.  `args`
// are the arguments after "match".  Returns an ExitCode: 2 for usage errors
// and bad rule files (the message, with its caret, on `err`), 1 when a feed
// could not be read or parsed (the others are still matched), else 0.
int RunMatchCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err);

// `mineral-alertd check --rules FILE`: parses and compiles the rule file
// against the built-in vocabulary without matching anything.  Prints
// "FILE: N rules ok" on `out`, or the error on `err` and returns kExitUsage.
int RunCheckRules(const std::string& rules_path, std::istream& in, std::ostream& out,
                  std::ostream& err);

}  // namespace mineral::daemon
