#include "daemon/tag_command.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "daemon/cli.h"
#include "tests/testkit/temp_dir.h"

namespace mineral::daemon {
namespace {

constexpr char kFeed[] = R"({
  "version": "https://jsonfeed.org/version/1.1",
  "title": "test",
  "items": [
    {"id": "a1", "title": "China curbs gallium and germanium exports",
     "content_text": "Beijing announced licence requirements for the two metals."},
    {"id": "a2", "title": "Gallium Software Inc. names new chief executive",
     "content_text": "Gallium Software, a maker of scheduling tools, appointed a CEO."},
    {"id": "a3", "title": "商务部公告 对稀土相关物项实施出口管制", "content_text": "钐、镝"}
  ]
})";

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run RunTag(std::vector<std::string> args, const std::string& input = kFeed) {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunTagCommand(args, in, out, err);
  return {code, out.str(), err.str()};
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_CASE("tag prints one JSON line per item") {
  const Run r = RunTag({"-"});
  INFO(r.err);
  CHECK(r.code == kExitOk);
  const auto lines = Lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(
      lines[0] ==
      R"({"id":"a1","minerals":["gallium","germanium"],"countries":["cn"],"clauses":["export-control","licence"]})");
  CHECK(lines[1] == R"({"id":"a2","minerals":[],"countries":[],"clauses":[]})");
  CHECK(
      lines[2] ==
      R"({"id":"a3","minerals":["dysprosium","rare-earths","samarium"],"countries":["cn"],"clauses":["export-control","licence"]})");
}

TEST_CASE("tag --explain adds the hits with offsets into the field text") {
  const Run r = RunTag({"--explain", "-"});
  REQUIRE(r.code == kExitOk);
  const auto lines = Lines(r.out);
  REQUIRE(lines.size() == 3);
  rapidjson::Document d;
  d.Parse(lines[0].c_str());
  REQUIRE(d.IsObject());
  REQUIRE(d.HasMember("hits"));
  const auto& hits = d["hits"];
  REQUIRE(hits.IsArray());
  bool found = false;
  const std::string title = "China curbs gallium and germanium exports";
  for (const auto& h : hits.GetArray()) {
    if (std::string(h["concept"].GetString()) == "gallium") {
      CHECK(std::string(h["field"].GetString()) == "title");
      CHECK(std::string(h["term"].GetString()) == "gallium");
      CHECK(std::string(h["category"].GetString()) == "mineral");
      CHECK(title.substr(h["offset"].GetUint64(), h["length"].GetUint64()) == "gallium");
      found = true;
    }
  }
  CHECK(found);
}

TEST_CASE("tag --capitals reads capitals as countries") {
  const std::string feed = R"({"version": "https://jsonfeed.org/version/1.1", "title": "t",
    "items": [{"id": "b1", "title": "Beijing tightens rare earth export controls"}]})";
  CHECK(Lines(RunTag({"-"}, feed).out).at(0) ==
        R"({"id":"b1","minerals":["rare-earths"],"countries":[],"clauses":["export-control"]})");
  CHECK(
      Lines(RunTag({"--capitals", "-"}, feed).out).at(0) ==
      R"({"id":"b1","minerals":["rare-earths"],"countries":["cn"],"clauses":["export-control"]})");
}

TEST_CASE("tag --vocabulary adds concepts and reports errors with file:line:col") {
  testkit::TempDir dir;  // not a fixed /tmp path other runs share
  const std::string path = (dir.path / "vocab.toml").string();
  {
    std::ofstream f(path);
    f << "[[mineral]]\nid = \"helium\"\nterms = [\"helium\"]\n";
  }
  const std::string feed = R"({"version": "https://jsonfeed.org/version/1.1", "title": "t",
    "items": [{"id": "c1", "title": "Helium exports surge"}]})";
  CHECK(Lines(RunTag({"--vocabulary", path, "-"}, feed).out).at(0) ==
        R"({"id":"c1","minerals":["helium"],"countries":[],"clauses":[]})");
  {
    std::ofstream f(path);
    f << "[[mineral]]\nid \"helium\"\n";
  }
  const Run bad = RunTag({"--vocabulary", path, "-"}, feed);
  CHECK(bad.code == kExitUsage);
  CHECK(bad.err == "mineral-alertd tag: " + path +
                       ":2:4: Error while parsing key-value pair: expected '=', saw '\"'\n");
}

TEST_CASE("tag usage and input errors") {
  CHECK(RunTag({}).code == kExitUsage);
  CHECK(RunTag({"--bogus", "-"}).err ==
        "mineral-alertd tag: unknown option '--bogus'\n"
        "run `mineral-alertd tag --help` for usage\n");
  CHECK(RunTag({"--vocabulary"}).code == kExitUsage);
  const Run help = RunTag({"--help"});
  CHECK(help.code == kExitOk);
  CHECK(help.out == kTagHelp);
  const Run missing = RunTag({"/nonexistent/feed.json"});
  CHECK(missing.code == kExitFailure);
  CHECK(missing.out.empty());
  const Run html = RunTag({"-"}, "<html><body>not a feed</body></html>");
  CHECK(html.code == kExitFailure);
}

}  // namespace
}  // namespace mineral::daemon
