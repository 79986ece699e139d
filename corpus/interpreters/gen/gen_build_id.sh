#!/bin/bash
# Usage: gen_build_id.sh VERSION_FILE OUT
set -euo pipefail
version="$(tr -d '[:space:]' < "$1")"
printf '%s-%s\n' "$version" "$(sha256sum "$1" | cut -c 1-12)" > "$2"
