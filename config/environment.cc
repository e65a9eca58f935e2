#include "config/environment.h"

#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "feeds/timezone.h"

namespace mineral::config {

bool HasWildcard(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

Status Environment::CheckTimeZone(std::string_view name) const {
  Result<feeds::TimeZone> zone = feeds::LoadTimeZone(name);
  return zone.ok() ? Status::Ok() : zone.status();
}

Result<std::string> RealEnvironment::ReadFile(const std::string& path, size_t limit) const {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::IoError(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::IoError(path + ": is a directory");
  }
  std::string bytes;
  char buffer[16384];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    bytes.append(buffer, static_cast<size_t>(file.gcount()));
    if (bytes.size() > limit) {
      return Status::TooLarge(path + ": larger than " + std::to_string(limit) + " bytes");
    }
  }
  if (file.bad()) return Status::IoError(path + ": read error");
  return bytes;
}

std::vector<std::string> RealEnvironment::Glob(const std::string& pattern) const {
  if (!HasWildcard(pattern)) return {pattern};
  glob_t matches{};
  std::vector<std::string> out;
  // glob(3) sorts its results, so includes load in a stable order.
  if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) out.emplace_back(matches.gl_pathv[i]);
  }
  ::globfree(&matches);
  return out;
}

bool RealEnvironment::IsReadable(const std::string& path) const {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), R_OK) == 0;
}

bool RealEnvironment::HasVariable(const std::string& name) const {
  return std::getenv(name.c_str()) != nullptr;
}

std::string RealEnvironment::Variable(const std::string& name) const {
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? std::string() : std::string(value);
}

Result<std::string> MemoryEnvironment::ReadFile(const std::string& path, size_t limit) const {
  const auto it = files_.find(path);
  if (it == files_.end()) return Status::IoError(path + ": No such file or directory");
  if (it->second.size() > limit) {
    return Status::TooLarge(path + ": larger than " + std::to_string(limit) + " bytes");
  }
  return it->second;
}

std::vector<std::string> MemoryEnvironment::Glob(const std::string& pattern) const {
  if (!HasWildcard(pattern)) return {pattern};
  std::vector<std::string> out;
  for (const auto& [path, contents] : files_) {
    // FNM_PATHNAME: '*' does not cross '/', as with glob(3).
    if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) out.push_back(path);
  }
  return out;  // std::map keeps them sorted
}

bool MemoryEnvironment::IsReadable(const std::string& path) const { return files_.count(path) > 0; }

bool MemoryEnvironment::HasVariable(const std::string& name) const {
  return variables_.count(name) > 0;
}

std::string MemoryEnvironment::Variable(const std::string& name) const {
  const auto it = variables_.find(name);
  return it == variables_.end() ? std::string() : it->second;
}

}  // namespace mineral::config
