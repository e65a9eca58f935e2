#include "text/run_scan.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mineral::text::internal {
namespace {

// The run's definition (run_scan.h), written without the scanners' tables.
size_t ReferenceRunEnd(std::string_view s, size_t i, bool markup) {
  const auto stops = [&](char c) {
    return c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
           (markup && (c == '<' || c == '&'));
  };
  for (; i < s.size(); ++i) {
    if (stops(s[i])) return i;
    if (s[i] == ' ' && (i + 1 == s.size() || s[i + 1] == ' ' || stops(s[i + 1]))) return i;
  }
  return s.size();
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> isas = {Isa::kPortable};
  if (BestIsa() >= Isa::kSse2) isas.push_back(Isa::kSse2);
  if (BestIsa() >= Isa::kAvx2) isas.push_back(Isa::kAvx2);
  return isas;
}

const char* Name(Isa isa) {
  switch (isa) {
    case Isa::kAvx2:
      return "AVX2";
    case Isa::kSse2:
      return "SSE2";
    default:
      return "portable";
  }
}

// Restores the best ISA when a test is done with another.
struct IsaScope {
  explicit IsaScope(Isa isa) { UseIsaForTesting(isa); }
  ~IsaScope() { UseIsaForTesting(BestIsa()); }
};

// `text` in a heap block of exactly its size, so AddressSanitizer reports a
// scanner reading a byte past it.
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view text) : size_(text.size()), bytes_(new char[text.size()]) {
    if (size_ != 0) std::memcpy(bytes_.get(), text.data(), size_);
  }
  const char* data() const { return bytes_.get(); }
  size_t size() const { return size_; }

 private:
  size_t size_;
  std::unique_ptr<char[]> bytes_;
};

// Runs every scanner of `isa` on `text` from every start, against the
// reference; the copying ones write into a block of exactly the room they
// are promised.
void CheckEveryStart(Isa isa, std::string_view text) {
  const ExactBuffer input(text);
  const RunScanners& scan = Scanners();
  for (size_t i = 0; i <= text.size(); ++i) {
    const size_t plain = ReferenceRunEnd(text, i, false);
    const size_t markup = ReferenceRunEnd(text, i, true);
    const size_t plain_end = scan.plain_run_end(input.data(), i, input.size());
    std::unique_ptr<char[]> out(new char[plain - i + kCopySpill]);
    const size_t plain_copied = scan.copy_plain_run(input.data(), i, input.size(), out.get());
    const bool plain_copy_ok = plain_copied == plain &&
                               std::string_view(out.get(), plain - i) == text.substr(i, plain - i);
    out.reset(new char[markup - i + kCopySpill]);
    const size_t markup_copied = scan.copy_markup_run(input.data(), i, input.size(), out.get());
    const bool markup_copy_ok =
        markup_copied == markup &&
        std::string_view(out.get(), markup - i) == text.substr(i, markup - i);
    // A plain `if` first: Catch's INFO per case is slow.
    if (plain_end != plain || !plain_copy_ok || !markup_copy_ok) {
      INFO(Name(isa) << ": [" << text << "] (" << text.size() << " bytes) from " << i);
      CHECK(plain_end == plain);
      CHECK(plain_copied == plain);
      CHECK(plain_copy_ok);
      CHECK(markup_copied == markup);
      CHECK(markup_copy_ok);
    }
  }
}

TEST_CASE("The best ISA is the one in use unless a test chose another", "[text]") {
  CHECK(ActiveIsa() == BestIsa());
  {
    const IsaScope scope(Isa::kPortable);
    CHECK(ActiveIsa() == Isa::kPortable);
  }
  CHECK(ActiveIsa() == BestIsa());
#if defined(__x86_64__)
  CHECK(BestIsa() >= Isa::kSse2);  // part of x86-64
#endif
}

TEST_CASE("Run scanners find each break at every offset of their blocks", "[text]") {
  // One breaking byte (or pair) at every position of plain text of every
  // length up to three 32-byte blocks and a byte: block ends, tails of every
  // length, and the byte after a block all get one.
  const std::string_view breaks[] = {"\t", "\n", "\v",  "\f", "\r", "<",
                                     "&",  "  ", " \t", " <", " &", " \n"};
  // Bytes that look like breaks to a careless compare: neighbours of \t-\r
  // and of the space, bytes past 0x7F, NUL.
  const std::string_view plains[] = {"x", "\x08", "\x0E", "\x1F",
                                     "!", "\x80", "\xFF", std::string_view("\0", 1)};
  for (const Isa isa : SupportedIsas()) {
    const IsaScope scope(isa);
    for (size_t length = 0; length <= 97; ++length) {
      for (const std::string_view plain : plains) {
        std::string text;
        for (size_t k = 0; k < length; ++k) text += k % 4 == 3 ? " " : plain;  // single spaces
        if (plain == plains[0]) CheckEveryStart(isa, text);
        for (const std::string_view brk : breaks) {
          for (size_t at = 0; at < length; ++at) {
            std::string broken = text;
            broken.replace(at, std::min(brk.size(), length - at), brk.substr(0, length - at));
            const ExactBuffer input(broken);
            const RunScanners& scan = Scanners();
            // From the start only: every start is covered below, on random
            // text.  A plain `if` first: Catch's INFO per case is slow.
            std::unique_ptr<char[]> out(new char[broken.size() + kCopySpill]);
            const size_t plain_end = scan.plain_run_end(input.data(), 0, input.size());
            const size_t markup_end =
                scan.copy_markup_run(input.data(), 0, input.size(), out.get());
            if (plain_end != ReferenceRunEnd(broken, 0, false) ||
                markup_end != ReferenceRunEnd(broken, 0, true)) {
              INFO(Name(isa) << ": [" << broken << "]");
              CHECK(plain_end == ReferenceRunEnd(broken, 0, false));
              CHECK(markup_end == ReferenceRunEnd(broken, 0, true));
            }
          }
        }
      }
    }
  }
}

TEST_CASE("Run scanners agree with the reference on random text from every start", "[text]") {
  std::mt19937 rng(31);
  constexpr std::string_view kAlphabet("    xxxxxxxxyz\t\n\v\f\r<&\xC3\xA9\x80\xFF\0", 27);
  std::uniform_int_distribution<size_t> length_dist(0, 100);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  for (const Isa isa : SupportedIsas()) {
    const IsaScope scope(isa);
    for (int round = 0; round < 600; ++round) {
      std::string text(length_dist(rng), 'x');
      for (char& c : text) c = kAlphabet[pick(rng)];
      CheckEveryStart(isa, text);
    }
  }
}

TEST_CASE("Run scanners copy long runs whole", "[text]") {
  // Runs of many blocks, ending at the end or at a '<', from every
  // alignment of the input.
  for (const Isa isa : SupportedIsas()) {
    const IsaScope scope(isa);
    std::string text;
    for (int k = 0; k < 20; ++k) text += "word \xE7\xA8\x80 ";
    text += "end";
    for (size_t skip = 0; skip <= 33; ++skip) {
      CheckEveryStart(isa, std::string_view(text).substr(skip));
      CheckEveryStart(isa, text.substr(skip) + "<p>");
    }
  }
}

}  // namespace
}  // namespace mineral::text::internal
