#include "tests/reliability/scenario_report.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <utility>

#include "model/json_out.h"

namespace mineral::reliability {

bool LongMode() {
  const char* v = std::getenv("MINERAL_RELIABILITY_LONG");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

std::string ToJsonLine(const ScenarioRow& row) {
  JsonOut out;
  out.w().StartObject();
  out.Str("scenario", row.scenario);
  out.Str("mode", LongMode() ? "long" : "short");
  const std::pair<const char*, long> counts[] = {{"faults_injected", row.faults_injected},
                                                 {"alerts_expected", row.alerts_expected},
                                                 {"alerts_delivered", row.alerts_delivered},
                                                 {"duplicates", row.duplicates},
                                                 {"lost", row.lost},
                                                 {"peak_rss_kib", row.peak_rss_kib}};
  for (const auto& [key, value] : counts) out.Int(key, value);
  out.Str("notes", row.notes);
  out.w().EndObject();
  return out.Take();
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
