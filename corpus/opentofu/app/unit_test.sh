#!/usr/bin/env bash
set -euo pipefail
bundle="app/bundle.txt"
[[ "$(head -n 1 "$bundle")" == "a" ]] || { echo "not sorted" >&2; exit 1; }
