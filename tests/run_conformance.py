#!/usr/bin/env python3
"""Runs a conformance checker against `mineral-alertd parse` and fails when
fewer than --min-passed cases pass.  Used by ctest (tests/CMakeLists.txt)."""
import argparse
import re
import shlex
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-passed", type=int, required=True)
    ap.add_argument("checker")
    ap.add_argument("corpus")
    ap.add_argument("binary")
    args = ap.parse_args()
    cmd = [sys.executable, args.checker, args.corpus,
           shlex.quote(args.binary) + " parse {file}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = proc.stdout.strip().splitlines()
    last = lines[-1] if lines else ""
    m = re.fullmatch(r"(\d+) passed, (\d+) failed", last)
    if not m:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        print("conformance: checker printed no result line")
        return 1
    passed, failed = int(m.group(1)), int(m.group(2))
    failures = [l for l in lines if l.startswith("FAIL")]
    for l in failures[:40]:
        print(l)
    print(f"conformance: {passed} cases passed, {failed} did not; the bar is {args.min_passed}")
    return 0 if passed >= args.min_passed else 1


if __name__ == "__main__":
    sys.exit(main())
