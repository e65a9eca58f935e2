#include "daemon/match_command.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "daemon/cli.h"
#include "tests/testkit/temp_dir.h"

namespace mineral::daemon {
namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run Match(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunMatchCommand(args, in, out, err);
  return {code, out.str(), err.str()};
}

// rule id -> items it fired on.
std::map<std::string, std::set<std::string>> Fired(const std::string& jsonl) {
  std::map<std::string, std::set<std::string>> fired;
  std::istringstream lines(jsonl);
  for (std::string line; std::getline(lines, line);) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    REQUIRE(d.IsObject());
    fired[d["rule"].GetString()].insert(d["item"].GetString());
  }
  return fired;
}

TEST_CASE("match: the dev-set example rules fire on exactly their items") {
  const Run run = Match({"--rules", MINERAL_SOURCE_DIR "/rules/examples/devset-rules.toml",
                         MINERAL_SHARED_DIR "/dev-set/items.feed.json"});
  INFO(run.err);
  REQUIRE(run.code == kExitOk);
  const auto fired = Fired(run.out);
  using Set = std::set<std::string>;
  // rules.json: must_match, plus R4's acceptable hx-0182, hx-0183, hx-0190.
  CHECK(fired.at("R1") == Set{"hx-0019", "hx-0021", "hx-0022", "hx-0027", "hx-0081", "hx-0086",
                              "hx-0198", "hx-0199"});
  CHECK(fired.at("R2") == Set{"hx-0190", "hx-0195", "hx-0196"});
  CHECK(fired.at("R3") == Set{"hx-0105", "hx-0107", "hx-0166"});
  const Set r4_must{"hx-0039", "hx-0113", "hx-0125", "hx-0130", "hx-0138", "hx-0154"};
  const Set r4_ok{"hx-0182", "hx-0183", "hx-0190"};
  for (const std::string& id : r4_must) CHECK(fired.at("R4").count(id) == 1);
  for (const std::string& id : fired.at("R4")) CHECK((r4_must.count(id) + r4_ok.count(id)) == 1);
  CHECK(fired.at("R5") == Set{"hx-0040", "hx-0052", "hx-0068", "hx-0160"});
  CHECK(fired.size() == 5);
}

TEST_CASE("match --explain prints the evidence with offsets") {
  const std::string rules =
      "[[rule]]\nid = \"cobalt\"\nseverity = \"critical\"\nwhen = 'cobalt NEAR/2 ban'\n";
  const std::string feed = R"({"version": "https://jsonfeed.org/version/1.1", "title": "t",
    "items": [{"id": "a", "title": "Congo cobalt export ban"},
              {"id": "b", "title": "Cobalt blue glazes"}]})";
  // Rules from a file, feed from standard input.
  // A directory of this run's own: a fixed /tmp path was shared with every
  // other checkout's run of this test (one removed it while another read it).
  testkit::TempDir dir;
  const std::string path = (dir.path / "rules.toml").string();
  {
    std::ofstream f(path);
    f << rules;
  }
  const Run run = Match({"--rules", path, "--explain", "-"}, feed);
  INFO(run.err);
  REQUIRE(run.code == kExitOk);
  CHECK(run.out ==
        "{\"item\":\"a\",\"rule\":\"cobalt\",\"severity\":\"critical\",\"explain\":["
        "{\"term\":\"cobalt\",\"field\":\"title\",\"offset\":6,\"length\":6},"
        "{\"term\":\"ban\",\"field\":\"title\",\"offset\":20,\"length\":3}]}\n");
  const Run plain = Match({"--rules", path, "-"}, feed);
  CHECK(plain.out == "{\"item\":\"a\",\"rule\":\"cobalt\",\"severity\":\"critical\"}\n");
}

TEST_CASE("match and check: usage and rule errors") {
  CHECK(Match({"--help"}).out == kMatchHelp);
  Run r = Match({"x.json"});
  CHECK(r.code == kExitUsage);
  CHECK(r.err ==
        "mineral-alertd match: --rules FILE is required\n"
        "run `mineral-alertd match --help` for usage\n");
  r = Match({"--rules", "-"}, "");
  CHECK(r.code == kExitUsage);
  CHECK(r.err ==
        "mineral-alertd match: no input: give a FEEDFILE, or - for standard input\n"
        "run `mineral-alertd match --help` for usage\n");
  r = Match({"--rules", "-", "--bogus"});
  CHECK(r.err ==
        "mineral-alertd match: unknown option '--bogus'\n"
        "run `mineral-alertd match --help` for usage\n");
  r = Match({"--rules", "-", "/nonexistent.json"},
            "[[rule]]\nid = \"R1\"\nminerals = [\"galium\"]\n");
  CHECK(r.code == kExitUsage);
  CHECK(r.err ==
        "<stdin>:3:14: unknown mineral 'galium' — did you mean 'gallium'?\n"
        "minerals = [\"galium\"]\n"
        "             ^\n");
  r = Match({"--rules", "-", "/nonexistent.json"}, "[[rule]]\nid = \"R1\"\ninclude = [\"x\"]\n");
  CHECK(r.code == kExitFailure);
  CHECK(r.err.find("/nonexistent.json") != std::string::npos);

  std::istringstream in(
      "[[rule]]\nid = \"R1\"\ninclude = [\"x\"]\n[[rule]]\nid = \"R2\"\n"
      "enabled = false\nwhen = 'mineral:gallium'\n");
  std::ostringstream out;
  std::ostringstream err;
  CHECK(RunCheckRules("-", in, out, err) == kExitOk);
  CHECK(out.str() == "-: 2 rules ok (1 disabled)\n");
}

}  // namespace
}  // namespace mineral::daemon
