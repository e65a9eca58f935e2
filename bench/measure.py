#!/usr/bin/env python3
"""Runs a command and prints, as one JSON line, its wall time, CPU time
(user + system) and peak RSS, measured by the kernel (wait4), plus the last
line it printed.  The same yardstick for our binary and for the floor.

  measure.py LABEL -- COMMAND [ARGS...]
"""
import json
import os
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: measure.py LABEL -- COMMAND [ARGS...]")
    label, command = sys.argv[1], sys.argv[3:]
    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    lines = [l for l in out.splitlines() if l.strip()]
    print(json.dumps({
        "label": label,
        "exit": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "max_rss_kib": usage.ru_maxrss,
        "output": lines[-1] if lines else "",
    }))


if __name__ == "__main__":
    main()
