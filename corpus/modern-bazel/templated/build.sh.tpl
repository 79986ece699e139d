#!/usr/bin/env bash
set -euo pipefail
# Only the declared jq is reachable from here on.
PATH="{{jq_dir}}"
jq -n '{layer: true}' > "$1.json"  # ok: ambient-tool
