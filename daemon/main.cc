// mineral-alertd: watches mineral-policy news and alerts on what matters.
#include <iostream>
#include <string>
#include <vector>

#include "daemon/cli.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return mineral::daemon::RunCli(args, std::cin, std::cout, std::cerr);
}
