// libmineral_clock_shift.so: moves a process's wall clock and nothing else,
// for the clock-jump scenario.  LD_PRELOAD it and name a file in
// $MINERAL_CLOCK_SHIFT_FILE holding a number of seconds (e.g. -3600);
// clock_gettime(CLOCK_REALTIME*) then reads that much off the real time,
// the file re-read at most every 50 ms, so a test jumps the clock by
// rewriting it.  The monotonic clocks, timers and sleeps are left alone, as
// when NTP or an operator steps a machine's clock.  (libfaketime also moves
// absolute timerfd expiries by the offset, which stalls an event loop whose
// wall clock goes back further than the machine's uptime.)
#include <dlfcn.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace {

using ClockGettime = int (*)(clockid_t, struct timespec*);

ClockGettime Real() {
  static const ClockGettime real =
      reinterpret_cast<ClockGettime>(dlsym(RTLD_NEXT, "clock_gettime"));
  return real;
}

long long ShiftSeconds() {
  static std::atomic<long long> shift{0};
  static std::atomic<long long> read_at_ns{-1};
  struct timespec mono {};
  Real()(CLOCK_MONOTONIC, &mono);
  const long long now_ns = mono.tv_sec * 1'000'000'000LL + mono.tv_nsec;
  const long long last = read_at_ns.load();
  if (last < 0 || now_ns - last > 50'000'000LL) {
    read_at_ns = now_ns;
    if (const char* path = std::getenv("MINERAL_CLOCK_SHIFT_FILE")) {
      const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        char buf[32] = {};
        if (::read(fd, buf, sizeof buf - 1) > 0) shift = std::strtoll(buf, nullptr, 10);
        ::close(fd);
      }
    }
  }
  return shift;
}

}  // namespace

extern "C" int clock_gettime(clockid_t id, struct timespec* ts) {
  const int rc = Real()(id, ts);
  if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
    ts->tv_sec += ShiftSeconds();
  return rc;
}
