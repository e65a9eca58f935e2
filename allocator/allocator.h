#pragma once

#include <string>

namespace mineral {

// The allocator this process runs on: "mimalloc 2.0.9", or "glibc malloc"
// when the build leaves malloc to the C library (MINERAL_MIMALLOC=OFF, the
// sanitizer presets).
std::string AllocatorName();

}  // namespace mineral
