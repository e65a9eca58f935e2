// One row of the reliability table per scenario run.  Each scenario test
// fills a ScenarioRow with what it injected and what the receivers saw and
// calls Report(); scripts/reliability.sh collects the rows (JSON lines in
// $MINERAL_RELIABILITY_REPORT) and prints the table.
#pragma once

#include <string>

namespace mineral::reliability {

struct ScenarioRow {
  std::string scenario;      // e.g. "crash-restart"
  long faults_injected = 0;  // kills, failing responses, outage minutes, ...
  long alerts_expected = 0;
  long alerts_delivered = 0;  // distinct alerts that reached a receiver
  long duplicates = 0;        // deliveries beyond the first of an alert
  long lost = 0;              // expected but never delivered: must be 0
  long peak_rss_kib = 0;      // of the daemon, 0 when not measured
  std::string notes;          // one line: what else the scenario checked
};

// True when MINERAL_RELIABILITY_LONG=1: run the full figures (e.g. 30 kills
// instead of 5).  The short mode is what CI runs.
bool LongMode();

// The row as one JSON object on one line (no trailing newline).
std::string ToJsonLine(const ScenarioRow& row);

// Appends ToJsonLine(row) to the file named by $MINERAL_RELIABILITY_REPORT
// (when set) and prints it to stdout, prefixed "reliability-row: ".
void Report(const ScenarioRow& row);

}  // namespace mineral::reliability
