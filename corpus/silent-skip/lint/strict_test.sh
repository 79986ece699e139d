#!/usr/bin/env bash
# The same checks as the other tests, but a missing tool or input is a failure.
set -euo pipefail

readonly FORMATTER="$1"

die() {
  echo "FAIL: $*" >&2
  exit 1
}

# A skip written as `command -v tool || exit 0` would hide a broken runfiles tree.
command -v "$FORMATTER" > /dev/null || exit 1  # ok: silent-skip (exit 1)
[ -x "$FORMATTER" ] || { echo "formatter missing: $FORMATTER" >&2; exit 1; }  # ok: silent-skip
if ! test -f tools/deploy.sh; then
  echo "tools/deploy.sh is not in the runfiles" >&2
  exit 1  # ok: silent-skip (exit 1)
fi
if [ ! -d tools ]; then
  die "no tools directory"  # ok: silent-skip (fails)
fi

for script in tools/*.sh; do
  "$FORMATTER" --check "$script" || die "$script is not formatted"
done

echo "PASS"
exit 0  # ok: silent-skip (end of script)
