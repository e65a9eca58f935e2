// `mineral-alertd alerts`, `history` and `backtest`: what the database holds,
// read without changing it (the database is opened read-only, so they are
// safe beside a running daemon), and rules tried against stored history.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "model/time.h"

namespace mineral::daemon {

extern const char kAlertsHelp[];
extern const char kHistoryHelp[];
extern const char kBacktestHelp[];

// `args` are the arguments after the command name; `now` anchors --since.
// Each returns an ExitCode: 0 done, 1 the database could not be read (or the
// item or alert is not in it), 2 usage, configuration or rules error.
int RunAlertsCommand(const std::vector<std::string>& args, UtcTime now, std::ostream& out,
                     std::ostream& err);
int RunHistoryCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunBacktestCommand(const std::vector<std::string>& args, UtcTime now, std::ostream& out,
                       std::ostream& err);

}  // namespace mineral::daemon
