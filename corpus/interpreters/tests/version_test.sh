#!/bin/bash
# ok: ambient-tool (bash is in the executor profile)
set -euo pipefail
version="$(tr -d '[:space:]' < "$1")"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "FAIL: bad version '$version'" >&2; exit 1; }
echo "PASS"
