#!/usr/bin/env bash
# Test runner generated from check_test.sh.tpl by script_check_test.
set -euo pipefail

readonly CHECKER="%{checker}"
readonly TARGETS="%{targets}"

# Tests run from the runfiles tree, never from the source checkout.
cd "$TEST_SRCDIR/_main"
if [[ -n "${BUILD_WORKING_DIRECTORY:-}" ]]; then  # expect: workspace-dir
  echo "note: started from a bazel-run shell" >&2
fi

failures=0
for t in $TARGETS; do
  if ! "$CHECKER" "$t"; then
    echo "FAIL: $t" >&2
    failures=$((failures + 1))
  fi
done
test "$failures" -eq 0
