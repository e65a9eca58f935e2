#include "daemon/loop_pressure.h"

#include <algorithm>

namespace mineral::daemon {

size_t NextPollLimit(size_t current, size_t configured, std::chrono::milliseconds lag,
                     const LoopPressurePolicy& policy) {
  const size_t floor = std::min(policy.floor, configured);
  current = std::clamp(current, floor, configured);
  if (lag >= policy.high) {
    // One halving per `high` of lag: a timer on a starved loop fires
    // seldom, so one sample must carry how late the loop really is.
    const auto halvings = lag / std::max(policy.high, std::chrono::milliseconds(1));
    const size_t shifted = halvings >= 63 ? 0 : current >> halvings;
    return std::max(floor, shifted);
  }
  if (lag <= policy.low) return std::min(configured, current + 1);
  return current;
}

}  // namespace mineral::daemon
