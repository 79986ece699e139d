#!/usr/bin/env bash
set -euo pipefail
dir="$(mktemp -d "${TEST_TMPDIR}/watch.XXXXXX")"
touch "$dir/a"
before="$(stat -c %Y "$dir/a")"
sleep 1
touch "$dir/a"
after="$(stat -c %Y "$dir/a")"
[ "$after" -gt "$before" ] || { echo "FAIL: mtime did not move" >&2; exit 1; }
echo "PASS"
