#!/usr/bin/env bash
# ok: ambient-tool (bash through env)
set -euo pipefail
id="$(cat "$1")"
case "$id" in
  *-????????????) echo "PASS" ;;
  *) echo "FAIL: unexpected build id '$id'" >&2; exit 1 ;;
esac
