#!/bin/bash
# Checks that the checked-in module passes the declared formatter.
set -euo pipefail

HCLFMT="$1"
MAIN_TF="infra/modules/network/main.tf"

if [[ ! -f "$MAIN_TF" ]]; then
  echo "missing $MAIN_TF (runfiles layout changed?)" >&2
  exit 1
fi

"$HCLFMT" "$MAIN_TF"  # ok: ambient-tool ("$HCLFMT")
/bin/bash -n "$HCLFMT" || true  # ok: ambient-tool (/bin/bash)

# Lines longer than 120 characters are reported, not fatal.
awk 'length > 120 { printf "%s:%d: long line\n", FILENAME, FNR }' "$MAIN_TF" | tee "${TEST_UNDECLARED_OUTPUTS_DIR:-/tmp}/long_lines.txt"
count="$(wc -l < "${TEST_UNDECLARED_OUTPUTS_DIR:-/tmp}/long_lines.txt" | tr -d ' ')"
echo "long lines: $count"

# The Go formatter from the developer's GOPATH.
$HOME/go/bin/hclfmt -check "$MAIN_TF"  # expect: ambient-tool
env -i PATH=/usr/bin:/bin /usr/local/bin/terraform-docs markdown . > /dev/null  # expect: ambient-tool

# The linter: an override from the host's environment, or whatever the host PATH has.
TFLINT="${TFLINT_BIN:-tflint}"
"$TFLINT" --chdir infra/modules/network  # expect: ambient-tool
