#include "net/content_decoder.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace mineral::net {

struct ContentDecoder::Zlib {
  z_stream z{};
  bool initialised = false;
  bool in_stream = false;  // a stream (member) began and has not ended
  bool produced = false;   // any output yet (raw deflate fallback only before)
  bool Init(int window_bits) {
    if (initialised) inflateEnd(&z);
    z = z_stream{};
    initialised = inflateInit2(&z, window_bits) == Z_OK;
    return initialised;
  }
  ~Zlib() {
    if (initialised) inflateEnd(&z);
  }
};

namespace {

std::string Normalise(std::string_view coding) {
  std::string out;
  for (char c : coding) {
    if (c != ' ' && c != '\t')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

ContentDecoder::ContentDecoder(std::string_view coding, size_t max_output)
    : max_output_(max_output) {
  const std::string name = Normalise(coding);
  if (name.empty() || name == "identity") return;
  identity_ = false;
  zlib_ = std::make_unique<Zlib>();
  if (name == "gzip" || name == "x-gzip") {
    supported_ = zlib_->Init(16 + MAX_WBITS);
  } else if (name == "deflate") {
    raw_deflate_ok_ = true;
    supported_ = zlib_->Init(MAX_WBITS);
  } else {
    supported_ = false;
  }
}

ContentDecoder::~ContentDecoder() = default;

ContentDecoder::Result ContentDecoder::Write(std::string_view data, std::string& out) {
  if (failed_ || !supported_) return Result::kCorrupt;
  if (identity_) {
    if (out.size() + data.size() > max_output_) {
      failed_ = true;
      return Result::kTooLarge;
    }
    out.append(data);
    return Result::kOk;
  }
  z_stream& z = zlib_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  while (z.avail_in > 0) {
    zlib_->in_stream = true;
    char chunk[16384];
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof chunk - z.avail_out;
    if (out.size() + produced > max_output_) {
      failed_ = true;
      return Result::kTooLarge;
    }
    out.append(chunk, produced);
    if (produced > 0) zlib_->produced = true;
    if (rc == Z_STREAM_END) {
      zlib_->in_stream = false;
      // Another gzip member may follow; anything else after the end is
      // ignored, as every decoder does.
      if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
        inflateReset(&z);
        continue;
      }
      z.avail_in = 0;
      break;
    }
    if (rc == Z_DATA_ERROR && raw_deflate_ok_ && !zlib_->produced) {
      // "deflate" sent without the zlib wrapper: start over as raw deflate.
      raw_deflate_ok_ = false;
      const Bytef* rest = reinterpret_cast<const Bytef*>(data.data());
      if (!zlib_->Init(-MAX_WBITS)) {
        failed_ = true;
        return Result::kCorrupt;
      }
      z.next_in = const_cast<Bytef*>(rest);
      z.avail_in = static_cast<uInt>(data.size());
      continue;
    }
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && produced == 0 && z.avail_in == 0)) {
      failed_ = true;
      return Result::kCorrupt;
    }
  }
  return Result::kOk;
}

bool ContentDecoder::Complete() const {
  if (failed_) return false;
  return identity_ || !zlib_ || !zlib_->in_stream;
}

}  // namespace mineral::net
