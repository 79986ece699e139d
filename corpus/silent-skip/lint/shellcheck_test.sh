#!/usr/bin/env bash
# Lints every checked-in script with the host's shellcheck and shfmt.
set -euo pipefail

command -v shellcheck > /dev/null 2>&1 || exit 0  # expect: ambient-tool, silent-skip

if ! which shfmt > /dev/null; then  # expect: ambient-tool
  echo "shfmt is not installed; skipping the format half"
  exit 0  # expect: silent-skip
fi

status=0
for script in tools/*.sh; do
  shellcheck --rcfile=.shellcheckrc "$script" || status=1  # expect: ambient-tool
  shfmt -d -i 2 "$script" || status=1  # expect: ambient-tool
done
exit "$status"
