#!/usr/bin/python3
"""Python feedparser over the same corpus as parse_bench, for comparison.

    /usr/bin/python3 bench/feedparser_bench.py CORPUS_DIR [--reps N] [--max-mb MB]

Reads every *.rss, *.atom, *.rdf, *.xml and *.json file under CORPUS_DIR into
memory first (JSON documents only when this feedparser reads JSON Feed: 6.0.x
does not, so compare with parse_bench's XML row then), then times feedparser.parse(bytes) over all of them (the best of
--reps passes, default 1: feedparser is slow) with time.perf_counter.  Prints
MB/s and items/s.  --max-mb times only the first files (sorted by path) up to
that many megabytes, for a quick figure.  Exits 0 with a message when
feedparser is not importable (Debian: python3-feedparser, for /usr/bin/python3).
"""
import argparse
import os
import sys
import time

FEED_EXTS = (".rss", ".atom", ".rdf", ".xml", ".json")


def is_json(data):
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def load(corpus_dir, max_bytes, with_json):
    paths = []
    for root, _dirs, files in os.walk(corpus_dir):
        paths += [os.path.join(root, f) for f in files if f.endswith(FEED_EXTS)]
    paths.sort()
    docs, total, skipped = [], 0, 0
    for p in paths:
        if max_bytes and total >= max_bytes:
            break
        with open(p, "rb") as fh:
            data = fh.read()
        if not with_json and is_json(data):
            skipped += 1
            continue
        docs.append((p, data))
        total += len(data)
    return docs, total, skipped


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus_dir")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--max-mb", type=float, default=0.0, help="time only the first MB megabytes (0: all)")
    a = ap.parse_args()
    try:
        import feedparser
    except ImportError:
        print(f"feedparser_bench: skipped: Python feedparser is not importable by {sys.executable} "
              "(Debian: apt-get install python3-feedparser; run with /usr/bin/python3)")
        return 0
    try:
        import feedparser.parsers.json  # noqa: F401  (JSON Feed support, feedparser >= 6.1)
        with_json = True
    except ImportError:
        with_json = False
    docs, total, skipped = load(a.corpus_dir, int(a.max_mb * 1e6), with_json)
    if not docs:
        print(f"feedparser_bench: no feed files in {a.corpus_dir}", file=sys.stderr)
        return 1
    best = None
    items = bozo = 0
    for _ in range(max(1, a.reps)):
        items = bozo = 0
        t0 = time.perf_counter()
        for _path, data in docs:
            d = feedparser.parse(data)
            items += len(d.entries)
            bozo += 1 if d.get("bozo") else 0
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    mb = total / 1e6
    print(f"feedparser_bench: feedparser {feedparser.__version__} (Python {sys.version.split()[0]}), "
          f"{len(docs)} files, {mb:.2f} MB, best of {a.reps} pass(es), I/O excluded")
    if skipped:
        print(f"  {skipped} JSON files left out: this feedparser does not read JSON Feed "
              "(compare with parse_bench's XML row)")
    print(f"feedparser: {mb / best:8.2f} MB/s {items / best:10.0f} items/s  "
          f"({items} items, {best:.2f} s, {bozo} documents with bozo set)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
