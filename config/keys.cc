#include "config/keys.h"

namespace mineral::config {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInteger:
      return "integer";
    case ValueType::kDuration:
      return "duration";
    case ValueType::kSize:
      return "size";
    case ValueType::kStrings:
      return "array of strings";
    case ValueType::kStringOrStrings:
      return "string or array of strings";
    case ValueType::kStringTable:
      return "table of strings";
    case ValueType::kTable:
      return "table";
    case ValueType::kArrayOfTables:
      return "array of tables";
  }
  return "string";
}

const std::vector<KeyInfo>& AcceptedKeys() {
  using T = ValueType;
  static const std::vector<KeyInfo> keys = {
      {"", "include", T::kStrings, R"(["feeds.d/*.toml"])"},
      {"", "rules", T::kStrings, R"(["rules/*.toml"])"},
      {"", "vocabulary", T::kStrings, R"(["vocabulary/extra.toml"])"},
      {"", "daemon", T::kTable, ""},
      {"", "feed", T::kArrayOfTables, ""},
      {"", "host", T::kArrayOfTables, ""},
      {"", "receiver", T::kArrayOfTables, ""},
      {"", "route", T::kArrayOfTables, ""},

      {"daemon", "state_dir", T::kString, R"("/var/lib/mineral-alertd")"},
      {"daemon", "database", T::kString, R"("alerts.db")"},
      {"daemon", "user_agent", T::kString, R"("ExampleCo MineralWatch admin@example.com")"},
      {"daemon", "max_concurrency", T::kInteger, "16"},
      {"daemon", "per_host_connections", T::kInteger, "2"},
      {"daemon", "per_host_min_spacing", T::kDuration, R"("100ms")"},
      {"daemon", "min_interval", T::kDuration, R"("5m")"},
      {"daemon", "max_interval", T::kDuration, R"("6h")"},
      {"daemon", "default_interval", T::kDuration, R"("15m")"},
      {"daemon", "backoff_base", T::kDuration, R"("1m")"},
      {"daemon", "backoff_cap", T::kDuration, R"("6h")"},
      {"daemon", "connect_timeout", T::kDuration, R"("10s")"},
      {"daemon", "total_timeout", T::kDuration, R"("60s")"},
      {"daemon", "low_speed_timeout", T::kDuration, R"("30s")"},
      {"daemon", "low_speed_limit", T::kSize, R"("100B")"},
      {"daemon", "max_body_bytes", T::kSize, R"("16MiB")"},
      {"daemon", "proxy", T::kString, R"("http://proxy.example:3128")"},
      {"daemon", "status_listen", T::kString, R"("127.0.0.1:9187")"},
      {"daemon", "retention", T::kDuration, R"("90d")"},
      {"daemon", "drain_timeout", T::kDuration, R"("10s")"},
      {"daemon", "log_level", T::kString, R"("info")"},
      {"daemon", "log_format", T::kString, R"("json")"},

      {"feed", "id", T::kString, R"("fr-bis")"},
      {"feed", "url", T::kString, R"("https://www.federalregister.gov/api/v1/documents.json")"},
      {"feed", "format", T::kString, R"("atom")"},
      {"feed", "mapping", T::kString, R"("federal-register")"},
      {"feed", "tags", T::kStrings, R"(["us", "policy"])"},
      {"feed", "alert_backlog", T::kBool, "false"},
      {"feed", "enabled", T::kBool, "true"},
      {"feed", "min_interval", T::kDuration, R"("10m")"},
      {"feed", "max_interval", T::kDuration, R"("12h")"},
      {"feed", "default_interval", T::kDuration, R"("1h")"},
      {"feed", "backoff_base", T::kDuration, R"("5m")"},
      {"feed", "backoff_cap", T::kDuration, R"("12h")"},
      {"feed", "headers", T::kStringTable, R"({ Accept = "application/json" })"},
      {"feed", "user_agent", T::kString, R"x("Mozilla/5.0 (compatible; mineral-alertd)")x"},
      {"feed", "max_body_bytes", T::kSize, R"("32MiB")"},
      {"feed", "insecure_skip_tls_verify", T::kBool, "false"},

      {"host", "name", T::kString, R"("www.sec.gov")"},
      {"host", "connections", T::kInteger, "1"},
      {"host", "min_spacing", T::kDuration, R"("150ms")"},

      {"receiver", "id", T::kString, R"("ops")"},
      {"receiver", "kind", T::kString, R"("console")"},
      {"receiver", "enabled", T::kBool, "true"},
      {"receiver", "url", T::kString, R"("https://hooks.example.com/mineral")"},
      {"receiver", "url_file", T::kString, R"("secrets/url")"},
      {"receiver", "url_env", T::kString, R"("HOOK_URL")"},
      {"receiver", "url_credential", T::kString, R"("hook-url")"},
      {"receiver", "path", T::kString, R"("alerts.jsonl")"},
      {"receiver", "headers", T::kStringTable, R"({ X-Team = "compliance" })"},
      {"receiver", "secret_file", T::kStringOrStrings, R"("secrets/hook")"},
      {"receiver", "secret_env", T::kStringOrStrings, R"("HOOK_SECRET")"},
      {"receiver", "secret_credential", T::kStringOrStrings, R"("hook-secret")"},
      {"receiver", "from", T::kString, R"("alerts@example.com")"},
      {"receiver", "to", T::kStrings, R"(["desk@example.com"])"},
      {"receiver", "starttls", T::kBool, "true"},
      {"receiver", "username", T::kString, R"("alerts")"},
      {"receiver", "password_file", T::kString, R"("secrets/smtp")"},
      {"receiver", "password_env", T::kString, R"("SMTP_PASSWORD")"},
      {"receiver", "password_credential", T::kString, R"("smtp-password")"},
      {"receiver", "group_wait", T::kDuration, R"("30s")"},
      {"receiver", "group_interval", T::kDuration, R"("5m")"},
      {"receiver", "digest_at", T::kString, R"("08:00")"},
      {"receiver", "timezone", T::kString, R"("Australia/Sydney")"},
      {"receiver", "rate_limit", T::kString, R"("20/1h")"},
      {"receiver", "quiet_hours", T::kString, R"("22:00-07:00")"},
      {"receiver", "critical_ignores_quiet_hours", T::kBool, "true"},
      {"receiver", "timeout", T::kDuration, R"("30s")"},
      {"receiver", "max_attempts", T::kInteger, "12"},
      {"receiver", "max_age", T::kDuration, R"("48h")"},
      {"receiver", "retry_base", T::kDuration, R"("30s")"},
      {"receiver", "retry_cap", T::kDuration, R"("1h")"},
      {"receiver", "circuit_open_for", T::kDuration, R"("1m")"},
      {"receiver", "circuit_max_open_for", T::kDuration, R"("30m")"},
      {"receiver", "concurrency", T::kInteger, "4"},
      {"receiver", "subject_template", T::kString, R"("templates/subject.txt")"},
      {"receiver", "text_template", T::kString, R"("templates/text.txt")"},
      {"receiver", "html_template", T::kString, R"("templates/body.html")"},
      {"receiver", "body_template", T::kString, R"("templates/body.json")"},

      {"route", "severities", T::kStrings, R"(["critical"])"},
      {"route", "labels", T::kStrings, R"(["china"])"},
      {"route", "rule_ids", T::kStrings, R"(["R1"])"},
      {"route", "receivers", T::kStrings, R"(["ops"])"},
      {"route", "continue", T::kBool, "false"},
  };
  return keys;
}

std::vector<std::string_view> KeysOf(std::string_view section) {
  std::vector<std::string_view> out;
  for (const KeyInfo& k : AcceptedKeys()) {
    if (k.section == section) out.push_back(k.key);
  }
  return out;
}

const KeyInfo* FindKey(std::string_view section, std::string_view key) {
  for (const KeyInfo& k : AcceptedKeys()) {
    if (k.section == section && k.key == key) return &k;
  }
  return nullptr;
}

}  // namespace mineral::config
