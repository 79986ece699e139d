#!/usr/bin/env bash
# Stand-in packer: bundles, markers, checksums and manifests.
set -euo pipefail

mode="$1"
shift
case "$mode" in
  --bundle)
    out="$1"
    shift
    cat "$@" > "$out"
    ;;
  --marker)
    echo "$1" > "$2"
    ;;
  --sha256)
    sha256sum "$1" | cut -d' ' -f1 > "$2"
    ;;
  --combine | --manifest)
    out="$1"
    shift
    for f in "$@"; do
      printf '%s  %s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$(basename "$f")"
    done | sort -k2 > "$out"
    ;;
  *)
    echo "pack: unknown mode $mode" >&2
    exit 1
    ;;
esac
