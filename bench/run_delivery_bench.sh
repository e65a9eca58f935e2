#!/usr/bin/env bash
# The delivery benchmark: 10,000 alerts through the real delivery path
# (SQLite outbox, DeliveryLoop, signed v1 webhook payload, CurlHttpClient) to
# a local sink, beside bare libcurl POSTs of the same bodies to the same sink
# in the same run.  See bench/delivery_bench.cc for what each line measures.
#
#   bench/run_delivery_bench.sh             # release build, then 3 runs
#   RUNS=1 CONNS=32 ALERTS=20000 BUILD=0 bench/run_delivery_bench.sh
#   RT=1 bench/run_delivery_bench.sh        # each run under chrt -r 1
#   BIN=/tmp/old/delivery_bench BUILD=0 bench/run_delivery_bench.sh
#                                           # another build's binary (A/B)
#
# RT=1 (root or CAP_SYS_NICE): the benchmark's threads run round-robin
# real-time, so on a machine shared with builds each gets a core when it
# wakes instead of waiting behind other sessions' work: the figures are
# those of a quiet machine (docs/delivery.md, fifth pass).  Runs last
# seconds; the kernel keeps 5 % of every second for other tasks regardless.
#
# The sink is the testkit's loopback server; nothing else is started, and
# the database lives in a temporary folder removed on exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
CONNS=${CONNS:-16}
ALERTS=${ALERTS:-10000}

if [[ "${BUILD:-1}" != 0 ]]; then
  echo "== build: release preset (delivery_bench)"
  cmake --preset release >/dev/null
  cmake --build --preset release --target delivery_bench >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mineral-delivery-bench.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

prefix=()
if [[ "${RT:-0}" != 0 ]]; then prefix=(chrt -r 1); fi

for run in $(seq 1 "$RUNS"); do
  echo "== run $run of $RUNS"
  ${prefix[@]+"${prefix[@]}"} "${BIN:-$root/build/release/bench/delivery_bench}" \
    --alerts "$ALERTS" --conns "$CONNS" --dir "$tmp/db"
done
