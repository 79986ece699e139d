#!/usr/bin/env bash
# Packs files into a tarball, or writes a list/sum file of them.
set -euo pipefail

mode="tar"
output=""
compression="gzip"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --output) output="$2"; shift 2 ;;
    --compression) compression="$2"; shift 2 ;;
    --list) mode="list"; output="$2"; shift 2 ;;
    --concat) mode="concat"; output="$2"; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done

if [[ -z "$output" ]]; then
  echo "pack.sh: --output or --list is required" >&2
  exit 2
fi

case "$mode" in
  concat)
    cat "$@" > "$output"
    ;;
  list)
    printf '%s\n' "$@" | LC_ALL=C sort > "$output"
    ;;
  tar)
    flags=(--mtime='2000-01-01 00:00:00' --owner=0 --group=0 --numeric-owner -cf)
    if [[ "$compression" == "gzip" ]]; then
      tar "${flags[@]}" - "$@" | gzip -n > "$output"
    else
      tar "${flags[@]}" "$output" "$@"
    fi
    ;;
esac
