// The CLI contract: subcommands, --help, exit codes and the `parse` JSON,
// run in-process on the bundled example feeds, plus one run of the real
// binary to check main() wiring.
#include "daemon/cli.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mineral::daemon {
namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run Cli(std::vector<std::string> args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  const int code = RunCli(args, in, out, err);
  return {code, out.str(), err.str()};
}

std::string Example(const std::string& name) {
  return std::string(MINERAL_SOURCE_DIR) + "/examples/feeds/" + name;
}

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  INFO(text);
  REQUIRE_FALSE(d.HasParseError());
  REQUIRE(d.IsObject());
  return d;
}

TEST_CASE("mineral-alertd without a command prints usage and exits 2") {
  const Run r = Cli({});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::StartsWith("usage: mineral-alertd <command>"));
}

TEST_CASE("Help and version flags exit 0") {
  CHECK(Cli({"--help"}).code == kExitOk);
  CHECK_THAT(Cli({"--help"}).out, Catch::Contains("exit status: 0 ok, 1 runtime failure, 2 usage"));
  CHECK_THAT(Cli({"help", "parse"}).out, Catch::StartsWith("usage: mineral-alertd parse"));
  CHECK_THAT(Cli({"parse", "--help"}).out, Catch::StartsWith("usage: mineral-alertd parse"));
  CHECK_THAT(Cli({"--version"}).out, Catch::StartsWith("mineral-alertd "));
}

TEST_CASE("Unknown commands and options are usage errors") {
  Run r = Cli({"frobnicate"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::StartsWith("mineral-alertd: no such command: frobnicate"));
  r = Cli({"parse", "--bogus", "x"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::StartsWith("mineral-alertd parse: unknown option '--bogus'"));
  r = Cli({"parse", "--format", "yaml", "x"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("unknown format 'yaml'"));
  r = Cli({"parse"});
  CHECK(r.code == kExitUsage);
  r = Cli({"parse", "--map", "no-such-mapping", Example("federal-register-documents.json")});
  CHECK(r.code == kExitUsage);
}

TEST_CASE("parse prints the feed and its items as one JSON object") {
  const Run r = Cli({"parse", Example("news-generic.rss")});
  REQUIRE(r.code == kExitOk);
  CHECK(r.err.empty());
  const rapidjson::Document d = Json(r.out);
  CHECK(std::string(d["feed"]["title"].GetString()) == "Example Wire: Commodities");
  CHECK(std::string(d["feed"]["format"].GetString()) == "rss");
  const auto& items = d["items"];
  REQUIRE(items.Size() == 3);  // the "UPDATE 1" republication folds into its story
  const auto& first = items[0];
  CHECK(std::string(first["id"].GetString()) == "EXW-2025-02-22-COBALT-01");
  CHECK(std::string(first["published"].GetString()) == "2025-02-22T18:02:00Z");
  CHECK_THAT(first["summary"].GetString(), Catch::StartsWith("UPDATE 1: adds analyst comment."));
  CHECK(std::string(items[1]["published"].GetString()) == "2025-02-21T01:15:00Z");
  CHECK_FALSE(items[2].HasMember("published"));  // missing fields are omitted
  CHECK_FALSE(d.HasMember("error"));
}

TEST_CASE("parse reads standard input") {
  const Run r = Cli({"parse", "-"},
                    "<rss><channel><title>stdin</title><item><title>x</title></item>"
                    "</channel></rss>");
  REQUIRE(r.code == kExitOk);
  CHECK(std::string(Json(r.out)["feed"]["title"].GetString()) == "stdin");
}

TEST_CASE("parse reads a JSON API through a built-in mapping") {
  const Run r =
      Cli({"parse", "--map", "federal-register", Example("federal-register-documents.json")});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const rapidjson::Document d = Json(r.out);
  REQUIRE(d["items"].Size() > 0);
  CHECK(std::string(d["feed"]["format"].GetString()) == "json");
}

TEST_CASE("parse reports an ill-formed feed that still gave items, and exits 0") {
  const Run r = Cli({"parse", "-"},
                    "<rss><channel><title>T</title><item><title>kept</title></item>"
                    "<item><title>cut");
  REQUIRE(r.code == kExitOk);
  const rapidjson::Document d = Json(r.out);
  CHECK(d["items"].Size() == 2);
  CHECK(std::string(d["error"].GetString()) ==
        "line 1, column 79: unexpected end of document inside <title>");
  CHECK(r.err ==
        "<stdin>:1:79: warning: unexpected end of document inside <title> (2 items read)\n");
}

TEST_CASE("parse fails with exit 1 on what is not a feed, and on missing files") {
  Run r = Cli({"parse", "-"}, "<!DOCTYPE html><html><body>Bad gateway</body></html>");
  CHECK(r.code == kExitFailure);
  CHECK(r.err == "mineral-alertd: <stdin>: not a feed: the document is an HTML page\n");
  CHECK(std::string(Json(r.out)["error"].GetString()) ==
        "not a feed: the document is an HTML page");

  r = Cli({"parse", "/nonexistent/feed.xml"});
  CHECK(r.code == kExitFailure);
  CHECK(r.err == "mineral-alertd: /nonexistent/feed.xml: cannot open: No such file or directory\n");

  r = Cli({"parse", "--max-bytes", "10", "-"},
          "<rss><channel><title>long enough</title></channel></rss>");
  CHECK(r.code == kExitFailure);
  CHECK_THAT(r.err, Catch::Contains("the limit is 10"));
}

TEST_CASE("check validates a rules file and exits 0 or 2") {
  const std::string good = std::string(MINERAL_SOURCE_DIR) + "/rules/examples/devset-rules.toml";
  Run r = Cli({"check", "--rules", good});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("5 rules ok"));
  r = Cli({"check", "--rules", "-"}, "[[rule]]\nid = \"x\"\nwhen = 'mineral:galium'\n");
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("unknown mineral 'galium'"));
  CHECK(Cli({"check"}).code == kExitUsage);
  CHECK_THAT(Cli({"help", "check"}).out, Catch::StartsWith("usage: mineral-alertd check"));
}

TEST_CASE("parse prints one line per file when given several") {
  const Run r = Cli(
      {"parse", Example("usgs-news.rss"), Example("govuk-search-news-and-communications.atom")});
  REQUIRE(r.code == kExitOk);
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    Json(line);
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("The installed binary runs the same CLI") {
  const std::string cmd = std::string(MINERAL_BINARY) + " parse " + Example("usgs-news.rss");
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  CHECK(status == 0);
  CHECK(std::string(Json(out)["feed"]["title"].GetString()) == "USGS News");
}

}  // namespace
}  // namespace mineral::daemon
