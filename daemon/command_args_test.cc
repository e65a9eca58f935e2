#include "daemon/command_args.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "daemon/cli.h"

namespace mineral::daemon {
namespace {

const CommandSpec kSpec{
    "usage: x --config FILE [--json] [--since D] [ID]\n", {"--json", "--dead"}, {"--since"}, 1};

struct Run {
  std::optional<int> code;
  CommandArgs parsed;
  std::string out, err;
};

Run Parse(const std::vector<std::string>& args, const CommandSpec& spec = kSpec) {
  Run run;
  std::ostringstream out, err;
  run.code = ParseCommandArgs(args, spec, run.parsed, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

TEST_CASE("command args: config, flags, values and a positional word", "[cli]") {
  Run r = Parse({"--json", "--config", "c.toml", "--since", "24h", "alert:7"});
  CHECK_FALSE(r.code.has_value());
  CHECK(r.parsed.config == "c.toml");
  CHECK(r.parsed.Has("--json"));
  CHECK_FALSE(r.parsed.Has("--dead"));
  CHECK(r.parsed.Value("--since") == "24h");
  CHECK(r.parsed.Value("--rule") == "");
  CHECK(r.parsed.positional == std::vector<std::string>{"alert:7"});
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("command args: --help wins, anywhere", "[cli]") {
  Run r = Parse({"--bogus", "--help"});
  // The stray word comes first and is the error.
  CHECK(r.code == kExitUsage);
  r = Parse({"--json", "-h"});
  CHECK(r.code == kExitOk);
  CHECK(r.out == kSpec.help);
  CHECK(r.err.empty());
}

TEST_CASE("command args: usage errors name the problem, then the help", "[cli]") {
  const std::string help = kSpec.help;
  CHECK(Parse({"--json"}).err == "mineral-alertd: --config FILE is required\n" + help);
  CHECK(Parse({"--config"}).err == "mineral-alertd: --config needs a value\n" + help);
  CHECK(Parse({"--config", "c", "--since"}).err ==
        "mineral-alertd: --since needs a value\n" + help);
  CHECK(Parse({"--config", "c", "--rule", "r"}).err ==
        "mineral-alertd: unexpected argument '--rule'\n" + help);
  CHECK(Parse({"--config", "c", "a", "b"}).err ==
        "mineral-alertd: unexpected argument 'b'\n" + help);
  CHECK(Parse({"--config", "c", ""}).err == "mineral-alertd: unexpected argument ''\n" + help);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--json"}, {"--config"}, {"--config", "c", "a", "b"}}) {
    Run r = Parse(args);
    CHECK(r.code == kExitUsage);
    CHECK(r.out.empty());
  }
}

}  // namespace
}  // namespace mineral::daemon
