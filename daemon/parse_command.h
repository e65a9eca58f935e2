// `mineral-alertd parse`: one feed document in, one JSON object out.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "feeds/parsed_feed.h"

namespace mineral::daemon {

extern const char kParseHelp[];

// `args` are the arguments after "parse".  Returns an ExitCode.
int RunParseCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err);

// The JSON object `parse` prints for one document (one line, UTF-8):
// {"feed": {"title", "link", "format", ...}, "items": [{"id", "key", "title",
// "link", "published", "updated", "author", "summary", "content",
// "categories", ...}], "error"?}.  Missing fields are omitted.  Pure.
std::string RenderParsedFeedJson(const feeds::ParsedFeed& parsed);

}  // namespace mineral::daemon
