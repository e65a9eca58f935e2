#include "feeds/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>

#include "text/text.h"

namespace mineral::feeds {
namespace {

// Browsers tolerate characters RFC 3986 does not (spaces, non-ASCII, '|',
// '^', ...) and percent-encode them; feeds rely on that.
bool KeptAsIs(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^' &&
         c != '`' && c != '{' && c != '|' && c != '}';
}

std::string EscapeForParsing(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  // Nearly every URL needs nothing: copied whole, not a byte at a time.
  size_t clean = 0;
  while (clean < s.size() && KeptAsIs(s[clean])) ++clean;
  std::string out(s.substr(0, clean));
  if (clean == s.size()) return out;
  out.reserve(s.size() + 16);
  for (char ch : s.substr(clean)) {
    if (KeptAsIs(ch)) {
      out.push_back(ch);
    } else {
      const auto c = static_cast<unsigned char>(ch);
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace

bool IsAbsoluteUrl(std::string_view url) {
  url = text::TrimAsciiWhitespace(url);
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  if (url.empty() || !std::isalpha(static_cast<unsigned char>(url[0]))) return false;
  for (size_t i = 1; i < url.size(); ++i) {
    const char c = url[i];
    if (c == ':') return true;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  ref = text::TrimAsciiWhitespace(ref);
  base = text::TrimAsciiWhitespace(base);
  if (IsAbsoluteUrl(ref) || base.empty() || !IsAbsoluteUrl(base)) return std::string(ref);
  const std::string escaped_base = EscapeForParsing(base);
  const std::string escaped_ref = EscapeForParsing(ref);
  auto parsed_base = boost::urls::parse_uri(escaped_base);
  auto parsed_ref = boost::urls::parse_uri_reference(escaped_ref);
  if (!parsed_base || !parsed_ref) return std::string(ref);
  boost::urls::url resolved;
  if (boost::urls::resolve(*parsed_base, *parsed_ref, resolved)) {
    return std::string(resolved.buffer());
  }
  return std::string(ref);
}

void ResolveUrlInPlace(std::string_view base, std::string& url) {
  // ResolveUrl trims `url` and returns an absolute one as it is: with nothing
  // to trim, that is `url` itself.
  if (text::TrimAsciiWhitespace(url).size() == url.size() && IsAbsoluteUrl(url)) return;
  url = ResolveUrl(base, url);
}

}  // namespace mineral::feeds
