#include "tests/reliability/scenario_report.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <utility>

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
  const std::pair<const char*, long> counts[] = {{"faults_injected", row.faults_injected},
                                                 {"alerts_expected", row.alerts_expected},
                                                 {"alerts_delivered", row.alerts_delivered},
                                                 {"duplicates", row.duplicates},
                                                 {"lost", row.lost},
                                                 {"peak_rss_kib", row.peak_rss_kib}};
  for (const auto& [key, value] : counts) {
    w.Key(key);
    w.Int64(value);
  }
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
