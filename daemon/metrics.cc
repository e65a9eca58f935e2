#include "daemon/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mineral::daemon {
namespace {

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void AppendLabels(std::string& out, const Labels& labels, const char* extra_key = nullptr,
                  const std::string& extra_value = "") {
  if (labels.empty() && extra_key == nullptr) return;
  out += '{';
  bool first = true;
  auto add = [&](const std::string& key, const std::string& value) {
    if (!first) out += ',';
    first = false;
    out += key;
    out += "=\"";
    for (char c : value) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '"') {
        out += "\\\"";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (extra_key != nullptr) add(extra_key, extra_value);
  out += '}';
}

Labels Sorted(Labels labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}

}  // namespace

void Metrics::Declare(std::string name, std::string help, Type type, std::vector<double> buckets) {
  if (families_.contains(name)) return;
  Family f;
  f.help = std::move(help);
  f.type = type;
  f.bounds = std::move(buckets);
  families_.emplace(std::move(name), std::move(f));
}

Metrics::Family* Metrics::Find(std::string_view name) {
  auto it = families_.find(name);
  return it == families_.end() ? nullptr : &it->second;
}

void Metrics::Add(std::string_view name, const Labels& labels, double by) {
  if (Family* f = Find(name)) f->series[Sorted(labels)].value += by;
}

void Metrics::Set(std::string_view name, const Labels& labels, double value) {
  if (Family* f = Find(name)) f->series[Sorted(labels)].value = value;
}

void Metrics::Observe(std::string_view name, const Labels& labels, double value) {
  Family* f = Find(name);
  if (f == nullptr) return;
  Series& s = f->series[Sorted(labels)];
  if (s.buckets.empty()) s.buckets.assign(f->bounds.size(), 0);
  s.value += value;
  s.count += 1;
  for (size_t i = 0; i < f->bounds.size(); ++i) {
    if (value <= f->bounds[i]) {
      s.buckets[i] += 1;
      break;
    }
  }
}

void Metrics::ClearSeries(std::string_view name) {
  if (Family* f = Find(name)) f->series.clear();
}

double Metrics::Value(std::string_view name, const Labels& labels) const {
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  auto s = it->second.series.find(Sorted(labels));
  return s == it->second.series.end() ? 0 : s->second.value;
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " +
           (f.type == Type::kCounter ? "counter"
            : f.type == Type::kGauge ? "gauge"
                                     : "histogram") +
           "\n";
    for (const auto& [labels, s] : f.series) {
      if (f.type != Type::kHistogram) {
        out += name;
        AppendLabels(out, labels);
        out += " " + Number(s.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < f.bounds.size(); ++i) {
        cumulative += i < s.buckets.size() ? s.buckets[i] : 0;
        out += name + "_bucket";
        AppendLabels(out, labels, "le", Number(f.bounds[i]));
        out += " " + std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket";
      AppendLabels(out, labels, "le", "+Inf");
      out += " " + std::to_string(s.count) + "\n";
      out += name + "_sum";
      AppendLabels(out, labels);
      out += " " + Number(s.value) + "\n";
      out += name + "_count";
      AppendLabels(out, labels);
      out += " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace mineral::daemon
