#!/usr/bin/env bash
# The poll benchmark: N generated feeds served by a private nginx on
# 127.0.0.1 (../shared/bench/serve/start_nginx.sh: ETag, Last-Modified, 304),
# polled by poll_bench (the real Scheduler, CurlHttpClient and parser) and by
# the floor, ../shared/bench/floor/fetch_multi.c (a bare libcurl multi loop
# with the same validators and connection count, bodies dropped unparsed).
#
#   bench/run_poll_bench.sh
#
# Three cycles each, in the same run against the same server:
#   first      no validators yet: every feed answers 200 and is parsed
#   unchanged  every feed answers 304
#   changed    after gen_feeds.py advance --k 1: every feed answers 200 again
# Printed per cycle: requests/s, CPU seconds per 1,000 polls, peak RSS, and
# our requests/s as a fraction of the floor's.
#
# Environment: N=10000 feeds, M=10 items per feed, CONNS=64, FEED_PORT=18090,
# HOOK_PORT=18091, BUILD=1 (0: use the existing build/release).
# Needs nginx-light (scripts/install-deps.sh --bench).  Everything it starts
# is stopped by PID on exit; the corpus lives in a temporary folder that is
# deleted on exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=$(cd "$root/../shared/bench" && pwd)
N=${N:-10000}
M=${M:-10}
CONNS=${CONNS:-64}
export FEED_PORT=${FEED_PORT:-18090}
export HOOK_PORT=${HOOK_PORT:-18091}

if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
  echo "run_poll_bench: nginx not found: scripts/install-deps.sh --bench" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mineral-poll-bench.XXXXXX")
chmod 755 "$tmp"  # nginx serves it as nobody when started as root
export WORK=$tmp RUN_DIR=$tmp/run WWW_ROOT=$tmp/www
cleanup() {
  if [[ -f "$RUN_DIR/pids" ]]; then "$shared/serve/stop.sh" >/dev/null 2>&1 || true; fi
  rm -rf -- "$tmp"
}
trap cleanup EXIT

if [[ "${BUILD:-1}" != 0 ]]; then
  echo "== build: release preset (poll_bench)"
  cmake --preset release >/dev/null
  cmake --build --preset release --target poll_bench >/dev/null
fi
poll_bench=$root/build/release/bench/poll_bench

echo "== floor: building fetch_multi from ../shared/bench/floor"
cc -O2 -o "$tmp/fetch_multi" "$shared/floor/fetch_multi.c" -lcurl

echo "== corpus: $N feeds x $M items"
python3 "$shared/gen_feeds.py" init --out "$WWW_ROOT/corpus" -n "$N" -m "$M" \
  --base-url "http://127.0.0.1:$FEED_PORT/corpus/feeds" >/dev/null
du -sh "$WWW_ROOT/corpus/feeds" | awk '{print "   " $1 " of feeds"}'

echo "== server: private nginx on 127.0.0.1:$FEED_PORT"
"$shared/serve/start_nginx.sh" >/dev/null

urls=$WWW_ROOT/corpus/urls.txt
results=$tmp/results.jsonl
measure() { python3 "$root/bench/measure.py" "$@" | tee -a "$results" >/dev/null; }

for cycle in first unchanged changed; do
  if [[ $cycle == changed ]]; then
    python3 "$shared/gen_feeds.py" advance --out "$WWW_ROOT/corpus" --k 1 >/dev/null
  fi
  echo "== cycle: $cycle"
  measure "floor $cycle" -- "$tmp/fetch_multi" --urls "$urls" --state "$tmp/floor.state" \
    --conns "$CONNS"
  measure "ours $cycle" -- "$poll_bench" --urls "$urls" --state "$tmp/ours.state" \
    --conns "$CONNS"
done

python3 - "$results" "$N" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
by = {r["label"]: r for r in rows}
print()
print(f"{'cycle':<10} {'who':<6} {'req/s':>9} {'CPU s/1k':>9} {'peak RSS':>10} {'vs floor':>9}  output")
for cycle in ("first", "unchanged", "changed"):
    floor = by[f"floor {cycle}"]
    for who in ("floor", "ours"):
        r = by[f"{who} {cycle}"]
        rps = n / r["wall_s"] if r["wall_s"] > 0 else 0
        floor_rps = n / floor["wall_s"] if floor["wall_s"] > 0 else 0
        ratio = f"{rps / floor_rps:.2f}" if who == "ours" and floor_rps else ""
        print(f"{cycle:<10} {who:<6} {rps:>9.0f} {r['cpu_s'] * 1000 / n:>9.3f} "
              f"{r['max_rss_kib'] / 1024:>8.1f}Mi {ratio:>9}  {r['output']}"
              + ("" if r["exit"] == 0 else f"  (exit {r['exit']})"))
EOF
