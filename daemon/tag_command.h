// `mineral-alertd tag`: which minerals, countries and clauses each item of a
// feed is about, one JSON line per item.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace mineral::daemon {

extern const char kTagHelp[];

// Runs `mineral-alertd tag ARGS...` (args excludes "tag"); returns the exit
// code (daemon/cli.h: 0 ok, 1 a document could not be read or parsed, 2 usage
// or vocabulary error).
int RunTagCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                  std::ostream& err);

}  // namespace mineral::daemon
