// The notifier against a real notify socket, as systemd would listen on it.
#include "systemd/notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

namespace mineral::systemd {
namespace {

struct NotifySocket {
  int fd = -1;
  std::string path = "/tmp/mineral-notify-" + std::to_string(::getpid()) + ".sock";
  NotifySocket() {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    ::unlink(path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() {
    ::close(fd);
    ::unlink(path.c_str());
  }
  std::string Receive() {
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
};

TEST_CASE("sends READY, STATUS, WATCHDOG, STOPPING to $NOTIFY_SOCKET", "[systemd]") {
  NotifySocket socket;
  ::setenv("NOTIFY_SOCKET", socket.path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  Notifier n;
  REQUIRE(n.enabled());
  CHECK(n.WatchdogInterval() == std::chrono::seconds(30));
  n.Ready();
  CHECK(socket.Receive() == "READY=1");
  n.Status("polling 3 feeds, 0 pending, 0 dead");
  CHECK(socket.Receive() == "STATUS=polling 3 feeds, 0 pending, 0 dead");
  n.Watchdog();
  CHECK(socket.Receive() == "WATCHDOG=1");
  n.Reloading();
  CHECK_THAT(socket.Receive(), Catch::StartsWith("RELOADING=1\nMONOTONIC_USEC="));
  n.Stopping();
  CHECK(socket.Receive() == "STOPPING=1");
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

TEST_CASE("outside systemd nothing is sent and the watchdog is off", "[systemd]") {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  Notifier n;
  CHECK_FALSE(n.enabled());
  CHECK_FALSE(n.WatchdogInterval().has_value());
  n.Ready();  // no socket: a no-op, not an error
}

}  // namespace
}  // namespace mineral::systemd
