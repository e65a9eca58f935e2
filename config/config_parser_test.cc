// LoadConfig/ParseConfig: values, defaults, resolution, and every error
// message word for word.  Files live in a MemoryEnvironment; the main file
// is "main.toml" in the working directory, so resolved paths start with it.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/testing.h"

namespace mineral::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

std::string Cwd() { return std::filesystem::current_path().string(); }

ConfigResult Parse(const std::string& text, const MemoryEnvironment& env = {}) {
  return ParseConfig(text, "main.toml", env);
}

// The errors of `text`, which must not load.
std::vector<std::string> Errors(const std::string& text, const MemoryEnvironment& env = {}) {
  ConfigResult result = Parse(text, env);
  CHECK_FALSE(result.ok());
  return result.errors;
}

constexpr char kMinimal[] = R"(
[[feed]]
id = "fr-bis"
url = "https://www.federalregister.gov/api/v1/documents.json"
mapping = "federal-register"
)";

TEST_CASE("a minimal config: one feed, defaults everywhere else") {
  ConfigResult result = Parse(kMinimal);
  INFO(JoinLines(result.errors));
  REQUIRE(result.ok());
  CHECK(result.warnings.empty());
  const Config& c = result.config;
  CHECK(c.path == "main.toml");
  CHECK(c.included_files == std::vector<std::string>{"main.toml"});
  CHECK(c.daemon.state_dir == "/var/lib/mineral-alertd");
  CHECK(c.daemon.database == "/var/lib/mineral-alertd/mineral-alertd.db");
  CHECK(c.daemon.user_agent == kDefaultUserAgent);
  CHECK(c.daemon.max_concurrency == 16);
  CHECK(c.daemon.per_host_connections == 2);
  CHECK(c.daemon.status_listen == "127.0.0.1:9187");
  CHECK(c.daemon.retention == hours(24 * 90));
  CHECK(c.daemon.drain_timeout == std::chrono::seconds(10));
  CHECK(c.daemon.max_body_bytes == 16 * 1024 * 1024);
  CHECK(c.daemon.log_level == LogLevel::kInfo);
  CHECK(c.daemon.log_format == LogFormat::kText);
  REQUIRE(c.feeds.size() == 1);
  const FeedConfig& feed = c.feeds[0];
  CHECK(feed.spec.id == "fr-bis");
  CHECK(feed.spec.url == "https://www.federalregister.gov/api/v1/documents.json");
  CHECK(feed.spec.mapping == "federal-register");
  CHECK_FALSE(feed.mapping_is_file);
  CHECK_FALSE(feed.spec.alert_backlog);
  CHECK(feed.enabled);
  CHECK(feed.format == FeedFormat::kUnknown);
  CHECK(feed.poll.min_interval == seconds(300));
  CHECK(feed.poll.default_interval == seconds(900));
  CHECK(feed.poll.max_interval == seconds(6 * 3600));
  CHECK(feed.user_agent == kDefaultUserAgent);
  CHECK(feed.max_body_bytes == 16 * 1024 * 1024);
  CHECK(feed.where.file == "main.toml");
  CHECK(feed.where.line == 2);
  CHECK(feed.where.column == 1);
}

TEST_CASE("[daemon] values reach feeds unless a feed overrides them") {
  ConfigResult result = Parse(R"(
[[feed]]
id = "a"
url = "https://example.com/a.xml"
default_interval = "2h"
user_agent = "Browser/1.0"

[[feed]]
id = "b"
url = "https://example.com/b.xml"
max_body_bytes = "1MiB"

[daemon]
state_dir = "state"
database = "db/alerts.db"
user_agent = "ExampleCo MineralWatch admin@example.com"
per_host_min_spacing = "100ms"
min_interval = "10m"
max_interval = "12h"
default_interval = "30m"
backoff_base = "2m"
backoff_cap = "3h"
max_body_bytes = "32MiB"
low_speed_limit = 512
log_level = "debug"
log_format = "json"
status_listen = ""
)");
  INFO(JoinLines(result.errors));
  REQUIRE(result.ok());
  const Config& c = result.config;
  CHECK(c.daemon.state_dir == Cwd() + "/state");
  CHECK(c.daemon.database == Cwd() + "/state/db/alerts.db");
  CHECK(c.daemon.per_host_min_spacing == milliseconds(100));
  CHECK(c.daemon.poll.min_interval == minutes(10));
  CHECK(c.daemon.low_speed_limit == 512);
  CHECK(c.daemon.log_level == LogLevel::kDebug);
  CHECK(c.daemon.log_format == LogFormat::kJson);
  CHECK(c.daemon.status_listen.empty());
  REQUIRE(c.feeds.size() == 2);
  CHECK(c.feeds[0].poll.min_interval == minutes(10));
  CHECK(c.feeds[0].poll.default_interval == hours(2));
  CHECK(c.feeds[0].poll.max_interval == hours(12));
  CHECK(c.feeds[0].poll.backoff_base == minutes(2));
  CHECK(c.feeds[0].poll.backoff_cap == hours(3));
  CHECK(c.feeds[0].user_agent == "Browser/1.0");
  CHECK(c.feeds[0].max_body_bytes == 32 * 1024 * 1024);
  CHECK(c.feeds[1].poll.default_interval == minutes(30));
  CHECK(c.feeds[1].user_agent == "ExampleCo MineralWatch admin@example.com");
  CHECK(c.feeds[1].max_body_bytes == 1024 * 1024);
}

TEST_CASE("file: URLs are made absolute against the config's directory") {
  MemoryEnvironment env;
  env.AddFile("conf/feeds/usgs news.rss", "<rss/>");
  ConfigResult result = ParseConfig(R"(
[[feed]]
id = "usgs"
url = "file:feeds/usgs news.rss"

[[feed]]
id = "abs"
url = "file:///srv/feeds/a.xml"
)",
                                    "conf/main.toml", env);
  INFO(JoinLines(result.errors));
  REQUIRE(result.ok());
  CHECK(result.config.feeds[0].spec.url == "file://" + Cwd() + "/conf/feeds/usgs%20news.rss");
  CHECK(result.config.feeds[1].spec.url == "file:///srv/feeds/a.xml");
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0] ==
        "conf/main.toml:8:8: warning: cannot read '/srv/feeds/a.xml' (yet)\n"
        "url = \"file:///srv/feeds/a.xml\"\n"
        "       ^");
}

TEST_CASE("every error of a file is reported, in file order, word for word") {
  const std::vector<std::string> errors = Errors(R"([daemon]
max_concurency = 4
min_interval = "5 minutes"
max_body_bytes = "10 MB"

[[feed]]
id = "fr-bis"
url = "https://www.federalregister.gov/api/v1/documents.json"
mapping = "federal-registr"

[[feed]]
id = "fr-bis"
url = "ftp://example.com/feed"

[[feed]]
id = "Bad Id"
url = "example.com/feed.xml"
format = "rsss"
)");
  const std::vector<std::string> expected = {
      "main.toml:2:1: unknown key 'max_concurency' in daemon — did you mean 'max_concurrency'?\n"
      "max_concurency = 4\n"
      "^",
      "main.toml:3:17: invalid duration '5 minutes': write a whole number and a unit (ms, s, m, h, "
      "d, w), as in \"15m\" or \"1h30m\"\n"
      "min_interval = \"5 minutes\"\n"
      "                ^",
      "main.toml:4:19: invalid size '10 MB': write a whole number and a unit (B, KiB, MiB, GiB, "
      "kB, MB, GB), as in \"10MiB\"\n"
      "max_body_bytes = \"10 MB\"\n"
      "                  ^",
      "main.toml:9:12: unknown mapping 'federal-registr' — did you mean 'federal-register'?\n"
      "mapping = \"federal-registr\"\n"
      "           ^",
      "main.toml:12:7: duplicate feed id 'fr-bis' (first defined at main.toml:7)\n"
      "id = \"fr-bis\"\n"
      "      ^",
      "main.toml:13:8: unsupported URL scheme 'ftp' (use https, http or file)\n"
      "url = \"ftp://example.com/feed\"\n"
      "       ^",
      "main.toml:16:7: feed id 'Bad Id' may only hold lower-case letters, digits, '-' and '_'\n"
      "id = \"Bad Id\"\n"
      "      ^",
      "main.toml:17:8: 'example.com/feed.xml' is not a URL: it needs a scheme, as in https://\n"
      "url = \"example.com/feed.xml\"\n"
      "       ^",
      "main.toml:18:11: unknown format 'rsss' — did you mean 'rss'?\n"
      "format = \"rsss\"\n"
      "          ^",
  };
  CHECK(JoinLines(errors) == JoinLines(expected));
}

TEST_CASE("unknown keys: did you mean, in every section") {
  const std::vector<std::string> errors = Errors(R"(rule = ["r.toml"]
[[feed]]
id = "a"
url = "https://example.com/"
interval = "1h"
tag = ["x"]
[[receiver]]
id = "c"
kind = "console"
enable = false
[[route]]
receiver = ["c"]
[[host]]
name = "example.com"
conections = 1
[[feeds]]
)");
  const std::vector<std::string> expected = {
      "main.toml:1:1: unknown top-level key 'rule' — did you mean 'rules'?\nrule = [\"r.toml\"]\n^",
      "main.toml:5:1: unknown key 'interval' in feed — did you mean 'default_interval'?\n"
      "interval = \"1h\"\n^",
      "main.toml:6:1: unknown key 'tag' in feed — did you mean 'tags'?\ntag = [\"x\"]\n^",
      "main.toml:10:1: unknown key 'enable' in receiver — did you mean 'enabled'?\n"
      "enable = false\n^",
      "main.toml:12:1: unknown key 'receiver' in route — did you mean 'receivers'?\n"
      "receiver = [\"c\"]\n^",
      "main.toml:11:1: route has no 'receivers'\n[[route]]\n^",
      "main.toml:15:1: unknown key 'conections' in host — did you mean 'connections'?\n"
      "conections = 1\n^",
      "main.toml:16:3: unknown top-level key 'feeds' — did you mean 'feed'?\n[[feeds]]\n  ^",
  };
  CHECK(JoinLines(errors) == JoinLines(expected));
}

TEST_CASE("wrong types are named with the key") {
  const std::vector<std::string> errors = Errors(R"(
[daemon]
max_concurrency = "16"
retention = 90
per_host_connections = 0
[[feed]]
id = "a"
url = "https://example.com/"
tags = "x"
enabled = "yes"
headers = ["Accept: */*"]
min_interval = "0s"
[[feed]]
id = "b"
url = "https://example.com/b"
tags = ["x", 1]
max_interval = "1m"
)");
  const std::vector<std::string> expected = {
      "main.toml:3:20: 'max_concurrency' must be an integer\nmax_concurrency = \"16\"\n"
      "                   ^",
      "main.toml:4:13: 'retention' must be a duration string such as \"15m\"\nretention = 90\n"
      "            ^",
      "main.toml:5:24: 'per_host_connections' must be between 1 and 1000000\n"
      "per_host_connections = 0\n                       ^",
      "main.toml:9:9: 'tags' must be an array of strings\ntags = \"x\"\n        ^",
      "main.toml:10:12: 'enabled' must be true or false\nenabled = \"yes\"\n           ^",
      "main.toml:11:11: 'headers' must be a table of strings, as in { Name = \"value\" }\n"
      "headers = [\"Accept: */*\"]\n          ^",
      "main.toml:16:14: 'tags' must hold only strings\ntags = [\"x\", 1]\n             ^",
      "main.toml:12:17: 'min_interval' must be at least 1s\nmin_interval = \"0s\"\n"
      "                ^",
      "main.toml:17:17: 'default_interval' (15m) is longer than 'max_interval' (1m)\n"
      "max_interval = \"1m\"\n                ^",
  };
  CHECK(JoinLines(errors) == JoinLines(expected));
}

TEST_CASE("feeds: required keys, mappings, formats") {
  MemoryEnvironment env;
  env.AddFile("maps/good.json", R"({"name": "good", "items": "data", "fields": {"title": "t"}})");
  env.AddFile("maps/bad.json", R"({"name": "bad", "items": "data", "feilds": {}})");
  ConfigResult result = Parse(R"(
[[feed]]
url = "https://example.com/a"
[[feed]]
id = "no-url"
[[feed]]
id = "mapped"
url = "https://example.com/m"
mapping = "maps/good.json"
[[feed]]
id = "bad-map"
url = "https://example.com/b"
mapping = "maps/bad.json"
[[feed]]
id = "rss-map"
url = "https://example.com/c"
format = "rss"
mapping = "federal-register"
[[feed]]
id = "json"
url = "https://example.com/d"
format = "json"
[[feed]]
id = "nomap"
url = "https://example.com/e"
mapping = "xyzzy"
)",
                              env);
  const std::vector<std::string> expected = {
      "main.toml:2:1: feed has no 'id'\n[[feed]]\n^",
      "main.toml:4:1: feed 'no-url' has no 'url'\n[[feed]]\n^",
      "main.toml:13:12: bad mapping file: maps/bad.json: unknown key 'feilds' at / (did you mean "
      "'fields'?)\nmapping = \"maps/bad.json\"\n           ^",
      "main.toml:18:1: 'mapping' needs format \"json\" or \"auto\", not \"rss\"\n"
      "mapping = \"federal-register\"\n^",
      "main.toml:22:11: format \"json\" needs a 'mapping' that says where the items are\n"
      "format = \"json\"\n          ^",
      "main.toml:26:12: unknown mapping 'xyzzy': give a built-in mapping (federal-register, "
      "asx-markitdigital, asx-legacy, govcn-policy-library) or the path of a mapping file\n"
      "mapping = \"xyzzy\"\n           ^",
  };
  CHECK(JoinLines(result.errors) == JoinLines(expected));
  REQUIRE(result.config.FindFeed("mapped") != nullptr);
  CHECK(result.config.FindFeed("mapped")->spec.mapping == Cwd() + "/maps/good.json");
  CHECK(result.config.FindFeed("mapped")->mapping_is_file);
  CHECK(result.config.FindFeed("mapped")->format == FeedFormat::kUnknown);
}

TEST_CASE("feeds: headers, TLS opt-out and the SEC user agent give warnings") {
  ConfigResult result = Parse(R"(
[[feed]]
id = "sec"
url = "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=0001801368&output=atom"
headers = { Authorization = "Bearer x", "Bad Name" = "v", X-Ok = "a\nb" }
insecure_skip_tls_verify = true
)");
  const std::vector<std::string> errors = {
      "main.toml:5:41: header name 'Bad Name' is not an HTTP field name\n"
      "headers = { Authorization = \"Bearer x\", \"Bad Name\" = \"v\", X-Ok = \"a\\nb\" }\n"
      "                                        ^",
      "main.toml:5:59: header 'X-Ok' holds a line break\n"
      "headers = { Authorization = \"Bearer x\", \"Bad Name\" = \"v\", X-Ok = \"a\\nb\" }\n"
      "                                                          ^",
  };
  CHECK(JoinLines(result.errors) == JoinLines(errors));
  const std::vector<std::string> warnings = {
      // The line is not shown: it holds the credential.
      "main.toml:5:13: warning: header 'Authorization' holds a credential in the config file; "
      "keep the file readable only by the service",
      "main.toml:6:28: warning: TLS certificates of this feed are not verified: anyone on the "
      "path can forge its items\ninsecure_skip_tls_verify = true\n                           ^",
      "main.toml: warning: SEC EDGAR blocks clients that do not name themselves: set "
      "daemon.user_agent to \"Company Name admin@example.com\"",
  };
  CHECK(JoinLines(result.warnings) == JoinLines(warnings));
}

TEST_CASE("feeds: a URL with user info is a warning that does not print it") {
  ConfigResult result = Parse(R"(
[[feed]]
id = "private"
url = "https://reader:s3cr3t@feeds.example.org/private.rss"
[[feed]]
id = "public"
url = "https://feeds.example.org/a@b.rss"
)");
  CHECK(result.errors.empty());
  const std::vector<std::string> warnings = {
      "main.toml:4:8: warning: the URL holds user info (a credential) in the config file; logs "
      "and listings show it as ***; keep the file readable only by the service",
  };
  CHECK(JoinLines(result.warnings) == JoinLines(warnings));
  REQUIRE(result.config.FindFeed("private") != nullptr);
  CHECK(result.config.FindFeed("private")->spec.url ==
        "https://reader:s3cr3t@feeds.example.org/private.rss");
}

TEST_CASE("[daemon] checks") {
  const std::vector<std::string> errors = Errors(R"(
[daemon]
status_listen = "localhost"
log_level = "verbose"
log_format = "jsn"
proxy = "ftp://proxy"
retention = "1h"
user_agent = ""
drain_timeout = "1m"
)");
  const std::vector<std::string> expected = {
      "main.toml:3:18: 'status_listen' must be HOST:PORT, as in \"127.0.0.1:9187\" (or \"\" for "
      "no status server)\nstatus_listen = \"localhost\"\n                 ^",
      "main.toml:4:14: unknown log level 'verbose' (debug, info, warning or error)\n"
      "log_level = \"verbose\"\n             ^",
      "main.toml:5:15: unknown log format 'jsn' — did you mean 'json'?\nlog_format = \"jsn\"\n"
      "              ^",
      "main.toml:6:10: unsupported URL scheme 'ftp' (use http, https, socks4, socks4a, socks5 or "
      "socks5h)\nproxy = \"ftp://proxy\"\n         ^",
      "main.toml:7:14: 'retention' must be at least 1d\nretention = \"1h\"\n             ^",
      "main.toml:8:15: 'user_agent' must be one non-empty line\nuser_agent = \"\"\n"
      "              ^",
      "main.toml:9:18: 'drain_timeout' must be at most 40s: systemd kills the daemon 45s after "
      "SIGTERM\ndrain_timeout = \"1m\"\n                 ^",
  };
  CHECK(JoinLines(errors) == JoinLines(expected));

  ConfigResult open = Parse("[daemon]\nstatus_listen = \"0.0.0.0:9187\"\n");
  CHECK(open.ok());
  REQUIRE(open.warnings.size() == 1);
  CHECK(open.warnings[0] ==
        "main.toml:2:18: warning: the status server listens beyond this machine: /metrics and "
        "/alerts.json will answer anyone who can reach 0.0.0.0:9187\n"
        "status_listen = \"0.0.0.0:9187\"\n                 ^");
  CHECK(Parse("[daemon]\nstatus_listen = \"[::1]:9187\"\n").warnings.empty());
}

TEST_CASE("status_listen: a bare port or localhost means loopback; other hosts are IP addresses") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {":9100", "127.0.0.1:9100"},          {"9100", "127.0.0.1:9100"},
      {"localhost:9100", "127.0.0.1:9100"}, {"127.0.0.2:9100", "127.0.0.2:9100"},
      {"[::1]:9100", "[::1]:9100"},         {"0.0.0.0:9100", "0.0.0.0:9100"},
  };
  for (const auto& [written, meant] : cases) {
    ConfigResult result = Parse("[daemon]\nstatus_listen = \"" + written + "\"\n");
    INFO(written << ": " << JoinLines(result.errors));
    REQUIRE(result.ok());
    CHECK(result.config.daemon.status_listen == meant);
    CHECK(result.warnings.empty() == (meant != "0.0.0.0:9100"));
  }
  const std::vector<std::string> errors = Errors(R"(
[daemon]
status_listen = "status.example.com:9100"
)");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] ==
        "main.toml:3:18: 'status_listen' host 'status.example.com' is not an IP address (use "
        "127.0.0.1, [::1], or 0.0.0.0 for every interface)\n"
        "status_listen = \"status.example.com:9100\"\n                 ^");
  CHECK(Errors("[daemon]\nstatus_listen = \":0\"\n").size() == 1);
  CHECK(Errors("[daemon]\nstatus_listen = \"99999\"\n").size() == 1);
}

TEST_CASE("secrets by reference only") {
  MemoryEnvironment env;
  env.AddFile("secrets/hook", "s3cret\n");
  env.SetVariable("SMTP_PASSWORD", "x");
  const std::string text = R"(
[[receiver]]
id = "hook"
kind = "webhook"
url = "https://hooks.example.com/x"
secret = "hunter2"
secret_file = ["secrets/hook", "secrets/old-hook"]
secret_env = "HOOK_SECRET"

[[receiver]]
id = "mail"
kind = "email"
url = "smtp://smtp.example.com:587"
from = "alerts@example.com"
to = ["desk@example.com"]
username = "alerts"
password = "hunter2"
password_env = "SMTP_PASSWORD"
)";
  ConfigResult result = Parse(text, env);
  const std::vector<std::string> errors = {
      "main.toml:6:1: 'secret' would put a secret in the config file, which is shared, backed up "
      "and versioned: name it instead with secret_file, secret_env or secret_credential\n"
      "secret = \"hunter2\"\n^",
      "main.toml:7:33: cannot read secret file 'secrets/old-hook'\n"
      "secret_file = [\"secrets/hook\", \"secrets/old-hook\"]\n"
      "                                ^",
      "main.toml:17:1: 'password' would put a secret in the config file, which is shared, backed "
      "up and versioned: name it instead with password_file, password_env or "
      "password_credential\npassword = \"hunter2\"\n^",
  };
  CHECK(JoinLines(result.errors) == JoinLines(errors));
  const std::vector<std::string> warnings = {
      "main.toml:8:15: warning: environment variable 'HOOK_SECRET' is not set here\n"
      "secret_env = \"HOOK_SECRET\"\n              ^",
  };
  CHECK(JoinLines(result.warnings) == JoinLines(warnings));
  const ReceiverConfig* hook = result.config.FindReceiver("hook");
  REQUIRE(hook != nullptr);
  REQUIRE(hook->secrets.size() == 3);
  CHECK(hook->secrets[0].kind == SecretRef::Kind::kFile);
  CHECK(hook->secrets[0].name == Cwd() + "/secrets/hook");
  CHECK(hook->secrets[2].kind == SecretRef::Kind::kEnv);
  CHECK(hook->secrets[2].name == "HOOK_SECRET");
  const ReceiverConfig* mail = result.config.FindReceiver("mail");
  REQUIRE(mail != nullptr);
  REQUIRE(mail->email.password.has_value());
  CHECK(mail->email.password->kind == SecretRef::Kind::kEnv);

  // Secret checks can be turned off (the daemon's reload checks them itself).
  LoadOptions lax;
  lax.check_secrets = false;
  CHECK(ParseConfig(text, "main.toml", env, lax).warnings.empty());
}

TEST_CASE("systemd credentials are checked only where $CREDENTIALS_DIRECTORY is set") {
  const std::string text = R"(
[[receiver]]
id = "slack"
kind = "slack"
url_credential = "slack-url"
[[receiver]]
id = "hook"
kind = "webhook"
url = "https://hooks.example.com/x"
secret_credential = "hook/secret"
)";
  MemoryEnvironment env;
  ConfigResult outside = Parse(text, env);
  CHECK(JoinLines(outside.errors) ==
        "main.toml:10:22: credential name 'hook/secret' may not hold '/'\n"
        "secret_credential = \"hook/secret\"\n"
        "                     ^\n");
  env.SetVariable("CREDENTIALS_DIRECTORY", "/run/credentials/mineral-alertd.service");
  ConfigResult inside = Parse(text, env);
  REQUIRE(inside.errors.size() == 2);
  CHECK(inside.errors[0] ==
        "main.toml:5:19: no credential 'slack-url' in $CREDENTIALS_DIRECTORY\n"
        "url_credential = \"slack-url\"\n"
        "                  ^");
  env.AddFile("/run/credentials/mineral-alertd.service/slack-url", "https://hooks.slack.com/x");
  const ConfigResult with_file = Parse(text, env);
  CHECK(with_file.errors.size() == 1);
  const ReceiverConfig* slack = with_file.config.FindReceiver("slack");
  REQUIRE(slack != nullptr);
  REQUIRE(slack->url_ref.has_value());
  CHECK(slack->url_ref->kind == SecretRef::Kind::kCredential);
  CHECK(slack->url_ref->name == "slack-url");
  CHECK(slack->url.empty());
}

TEST_CASE("receivers: kinds, required keys, keys that do not apply, timing") {
  MemoryEnvironment env;
  env.AddFile("templates/subject.txt", "{{rule}}");
  const std::vector<std::string> errors = Errors(R"(
[[receiver]]
id = "ops"
kind = "slak"
[[receiver]]
id = "ops"
kind = "webhook"
[[receiver]]
kind = "console"
[[receiver]]
id = "mail"
kind = "email"
url = "https://mail.example.com"
to = ["desk"]
password_file = "nope.secret"
[[receiver]]
id = "out"
kind = "file"
from = "a@b.c"
[[receiver]]
id = "slack"
kind = "slack"
url = "https://hooks.slack.com/services/x"
url_env = "SLACK_URL"
digest_at = "8am"
group_wait = "30s"
timezone = "Mars/Olympus"
rate_limit = "lots"
quiet_hours = "22:00"
subject_template = "templates/subject.txt"
text_template = "templates/subject.txt"
)",
                                                 env);
  const std::vector<std::string> expected = {
      "main.toml:4:9: unknown receiver kind 'slak' — did you mean 'slack'?\nkind = \"slak\"\n"
      "        ^",
      "main.toml:6:7: duplicate receiver id 'ops' (first defined at main.toml:3)\n"
      "id = \"ops\"\n      ^",
      "main.toml:5:1: receiver 'ops' has no 'url' (or url_file, url_env, url_credential)\n"
      "[[receiver]]\n^",
      "main.toml:8:1: receiver has no 'id'\n[[receiver]]\n^",
      "main.toml:13:8: unsupported URL scheme 'https' (use smtp or smtps)\n"
      "url = \"https://mail.example.com\"\n       ^",
      "main.toml:14:8: 'desk' is not a mail address\nto = [\"desk\"]\n       ^",
      "main.toml:15:18: cannot read secret file 'nope.secret'\npassword_file = \"nope.secret\"\n"
      "                 ^",
      "main.toml:10:1: receiver 'mail' has no 'from'\n[[receiver]]\n^",
      "main.toml:15:1: a password needs a 'username'\npassword_file = \"nope.secret\"\n^",
      "main.toml:19:1: 'from' does not apply to file receivers\nfrom = \"a@b.c\"\n^",
      "main.toml:16:1: receiver 'out' has no 'path'\n[[receiver]]\n^",
      "main.toml:25:14: invalid time '8am': write a time of day as HH:MM on a 24-hour clock, as "
      "in \"08:00\"\ndigest_at = \"8am\"\n             ^",
      "main.toml:27:13: unknown time zone 'Mars/Olympus' (an IANA name such as "
      "\"Australia/Sydney\", or \"UTC\")\ntimezone = \"Mars/Olympus\"\n            ^",
      "main.toml:28:15: invalid rate 'lots': write a rate as COUNT/DURATION, as in \"20/1h\" (at "
      "most 20 an hour)\nrate_limit = \"lots\"\n              ^",
      "main.toml:29:16: invalid quiet hours '22:00': write FROM-TO on a 24-hour clock, as in "
      "\"22:00-07:00\"\nquiet_hours = \"22:00\"\n               ^",
      "main.toml:30:1: 'subject_template' does not apply to slack receivers\n"
      "subject_template = \"templates/subject.txt\"\n^",
      "main.toml:31:1: 'text_template' does not apply to slack receivers\n"
      "text_template = \"templates/subject.txt\"\n^",
      "main.toml:24:1: give only one of 'url', 'url_file', 'url_env' and 'url_credential'\n"
      "url_env = \"SLACK_URL\"\n^",
      "main.toml:26:1: give either 'digest_at' (one message a day) or 'group_wait', not both\n"
      "group_wait = \"30s\"\n^",
  };
  CHECK(JoinLines(errors) == JoinLines(expected));
}

TEST_CASE("receivers: a full email receiver reads into its value type") {
  MemoryEnvironment env;
  env.AddFile("templates/subject.txt", "{{rule}}");
  ConfigResult result = Parse(R"(
[[receiver]]
id = "desk"
kind = "email"
url = "smtps://smtp.example.com"
from = "alerts@example.com"
to = ["a@example.com", "b@example.com"]
starttls = false
username = "alerts"
password_credential = "smtp-password"
digest_at = "08:00"
timezone = "Australia/Sydney"
rate_limit = "20/1h"
quiet_hours = "22:00-07:00"
critical_ignores_quiet_hours = false
timeout = "10s"
max_attempts = 5
max_age = "1d"
concurrency = 8
subject_template = "templates/subject.txt"
enabled = false
)",
                              env);
  INFO(JoinLines(result.errors));
  REQUIRE(result.ok());
  const ReceiverConfig& r = result.config.receivers.at(0);
  CHECK(r.kind == ReceiverKind::kEmail);
  CHECK_FALSE(r.enabled);
  CHECK(r.url == "smtps://smtp.example.com");
  CHECK(r.email.from == "alerts@example.com");
  CHECK(r.email.to == std::vector<std::string>{"a@example.com", "b@example.com"});
  CHECK_FALSE(r.email.require_starttls);
  CHECK(r.email.username == "alerts");
  CHECK(r.email.password->name == "smtp-password");
  CHECK(r.timing.digest_at == 480);
  CHECK(r.timing.timezone == "Australia/Sydney");
  CHECK(r.timing.rate_limit.count == 20);
  CHECK(r.timing.rate_limit.per == hours(1));
  CHECK(r.timing.quiet_hours == std::make_pair(22 * 60, 7 * 60));
  CHECK_FALSE(r.timing.critical_ignores_quiet_hours);
  CHECK(r.timeout == seconds(10));
  CHECK(r.max_attempts == 5);
  CHECK(r.max_age == hours(24));
  CHECK(r.concurrency == 8);
  CHECK(r.subject_template == Cwd() + "/templates/subject.txt");
  CHECK(result.warnings.empty());  // smtps is TLS from the start
}

TEST_CASE("receivers: retry backoff and circuit breaker, defaults and bounds") {
  ConfigResult result = Parse(R"(
[[receiver]]
id = "plain"
kind = "console"
[[receiver]]
id = "fast"
kind = "webhook"
url = "https://example.com/hook"
retry_base = "1s"
retry_cap = "20s"
circuit_open_for = "2s"
circuit_max_open_for = "10s"
)");
  INFO(JoinLines(result.errors));
  REQUIRE(result.ok());
  const ReceiverConfig& plain = result.config.receivers.at(0);
  CHECK(plain.retry_base == seconds(30));
  CHECK(plain.retry_cap == hours(1));
  CHECK(plain.circuit_open_for == minutes(1));
  CHECK(plain.circuit_max_open_for == minutes(30));
  const ReceiverConfig& fast = result.config.receivers.at(1);
  CHECK(fast.retry_base == seconds(1));
  CHECK(fast.retry_cap == seconds(20));
  CHECK(fast.circuit_open_for == seconds(2));
  CHECK(fast.circuit_max_open_for == seconds(10));

  const std::vector<std::string> errors = Errors(R"(
[[receiver]]
id = "a"
kind = "console"
retry_base = "0s"
retry_cap = "2h"
[[receiver]]
id = "b"
kind = "console"
retry_cap = "10s"
circuit_open_for = "1h"
)");
  const std::vector<std::string> expected = {
      "main.toml:5:15: 'retry_base' must be at least 1s\nretry_base = \"0s\"\n"
      "              ^",
      "main.toml:10:14: 'retry_base' (30s) is longer than 'retry_cap' (10s)\n"
      "retry_cap = \"10s\"\n             ^",
      "main.toml:11:21: 'circuit_open_for' (1h) is longer than 'circuit_max_open_for' (30m)\n"
      "circuit_open_for = \"1h\"\n                    ^",
  };
  CHECK(JoinLines(errors) == JoinLines(expected));
}

TEST_CASE("receivers: concurrency defaults to 4 and is bounded") {
  ConfigResult result = Parse(R"(
[[receiver]]
id = "ops"
kind = "console"
)");
  REQUIRE(result.ok());
  CHECK(result.config.receivers.at(0).concurrency == 4);
  const std::vector<std::string> errors = Errors(R"(
[[receiver]]
id = "a"
kind = "console"
concurrency = 0
[[receiver]]
id = "b"
kind = "console"
concurrency = 65
[[receiver]]
id = "c"
kind = "console"
concurrency = 64
)");
  const std::vector<std::string> expected = {
      "main.toml:5:15: 'concurrency' must be between 1 and 64\nconcurrency = 0\n              ^",
      "main.toml:9:15: 'concurrency' must be between 1 and 64\nconcurrency = 65\n              ^",
  };
  CHECK(JoinLines(errors) == JoinLines(expected));
}

TEST_CASE("routes") {
  ConfigResult result = Parse(R"(
[[receiver]]
id = "ops"
kind = "console"
[[route]]
severities = ["critical", "critcal"]
labels = ["china"]
rule_ids = ["R1"]
receivers = ["ops", "opps"]
continue = true
[[route]]
receivers = []
)");
  const std::vector<std::string> expected = {
      "main.toml:6:28: unknown severity 'critcal' — did you mean 'critical'?\n"
      "severities = [\"critical\", \"critcal\"]\n                           ^",
      "main.toml:12:13: 'receivers' is empty\nreceivers = []\n            ^",
      "main.toml:9:22: unknown receiver 'opps' — did you mean 'ops'?\n"
      "receivers = [\"ops\", \"opps\"]\n                     ^",
  };
  CHECK(JoinLines(result.errors) == JoinLines(expected));
  const RouteConfig& route = result.config.routes.at(0);
  CHECK(route.severities == std::vector<std::string>{"critical"});
  CHECK(route.labels == std::vector<std::string>{"china"});
  CHECK(route.rule_ids == std::vector<std::string>{"R1"});
  CHECK(route.rule_id_where.at(0).line == 8);
  CHECK(route.continue_matching);
}

TEST_CASE("hosts") {
  ConfigResult result = Parse(R"(
[[host]]
name = "www.sec.gov"
connections = 1
min_spacing = "150ms"
[[host]]
name = "WWW.SEC.GOV"
[[host]]
name = "www.sec.gov"
[[host]]
connections = 2
)");
  const std::vector<std::string> expected = {
      "main.toml:7:9: host name 'WWW.SEC.GOV' may only hold lower-case letters, digits, '-' and "
      "'.'\nname = \"WWW.SEC.GOV\"\n        ^",
      "main.toml:9:9: duplicate host 'www.sec.gov' (first defined at main.toml:3)\n"
      "name = \"www.sec.gov\"\n        ^",
      "main.toml:10:1: host has no 'name'\n[[host]]\n^",
  };
  CHECK(JoinLines(result.errors) == JoinLines(expected));
  CHECK(result.config.hosts.at(0).name == "www.sec.gov");
  CHECK(result.config.hosts.at(0).connections == 1);
  CHECK(result.config.hosts.at(0).min_spacing == milliseconds(150));

  // What a host leaves out is [daemon]'s.
  ConfigResult inherited = Parse(R"(
[daemon]
per_host_connections = 4
per_host_min_spacing = "1s"
[[host]]
name = "asx.api.markitdigital.com"
connections = 1
)");
  REQUIRE(inherited.ok());
  CHECK(inherited.config.hosts.at(0).connections == 1);
  CHECK(inherited.config.hosts.at(0).min_spacing == seconds(1));
}

TEST_CASE("includes: globs relative to the including file, in order") {
  MemoryEnvironment env;
  env.AddFile("conf/feeds.d/b.toml", "[[feed]]\nid = \"b\"\nurl = \"https://example.com/b\"\n");
  env.AddFile("conf/feeds.d/a.toml",
              "include = [\"../more/c.toml\"]\n"
              "[[feed]]\nid = \"a\"\nurl = \"file:../feeds/a.xml\"\n");
  env.AddFile(
      "conf/more/c.toml",
      "rules = [\"../rules/*.toml\"]\n[[feed]]\nid = \"c\"\nurl = \"https://example.com/c\"\n");
  env.AddFile("conf/rules/x.toml", "");
  env.AddFile("conf/rules/y.toml", "");
  env.AddFile("conf/feeds/a.xml", "<rss/>");
  ConfigResult result = ParseConfig(
      "include = [\"feeds.d/*.toml\", \"empty.d/*.toml\"]\n"
      "[[feed]]\nid = \"main\"\nurl = \"https://example.com/main\"\n",
      "conf/main.toml", env);
  INFO(JoinLines(result.errors));
  REQUIRE(result.ok());
  std::vector<std::string> ids;
  for (const FeedConfig& f : result.config.feeds) ids.push_back(f.spec.id);
  CHECK(ids == std::vector<std::string>{"main", "a", "c", "b"});
  CHECK(result.config.included_files ==
        std::vector<std::string>{"conf/main.toml", "conf/feeds.d/a.toml", "conf/more/c.toml",
                                 "conf/feeds.d/b.toml"});
  CHECK(result.config.FindFeed("a")->spec.url == "file://" + Cwd() + "/conf/feeds/a.xml");
  REQUIRE(result.config.rule_files.size() == 2);
  CHECK(result.config.rule_files[0].path == Cwd() + "/conf/rules/x.toml");
  CHECK(result.config.rule_files[0].where.file == "conf/more/c.toml");
  CHECK(JoinLines(result.warnings) ==
        "conf/main.toml:1:31: warning: 'empty.d/*.toml' matches no file\n"
        "include = [\"feeds.d/*.toml\", \"empty.d/*.toml\"]\n"
        "                              ^\n");
}

TEST_CASE("includes: cycles, repeats, missing files, [daemon] outside the main file") {
  MemoryEnvironment env;
  env.AddFile("main.toml",
              "include = [\"a.toml\", \"c.toml\", \"c.toml\", \"missing.toml\", \"d.toml\"]\n"
              "rules = [\"rules/none.toml\"]\n");
  env.AddFile("a.toml", "include = [\"b.toml\"]\n");
  env.AddFile("b.toml", "include = [\"a.toml\", \"main.toml\"]\n[daemon]\nlog_level = \"debug\"\n");
  env.AddFile("c.toml", "[[feed]]\nid = \"c\"\nurl = \"https://example.com/c\"\n");
  env.AddFile("d.toml", "[[feed]\n");
  const ConfigResult result = LoadConfig("main.toml", env);
  // Each file's own keys first, then what it includes, depth first.
  const std::vector<std::string> expected = {
      "main.toml:2:11: cannot read 'rules/none.toml'\nrules = [\"rules/none.toml\"]\n"
      "          ^",
      "b.toml:2:2: [daemon] may only appear in the main config file\n[daemon]\n ^",
      "b.toml:1:13: include cycle: a.toml -> b.toml -> a.toml\n"
      "include = [\"a.toml\", \"main.toml\"]\n            ^",
      "b.toml:1:23: include cycle: main.toml -> a.toml -> b.toml -> main.toml\n"
      "include = [\"a.toml\", \"main.toml\"]\n                      ^",
      "main.toml:1:33: 'c.toml' is already included\n"
      "include = [\"a.toml\", \"c.toml\", \"c.toml\", \"missing.toml\", \"d.toml\"]\n"
      "                                ^",
      "main.toml:1:43: cannot read 'missing.toml'\n"
      "include = [\"a.toml\", \"c.toml\", \"c.toml\", \"missing.toml\", \"d.toml\"]\n"
      "                                          ^",
      "d.toml:1:8: Error while parsing table header: expected ']', saw '\\n'\n[[feed]\n       ^",
  };
  CHECK(JoinLines(result.errors) == JoinLines(expected));
  CHECK(result.config.feeds.size() == 1);
}

TEST_CASE("a TOML syntax error is positioned like any other") {
  CHECK(JoinLines(Errors("[[feed]]\nid = \"a\nurl = 1\n")) ==
        "main.toml:2:8: Error while parsing string: unescaped control characters other than TAB "
        "(U+0009) are explicitly prohibited\nid = \"a\n       ^\n");
  // toml++ quotes the character it saw as it is, a line break too; the
  // message stays on its line (found by fuzz/fuzz_config.cc).
  CHECK(JoinLines(Errors("k=t\n")) ==
        "main.toml:1:4: Error while parsing boolean: expected 'true', saw 't\\n'\nk=t\n   ^\n");
  // So is a control character a string escape put in a value that a
  // message quotes.
  CHECK(JoinLines(Errors("[[feed]]\nid = \"a\\nb\\u001b[2J\"\nurl = \"https://example.com/\"\n")) ==
        "main.toml:2:8: feed id 'a\\nb\\x1B[2J' may only hold lower-case letters, digits, '-' "
        "and '_'\nid = \"a\\nb\\u001b[2J\"\n       ^\n");
}

TEST_CASE("LoadConfig reads the file through the environment") {
  MemoryEnvironment env;
  env.AddFile("etc/m.toml", kMinimal);
  ConfigResult result = LoadConfig("etc/m.toml", env);
  CHECK(result.ok());
  CHECK(result.config.feeds.size() == 1);
  ConfigResult missing = LoadConfig("etc/none.toml", env);
  CHECK(missing.errors == std::vector<std::string>{"etc/none.toml: No such file or directory"});
  CHECK(missing.status().message() == "etc/none.toml: No such file or directory");
}

}  // namespace
}  // namespace mineral::config
