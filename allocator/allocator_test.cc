#include "allocator/allocator.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <string>

#ifdef MINERAL_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace mineral {
namespace {

#ifdef MINERAL_WITH_MIMALLOC
// Linking mimalloc is meant to replace malloc for the whole process: memory
// from malloc, from operator new and from a library's allocations (a
// std::string's buffer, allocated inside libstdc++'s templates) all comes
// from mimalloc's heap.  If the link order ever let the C library's malloc
// win, these pointers would lie outside it.
TEST_CASE("mimalloc serves malloc, operator new and library allocations") {
  CHECK_THAT(AllocatorName(), Catch::StartsWith("mimalloc 2."));
  void* p = std::malloc(100);
  REQUIRE(p != nullptr);
  CHECK(mi_is_in_heap_region(p));
  std::free(p);
  const auto q = std::make_unique<char[]>(5000);
  CHECK(mi_is_in_heap_region(q.get()));
  const std::string s(300, 'x');
  CHECK(mi_is_in_heap_region(s.data()));
}
#else
TEST_CASE("Without mimalloc the C library's malloc is named") {
  CHECK(AllocatorName() == "glibc malloc");
}
#endif

}  // namespace
}  // namespace mineral
