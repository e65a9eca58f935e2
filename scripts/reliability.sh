#!/bin/sh
# The reliability suite (docs/reliability.md): builds the given preset
# (default ci), runs every test labelled `reliability`, and prints one table
# row per scenario: faults injected, alerts expected, delivered, duplicates,
# lost (must be 0) and the daemon's peak RSS.
#   scripts/reliability.sh [--long] [PRESET]
# --long runs the full figures (e.g. 30 kills instead of 5); CI runs the
# short mode through `ctest -L reliability` as part of scripts/test.sh.
set -eu
cd "$(dirname "$0")/.."
long=0
if [ "${1:-}" = "--long" ]; then long=1; shift; fi
preset="${1:-ci}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target reliability_test
report=$(mktemp /tmp/mineral-reliability-XXXXXX.jsonl)
trap 'rm -f "$report"' EXIT
status=0
MINERAL_RELIABILITY_LONG=$long MINERAL_RELIABILITY_REPORT=$report \
  ctest --preset "$preset" -L reliability --timeout 3600 || status=$?
python3 - "$report" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cols = [("scenario", "scenario"), ("mode", "mode"), ("faults", "faults_injected"),
        ("expected", "alerts_expected"), ("delivered", "alerts_delivered"),
        ("duplicates", "duplicates"), ("lost", "lost"), ("peak RSS MiB", "peak_rss_kib")]
def cell(r, k):
    v = r.get(k, "")
    return f"{v / 1024:.1f}" if k == "peak_rss_kib" and v else str(v)
table = [[h for h, _ in cols]] + [[cell(r, k) for _, k in cols] for r in rows]
widths = [max(len(row[i]) for row in table) for i in range(len(cols))]
for n, row in enumerate(table):
    print(" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    if n == 0:
        print("-+-".join("-" * w for w in widths))
for r in rows:
    if r.get("notes"):
        print(f"  {r['scenario']}: {r['notes']}")
lost = sum(r.get("lost", 0) for r in rows)
print(f"{len(rows)} scenario rows, {lost} alerts lost")
sys.exit(1 if lost else 0)
PY
exit $status
