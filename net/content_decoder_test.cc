#include "net/content_decoder.h"

#include <zlib.h>

#include <catch2/catch.hpp>

#include "tests/testkit/http_test_server.h"

namespace mineral::net {
namespace {

using Result = ContentDecoder::Result;

const std::string kText = "<rss><channel><item><title>Gallium</title></item></channel></rss>";

// zlib-wrapped (window_bits 15) or raw (-15) deflate of `text`.
std::string Deflate(const std::string& text, int window_bits) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string DecodeAll(std::string_view coding, const std::string& bytes,
                      Result expect = Result::kOk, bool complete = true, size_t limit = 1 << 20) {
  ContentDecoder d(coding, limit);
  REQUIRE(d.supported());
  std::string out;
  CHECK(d.Write(bytes, out) == expect);
  CHECK(d.Complete() == complete);
  return out;
}

TEST_CASE("content decoder: identity passes bytes through, within the limit", "[net]") {
  CHECK(DecodeAll("", kText) == kText);
  CHECK(DecodeAll("identity", kText) == kText);
  ContentDecoder d("", 10);
  std::string out;
  CHECK(d.Write("0123456789", out) == Result::kOk);
  CHECK(d.Write("x", out) == Result::kTooLarge);
  CHECK(out == "0123456789");
}

TEST_CASE("content decoder: gzip, whole or a byte at a time, and several members", "[net]") {
  const std::string gz = testkit::Gzip(kText);
  CHECK(DecodeAll("gzip", gz) == kText);
  CHECK(DecodeAll(" X-Gzip ", gz) == kText);
  ContentDecoder d("gzip", 1 << 20);
  std::string out;
  for (char c : gz) REQUIRE(d.Write(std::string_view(&c, 1), out) == Result::kOk);
  CHECK(out == kText);
  CHECK(d.Complete());
  CHECK(DecodeAll("gzip", gz + testkit::Gzip("<!-- 2 -->")) == kText + "<!-- 2 -->");
}

TEST_CASE("content decoder: a gzip stream cut short is not complete", "[net]") {
  const std::string gz = testkit::Gzip(kText);
  // Cut anywhere, even just before the 8-byte trailer: the stream is open.
  for (size_t cut : {size_t{1}, gz.size() / 2, gz.size() - 8, gz.size() - 1}) {
    INFO(cut);
    ContentDecoder d("gzip", 1 << 20);
    std::string out;
    CHECK(d.Write(std::string_view(gz).substr(0, cut), out) == Result::kOk);
    CHECK_FALSE(d.Complete());
  }
  ContentDecoder empty("gzip", 1 << 20);
  CHECK(empty.Complete());  // no body at all (a HEAD, a 304) is not a cut stream
}

TEST_CASE("content decoder: deflate with and without the zlib wrapper", "[net]") {
  CHECK(DecodeAll("deflate", Deflate(kText, 15)) == kText);
  CHECK(DecodeAll("deflate", Deflate(kText, -15)) == kText);
}

TEST_CASE("content decoder: not gzip, a bomb, an unknown coding", "[net]") {
  DecodeAll("gzip", "<rss>plain text sent as gzip</rss>", Result::kCorrupt, false);
  const std::string bomb = testkit::GzipBomb(size_t{8} << 20);
  std::string out = DecodeAll("gzip", bomb, Result::kTooLarge, false, 1 << 20);
  CHECK(out.size() <= size_t{1} << 20);
  CHECK_FALSE(ContentDecoder("br", 100).supported());
  CHECK_FALSE(ContentDecoder("gzip, br", 100).supported());
}

}  // namespace
}  // namespace mineral::net
