// URL resolution for relative links (RFC 3986 section 5).
#pragma once

#include <string>
#include <string_view>

namespace mineral::feeds {

// `ref` resolved against `base`.  Returns `ref` (trimmed) unchanged when it is
// already absolute, when `base` is empty or not absolute, or when either does
// not parse.  Surrounding whitespace is trimmed and spaces inside are
// percent-encoded, as browsers do.  Pure.
std::string ResolveUrl(std::string_view base, std::string_view ref);

// ResolveUrl without its shortcut for plain relative paths: every reference
// is parsed and resolved by Boost.URL.  The reference the tests compare
// ResolveUrl against.
std::string ResolveUrlWithoutFastPath(std::string_view base, std::string_view ref);

// `url` = ResolveUrl(base, url).  A URL that is already absolute and has no
// whitespace around it (nearly every item link) is left as it is, without the
// copy ResolveUrl makes of it.
void ResolveUrlInPlace(std::string_view base, std::string& url);

// True for an absolute URL with a scheme ("https://x", "mailto:a@b").
bool IsAbsoluteUrl(std::string_view url);

}  // namespace mineral::feeds
