#!/bin/sh
# Installs every Debian 12 package mineral-alertd needs to build, test and
# benchmark.  Idempotent: prints nothing and touches nothing when all are
# installed.  Run as root (CI and the dev machines are root).
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --fuzz   also clang-14 and libFuzzer's runtime
#   scripts/install-deps.sh --bench  also python3-feedparser (peer figures) and
#                                    nginx-light (the poll benchmark's server)
#   scripts/install-deps.sh --valgrind  also valgrind (docs/reliability.md)
set -eu

packages="cmake ninja-build g++ pkg-config git python3 tzdata
  libboost1.81-dev libboost-url1.81-dev rapidjson-dev libutf8proc-dev
  libpugixml-dev catch2 libhyperscan-dev libtomlplusplus-dev libmimalloc-dev
  libcurl4-openssl-dev libsqlitecpp-dev libsqlite3-dev libssl-dev libsystemd-dev zlib1g-dev
  systemd"

for arg in "$@"; do
  case "$arg" in
    --fuzz) packages="$packages clang-14 libclang-rt-14-dev" ;;
    --bench) packages="$packages python3-feedparser nginx-light" ;;
    --valgrind) packages="$packages valgrind" ;;
    *) echo "usage: $0 [--fuzz] [--bench] [--valgrind]" >&2; exit 2 ;;
  esac
done

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086  # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
