// The feeds library's front door: bytes in, normalized items out.
#pragma once

#include <string_view>

#include "feeds/parsed_feed.h"
#include "model/status.h"

namespace mineral::feeds {

// Looks at the bytes (after any BOM and leading whitespace or comments) and
// names the format: <rss> -> kRss, <rdf:RDF> -> kRdf, <feed> -> kAtom, a JSON
// object with a "version" starting "https://jsonfeed.org/version/" -> kJsonFeed,
// other JSON -> kJson; kUnknown otherwise (HTML pages, empty input).  Pure.
FeedFormat DetectFormat(std::string_view bytes);

// Parses a whole document: size bound, encoding to UTF-8, format detection
// (unless options.format is set), the format's parser, then NormalizeFeed.
//
// Fails (non-OK status) when nothing usable came out: empty input, an HTML
// page, an unknown format, a document over the size bound, JSON that needs a
// mapping but has none.  An ill-formed or truncated document that still gave
// a feed or items succeeds with ParsedFeed::error set.  Pure.
Result<ParsedFeed> Parse(std::string_view bytes, const ParseOptions& options);

}  // namespace mineral::feeds
