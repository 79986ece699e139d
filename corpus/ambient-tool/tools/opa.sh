#!/usr/bin/env bash
# Minimal stand-in for `opa eval --format=raw`: reports no denials.
set -euo pipefail

if [[ "${1:-}" != "eval" ]]; then
  echo "opa stub: only 'eval' is supported" >&2
  exit 2
fi
exit 0
