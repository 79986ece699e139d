#!/bin/sh
# ok: ambient-tool (sh is in the executor profile)
set -eu
config="gen/config.yaml"
count="$(grep -c ':' "$config")"
[ "$count" -ge 2 ] || { echo "FAIL: $count keys in $config" >&2; exit 1; }
echo "PASS"
