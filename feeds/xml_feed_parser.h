// RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 from one lenient XML reader.
#pragma once

#include <string_view>

#include "feeds/parsed_feed.h"
#include "model/status.h"

namespace mineral::feeds {

// `utf8` is the whole document, already converted to UTF-8.  Fills Feed and
// raw Items as NormalizeFeed expects them (see normalize.h), resolving
// xml:base itself; does not normalize.  Ill-formed XML is read on as far as it
// makes sense, with the first problem in ParsedFeed::error.  Fails only when
// the document has no feed root element.  Pure.
Result<ParsedFeed> ParseXmlFeed(std::string_view utf8, const ParseOptions& options);

}  // namespace mineral::feeds
