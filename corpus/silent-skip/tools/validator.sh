#!/usr/bin/env bash
# Checks that every required key of the schema appears in the document (a deliberately small validator).
set -euo pipefail

while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --config) shift 2 ;;
    *) shift ;;
  esac
done
schema="$1"
shift
for doc in "$@"; do
  for key in $(sed -n 's/.*"required": \[\(.*\)\].*/\1/p' "$schema" | tr -d '",'); do
    grep -q "\"$key\"" "$doc" || { echo "$doc: missing $key" >&2; exit 1; }
  done
done
