// Metrics: counters, gauges and histograms with labels, rendered in the
// Prometheus text exposition format (version 0.0.4) for /metrics.
//
// Families are declared once (name, help, type, buckets); series appear as
// label sets are used.  Label values come from config ids, rule ids, error
// kinds and statuses: a bounded set, never item text.
//
// Thread-safety: not thread-safe; used on the daemon's loop thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mineral::daemon {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // Declares a family; a second call with the same name changes nothing.
  // Histogram buckets are upper bounds in ascending order (+Inf is implied).
  void Declare(std::string name, std::string help, Type type, std::vector<double> buckets = {});

  // Precondition for all three: the family was declared with that type.
  void Add(std::string_view name, const Labels& labels, double by = 1);
  void Set(std::string_view name, const Labels& labels, double value);
  void Observe(std::string_view name, const Labels& labels, double value);

  // Drops every series of a gauge family (before re-setting a snapshot,
  // so a feed removed by a reload disappears from the output).
  void ClearSeries(std::string_view name);

  // The value of a counter or gauge series, 0 if absent (tests, STATUS=).
  double Value(std::string_view name, const Labels& labels = {}) const;

  // Every family in name order, series in label order (pure of the state).
  std::string RenderPrometheus() const;

 private:
  struct Series {
    double value = 0;               // counter, gauge; histogram: sum
    uint64_t count = 0;             // histogram
    std::vector<uint64_t> buckets;  // histogram: per upper bound, not cumulative
  };
  struct Family {
    std::string help;
    Type type = Type::kCounter;
    std::vector<double> bounds;
    std::map<Labels, Series> series;
  };
  Family* Find(std::string_view name);

  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace mineral::daemon
