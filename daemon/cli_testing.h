// Runs the CLI in-process for tests: exit code, stdout and stderr.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "daemon/cli.h"

namespace mineral::daemon::testing {

struct Run {
  int code;
  std::string out;
  std::string err;
};

inline Run Cli(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  int code = RunCli(args, in, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace mineral::daemon::testing
