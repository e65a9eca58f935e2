#include "daemon/input.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>

#include "daemon/cli.h"
#include "feeds/parser.h"

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

std::optional<size_t> ParsePositiveSize(std::string_view text) {
  size_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v == 0) return std::nullopt;
  return v;
}

int ForEachFeed(const std::vector<std::string>& files, feeds::ParseOptions options,
                std::istream& in, std::ostream& err,
                const std::function<void(const feeds::ParsedFeed&)>& on_feed,
                const std::function<void(const std::string& message)>& on_error) {
  int status = kExitOk;
  for (const std::string& file : files) {
    const std::string name = file == "-" ? "<stdin>" : file;
    Result<std::string> data = ReadInputFile(file, in, options.max_document_bytes);
    if (!data.ok()) {
      err << "mineral-alertd: " << data.status().message() << "\n";
      if (on_error) on_error(data.status().message());
      status = kExitFailure;
      continue;
    }
    options.source_feed = name;
    Result<feeds::ParsedFeed> parsed = feeds::Parse(*data, options);
    if (!parsed.ok()) {
      err << "mineral-alertd: " << name << ": " << parsed.status().message() << "\n";
      if (on_error) on_error(parsed.status().message());
      status = kExitFailure;
      continue;
    }
    if (!parsed->error.empty()) {
      err << name;
      if (parsed->error_line > 0) err << ":" << parsed->error_line << ":" << parsed->error_column;
      err << ": warning: " << parsed->error << " (" << parsed->items.size() << " items read)\n";
    }
    on_feed(*parsed);
  }
  return status;
}

}  // namespace mineral::daemon
