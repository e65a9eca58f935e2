#include "daemon/pipeline.h"

#include <catch2/catch.hpp>

namespace mineral::daemon {
namespace {

rules::Rule MakeRule(std::string id, rules::Severity severity, std::vector<std::string> labels,
                     std::vector<std::string> receivers) {
  rules::Rule r;
  r.id = std::move(id);
  r.severity = severity;
  r.labels = std::move(labels);
  r.receivers = std::move(receivers);
  return r;
}

config::RouteConfig Route(std::vector<std::string> severities, std::vector<std::string> labels,
                          std::vector<std::string> receivers, bool continue_matching = false) {
  config::RouteConfig r;
  r.severities = std::move(severities);
  r.labels = std::move(labels);
  r.receivers = std::move(receivers);
  r.continue_matching = continue_matching;
  return r;
}

TEST_CASE("routing: the rule's receivers, then the first matching route", "[pipeline]") {
  std::vector<config::RouteConfig> routes = {
      Route({"critical"}, {}, {"pager"}, /*continue=*/true),
      Route({}, {"compliance"}, {"compliance-mail"}),
      Route({}, {}, {"everything"}),
  };
  using rules::Severity;
  CHECK(RouteReceivers(MakeRule("a", Severity::kCritical, {"compliance"}, {"slack"}), routes) ==
        std::vector<std::string>{"slack", "pager", "compliance-mail"});
  CHECK(RouteReceivers(MakeRule("b", Severity::kWarning, {"investors"}, {}), routes) ==
        std::vector<std::string>{"everything"});
  CHECK(RouteReceivers(MakeRule("c", Severity::kWarning, {"compliance"}, {"compliance-mail"}),
                       routes) == std::vector<std::string>{"compliance-mail"});
  config::RouteConfig by_rule;
  by_rule.rule_ids = {"d"};
  by_rule.receivers = {"d-hook"};
  CHECK(RouteReceivers(MakeRule("d", Severity::kInfo, {}, {}), {by_rule}) ==
        std::vector<std::string>{"d-hook"});
  CHECK(RouteReceivers(MakeRule("e", Severity::kInfo, {}, {}), {by_rule}).empty());
}

TEST_CASE("limits from [daemon] and [[host]]", "[pipeline]") {
  config::Config c;
  c.daemon.max_concurrency = 50;
  c.daemon.per_host_connections = 3;
  config::HostConfig sec;
  sec.name = "www.sec.gov";
  sec.connections = 1;
  sec.min_spacing = std::chrono::milliseconds(100);
  c.hosts.push_back(sec);
  PolitenessLimits l = BuildLimits(c);
  CHECK(l.max_in_flight == 50);
  CHECK(l.per_host.in_flight == 3);
  CHECK(l.per_host.spacing.count() == 0);
  CHECK(l.host_overrides.at("www.sec.gov").in_flight == 1);
  CHECK(l.host_overrides.at("www.sec.gov").spacing == std::chrono::milliseconds(100));
}

TEST_CASE("feed settings: request knobs, TLS opt-out, mappings", "[pipeline]") {
  config::MemoryEnvironment env;
  config::DaemonConfig d;
  d.user_agent = "Acme admin@example.com";
  d.max_body_bytes = 1000;
  config::FeedConfig f;
  f.spec.id = "fr";
  f.spec.url = "https://www.federalregister.gov/api/v1/documents.json";
  f.spec.mapping = "federal-register";
  f.insecure_skip_tls_verify = true;
  Result<FeedSettings> s = BuildFeedSettings(f, d, env);
  REQUIRE(s.ok());
  CHECK(s->request_defaults.user_agent == "Acme admin@example.com");
  CHECK(s->request_defaults.max_body_bytes == 1000);
  CHECK_FALSE(s->verify_tls);
  CHECK(s->mapping != nullptr);
  f.spec.mapping = "no-such-mapping";
  Result<FeedSettings> bad = BuildFeedSettings(f, d, env);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::StartsWith("feed 'fr': mapping: "));
}

TEST_CASE("RetentionOptions keeps items for [daemon] retention, tombstones at least a year") {
  config::DaemonConfig daemon;
  daemon.retention = std::chrono::hours(24 * 30);
  storage::PruneOptions options = RetentionOptions(daemon);
  CHECK(options.max_age == std::chrono::hours(24 * 30));
  CHECK(options.tombstone_max_age == std::chrono::hours(24 * 365));
  daemon.retention = std::chrono::hours(24 * 400);
  options = RetentionOptions(daemon);
  CHECK(options.max_age == std::chrono::hours(24 * 400));
  CHECK(options.tombstone_max_age == std::chrono::hours(24 * 400));
}

}  // namespace
}  // namespace mineral::daemon
