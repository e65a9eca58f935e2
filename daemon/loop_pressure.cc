#include "daemon/loop_pressure.h"

#include <algorithm>

namespace mineral::daemon {

size_t NextPollLimit(size_t current, size_t configured, std::chrono::milliseconds lag,
                     const LoopPressurePolicy& policy) {
  const size_t floor = std::min(policy.floor, configured);
  current = std::clamp(current, floor, configured);
  if (lag >= policy.high) return std::max(floor, current / 2);
  if (lag <= policy.low) return std::min(configured, current + 1);
  return current;
}

}  // namespace mineral::daemon
