// `mineral-alertd outbox`, `outbox retry` and `test-receiver`: the delivery
// side of the database and the receivers, from the command line.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace mineral::daemon {

extern const char kOutboxHelp[];
extern const char kTestReceiverHelp[];

int RunOutboxCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunTestReceiverCommand(const std::vector<std::string>& args, std::ostream& out,
                           std::ostream& err);

}  // namespace mineral::daemon
