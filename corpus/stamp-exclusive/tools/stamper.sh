#!/usr/bin/env bash
# Writes a version header (--output) or a release tarball (--tar) from the workspace status files.
set -euo pipefail

if [[ "$1" == "--tar" ]]; then
  out="$2"
  shift 2
  tar -czf "$out" "$@"
  exit 0
fi

out="" prefix="BUILD" stable="" volatile=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --output) out="$2" ;;
    --macro_prefix) prefix="$2" ;;
    --stable) stable="$2" ;;
    --volatile) volatile="$2" ;;
  esac
  shift 2
done

{
  echo "#pragma once"
  for status in "$stable" "$volatile"; do
    [[ -n "$status" ]] || continue
    while read -r key value; do
      printf '#define %s_%s "%s"\n' "$prefix" "$key" "$value"
    done < "$status"
  done
} > "$out"
