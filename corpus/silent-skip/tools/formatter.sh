#!/usr/bin/env bash
# A tiny formatter: strips trailing blanks. With --check, fails when that would change the file.
set -euo pipefail

if [[ "${1:-}" == "--check" ]]; then
  ! grep -n '[[:space:]]$' "$2"
  exit $?
fi
sed -e 's/[[:space:]]*$//'
