#!/usr/bin/env bash
set -euo pipefail
[ "$TZ" = "UTC" ] || { echo "FAIL: TZ=$TZ" >&2; exit 1; }
[ "$(printf '%s\n' b a | sort | head -n 1)" = "a" ]
echo "PASS"
