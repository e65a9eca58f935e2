// The result of parsing one feed document, and the knobs every parser takes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/item.h"

namespace mineral::feeds {

struct JsonMapping;

struct ParseOptions {
  // kUnknown: detect from the bytes (never from the content type alone).
  FeedFormat format = FeedFormat::kUnknown;
  // Required when format is kJson (or detection finds plain JSON); not owned.
  const JsonMapping* mapping = nullptr;
  // The URL the document was fetched from: the last base for relative links.
  std::string fetch_url;
  // The HTTP Content-Type, used only for its charset parameter (as a hint
  // below a BOM and above nothing: XML declarations win over it for XML).
  std::string content_type;
  // Copied into Item::source_feed.
  std::string source_feed;
  // Documents larger than this are refused before parsing (default 16 MiB).
  size_t max_document_bytes = 16 * 1024 * 1024;
  // Items past this count are dropped and reported in ParsedFeed::error.
  size_t max_items = 10000;
};

struct ParsedFeed {
  Feed feed;
  std::vector<Item> items;
  // Non-empty when the document was ill-formed or truncated but still gave
  // what is in `items` (feedparser's "bozo"): "unexpected end of document
  // inside <item>"; error_line/error_column say where (1-based, 0 if unknown).
  std::string error;
  size_t error_line = 0;
  size_t error_column = 0;
};

}  // namespace mineral::feeds
