#!/usr/bin/env bash
# Writes a stub descriptor set; stands in for protoc in this fixture.
set -euo pipefail

out=""
declare -a srcs=()
for arg in "$@"; do
  case "$arg" in
    --descriptor_set_out=*) out="${arg#--descriptor_set_out=}" ;;
    -*) ;;
    *) srcs+=("$arg") ;;
  esac
done

[[ -n "$out" ]] || { echo "protoc_wrapper: no --descriptor_set_out" >&2; exit 2; }
cat "${srcs[@]}" | sha256sum | cut -d' ' -f1 > "$out"
