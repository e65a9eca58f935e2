#!/usr/bin/env bash
# One command for the parse benchmark: corpus, release build, parse_bench,
# then Python feedparser on the same files.
#
#   bench/run_parse_bench.sh
#
# Environment:
#   CORPUS=DIR   use this corpus (left in place) instead of generating one
#   MB=60        corpus size in 10^6 bytes when generating (at least 50 for the figures)
#   SEED=1       generator seed
#   REPS=3       parse_bench repetitions (the best counts)
#   FP_REPS=1    feedparser repetitions (about 20 s each on 60 MB)
#   FEEDPARSER=0 skip the feedparser comparison
#   BUILD=1      configure and build the release preset first (0: use the existing build)
#
# A generated corpus goes into a fresh temporary folder that is deleted on
# exit, however the script ends.  The build stays in build/release.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

tmp=""
cleanup() { if [[ -n "$tmp" ]]; then rm -rf -- "$tmp"; fi; }
trap cleanup EXIT

if [[ -n "${CORPUS:-}" ]]; then
  corpus=$CORPUS
  echo "== corpus: $corpus (given)"
else
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/mineral-parse-bench.XXXXXX")
  corpus=$tmp/corpus
  echo "== corpus: generating ${MB:-60} MB into $corpus"
  python3 bench/gen_corpus.py "$corpus" --mb "${MB:-60}" --seed "${SEED:-1}"
fi

if [[ "${BUILD:-1}" != 0 ]]; then
  echo "== build: release preset"
  cmake --preset release >/dev/null
  cmake --build --preset release --target parse_bench
fi
bin=build/release/bench/parse_bench
if [[ ! -x "$bin" ]]; then
  echo "run_parse_bench: $bin not built (is libpugixml-dev installed?)" >&2
  exit 1
fi

echo
echo "== parse_bench ($(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ))"
"$bin" "$corpus" --reps "${REPS:-3}"

if [[ "${FEEDPARSER:-1}" != 0 ]]; then
  echo
  echo "== Python feedparser on the same corpus"
  /usr/bin/python3 bench/feedparser_bench.py "$corpus" --reps "${FP_REPS:-1}" ||
    echo "feedparser_bench failed (the parse_bench figures above stand)"
fi
