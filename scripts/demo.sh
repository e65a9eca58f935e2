#!/bin/sh
# Builds mineral-alertd (release preset) and runs its main job, offline, on
# the sample feeds bundled in examples/feeds/: the pipeline of
# examples/demo.toml (the same rules and routes as the real-world
# examples/mineral-alertd.toml) reads the feeds through file: URLs, records
# every item in a fresh SQLite database under examples/demo-state/, matches
# the rules and delivers the alerts to the console (and to a JSON-lines
# file); then it lists the feeds' health and the alerts with their sources
# and delivery state.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release >&2
bin=build/release/daemon/mineral-alertd
config=examples/demo.toml
rm -rf examples/demo-state  # a fresh start: every sample item is new
"$bin" check --config "$config"
echo "# one cycle of the daemon: poll every sample feed, record, match, deliver" >&2
echo "# (the demo's receivers: this console, and examples/demo-state/alerts.jsonl):" >&2
"$bin" run --once --config "$config"
echo "# the feeds' health:" >&2
"$bin" feeds --config "$config"
echo "# the alerts the rules raised, with their sources and receivers:" >&2
"$bin" alerts --config "$config" --since 1d
