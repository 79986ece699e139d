#!/usr/bin/env bash
# Compares the formatter's output with the golden file.
set -euo pipefail

readonly FORMATTER="$1"
readonly GOLDEN="lint/golden/deploy.sh.golden"
readonly OUT="${TEST_TMPDIR:?}/deploy.sh.formatted"

usage() {
  echo "usage: golden_test.sh FORMATTER"
}

case "${1:-}" in
  -h | --help)
    usage
    exit 0  # ok: silent-skip (help)
    ;;
esac

[[ -f "$GOLDEN" ]] || exit 0  # expect: silent-skip
test -d "${TEST_SRCDIR:?}/_main/tools" || exit 0  # expect: silent-skip

# The formatter release this golden was made with, when the developer has it installed.
if [ ! -x /usr/local/bin/shfmt-3.8 ]; then  # expect: host-path
  echo "shfmt 3.8 not found, golden not comparable"
  exit 0  # expect: silent-skip
fi

if ! type yamllint > /dev/null 2>&1; then  # expect: ambient-tool
  echo "no yamllint"
  exit  # expect: silent-skip
fi
yamllint -d relaxed lint/golden  # expect: ambient-tool

"$FORMATTER" < tools/deploy.sh > "$OUT"

if [[ "${UPDATE_GOLDEN:-0}" == 1 ]]; then
  cp "$OUT" "${TEST_UNDECLARED_OUTPUTS_DIR:?}/deploy.sh.golden"
  echo "new golden written to the test outputs"
  exit 0  # ok: silent-skip (condition is not a probe)
fi

diff -u "$GOLDEN" "$OUT"
