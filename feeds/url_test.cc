#include "feeds/url.h"

#include <catch2/catch.hpp>

namespace mineral::feeds {
namespace {

TEST_CASE("ResolveUrl follows RFC 3986 section 5.4") {
  const std::string base = "http://a/b/c/d;p?q";
  struct Case {
    const char* ref;
    const char* want;
  };
  const Case cases[] = {
      {"g", "http://a/b/c/g"},        {"./g", "http://a/b/c/g"}, {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},           {"//g", "http://g"},       {"?y", "http://a/b/c/d;p?y"},
      {"#s", "http://a/b/c/d;p?q#s"}, {"../g", "http://a/b/g"},  {"../../g", "http://a/g"},
      {"", "http://a/b/c/d;p?q"},
  };
  for (const auto& c : cases) {
    INFO(c.ref);
    CHECK(ResolveUrl(base, c.ref) == c.want);
  }
}

TEST_CASE("ResolveUrl leaves absolute and unresolvable references alone") {
  CHECK(ResolveUrl("http://example.com/", " https://other.org/x ") == "https://other.org/x");
  CHECK(ResolveUrl("", "/relative") == "/relative");
  CHECK(ResolveUrl("not a url", "/relative") == "/relative");
  CHECK(ResolveUrl("http://example.com/a/", "mailto:x@y.org") == "mailto:x@y.org");
}

TEST_CASE("ResolveUrl percent-encodes what browsers would") {
  CHECK(ResolveUrl("http://example.com/news/", "a b.html") == "http://example.com/news/a%20b.html");
  CHECK(ResolveUrl("http://example.com/", "/稀土") == "http://example.com/%E7%A8%80%E5%9C%9F");
  // The first byte to escape first, last, and in the base: what comes
  // before it is copied whole.
  CHECK(ResolveUrl("http://example.com/news/", "|a") == "http://example.com/news/%7Ca");
  CHECK(ResolveUrl("http://example.com/news/", "a^") == "http://example.com/news/a%5E");
  CHECK(ResolveUrl("http://example.com/n{e}ws/", "a") == "http://example.com/n%7Be%7Dws/a");
}

TEST_CASE("ResolveUrlInPlace gives what ResolveUrl gives") {
  // Its shortcut (an absolute URL with no whitespace around it is kept)
  // against ResolveUrl on every prefix and suffix of URLs with and without a
  // scheme, whitespace around and inside, against bases good, bad and empty.
  const std::string_view bases[] = {"http://example.com/news/a.html",
                                    " https://x.org ",
                                    "",
                                    "not a url",
                                    "mailto:a@b",
                                    "http://a/b/c/d;p?q"};
  const std::string_view urls[] = {
      "https://www.example.com/news/2025/06/25/00002-0000.html?utm=1#top",
      " \thttp://example.com/a b\n",
      "../g?y#s",
      "//cdn.example.com/x.jpg",
      "mailto:x@y.org",
      "a+b-c.d:rest",
      "1http://x",
      "/\u7a00\u571f|^",
      "\v\f\r"};
  for (const std::string_view base : bases) {
    for (const std::string_view whole : urls) {
      for (size_t cut = 0; cut <= whole.size(); ++cut) {
        for (const std::string_view url : {whole.substr(0, cut), whole.substr(cut)}) {
          INFO("base [" << base << "] url [" << url << "]");
          std::string in_place(url);
          ResolveUrlInPlace(base, in_place);
          REQUIRE(in_place == ResolveUrl(base, url));
        }
      }
    }
  }
}

TEST_CASE("ResolveUrl's shortcut for plain paths gives what Boost.URL gives") {
  // Every base built from these parts against every reference: the shortcut
  // takes the plain ones and must agree with the long way on each; the rest
  // it must leave to the long way.
  const std::string_view schemes[] = {"http://", "https://", "HTTP://", "ftp://", "mailto:"};
  const std::string_view hosts[] = {"a",     "www.example.com", "host:8080", "host:", "user@host",
                                    "[::1]", "exa_mple.com",    "",          "h~st"};
  const std::string_view paths[] = {"",        "/",     "/b/c/d;p", "/b/c/",  "/./x",
                                    "/a/../b", "//x",   "/a:b/c",   "/%41/b", "/a b/",
                                    "/b/c/d.", "/b/..", "/x/y.html"};
  const std::string_view tails[] = {"", "?q", "#f", "?q#f", "?a/b?c", "#a#b", "?a|b"};
  const std::string_view refs[] = {"g",
                                   "g/",
                                   "/g",
                                   "g?y",
                                   "g#s",
                                   "g?y#s",
                                   "a/b/c.html",
                                   ".g",
                                   "g.",
                                   "..g",
                                   "./g",
                                   "../g",
                                   "g/.",
                                   "g/..",
                                   "a:b",
                                   "b/a:c",
                                   "/a:b",
                                   "%41",
                                   "a b",
                                   "稀土",
                                   ";x",
                                   "g;x?y#s",
                                   "@x",
                                   "~u",
                                   "a?b?c",
                                   "a#b#c",
                                   "a#b?c",
                                   "!$&'()*+,=",
                                   "[x]",
                                   "g|",
                                   "/g//h",
                                   "g//h",
                                   "g?y|z",
                                   "g#s^",
                                   "/",
                                   "//g",
                                   "?y",
                                   "#s",
                                   ".",
                                   "..",
                                   "/./g",
                                   "g/./h",
                                   "news/2025/06/25/00003-0000.html"};
  for (const auto scheme : schemes) {
    for (const auto host : hosts) {
      for (const auto path : paths) {
        for (const auto tail : tails) {
          const std::string base =
              std::string(scheme) + std::string(host) + std::string(path) + std::string(tail);
          for (const auto ref : refs) {
            INFO("base [" << base << "] ref [" << ref << "]");
            REQUIRE(ResolveUrl(base, ref) == ResolveUrlWithoutFastPath(base, ref));
          }
        }
      }
    }
  }
}

TEST_CASE("IsAbsoluteUrl wants a scheme") {
  CHECK(IsAbsoluteUrl("https://x"));
  CHECK(IsAbsoluteUrl("urn:tag:sec.gov,2008:accession-number=1"));
  CHECK_FALSE(IsAbsoluteUrl("/x"));
  CHECK_FALSE(IsAbsoluteUrl("1:2"));
  CHECK_FALSE(IsAbsoluteUrl(""));
}

}  // namespace
}  // namespace mineral::feeds
