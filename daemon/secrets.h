// SecretReader: what a config's SecretRef names, read at the moment a
// receiver is built (never at load, never logged).
//
//   file        the file's bytes, trailing CR/LF trimmed
//   env         the environment variable's value
//   credential  the file $CREDENTIALS_DIRECTORY/<name> (systemd LoadCredential=),
//               trailing CR/LF trimmed
//
// Error messages name the reference (path, variable, credential), never a
// value.  Thread-compatible.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "config/config.h"
#include "config/environment.h"
#include "model/status.h"

namespace mineral::daemon {

class SecretReader {
 public:
  using Lookup = std::function<std::optional<std::string>(const std::string&)>;

  // `variable` reads secret environment variables (default: getenv); files
  // and $CREDENTIALS_DIRECTORY come through `env`.
  explicit SecretReader(const config::Environment& env, Lookup variable = nullptr);

  Result<std::string> Read(const config::SecretRef& ref) const;

 private:
  const config::Environment& env_;
  Lookup variable_;
};

}  // namespace mineral::daemon
