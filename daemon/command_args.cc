#include "daemon/command_args.h"

#include <ostream>

#include "daemon/cli.h"

namespace mineral::daemon {

std::optional<int> ParseCommandArgs(const std::vector<std::string>& args, const CommandSpec& spec,
                                    CommandArgs& parsed, std::ostream& out, std::ostream& err) {
  auto usage = [&](const std::string& message) {
    err << "mineral-alertd: " << message << "\n" << spec.help;
    return std::optional<int>(kExitUsage);
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out << spec.help;
      return kExitOk;
    }
    if (a == "--config" || spec.valued.contains(a)) {
      if (i + 1 >= args.size()) return usage(a + " needs a value");
      std::string& value = a == "--config" ? parsed.config : parsed.values[a];
      value = args[++i];
    } else if (spec.flags.contains(a)) {
      parsed.flags.insert(a);
    } else if (!a.empty() && a[0] != '-' && parsed.positional.size() < spec.max_positional) {
      parsed.positional.push_back(a);
    } else {
      return usage("unexpected argument '" + a + "'");
    }
  }
  if (parsed.config.empty()) return usage("--config FILE is required");
  return std::nullopt;
}

}  // namespace mineral::daemon
