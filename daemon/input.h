// Reading the documents CLI commands are given: a path, or "-" for stdin.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/parsed_feed.h"
#include "model/status.h"

namespace mineral::daemon {

// The bytes of `path` ("-": read `in`), at most `limit` + 1 of them, so an
// oversized input is detected (and refused by the parser's size check)
// without holding all of it.  Errors name the path: "x.xml: cannot open: No
// such file or directory".
Result<std::string> ReadInputFile(const std::string& path, std::istream& in, size_t limit);

// A positive decimal integer option value ("--max-bytes 1048576"); nullopt
// for anything else (sign, junk, zero, overflow).
std::optional<size_t> ParsePositiveSize(std::string_view text);

// Reads and parses each of `files` in turn ("-" is `in`; Item::source_feed is
// the file's name).  What cannot be read or parsed is reported on `err` as
// "mineral-alertd: NAME: message" and passed to `on_error` when given; an
// ill-formed document that still gave items is reported as "NAME:LINE:COL:
// warning: ..." and passed on.  Calls `on_feed` for each document that
// parsed.  Returns kExitOk, or kExitFailure when any file failed.
int ForEachFeed(const std::vector<std::string>& files, feeds::ParseOptions options,
                std::istream& in, std::ostream& err,
                const std::function<void(const feeds::ParsedFeed&)>& on_feed,
                const std::function<void(const std::string& message)>& on_error = nullptr);

}  // namespace mineral::daemon
