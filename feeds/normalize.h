// The last step of every parser: one shape for items whatever the format.
#pragma once

#include "feeds/parsed_feed.h"

namespace mineral::feeds {

// What the format parsers leave for this step, and what it does.  Parsers
// hand over title, GUID, authors and categories whitespace-collapsed (as
// text::CollapseWhitespace), and no author or category that is empty after
// that, each where it reads them: here they would be checked a second time,
// as the XML builder collapses them anyway.
// - link: resolved against the feed link, then options.fetch_url (parsers
//   resolve xml:base themselves); the feed link against options.fetch_url.
// - summary/content: whichever of *_html and *_text is empty is derived from
//   the other (HtmlToText, or EscapeHtml); text is whitespace-collapsed.
// - key: the GUID, else the link, else "hash:" + a hash of title and date, so
//   an item keeps its key across polls.  Two items of one document with the
//   same GUID or link key are either one story republished (same link or same
//   title, as wire services do with "UPDATE 1"): they fold into the one with
//   the latest date; or a generator that reuses one GUID for everything (or
//   two items alike in title and date with neither GUID nor link): each gets
//   "#" + a hash of its link and title appended, which stays the same from
//   poll to poll (a position would not).
// - language defaults to the feed's; source_feed to options.source_feed.
// - items beyond options.max_items are dropped and noted in `error`.
void NormalizeFeed(ParsedFeed& parsed, const ParseOptions& options);

}  // namespace mineral::feeds
