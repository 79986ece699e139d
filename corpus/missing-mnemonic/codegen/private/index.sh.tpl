#!/bin/bash
# Template for the bundle index script; expanded by bundle.bzl.
set -euo pipefail

readonly BUNDLE_NAME="@@BUNDLE_NAME@@"
readonly COMPRESSION="@@COMPRESSION@@"

out="$1"
manifest="$2"

count=0
total=0
while read -r sum size name; do
  if [[ "$sum" != "#"* ]]; then
    count=$((count + 1))
    total=$((total + size))
  fi
done < "$manifest"

case "$COMPRESSION" in
  gzip) suffix=".tar.gz" ;;
  none) suffix=".tar" ;;
  *)
    echo "unknown compression: $COMPRESSION" >&2
    exit 1
    ;;
esac

cat > "$out" <<EOF
name=${BUNDLE_NAME}${suffix}
files=${count}
bytes=${total}
EOF
