#include "model/item.h"

namespace mineral {

const char* FeedFormatName(FeedFormat format) {
  switch (format) {
    case FeedFormat::kRss:
      return "rss";
    case FeedFormat::kRdf:
      return "rdf";
    case FeedFormat::kAtom:
      return "atom";
    case FeedFormat::kJsonFeed:
      return "jsonfeed";
    case FeedFormat::kJson:
      return "json";
    case FeedFormat::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace mineral
