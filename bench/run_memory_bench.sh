#!/usr/bin/env bash
# Memory of the real daemon under load: `mineral-alertd run` with N feeds
# (default 10,000) served by a private nginx on 127.0.0.1, every feed polled
# every few seconds, new items published while it runs, everything recorded
# in its SQLite database.  Every feed is polled about every 5 s (as fast as
# the daemon gets through 10,000), so SECONDS_TO_RUN=300 is about as many
# polling cycles (12) as an hour at the default 5-minute minimum interval.
#
#   bench/run_memory_bench.sh
#
# Prints polls done, items recorded, peak RSS (VmHWM) and RSS at the end,
# beside the floor of the same process idle (the daemon started with the
# same rules and no feeds).
#
# Environment: N=10000, M=10 items per feed, SECONDS_TO_RUN=120, INTERVAL=5s,
# FEED_PORT=18092, STATUS_PORT=19192, BUILD=1.  Needs nginx-light
# (scripts/install-deps.sh --bench).  Stops everything it starts by PID.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=$(cd "$root/../shared/bench" && pwd)
N=${N:-10000}
M=${M:-10}
RUN_FOR=${SECONDS_TO_RUN:-120}
INTERVAL=${INTERVAL:-5s}
export FEED_PORT=${FEED_PORT:-18092}
export HOOK_PORT=$((FEED_PORT + 1))
STATUS_PORT=${STATUS_PORT:-19192}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mineral-memory-bench.XXXXXX")
chmod 755 "$tmp"  # nginx serves it as nobody when started as root
export WORK=$tmp RUN_DIR=$tmp/run WWW_ROOT=$tmp/www
daemon_pid=""
cleanup() {
  if [[ -n "$daemon_pid" ]]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  if [[ -f "$RUN_DIR/pids" ]]; then "$shared/serve/stop.sh" >/dev/null 2>&1 || true; fi
  rm -rf -- "$tmp"
}
trap cleanup EXIT

if [[ "${BUILD:-1}" != 0 ]]; then
  echo "== build: release preset"
  cmake --preset release >/dev/null
  cmake --build --preset release --target mineral-alertd >/dev/null
fi
binary=$root/build/release/daemon/mineral-alertd

echo "== corpus: $N feeds x $M items"
python3 "$shared/gen_feeds.py" init --out "$WWW_ROOT/corpus" -n "$N" -m "$M" \
  --base-url "http://127.0.0.1:$FEED_PORT/corpus/feeds" >/dev/null
"$shared/serve/start_nginx.sh" >/dev/null

write_config() {  # $1: file, $2: with feeds (1/0)
  {
    echo "rules = [\"$root/examples/rules/*.toml\"]"
    echo "[daemon]"
    echo "state_dir = \"$tmp/state-$2\""
    echo "status_listen = \"127.0.0.1:$STATUS_PORT\""
    echo "min_interval = \"$INTERVAL\""
    echo "default_interval = \"$INTERVAL\""
    echo "max_interval = \"$INTERVAL\""
    echo "max_concurrency = 64"
    echo "per_host_connections = 64"
    if [[ $2 == 1 ]]; then
      i=0
      while read -r url; do
        printf '[[feed]]\nid = "f%d"\nurl = "%s"\n' "$i" "$url"
        i=$((i + 1))
      done < "$WWW_ROOT/corpus/urls.txt"
    fi
  } > "$1"
}

# Receivers named by the example rules are not needed to poll and record.
rss_of() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_of() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
metric() { curl -s "127.0.0.1:$STATUS_PORT/metrics" | awk -v m="$1" '$1 == m {s += $2} END {print s + 0}'; }

echo "== floor: the daemon with no feeds"
write_config "$tmp/idle.toml" 0
"$binary" run --config "$tmp/idle.toml" 2>"$tmp/idle.log" &
daemon_pid=$!
sleep 3
idle_hwm=$(hwm_of "$daemon_pid")
kill "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=""

echo "== load: $N feeds every $INTERVAL for ${RUN_FOR}s, new items every 10 s"
write_config "$tmp/load.toml" 1
"$binary" run --config "$tmp/load.toml" 2>"$tmp/load.log" &
daemon_pid=$!
start=$(date +%s)
while (( $(date +%s) - start < RUN_FOR )); do
  sleep 10
  python3 "$shared/gen_feeds.py" advance --out "$WWW_ROOT/corpus" --k 1 --feeds-frac 0.1 >/dev/null
done
polls=$(metric 'mineral_polls_total{result="ok"}')
not_modified=$(metric 'mineral_polls_total{result="not_modified"}')
errors=$(metric 'mineral_polls_total{result="error"}')
items=$(metric mineral_items_new_total)
hwm=$(hwm_of "$daemon_pid")
rss=$(rss_of "$daemon_pid")
kill "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=""
db_bytes=$(du -b "$tmp/state-1/mineral-alertd.db" | cut -f1)

echo
printf 'feeds                 %d (interval %s, %ds)\n' "$N" "$INTERVAL" "$RUN_FOR"
printf 'polls                 %d (200: %d, 304: %d, errors: %d)\n' \
  $((polls + not_modified + errors)) "$polls" "$not_modified" "$errors"
printf 'items recorded        %d (database %.1f MiB)\n' "$items" "$(awk -v b="$db_bytes" 'BEGIN {print b / 1048576}')"
printf 'peak RSS              %.1f MiB (idle daemon: %.1f MiB)\n' \
  "$(awk -v k="$hwm" 'BEGIN {print k / 1024}')" "$(awk -v k="$idle_hwm" 'BEGIN {print k / 1024}')"
printf 'RSS at the end        %.1f MiB\n' "$(awk -v k="$rss" 'BEGIN {print k / 1024}')"
