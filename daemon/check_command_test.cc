// `check --config`: the shipped configs pass; a broken config reports every
// error, its rule files' included, and exits 2; secrets are never shown.
#include "daemon/check_command.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/cli.h"

namespace mineral::daemon {
namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run Check(const config::Environment& env, const std::string& path) {
  std::ostringstream out, err;
  const int code = RunCheckConfig(path, env, out, err);
  return {code, out.str(), err.str()};
}

// Through the command line, as a user types it: exit code only.
int CliCode(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  return RunCli(args, in, out, err);
}

std::string Example(const std::string& name) {
  return std::string(MINERAL_SOURCE_DIR) + "/examples/" + name;
}

TEST_CASE("check --config passes the shipped configs") {
  const config::RealEnvironment env;
  Run r = Check(env, Example("mineral-alertd.toml"));
  INFO(r.err);
  CHECK(r.code == kExitOk);
  CHECK(r.out == Example("mineral-alertd.toml") + ": ok — 15 feeds, 8 rules, 4 receivers\n");
  CHECK(r.err.empty());

  r = Check(env, Example("demo.toml"));
  INFO(r.err);
  CHECK(r.code == kExitOk);
  CHECK(r.out == Example("demo.toml") + ": ok — 9 feeds, 8 rules, 2 receivers\n");
  CHECK(r.err.empty());
}

TEST_CASE("check --config reports every error of the config and its rules, then exits 2") {
  config::MemoryEnvironment env;
  env.AddFile("m.toml", R"(rules = ["rules.toml"]
[[feed]]
id = "a"
url = "https://example.com/a"
tagz = ["x"]
[[receiver]]
id = "hook"
kind = "webhook"
url = "https://hooks.example.com/"
secret_file = "hook.secret"
[[route]]
receivers = ["hok"]
)");
  env.AddFile("hook.secret", "TOPSECRET\n");
  env.AddFile("rules.toml",
              "[[rule]]\nid = \"R1\"\nminerals = [\"gallium\"]\nreceivers = [\"mail\"]\n");
  const Run r = Check(env, "m.toml");
  CHECK(r.code == kExitUsage);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "m.toml:5:1: unknown key 'tagz' in feed — did you mean 'tags'?\n"
        "tagz = [\"x\"]\n"
        "^\n"
        "m.toml:12:15: unknown receiver 'hok' — did you mean 'hook'?\n"
        "receivers = [\"hok\"]\n"
        "              ^\n"
        "rules.toml:4:15: unknown receiver 'mail'\n"
        "receivers = [\"mail\"]\n"
        "              ^\n"
        "m.toml: 3 errors\n");
  CHECK(r.err.find("TOPSECRET") == std::string::npos);
}

TEST_CASE("check --config refuses a template that does not load, with file:line:col") {
  config::MemoryEnvironment env;
  env.AddFile("m.toml", R"([[receiver]]
id = "desk"
kind = "email"
url = "smtps://smtp.example.com"
from = "alerts@example.com"
to = ["desk@example.com"]
subject_template = "subject.txt"
html_template = "missing.html"
)");
  // Checked where the config names it, read where it resolves.
  const std::string subject = "[{{severity_label}}] {{title}} {{#labels}}#{{.}}";
  env.AddFile("subject.txt", subject);
  env.AddFile(std::filesystem::current_path().string() + "/subject.txt", subject);
  const Run r = Check(env, "m.toml");
  CHECK(r.code == kExitUsage);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "m.toml:8:18: cannot read template 'missing.html'\n"
        "html_template = \"missing.html\"\n"
        "                 ^\n"
        "subject.txt:1:32: section 'labels' is not closed (no {{/labels}})\n"
        "[{{severity_label}}] {{title}} {{#labels}}#{{.}}\n"
        "                               ^\n"
        "m.toml: 2 errors\n");
}

TEST_CASE("check --config: a config that cannot be read, and usage errors") {
  config::MemoryEnvironment env;
  const Run r = Check(env, "none.toml");
  CHECK(r.code == kExitUsage);
  CHECK(r.err == "none.toml: No such file or directory\nnone.toml: 1 error\n");
  CHECK(CliCode({"check", "--config", Example("demo.toml")}) == kExitOk);
  CHECK(CliCode({"check", "--config", Example("no-such.toml")}) == kExitUsage);
  CHECK(CliCode({"check", "--config"}) == kExitUsage);
  CHECK(CliCode({"check", "--config", "a", "b"}) == kExitUsage);
}

}  // namespace
}  // namespace mineral::daemon
