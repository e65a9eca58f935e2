#include "daemon/metrics.h"

#include <catch2/catch.hpp>

namespace mineral::daemon {
namespace {

TEST_CASE("Prometheus text: counters, gauges, histograms, escaped labels", "[metrics]") {
  Metrics m;
  m.Declare("mineral_polls_total", "Polls by result.", Metrics::Type::kCounter);
  m.Declare("mineral_outbox_pending", "Deliveries waiting.", Metrics::Type::kGauge);
  m.Declare("mineral_poll_seconds", "Poll latency.", Metrics::Type::kHistogram, {0.1, 1});
  m.Add("mineral_polls_total", {{"result", "ok"}});
  m.Add("mineral_polls_total", {{"result", "ok"}});
  m.Add("mineral_polls_total", {{"result", "error"}, {"kind", "a\"b"}});
  m.Set("mineral_outbox_pending", {}, 3);
  m.Observe("mineral_poll_seconds", {}, 0.05);
  m.Observe("mineral_poll_seconds", {}, 0.5);
  m.Observe("mineral_poll_seconds", {}, 7);
  CHECK(m.Value("mineral_polls_total", {{"result", "ok"}}) == 2);
  CHECK(m.RenderPrometheus() ==
        "# HELP mineral_outbox_pending Deliveries waiting.\n"
        "# TYPE mineral_outbox_pending gauge\n"
        "mineral_outbox_pending 3\n"
        "# HELP mineral_poll_seconds Poll latency.\n"
        "# TYPE mineral_poll_seconds histogram\n"
        "mineral_poll_seconds_bucket{le=\"0.1\"} 1\n"
        "mineral_poll_seconds_bucket{le=\"1\"} 2\n"
        "mineral_poll_seconds_bucket{le=\"+Inf\"} 3\n"
        "mineral_poll_seconds_sum 7.55\n"
        "mineral_poll_seconds_count 3\n"
        "# HELP mineral_polls_total Polls by result.\n"
        "# TYPE mineral_polls_total counter\n"
        "mineral_polls_total{kind=\"a\\\"b\",result=\"error\"} 1\n"
        "mineral_polls_total{result=\"ok\"} 2\n");
  m.ClearSeries("mineral_outbox_pending");
  CHECK(m.Value("mineral_outbox_pending") == 0);
}

}  // namespace
}  // namespace mineral::daemon
