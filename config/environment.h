// What loading a config may ask of the outside world, behind one interface so
// the loader is tested against files held in memory (ninja's DiskInterface,
// leveldb's Env).  The loader reads the config file, its includes, rule,
// vocabulary and mapping files; it only asks whether secret files exist and
// environment variables are set, never what they hold.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace mineral::config {

class Environment {
 public:
  virtual ~Environment() = default;

  // The bytes of the file at `path`, at most `limit` of them (TooLarge past
  // it).  Errors name the path: "feeds.toml: No such file or directory".
  virtual Result<std::string> ReadFile(const std::string& path, size_t limit) const = 0;

  // Paths matching the shell pattern `pattern` (*, ?, [...]), sorted; a
  // pattern without wildcards gives itself whether or not the file exists.
  virtual std::vector<std::string> Glob(const std::string& pattern) const = 0;

  // Whether `path` is a regular file this process may read.
  virtual bool IsReadable(const std::string& path) const = 0;

  // Whether the environment variable `name` is set (to anything).
  virtual bool HasVariable(const std::string& name) const = 0;

  // The value of the environment variable `name`; "" when unset.  Only for
  // non-secrets: $CREDENTIALS_DIRECTORY.
  virtual std::string Variable(const std::string& name) const = 0;

  // OK when `name` is an IANA time zone this machine knows ("UTC",
  // "Australia/Sydney"), else the reason.  Default: feeds::LoadTimeZone.
  virtual Status CheckTimeZone(std::string_view name) const;
};

// The real file system and process environment.  Thread-compatible.
class RealEnvironment : public Environment {
 public:
  Result<std::string> ReadFile(const std::string& path, size_t limit) const override;
  std::vector<std::string> Glob(const std::string& pattern) const override;
  bool IsReadable(const std::string& path) const override;
  bool HasVariable(const std::string& name) const override;
  std::string Variable(const std::string& name) const override;
};

// Files and variables held in memory, for tests.  Paths are compared as
// strings: give them as the loader will ask for them (config-relative paths
// are joined to the config file's directory and made lexically normal).
class MemoryEnvironment : public Environment {
 public:
  void AddFile(const std::string& path, std::string contents) {
    files_[path] = std::move(contents);
  }
  void SetVariable(const std::string& name, std::string value) {
    variables_[name] = std::move(value);
  }

  Result<std::string> ReadFile(const std::string& path, size_t limit) const override;
  std::vector<std::string> Glob(const std::string& pattern) const override;
  bool IsReadable(const std::string& path) const override;
  bool HasVariable(const std::string& name) const override;
  std::string Variable(const std::string& name) const override;

 private:
  std::map<std::string, std::string> files_;
  std::map<std::string, std::string> variables_;
};

// True when `pattern` holds a shell wildcard (*, ? or [).
bool HasWildcard(std::string_view pattern);

}  // namespace mineral::config
