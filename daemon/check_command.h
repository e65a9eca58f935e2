// `mineral-alertd check --config FILE`: the whole configuration, checked the
// way the daemon would load it, without polling or sending anything.
#pragma once

#include <iosfwd>
#include <string>

#include "config/environment.h"

namespace mineral::daemon {

// Loads the config and its includes, the vocabulary and rule files it names
// (parsed and compiled against that vocabulary), and checks mapping names,
// URLs, receivers, routes and that secret files exist (never reading them).
// Valid: warnings on `err`, then "FILE: ok — N feeds, M rules, K receivers"
// on `out`, and kExitOk.  Invalid: every error on `err` (each positioned,
// with its line and a caret), then "FILE: N errors", and kExitUsage.
int RunCheckConfig(const std::string& path, const config::Environment& env, std::ostream& out,
                   std::ostream& err);

}  // namespace mineral::daemon
