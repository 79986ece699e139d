#!/usr/bin/env -S bash -eu
# ok: ambient-tool (env -S with options still runs bash)
set -o pipefail
versions="$(cut -d: -f1 "$1" | sort -u | wc -l)"
[ "$versions" -ge 1 ] || { echo "FAIL: no versions in $1" >&2; exit 1; }
echo "PASS"
