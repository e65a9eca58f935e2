// Reading the documents CLI commands are given: a path, or "-" for stdin.
#pragma once

#include <iosfwd>
#include <string>

#include "model/status.h"

namespace mineral::daemon {

// The bytes of `path` ("-": read `in`), at most `limit` + 1 of them, so an
// oversized input is detected (and refused by the parser's size check)
// without holding all of it.  Errors name the path: "x.xml: cannot open: No
// such file or directory".
Result<std::string> ReadInputFile(const std::string& path, std::istream& in, size_t limit);

}  // namespace mineral::daemon
