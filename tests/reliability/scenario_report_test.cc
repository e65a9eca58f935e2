#include "tests/reliability/scenario_report.h"

#include <rapidjson/document.h>
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "tests/testkit/daemon_process.h"
#include "tests/testkit/temp_dir.h"

namespace mineral::reliability {
namespace {

TEST_CASE("a scenario row is one JSON line the table script can read", "[report]") {
  ScenarioRow row;
  row.scenario = "crash \"restart\"";
  row.faults_injected = 5;
  row.alerts_expected = 40;
  row.alerts_delivered = 40;
  row.duplicates = 2;
  row.peak_rss_kib = 31000;
  row.notes = "kills at random moments";
  std::string line = ToJsonLine(row);
  CHECK(line.find('\n') == std::string::npos);
  rapidjson::Document doc;
  REQUIRE_FALSE(doc.Parse(line.c_str()).HasParseError());
  CHECK(std::string(doc["scenario"].GetString()) == "crash \"restart\"");
  CHECK(doc["faults_injected"].GetInt64() == 5);
  CHECK(doc["alerts_expected"].GetInt64() == 40);
  CHECK(doc["alerts_delivered"].GetInt64() == 40);
  CHECK(doc["duplicates"].GetInt64() == 2);
  CHECK(doc["lost"].GetInt64() == 0);
  CHECK(doc["peak_rss_kib"].GetInt64() == 31000);
  CHECK(std::string(doc["notes"].GetString()) == "kills at random moments");
}

TEST_CASE("Report appends rows to $MINERAL_RELIABILITY_REPORT", "[report]") {
  testkit::TempDir temp("mineral-report");
  std::string path = (temp.path / "rows.jsonl").string();
  const char* old = std::getenv("MINERAL_RELIABILITY_REPORT");
  std::string saved = old ? old : "";
  ::setenv("MINERAL_RELIABILITY_REPORT", path.c_str(), 1);
  ScenarioRow a;
  a.scenario = "a";
  ScenarioRow b;
  b.scenario = "b";
  Report(a);
  Report(b);
  if (old)
    ::setenv("MINERAL_RELIABILITY_REPORT", saved.c_str(), 1);
  else
    ::unsetenv("MINERAL_RELIABILITY_REPORT");
  CHECK(testkit::ReadFile(path) == ToJsonLine(a) + "\n" + ToJsonLine(b) + "\n");
}

}  // namespace
}  // namespace mineral::reliability
