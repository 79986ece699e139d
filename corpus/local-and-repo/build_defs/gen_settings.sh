#!/bin/bash
# Writes settings.bzl for the generated_settings repository rule.
set -euo pipefail
out="settings.bzl"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
{
  echo 'FEATURES = ["grpc", "tls"]'
  echo 'OPTIMIZE = True'
} > "$out"
