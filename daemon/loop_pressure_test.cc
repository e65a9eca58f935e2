#include "daemon/loop_pressure.h"

#include <catch2/catch.hpp>

namespace mineral::daemon {
namespace {

using std::chrono::milliseconds;

TEST_CASE("a late loop halves the poll limit, down to the floor", "[loop-pressure]") {
  CHECK(NextPollLimit(32, 32, milliseconds(200)) == 16);
  CHECK(NextPollLimit(16, 32, milliseconds(399)) == 8);
  CHECK(NextPollLimit(5, 32, milliseconds(500)) == 2);
  CHECK(NextPollLimit(3, 32, milliseconds(500)) == 2);
  CHECK(NextPollLimit(2, 32, milliseconds(500)) == 2);
}

TEST_CASE("a lag of k times the late mark halves the limit k times", "[loop-pressure]") {
  // A timer on a starved loop fires seldom: seen in the scheduler test, one
  // sample 2.3 s late after 8 record steps of 300 ms.  One halving per
  // sample would answer a loop 10 times too late as gently as one just late.
  CHECK(NextPollLimit(32, 32, milliseconds(400)) == 8);
  CHECK(NextPollLimit(32, 32, milliseconds(600)) == 4);
  CHECK(NextPollLimit(32, 32, milliseconds(2300)) == 2);
  CHECK(NextPollLimit(1000, 1000, milliseconds(800)) == 1000 >> 4);
  // No overflow of the shift, however late.
  CHECK(NextPollLimit(32, 32, milliseconds(1000LL * 3600 * 24 * 365)) == 2);
}

TEST_CASE("a loop on time raises the limit by one, up to the configured one", "[loop-pressure]") {
  CHECK(NextPollLimit(2, 32, milliseconds(0)) == 3);
  CHECK(NextPollLimit(31, 32, milliseconds(50)) == 32);
  CHECK(NextPollLimit(32, 32, milliseconds(1)) == 32);
}

TEST_CASE("a lag between the thresholds keeps the limit", "[loop-pressure]") {
  CHECK(NextPollLimit(10, 32, milliseconds(51)) == 10);
  CHECK(NextPollLimit(10, 32, milliseconds(199)) == 10);
}

TEST_CASE("the limit stays within the configured one and the floor", "[loop-pressure]") {
  // A reload lowered max_concurrency below the current limit.
  CHECK(NextPollLimit(32, 8, milliseconds(100)) == 8);
  CHECK(NextPollLimit(32, 8, milliseconds(0)) == 8);
  // A configured limit below the floor is kept, late or not.
  CHECK(NextPollLimit(1, 1, milliseconds(1000)) == 1);
  CHECK(NextPollLimit(1, 1, milliseconds(0)) == 1);
  // A limit of 0 (never set) starts from the floor.
  CHECK(NextPollLimit(0, 32, milliseconds(1000)) == 2);
}

TEST_CASE("a custom policy", "[loop-pressure]") {
  LoopPressurePolicy policy;
  policy.high = milliseconds(1000);
  policy.low = milliseconds(10);
  policy.floor = 4;
  CHECK(NextPollLimit(32, 32, milliseconds(999), policy) == 32);
  CHECK(NextPollLimit(32, 32, milliseconds(1000), policy) == 16);
  CHECK(NextPollLimit(6, 32, milliseconds(5000), policy) == 4);
  CHECK(NextPollLimit(6, 32, milliseconds(10), policy) == 7);
}

}  // namespace
}  // namespace mineral::daemon
