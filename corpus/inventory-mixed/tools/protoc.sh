#!/usr/bin/env bash
# Stand-in code generator: copies its inputs.
set -euo pipefail
out="$2"; shift 2
cat "$@" > "$out"
