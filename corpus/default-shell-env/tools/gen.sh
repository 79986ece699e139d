#!/usr/bin/env bash
# Stand-in code generator used by the fixture rules.
set -euo pipefail

die() {
  echo "gen: $*" >&2
  exit 1
}

mode="${1:-}"
shift || true
case "$mode" in
  --descriptor_set_out)
    out="$1"
    shift
    cat "$@" > "$out"
    ;;
  --lint)
    for f in "$@"; do
      grep -q '^syntax = "proto3";' "$f" || die "$f: missing proto3 syntax line"
    done
    ;;
  --lang=*)
    lang="${mode#--lang=}"
    test "$1" = "--out" || die "expected --out"
    printf '// generated %s stub for %s\n' "$lang" "$3" > "$2"
    ;;
  --validate)
    test -s "$1" || die "empty bundle $1"
    touch "$3"
    ;;
  --pretty)
    sed -e 's/,/,\n/g' "$1" > "$2"
    ;;
  --notes | --changelog)
    out="$1"
    shift
    cat "$@" > "$out"
    ;;
  *)
    die "unknown mode '$mode'"
    ;;
esac
