// Mutator: deterministic random edits of a document, a cheap stand-in for
// the fuzzer (fuzz/) that runs with the unit tests.  xorshift64, so a
// failure repeats with the same seed.  Header-only: parser tests use it
// without linking the rest of testkit.
#pragma once

#include <cstdint>
#include <string>

namespace mineral::testkit {

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }

  // `doc` after 1-4 edits: a byte replaced by a character JSON gives meaning
  // to (or a NUL, or a byte never valid in UTF-8), a truncation, a span of
  // up to 16 bytes erased, a span of up to 64 bytes copied elsewhere.
  std::string MutateJson(std::string doc) {
    static constexpr char kTokens[] = "{}[]\",:0123456789.-+eE ntfu\\\x00\xff";
    const int edits = 1 + static_cast<int>(Next() % 4);
    for (int e = 0; e < edits && !doc.empty(); ++e) {
      const size_t at = Next() % doc.size();
      switch (Next() % 4) {
        case 0:
          doc[at] = kTokens[Next() % (sizeof(kTokens) - 1)];
          break;
        case 1:
          doc.resize(at);
          break;
        case 2:
          doc.erase(at, 1 + Next() % 16);
          break;
        case 3:
          doc.insert(at, doc.substr(Next() % doc.size(), Next() % 64));
          break;
      }
    }
    return doc;
  }

 private:
  uint64_t state_;
};

}  // namespace mineral::testkit
