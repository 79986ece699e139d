#!/bin/bash
# Checks that .tf files use two-space indentation and no tabs.
set -euo pipefail

status=0
for f in "$@"; do
  if grep -n "$(printf '\t')" "$f"; then
    echo "$f: tabs are not allowed" >&2
    status=1
  fi
done
exit "$status"
