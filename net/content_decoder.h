// ContentDecoder: an HTTP body's Content-Encoding (gzip, deflate) undone as
// the bytes stream in, with a limit on the decoded size, and a verdict on
// whether the compressed stream ended where it should.
//
// libcurl's own decoders accept a gzip stream cut off before its end (as
// browsers do), so a body truncated in transit, with a Content-Length that
// agrees, would pass as a complete feed; this decoder reports it instead.
// Pure: bytes in, bytes out, no I/O.  Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace mineral::net {

class ContentDecoder {
 public:
  enum class Result { kOk, kTooLarge, kCorrupt };

  // `coding` is the Content-Encoding value: "gzip", "x-gzip", "deflate"
  // (zlib-wrapped as RFC 9110 says, or raw as some servers send it), or ""
  // / "identity" for none.  Anything else is unsupported (supported() is
  // false).  Decoded output is capped at `max_output` bytes.
  ContentDecoder(std::string_view coding, size_t max_output);
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  bool supported() const { return supported_; }

  // Appends what `data` decodes to to `out`.  kTooLarge once `out` would
  // pass max_output; kCorrupt when the bytes are not of the coding.  After
  // an error the decoder stays failed.  Several gzip members one after
  // another (RFC 1952 section 2.2) decode to their concatenation.
  Result Write(std::string_view data, std::string& out);

  // After the last byte: true when no compressed stream was left open (a
  // body cut short is false).  An empty body is complete.
  bool Complete() const;

 private:
  struct Zlib;
  bool supported_ = true;
  bool identity_ = true;
  bool raw_deflate_ok_ = false;  // "deflate": retry as raw once if zlib framing fails
  bool failed_ = false;
  size_t max_output_;
  std::unique_ptr<Zlib> zlib_;
};

}  // namespace mineral::net
