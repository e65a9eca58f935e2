#!/bin/sh
# Installs the build into a scratch root (DESTDIR) and runs systemd-analyze
# on the installed unit: `verify` must pass and `security` must rate the
# exposure at most 2.0 (prints the exposure line).  verify checks that
# ExecStart='s binary exists, so the unit's binary path is pointed into the
# scratch root first; man pages are checked by the install, not here.
#   check_unit.sh BUILD_DIR SYSTEMD_ANALYZE
set -eu
build=$1
analyze=$2
root=$(mktemp -d "${TMPDIR:-/tmp}/mineral-unit.XXXXXX")
trap 'rm -rf "$root"' EXIT
DESTDIR=$root cmake --install "$build" >/dev/null
installed=$(find "$root" -path '*/lib/systemd/system/mineral-alertd.service')
binary=$(find "$root" -path '*/bin/mineral-alertd' -type f)
[ -x "$binary" ] || { echo "no installed binary under $root" >&2; exit 1; }
man=$(find "$root" -name mineral-alertd.1)
[ -s "$man" ] || { echo "no installed man page under $root" >&2; exit 1; }
unit=$root/mineral-alertd.service
sed "s|=\(/[^ ]*\)/mineral-alertd |=$root\1/mineral-alertd |" "$installed" > "$unit"
"$analyze" verify --man=no "$unit"
"$analyze" security --offline=true --threshold=20 "$unit" | tail -1
