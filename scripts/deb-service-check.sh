#!/bin/sh
# Installs the .deb and shows its service running under a real systemd:
# started (Type=notify: active only after READY=1), STATUS= text, /readyz on
# its status address, `systemctl reload` (SIGHUP), watchdog pings (kept
# alive under WatchdogSec=2s), `systemctl stop` (SIGTERM
# drain, clean exit), its journal, and `systemd-analyze security`.  Then
# purges the package again (--keep leaves it installed).
#
#   scripts/deb-service-check.sh [--keep] [build/release/mineral-alertd_*.deb]
#
# Needs root.  Where systemd is PID 1 it uses that systemd.  Elsewhere
# (containers, CI sandboxes) it boots a private systemd as PID 1 of new PID
# and mount namespaces, with its own tmpfs /run, /tmp and /var/tmp so that
# systemd-tmpfiles never cleans the host's, runs the checks there and kills
# it at the end.  Not part of the test suite: it installs a package and
# starts services; docs/operations.md shows a run.
set -eu
cd "$(dirname "$0")/.."
keep=0
if [ "${1:-}" = "--keep" ]; then keep=1; shift; fi
deb="${1:-$(ls build/release/mineral-alertd_*_amd64.deb 2>/dev/null | tail -n 1)}"
[ -n "$deb" ] && [ -f "$deb" ] || {
  echo "no .deb: cmake --preset release && cmake --build --preset release && (cd build/release && cpack)" >&2
  exit 2
}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }

systemd_pid=""
cleanup() {
  if [ -n "$systemd_pid" ]; then kill -9 "$systemd_pid" 2>/dev/null || true; fi
  if [ "$keep" = 0 ]; then dpkg --purge mineral-alertd >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "install $deb"
# A package removed earlier leaves its conffiles' records behind, and dpkg
# does not bring back a conffile the admin deleted: start from nothing.
if dpkg-query -W -f '${db:Status-Abbrev}' mineral-alertd 2>/dev/null | grep -q '^rc'; then
  dpkg --purge mineral-alertd >/dev/null
fi
apt-get install -y -q "./$deb" 2>&1 | tail -n 3

if [ -d /run/systemd/system ] && [ "$(cat /proc/1/comm)" = systemd ]; then
  in_systemd() { "$@"; }
else
  step "boot a private systemd (PID and mount namespaces; own /run, /tmp, /var/tmp)"
  unshare --pid --fork --mount --propagation private sh -c '
    mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /var/tmp &&
    mount -t proc proc /proc &&
    exec env container=other /lib/systemd/systemd --system --unit=basic.target' \
    >/dev/null 2>&1 &
  unshare_pid=$!
  i=0
  while [ -z "$systemd_pid" ] && [ $i -lt 50 ]; do
    systemd_pid=$(pgrep -P "$unshare_pid" systemd || true)
    i=$((i + 1)); sleep 0.1
  done
  [ -n "$systemd_pid" ] || fail "systemd did not start"
  in_systemd() { nsenter -t "$systemd_pid" -m -p "$@"; }
  i=0
  until in_systemd systemctl is-active -q basic.target 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 600 ] || fail "basic.target not reached in 60 s"
    sleep 0.1
  done
  echo "systemd $(in_systemd systemctl --version | head -n 1 | cut -d' ' -f2) is PID 1 there (host PID $systemd_pid)"
fi

show() { in_systemd systemctl show -p "$1" --value mineral-alertd; }
address=$(sed -n 's/^status_listen *= *"\(.*\)"/\1/p' /etc/mineral-alertd/mineral-alertd.toml | head -n 1)
address="${address:-127.0.0.1:9187}"

step "systemctl start mineral-alertd"
in_systemd systemctl daemon-reload
in_systemd systemctl start mineral-alertd || true
in_systemd systemctl --no-pager status mineral-alertd | head -n 12 || true
[ "$(show ActiveState)" = active ] || fail "not active: $(show ActiveState)/$(show SubState) $(show Result)"
[ "$(show SubState)" = running ] || fail "not running: $(show SubState)"
echo "ActiveState=active SubState=running MainPID=$(show MainPID) User=$(in_systemd ps -o user= -p "$(show MainPID)")"
echo "StatusText=$(show StatusText)"
[ -n "$(show StatusText)" ] || fail "no STATUS= from sd_notify"

step "GET http://$address/readyz"
i=0
until curl -fsS "http://$address/readyz"; do
  i=$((i + 1)); [ $i -lt 50 ] || fail "/readyz did not answer 200"
  sleep 0.2
done
curl -fsS "http://$address/metrics" | grep -E '^mineral_(feeds|config_reloads_total)' | head -n 6

step "systemctl reload mineral-alertd (SIGHUP)"
in_systemd systemctl reload mineral-alertd
i=0
until curl -fsS "http://$address/metrics" | grep -q 'mineral_config_reloads_total{result="ok"} 1'; do
  i=$((i + 1)); [ $i -lt 50 ] || fail "reload not counted"
  sleep 0.2
done
echo "reloaded: mineral_config_reloads_total{result=\"ok\"} 1; still $(show ActiveState)"

step "watchdog: WatchdogSec=2s for 6 s (a drop-in under /run)"
in_systemd sh -c 'mkdir -p /run/systemd/system/mineral-alertd.service.d &&
  printf "[Service]\nWatchdogSec=2s\n" > /run/systemd/system/mineral-alertd.service.d/watchdog.conf'
in_systemd systemctl daemon-reload
in_systemd systemctl restart mineral-alertd
sleep 6
[ "$(show ActiveState)" = active ] || fail "watchdog: $(show ActiveState) $(show Result)"
[ "$(show NRestarts)" = 0 ] || fail "watchdog: restarted $(show NRestarts) times"
echo "WatchdogUSec=$(show WatchdogUSec): still active after 6 s, NRestarts=0 (without pings systemd would have killed it after 2 s)"
in_systemd rm -r /run/systemd/system/mineral-alertd.service.d
in_systemd systemctl daemon-reload

step "systemctl stop mineral-alertd (SIGTERM)"
in_systemd systemctl stop mineral-alertd
[ "$(show ActiveState)" = inactive ] || fail "still $(show ActiveState) after stop"
[ "$(show Result)" = success ] || fail "stop result: $(show Result)"
echo "ActiveState=inactive Result=success ExecMainStatus=$(show ExecMainStatus)"

step "journalctl -u mineral-alertd"
in_systemd journalctl -u mineral-alertd --no-pager -o short-monotonic | tail -n 25

step "systemd-analyze security mineral-alertd"
in_systemd systemd-analyze security --no-pager mineral-alertd | tail -n 1

step "ok: the .deb's service starts, reports status, reloads and stops cleanly under systemd"
