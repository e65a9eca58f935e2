// JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/).
#pragma once

#include <string_view>

#include "feeds/parsed_feed.h"
#include "model/status.h"

namespace mineral::feeds {

// `utf8` is the whole document.  Fills Feed and raw Items as NormalizeFeed
// expects them (see normalize.h); does not normalize.  Fails on JSON that does
// not parse or is not a JSON Feed object.  Pure.
Result<ParsedFeed> ParseJsonFeed(std::string_view utf8, const ParseOptions& options);

}  // namespace mineral::feeds
