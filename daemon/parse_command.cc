#include "daemon/parse_command.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <sstream>

#include "daemon/cli.h"
#include "daemon/input.h"
#include "feeds/json_mapping.h"
#include "feeds/parser.h"
#include "model/json_out.h"

namespace mineral::daemon {

const char kParseHelp[] =
    "usage: mineral-alertd parse [options] FILE|- [FILE...]\n"
    "\n"
    "Parses feed documents (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1,\n"
    "or any JSON API through a mapping) and prints, for each, one line holding\n"
    "one JSON object:\n"
    "  {\"feed\": {\"title\", \"link\", \"format\", ...},\n"
    "   \"items\": [{\"id\", \"key\", \"title\", \"link\", \"published\", \"updated\",\n"
    "              \"author\", \"summary\", \"content\", \"categories\", ...}],\n"
    "   \"error\": \"...\"}\n"
    "Times are RFC 3339 in UTC; summary and content are plain text; missing\n"
    "fields are omitted.  \"error\" appears when the document was ill-formed but\n"
    "still gave items (the exit status is then 0).  `-` reads standard input.\n"
    "\n"
    "options:\n"
    "  --format F         auto (default), rss, rdf, atom, jsonfeed or json\n"
    "  --map MAPPING      mapping for a JSON API: a built-in name (federal-register,\n"
    "                     asx-markitdigital, asx-legacy, govcn-policy-library) or\n"
    "                     the path of a mapping file (docs/json-mapping.md)\n"
    "  --base-url URL     the URL the document came from, for relative links\n"
    "  --content-type T   the HTTP Content-Type, for its charset\n"
    "  --max-bytes N      refuse documents larger than N bytes (default 16777216)\n"
    "  --max-items N      keep at most N items (default 10000)\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 0 ok, 1 a document could not be read or parsed, 2 usage error\n";

std::string RenderParsedFeedJson(const feeds::ParsedFeed& parsed) {
  JsonOut json;
  json.w().StartObject();
  json.StartObject("feed");
  const Feed& feed = parsed.feed;
  json.StrIfSet("title", feed.title);
  json.StrIfSet("link", feed.link);
  json.StrIfSet("format", FeedFormatName(feed.format));
  json.StrIfSet("version", feed.version);
  json.StrIfSet("language", feed.language);
  json.StrIfSet("description", feed.description);
  json.TimeIfSet("updated", feed.updated);
  if (feed.ttl_minutes) {
    json.Int("ttl", *feed.ttl_minutes);
  }
  json.w().EndObject();
  json.StartArray("items");
  for (const Item& item : parsed.items) {
    json.w().StartObject();
    json.StrIfSet("id", item.guid);
    json.StrIfSet("key", item.key);
    json.StrIfSet("title", item.title);
    json.StrIfSet("link", item.link);
    json.TimeIfSet("published", item.published);
    json.TimeIfSet("updated", item.updated);
    if (!item.authors.empty()) json.StrIfSet("author", item.authors.front());
    json.StrIfSet("summary", item.summary_text);
    json.StrIfSet("content", item.content_text);
    json.StringsIfAny("categories", item.categories);
    json.StrIfSet("origin", item.origin);
    json.StrIfSet("language", item.language);
    if (!item.enclosures.empty()) {
      json.StartArray("enclosures");
      for (const Enclosure& e : item.enclosures) {
        json.w().StartObject();
        json.StrIfSet("url", e.url);
        json.StrIfSet("type", e.type);
        if (e.length > 0) {
          json.Int("length", e.length);
        }
        json.w().EndObject();
      }
      json.w().EndArray();
    }
    json.w().EndObject();
  }
  json.w().EndArray();
  if (!parsed.error.empty()) {
    std::string error = parsed.error;
    if (parsed.error_line > 0) {
      error = "line " + std::to_string(parsed.error_line) + ", column " +
              std::to_string(parsed.error_column) + ": " + error;
    }
    json.StrIfSet("error", error);
  }
  json.w().EndObject();
  return json.Take();
}

int RunParseCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  feeds::ParseOptions options;
  std::vector<std::string> files;
  std::string map_arg;
  auto usage_error = [&](const std::string& message) {
    err << "mineral-alertd parse: " << message << "\n"
        << "run `mineral-alertd parse --help` for usage\n";
    return kExitUsage;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* into) -> bool {
      if (i + 1 >= args.size()) return false;
      *into = args[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      out << kParseHelp;
      return kExitOk;
    } else if (a == "--format") {
      if (!value(&v)) return usage_error("--format needs a value");
      if (v == "auto")
        options.format = FeedFormat::kUnknown;
      else if (v == "rss")
        options.format = FeedFormat::kRss;
      else if (v == "rdf")
        options.format = FeedFormat::kRdf;
      else if (v == "atom")
        options.format = FeedFormat::kAtom;
      else if (v == "jsonfeed")
        options.format = FeedFormat::kJsonFeed;
      else if (v == "json")
        options.format = FeedFormat::kJson;
      else
        return usage_error("unknown format '" + v + "' (auto, rss, rdf, atom, jsonfeed, json)");
    } else if (a == "--map") {
      if (!value(&map_arg)) return usage_error("--map needs a value");
    } else if (a == "--base-url") {
      if (!value(&options.fetch_url)) return usage_error("--base-url needs a value");
    } else if (a == "--content-type") {
      if (!value(&options.content_type)) return usage_error("--content-type needs a value");
    } else if (a == "--max-bytes" || a == "--max-items") {
      if (!value(&v)) return usage_error(a + " needs a value");
      const auto n = ParsePositiveSize(v);
      if (!n) return usage_error(a + " wants a positive integer, not '" + v + "'");
      (a == "--max-bytes" ? options.max_document_bytes : options.max_items) = *n;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) return usage_error("no input: give a FILE, or - for standard input");

  std::optional<feeds::JsonMapping> mapping;
  if (!map_arg.empty()) {
    Result<feeds::JsonMapping> m = Status::NotFound("");
    std::error_code ec;
    if (std::filesystem::is_regular_file(map_arg, ec)) {
      std::ifstream f(map_arg, std::ios::binary);
      std::stringstream text;
      text << f.rdbuf();
      m = feeds::ParseJsonMapping(text.str(), map_arg);
    } else {
      m = feeds::LoadBuiltinMapping(map_arg);
    }
    if (!m.ok()) {
      err << "mineral-alertd parse: " << m.status().message() << "\n";
      return kExitUsage;
    }
    mapping = std::move(*m);
    options.mapping = &*mapping;
  }

  return ForEachFeed(
      files, options, in, err,
      [&](const feeds::ParsedFeed& parsed) { out << RenderParsedFeedJson(parsed) << "\n"; },
      [&](const std::string& message) {
        JsonOut json;
        json.w().StartObject();
        json.Str("error", message);
        json.w().EndObject();
        out << json.Take() << "\n";
      });
}

}  // namespace mineral::daemon
