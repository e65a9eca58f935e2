#include "tests/reliability/scenario_report.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

namespace mineral::reliability {

bool LongMode() {
  const char* v = std::getenv("MINERAL_RELIABILITY_LONG");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

std::string ToJsonLine(const ScenarioRow& row) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("scenario");
  w.String(row.scenario.c_str(), static_cast<rapidjson::SizeType>(row.scenario.size()));
  w.Key("mode");
  w.String(LongMode() ? "long" : "short");
  w.Key("faults_injected");
  w.Int64(row.faults_injected);
  w.Key("alerts_expected");
  w.Int64(row.alerts_expected);
  w.Key("alerts_delivered");
  w.Int64(row.alerts_delivered);
  w.Key("duplicates");
  w.Int64(row.duplicates);
  w.Key("lost");
  w.Int64(row.lost);
  w.Key("peak_rss_kib");
  w.Int64(row.peak_rss_kib);
  w.Key("notes");
  w.String(row.notes.c_str(), static_cast<rapidjson::SizeType>(row.notes.size()));
  w.EndObject();
  return buf.GetString();
}

void Report(const ScenarioRow& row) {
  std::string line = ToJsonLine(row);
  std::cout << "reliability-row: " << line << std::endl;
  if (const char* path = std::getenv("MINERAL_RELIABILITY_REPORT"); path != nullptr && *path) {
    std::ofstream out(path, std::ios::app);
    out << line << '\n';
  }
}

}  // namespace mineral::reliability
