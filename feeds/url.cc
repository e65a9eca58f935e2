#include "feeds/url.h"

#include <array>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <optional>

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
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":", in ASCII (the
  // <cctype> classes answer by the locale).
  const auto alpha = [](char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; };
  if (url.empty() || !alpha(url[0])) return false;
  for (size_t i = 1; i < url.size(); ++i) {
    const char c = url[i];
    if (c == ':') return true;
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

namespace {

// Bytes RFC 3986 allows in a path segment as they are (pchar without
// pct-encoded): unreserved, sub-delims, ':' and '@'.
constexpr std::array<bool, 256> kPathByte = [] {
  std::array<bool, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (unsigned char c : std::string_view("-._~!$&'()*+,;=:@")) table[c] = true;
  return table;
}();

bool IsPathByte(char c) { return kPathByte[static_cast<unsigned char>(c)]; }

// The bytes of a host name (a reg-name) taken without a closer look.
bool IsHostByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

// Whether `path` ("/a/b", "a/b/") has a "." or ".." segment.
bool HasDotSegment(std::string_view path) {
  for (size_t begin = 0; begin <= path.size();) {
    size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(begin, end - begin);
    if (segment == "." || segment == "..") return true;
    begin = end + 1;
  }
  return false;
}

// The end of the plain path that starts at s[from]: where its query or
// fragment begins, or s.size().  npos when anything from s[from] on is not
// plain: only pchar bytes and '/' in the path, and those and '?' in a query
// and a fragment.
size_t PlainPathEnd(std::string_view s, size_t from) {
  size_t i = from;
  while (i < s.size() && (IsPathByte(s[i]) || s[i] == '/')) ++i;
  const size_t end = i;
  if (end == s.size()) return end;
  if (s[end] != '?' && s[end] != '#') return std::string_view::npos;
  bool in_fragment = s[end] == '#';
  for (++i; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '#' && !in_fragment) {
      in_fragment = true;
    } else if (!IsPathByte(c) && c != '/' && c != '?') {
      return std::string_view::npos;
    }
  }
  return end;
}

// ResolveUrl for the references most feeds use, a relative path of plain
// segments ("news/2025/a.html", "/feed/a?x=1#y") against a plain http(s)-like
// base ("https://host:8080/dir/page"), without parsing either into a URL
// object: nothing to escape, no dot segment to remove, no userinfo, IP
// literal or percent-encoding.  nullopt for anything else, which goes the
// long way.  Both are trimmed, `ref` is relative and `base` absolute.
std::optional<std::string> ResolvePlainPath(std::string_view base, std::string_view ref) {
  if (ref.empty() || ref[0] == '?' || ref[0] == '#' || ref.starts_with("//")) return std::nullopt;
  const size_t ref_path_end = PlainPathEnd(ref, 0);
  if (ref_path_end == std::string_view::npos || ref_path_end == 0) return std::nullopt;
  const std::string_view ref_path = ref.substr(0, ref_path_end);
  // A ':' in the first segment would make the reference a bad scheme.
  if (ref[0] != '/' && ref_path.substr(0, ref_path.find('/')).find(':') != std::string_view::npos) {
    return std::nullopt;
  }
  if (HasDotSegment(ref_path)) return std::nullopt;

  const size_t scheme_end = base.find(':');  // IsAbsoluteUrl checked the scheme
  if (base.compare(scheme_end, 3, "://") != 0) return std::nullopt;
  const size_t host_begin = scheme_end + 3;
  size_t i = host_begin;
  while (i < base.size() && IsHostByte(base[i])) ++i;
  if (i == host_begin) return std::nullopt;
  if (i < base.size() && base[i] == ':') {  // a port
    ++i;
    while (i < base.size() && base[i] >= '0' && base[i] <= '9') ++i;
  }
  const size_t path_begin = i;
  const size_t path_end = PlainPathEnd(base, path_begin);
  if (path_end == std::string_view::npos || (path_end > path_begin && base[path_begin] != '/')) {
    return std::nullopt;
  }
  const std::string_view base_path = base.substr(path_begin, path_end - path_begin);
  if (HasDotSegment(base_path)) return std::nullopt;

  std::string out;
  if (ref[0] == '/') {
    out.reserve(path_begin + ref.size());
    out.append(base.substr(0, path_begin));
  } else {
    // RFC 3986 section 5.2.3: the base path up to its last '/', or "/" when
    // it is empty.
    const size_t keep = base_path.empty() ? path_begin : path_begin + base_path.rfind('/') + 1;
    out.reserve(keep + 1 + ref.size());
    out.append(base.substr(0, keep));
    if (base_path.empty()) out.push_back('/');
  }
  out.append(ref);
  return out;
}

// Both trimmed; `ref` relative, `base` absolute.
std::string ResolveWithBoost(std::string_view base, std::string_view ref) {
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

// ResolveUrl, with or without ResolvePlainPath.
std::string Resolve(std::string_view base, std::string_view ref, bool fast_path) {
  ref = text::TrimAsciiWhitespace(ref);
  base = text::TrimAsciiWhitespace(base);
  if (IsAbsoluteUrl(ref) || base.empty() || !IsAbsoluteUrl(base)) return std::string(ref);
  if (fast_path) {
    if (std::optional<std::string> plain = ResolvePlainPath(base, ref)) return *std::move(plain);
  }
  return ResolveWithBoost(base, ref);
}

}  // namespace

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  return Resolve(base, ref, true);
}

std::string ResolveUrlWithoutFastPath(std::string_view base, std::string_view ref) {
  return Resolve(base, ref, false);
}

void ResolveUrlInPlace(std::string_view base, std::string& url) {
  // ResolveUrl trims `url` and returns an absolute one as it is: with nothing
  // to trim, that is `url` itself.
  if (text::TrimAsciiWhitespace(url).size() == url.size() && IsAbsoluteUrl(url)) return;
  url = ResolveUrl(base, url);
}

}  // namespace mineral::feeds
