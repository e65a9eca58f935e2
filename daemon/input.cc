#include "daemon/input.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>

namespace mineral::daemon {

// Reads at most `limit` + 1 bytes, so an oversized input is detected without
// holding all of it.
Result<std::string> ReadInputFile(const std::string& path, std::istream& in, size_t limit) {
  std::string data;
  auto read_bounded = [&](std::istream& s) -> bool {
    char buf[1 << 16];
    while (s) {
      s.read(buf, sizeof buf);
      data.append(buf, static_cast<size_t>(s.gcount()));
      if (data.size() > limit) return false;
    }
    return s.eof();
  };
  if (path == "-") {
    if (!read_bounded(in) && data.size() <= limit)
      return Status::IoError("cannot read standard input");
    return data;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status::IoError(path + ": is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  if (!read_bounded(file) && data.size() <= limit) return Status::IoError(path + ": read error");
  return data;
}

}  // namespace mineral::daemon
