// Telling systemd how the service is doing (sd_notify(3)): READY=1 once the
// database is migrated and the rules compiled, STATUS= lines with counts,
// WATCHDOG=1 only while the loop is healthy, RELOADING=1 / STOPPING=1.
//
// Outside systemd (no $NOTIFY_SOCKET) every call does nothing, so `run` in a
// terminal behaves the same.  Thread-safety: calls may come from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace mineral::systemd {

class Notifier {
 public:
  Notifier();

  // True when started by systemd with Type=notify ($NOTIFY_SOCKET set).
  bool enabled() const { return enabled_; }

  // The watchdog period systemd expects pings within ($WATCHDOG_USEC, for
  // this process), or nullopt when the watchdog is off.  Ping at half of it.
  std::optional<std::chrono::microseconds> WatchdogInterval() const { return watchdog_; }

  void Ready();
  void Reloading();
  void Stopping();
  void Watchdog();
  // Free text shown by `systemctl status`: "polling 42 feeds, 3 pending, 0 dead".
  void Status(const std::string& text);

 private:
  void Send(const std::string& state);

  bool enabled_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace mineral::systemd
