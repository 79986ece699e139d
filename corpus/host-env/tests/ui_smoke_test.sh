#!/usr/bin/env bash
set -euo pipefail
if [ -z "${DISPLAY:-}" ]; then
  echo "FAIL: DISPLAY is not set; run with --config=ui" >&2
  exit 1
fi
echo "PASS: display $DISPLAY"
