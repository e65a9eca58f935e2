#!/bin/sh
# Builds mineral-alertd (release preset) and runs its main job on the bundled
# sample feeds in examples/feeds/, offline: every feed is parsed and its items
# printed as JSON lines, then the example rules are matched against them with
# explanations.  (The polling daemon arrives with later issues; until then
# parse + match is the main job.)
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release >&2
bin=build/release/daemon/mineral-alertd
"$bin" parse examples/feeds/*.rss examples/feeds/*.atom
"$bin" parse --map federal-register examples/feeds/federal-register-documents.json
"$bin" parse --map asx-markitdigital examples/feeds/asx-markitdigital-announcements.json
"$bin" parse --map asx-legacy examples/feeds/asx-company-announcements-legacy.json
"$bin" parse --map govcn-policy-library examples/feeds/govcn-policy-library-search.json
echo "# rules that fire on the sample feeds (rules/examples/devset-rules.toml):" >&2
"$bin" match --explain --rules rules/examples/devset-rules.toml \
  examples/feeds/*.rss examples/feeds/*.atom
