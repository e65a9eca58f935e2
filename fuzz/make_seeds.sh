#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets, one folder per target, from the
# shared fixtures and conformance cases (never inside the repository).
#
#   fuzz/make_seeds.sh [OUT_DIR]      default: ${TMPDIR:-/tmp}/mineral-fuzz-seeds
#
# Environment: SHARED=DIR (default: ../shared beside the repository).
# Writes OUT_DIR/<target>/<sha1 of the content>, so seeds are deduplicated and
# a rerun only adds what is new; seeds are cut to 64 KiB.  Prints the count
# per target.  The dictionaries are fuzz/xml.dict, fuzz/json.dict and
# fuzz/date.dict (see docs/fuzzing.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${SHARED:-$root/../shared}
out=${1:-${TMPDIR:-/tmp}/mineral-fuzz-seeds}

for d in "$shared/fixtures/sources" "$shared/conformance/feedparser/cases"; do
  [[ -d "$d" ]] || { echo "make_seeds: $d not found (set SHARED=)" >&2; exit 1; }
done
out=$(mkdir -p "$out" && cd "$out" && pwd)
case "$out/" in
  "$root"/*) echo "make_seeds: $out is inside the repository; pick another folder" >&2; exit 1 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mineral-seeds.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
# A small generated corpus: windows-1252, GB18030, RDF, xhtml, JSON Feed.
python3 "$root/bench/gen_corpus.py" "$tmp/gen" --mb 4 --seed 7 >/dev/null

python3 - "$root" "$shared" "$out" "$tmp/gen" <<'EOF'
import glob, hashlib, json, os, re, sys

root, shared, out, gen = sys.argv[1:5]
MAX = 65536
TARGETS = ["fuzz_xml_feed", "fuzz_json_feed", "fuzz_mapped_json", "fuzz_date", "fuzz_text",
           "fuzz_rules", "fuzz_config"]
for t in TARGETS:
    os.makedirs(os.path.join(out, t), exist_ok=True)


def add(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = data[:MAX]
    path = os.path.join(out, target, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as fh:
            fh.write(data)


def read(path):
    with open(path, "rb") as fh:
        return fh.read()


def is_json(data):
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


fixtures = os.path.join(shared, "fixtures", "sources")
cases = os.path.join(shared, "conformance", "feedparser", "cases")
case_files = sorted(p for p in glob.glob(os.path.join(cases, "**", "*"), recursive=True)
                    if os.path.isfile(p))
gen_files = sorted(p for p in glob.glob(os.path.join(gen, "f*.*")) if os.path.getsize(p) <= MAX)

# Feeds: the source fixtures, feedparser's cases, the small generated feeds.
for p in sorted(glob.glob(os.path.join(fixtures, "*.rss")) + glob.glob(os.path.join(fixtures, "*.atom"))):
    add("fuzz_xml_feed", read(p))
for p in case_files + gen_files:
    data = read(p)
    add("fuzz_json_feed" if is_json(data) else "fuzz_xml_feed", data)

# JSON Feed 1.1 and 1.0 by hand, with every field the parser reads.
add("fuzz_json_feed", json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "Critical minerals \u2014 policy",
    "home_page_url": "https://example.org/", "feed_url": "https://example.org/feed.json",
    "language": "en", "authors": [{"name": "Desk"}],
    "items": [
        {"id": "1", "url": "/news/1", "title": "China adds gallium to export controls",
         "content_html": "<p>Exports of &quot;gallium&quot; need a licence.</p>", "summary": "Licences",
         "date_published": "2025-10-09T08:00:00+08:00", "date_modified": "2025-10-09T09:00:00Z",
         "authors": [{"name": "Li Wei"}], "tags": ["\u7a00\u571f", "export controls"],
         "attachments": [{"url": "https://example.org/a.pdf", "mime_type": "application/pdf",
                          "size_in_bytes": 1234}]},
        {"id": 2, "external_url": "https://example.com/x", "content_text": "rare earths\nline two",
         "date_published": "bad"}]}, ensure_ascii=False))
add("fuzz_json_feed", json.dumps({
    "version": "https://jsonfeed.org/version/1", "title": "v1", "author": {"name": "Old style"},
    "items": [{"id": "a", "title": "t", "content_text": "x",
               "date_published": "2017-05-17T08:02:12-07:00"}]}))

# Mapped JSON: the API fixtures and the shipped mappings (ParseJsonMapping
# reads every input too).  Both are also JSON seeds for the JSON Feed target.
for p in sorted(glob.glob(os.path.join(fixtures, "*.json")) +
                glob.glob(os.path.join(root, "feeds", "mappings", "*.json"))):
    add("fuzz_mapped_json", read(p))
    add("fuzz_json_feed", read(p))

# Dates: feedparser's date cases, the dates in the fixtures, a few more forms.
dates = [c["input"] for c in json.load(open(os.path.join(shared, "conformance", "feedparser",
                                                          "dates.json"), encoding="utf-8"))["dates"]]
tag = re.compile(r"<(?:pubDate|dc:date|published|updated|lastBuildDate)>([^<]{1,80})<")
key = re.compile(r'"(?:publication_date|document_release_date|date|pubtimeStr)"\s*:\s*"([^"]{1,80})"')
for p in sorted(glob.glob(os.path.join(fixtures, "*"))):
    text = read(p).decode("utf-8", errors="replace")
    dates += tag.findall(text) + key.findall(text)
dates += ["2025\u5e7410\u67089\u65e5", "2025-10-09", "20251009T080000Z", "2025-W41-4", "2025-282",
          "Thu Oct  9 08:00:00 2025", "9 Oct 2025 08:00 +0800", "Thu, 09 Oct 25 08:00:00 PDT",
          "2025.10.09", "1760000000000"]
for d in dict.fromkeys(dates):
    add("fuzz_date", d)

# Text: the first byte picks the charset hint, the rest is HTML: the fixtures'
# HTML pages, feedparser's entity cases, the start of generated feeds.
texts = sorted(glob.glob(os.path.join(fixtures, "*.html")))
texts += [p for p in case_files if os.sep + "entities" + os.sep in p]
texts += sorted(glob.glob(os.path.join(gen, "f*.*")))[:40]
for i, p in enumerate(texts):
    add("fuzz_text", bytes([i % 16]) + read(p)[:8192])

# Rules: the shipped example rules, whole and one rule at a time, and
# expressions with every operator.
for p in sorted(glob.glob(os.path.join(root, "rules", "examples", "*.toml"))):
    data = read(p).decode("utf-8")
    add("fuzz_rules", data)
    for part in data.split("[[rule]]")[1:]:
        add("fuzz_rules", "[[rule]]" + part)
for expr in ['mineral:(gallium OR germanium) AND country:cn AND NOT source:asx',
             'title:"export licence" AND (ban NEAR/3 mineral:cobalt)',
             're:/section 23[12]/ OR clause:tariff', 'lang:zh AND "\u7a00\u571f"']:
    add("fuzz_rules", '[[rule]]\nid = "f"\nseverity = "warning"\nwhen = \'' + expr + '\'\n')

# Config: the shipped examples with their rule files and credentials as
# "#=> PATH" parts (fuzz/fuzz_config.cc), each example alone, and every raw
# string literal of the config and daemon tests (configs and fragments).
def part(path, data):
    return "\n#=> " + path + "\n" + data

rule_files = sorted(glob.glob(os.path.join(root, "examples", "rules", "*.toml")))
for p in sorted(glob.glob(os.path.join(root, "examples", "*.toml"))):
    main = read(p).decode("utf-8")
    add("fuzz_config", main)
    bundle = main
    for r in rule_files:
        bundle += part("rules/" + os.path.basename(r), read(r).decode("utf-8"))
    for name in re.findall(r'_credential = "([^"]+)"', main):
        bundle += part("creds/" + name, "x")
    for name in re.findall(r'url = "file:(feeds/[^"]+)"', main):
        bundle += part(name, "<rss/>")
    add("fuzz_config", bundle)
raw = re.compile(r'R"([^(]{0,16})\((.*?)\)\1"', re.S)
for p in sorted(glob.glob(os.path.join(root, "config", "*_test.cc")) +
                glob.glob(os.path.join(root, "daemon", "*_test.cc"))):
    for _, body in raw.findall(read(p).decode("utf-8")):
        if "=" in body and not body.lstrip().startswith("{"):
            add("fuzz_config", body)
mapping = read(os.path.join(root, "feeds", "mappings", "federal-register.json")).decode("utf-8")
add("fuzz_config", 'include = ["inc/*.toml"]\nvocabulary = ["vocab.toml"]\nrules = ["rules/a.toml"]\n'
    '[[receiver]]\nid = "hook"\nkind = "webhook"\nurl_env = "SLACK_URL"\n'
    'secret_env = ["HOOK_SECRET"]\nsecret_file = "secret"\n'
    + part("inc/feeds.toml", '[[feed]]\nid = "m"\nurl = "https://example.com/api"\n'
           'mapping = "maps/m.json"\nformat = "json"\n')
    + part("inc/maps/m.json", mapping)
    + part("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    + part("vocab.toml", '[[mineral]]\nid = "galliumx"\nname = "Gallium X"\nterms = ["gallium x"]\n')
    + part("rules/a.toml", '[[rule]]\nid = "ga"\nseverity = "critical"\n'
           'when = "mineral:gallium"\nreceivers = ["hook"]\n'))

for t in TARGETS:
    print(f"{t:<18} {len(os.listdir(os.path.join(out, t))):5d} seeds in {os.path.join(out, t)}")
EOF
