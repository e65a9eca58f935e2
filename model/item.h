// Item and Feed: what every parser produces, whatever the source format.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/time.h"

namespace mineral {

enum class FeedFormat {
  kUnknown,
  kRss,       // RSS 0.9x and 2.0 (<rss>)
  kRdf,       // RSS 0.90 and 1.0 (<rdf:RDF>)
  kAtom,      // Atom 0.3 and 1.0
  kJsonFeed,  // JSON Feed 1.0 and 1.1
  kJson,      // an arbitrary JSON API read through a JsonMapping
};

// "rss", "rdf", "atom", "jsonfeed", "json", "unknown".
const char* FeedFormatName(FeedFormat format);

struct Enclosure {
  std::string url;     // absolute
  std::string type;    // MIME type, may be empty
  int64_t length = 0;  // bytes, 0 when not given
};

struct Item {
  // Written out rather than "= default": value-initializing a class without
  // a user-provided constructor zero-fills all of it (about 600 bytes, one
  // `rep stos` per item a parser emplaces) before the members construct
  // themselves empty anyway.
  Item() {}  // NOLINT(modernize-use-equals-default)

  // Stable identity within its feed: the GUID/id, else the link, else a hash
  // of title and date.  Never empty after normalization.
  std::string key;
  // The id exactly as the feed gave it (GUID, atom:id, JSON id); may be empty.
  std::string guid;

  std::string title;  // plain text
  std::string link;   // absolute URL, may be empty
  std::optional<UtcTime> published;
  std::optional<UtcTime> updated;
  std::vector<std::string> authors;  // display names, in document order

  // Kept as HTML for display (plain text inputs are escaped into HTML).
  std::string summary_html;
  std::string content_html;
  // The same as plain text: markup stripped, entities decoded, whitespace
  // collapsed.  This is what the matcher reads (after NormalizeForMatching).
  std::string summary_text;
  std::string content_text;

  std::vector<std::string> categories;
  std::vector<Enclosure> enclosures;
  // The publisher the item credits when it is syndicated (RSS <source>):
  // Google News items carry "Reuters", "Financial Times", ...
  std::string origin;
  std::string language;     // BCP 47 tag when known (item, else feed)
  std::string source_feed;  // config id or URL of the feed this came from
};

struct Feed {
  std::string title;  // plain text
  std::string link;   // absolute URL of the site (not of the feed itself)
  std::string description;
  FeedFormat format = FeedFormat::kUnknown;
  std::string version;   // "rss20", "rss091", "atom10", "atom03", "jsonfeed11", ...
  std::string language;  // BCP 47 tag when known
  std::optional<UtcTime> updated;

  // Polling hints the feed gives about itself.
  std::optional<int> ttl_minutes;      // RSS <ttl>, sy:updatePeriod/Frequency
  std::vector<int> skip_hours;         // RSS <skipHours>, 0-23 (GMT)
  std::vector<std::string> skip_days;  // RSS <skipDays>, "Monday", ...
};

}  // namespace mineral
