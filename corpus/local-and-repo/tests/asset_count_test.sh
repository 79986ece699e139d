#!/usr/bin/env bash
set -euo pipefail
mode=""
while [ $# -gt 1 ]; do
  case "$1" in
    --mode) mode="$2"; shift 2 ;;
    *) break ;;
  esac
done
count="$(tr -d ' ' < "$1")"
[ "$count" -ge 2 ] || { echo "FAIL: $count assets in $mode mode" >&2; exit 1; }
echo "PASS"
