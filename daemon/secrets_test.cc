#include "daemon/secrets.h"

#include <catch2/catch.hpp>

namespace mineral::daemon {
namespace {

config::SecretRef Ref(config::SecretRef::Kind kind, std::string name) {
  config::SecretRef r;
  r.kind = kind;
  r.name = std::move(name);
  return r;
}

TEST_CASE("secrets from files, variables and systemd credentials", "[secrets]") {
  config::MemoryEnvironment env;
  env.AddFile("/etc/mineral/hook.secret", "s3cret\r\n");
  env.AddFile("/run/credentials/mineral.service/smtp", "pw\n");
  SecretReader reader(env, [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOOK_SECRET") return std::string("from-env\n");
    return std::nullopt;
  });
  using Kind = config::SecretRef::Kind;
  CHECK(*reader.Read(Ref(Kind::kFile, "/etc/mineral/hook.secret")) == "s3cret");
  CHECK(*reader.Read(Ref(Kind::kEnv, "HOOK_SECRET")) == "from-env\n");  // as set

  auto missing = reader.Read(Ref(Kind::kEnv, "NOPE"));
  CHECK(missing.status().message() == "secret variable 'NOPE' is not set");
  auto no_file = reader.Read(Ref(Kind::kFile, "/nope"));
  CHECK_FALSE(no_file.ok());
  CHECK(no_file.status().message().find("/nope") != std::string::npos);

  auto no_dir = reader.Read(Ref(Kind::kCredential, "smtp"));
  CHECK(no_dir.status().message() ==
        "secret credential 'smtp': $CREDENTIALS_DIRECTORY is not set (LoadCredential= in the "
        "unit)");
  env.SetVariable("CREDENTIALS_DIRECTORY", "/run/credentials/mineral.service");
  CHECK(*reader.Read(Ref(Kind::kCredential, "smtp")) == "pw");
}

}  // namespace
}  // namespace mineral::daemon
