#!/usr/bin/env bash
# Copies an archive from a checked-in mirror, verifying its checksum. Never downloads.
set -euo pipefail

archive="" out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --archive) archive="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done

if [[ -f "$archive.sha256" ]]; then
  sha256sum -c "$archive.sha256" >&2
fi
cp "$archive" "$out"
