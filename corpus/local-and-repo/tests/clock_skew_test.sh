#!/usr/bin/env bash
set -euo pipefail
stamp_file="gen/build_stamp.txt"
stamp="$(head -n 1 "$stamp_file")"
now="$(date -u +%Y%m%d%H%M%S)"
if [ "$stamp" \> "$now" ]; then
  echo "FAIL: build stamp $stamp is in the future (now $now)" >&2
  exit 1
fi
echo "PASS"
