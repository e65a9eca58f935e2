#!/bin/sh
# Scores `mineral-alertd tag` on the labelled dev set: micro precision and
# recall per category (minerals, countries, clauses).  Builds nothing.
#
#   scripts/score_devset.sh [BINARY]     (default build/dev/daemon/mineral-alertd)
#
# Reads ../shared/dev-set (relative to the repository; MINERAL_DEVSET overrides).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:-"$root/build/dev/daemon/mineral-alertd"}
devset=${MINERAL_DEVSET:-"$root/../shared/dev-set"}
if [ ! -x "$binary" ]; then
  echo "score_devset.sh: no executable at $binary (build it, or pass its path)" >&2
  exit 2
fi
for f in items.feed.json items.jsonl score.py; do
  if [ ! -r "$devset/$f" ]; then
    echo "score_devset.sh: missing $devset/$f" >&2
    exit 2
  fi
done
out=$(mktemp "${TMPDIR:-/tmp}/tags.XXXXXX.jsonl")
trap 'rm -f "$out"' EXIT
"$binary" tag "$devset/items.feed.json" >"$out"
python3 "$devset/score.py" tags "$devset/items.jsonl" "$out"
