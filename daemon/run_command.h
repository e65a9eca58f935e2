// `mineral-alertd run`: the daemon.  Polls on schedule, records and matches
// in one transaction per fetched feed, serves /metrics, /healthz, /readyz
// and the alert feeds, talks to systemd, reloads on SIGHUP and drains on
// SIGTERM.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace mineral::daemon {

extern const char kRunHelp[];

int RunDaemonCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace mineral::daemon
