#include "allocator/allocator.h"

#ifdef MINERAL_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace mineral {

std::string AllocatorName() {
#ifdef MINERAL_WITH_MIMALLOC
  // mi_version() is major * 100 + minor * 10 + patch (209 for 2.0.9).
  const int v = mi_version();
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
         std::to_string(v % 10);
#else
  return "glibc malloc";
#endif
}

}  // namespace mineral
