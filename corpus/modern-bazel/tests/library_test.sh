#!/usr/bin/env bash
set -euo pipefail
source "$TEST_SRCDIR/_main/tests/lib.sh"
report="$TEST_SRCDIR/_main/tests/golden.txt"
assert_contains "$report" "version"  # ok: ambient-tool
yq '.version' "$report"  # expect: ambient-tool
