// `mineral-alertd poll-once` and `mineral-alertd feeds`: one polling cycle
// for cron users and tests, and the feeds' health from the database.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace mineral::daemon {

extern const char kPollOnceHelp[];
extern const char kFeedsHelp[];

int RunPollOnceCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunFeedsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace mineral::daemon
