#!/usr/bin/env bash
# Minimal buf stand-in: `lint FILES... --output OUT` and `generate --output DIR FILES...`.
set -euo pipefail
cmd="$1"
shift
case "$cmd" in
  lint)
    out=""
    files=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --output) out="$2"; shift 2 ;;
        --error-format=*) shift ;;
        *) files+=("$1"); shift ;;
      esac
    done
    grep -Hn 'syntax = "proto2"' "${files[@]}" > "$out" || true
    ;;
  generate)
    [ "$1" = "--output" ] || { echo "usage: buf generate --output DIR FILES..." >&2; exit 2; }
    dir="$2"
    shift 2
    for f in "$@"; do
      cp "$f" "$dir/$(basename "$f" .proto).pb.txt"
    done
    ;;
  *)
    echo "buf: unknown command $cmd" >&2
    exit 2
    ;;
esac
