#include "systemd/notifier.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <ctime>

namespace mineral::systemd {

Notifier::Notifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  uint64_t usec = 0;
  // unset_environment = 0: a child process (none today) would inherit it,
  // and tests read it back.
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_ = std::chrono::microseconds(usec);
}

void Notifier::Send(const std::string& state) {
  if (!enabled_) return;
  sd_notify(0, state.c_str());
}

void Notifier::Ready() { Send("READY=1"); }

void Notifier::Reloading() {
  // MONOTONIC_USEC lets systemd >= 253 (Type=notify-reload) match the reload
  // to its READY=1; older systemd ignores it.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const long long usec = static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  Send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void Notifier::Stopping() { Send("STOPPING=1"); }

void Notifier::Watchdog() { Send("WATCHDOG=1"); }

void Notifier::Status(const std::string& text) { Send("STATUS=" + text); }

}  // namespace mineral::systemd
