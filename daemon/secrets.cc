#include "daemon/secrets.h"

#include <cstdlib>

namespace mineral::daemon {
namespace {

constexpr size_t kMaxSecretBytes = 64 * 1024;

std::string TrimNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

SecretReader::SecretReader(const config::Environment& env, Lookup variable)
    : env_(env), variable_(std::move(variable)) {
  if (!variable_) {
    variable_ = [](const std::string& name) -> std::optional<std::string> {
      const char* value = std::getenv(name.c_str());
      if (value == nullptr) return std::nullopt;
      return std::string(value);
    };
  }
}

Result<std::string> SecretReader::Read(const config::SecretRef& ref) const {
  switch (ref.kind) {
    case config::SecretRef::Kind::kFile: {
      auto bytes = env_.ReadFile(ref.name, kMaxSecretBytes);
      if (!bytes.ok()) return Status::IoError("secret file " + bytes.status().message());
      return TrimNewlines(std::move(bytes).value());
    }
    case config::SecretRef::Kind::kEnv: {
      std::optional<std::string> value = variable_(ref.name);
      if (!value) return Status::NotFound("secret variable '" + ref.name + "' is not set");
      return *value;
    }
    case config::SecretRef::Kind::kCredential: {
      std::string dir = env_.Variable("CREDENTIALS_DIRECTORY");
      if (dir.empty()) {
        return Status::NotFound(
            "secret credential '" + ref.name +
            "': $CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit)");
      }
      auto bytes = env_.ReadFile(dir + "/" + ref.name, kMaxSecretBytes);
      if (!bytes.ok()) return Status::IoError("secret credential " + bytes.status().message());
      return TrimNewlines(std::move(bytes).value());
    }
  }
  return Status::InvalidArgument("unknown secret kind");
}

}  // namespace mineral::daemon
