#!/usr/bin/env bash
# Checks that the scripts are formatted, using the declared formatter and the host's buildifier.
set -euo pipefail

readonly FORMATTER="$1"

[ -x "$FORMATTER" ] || {
  echo "formatter not built: $FORMATTER" >&2
  exit 0  # expect: silent-skip
}

for script in tools/*.sh; do
  "$FORMATTER" --check "$script"
done

hash buildifier 2> /dev/null || { echo "SKIP: no buildifier on PATH"; exit 0; }  # expect: ambient-tool, silent-skip
buildifier --mode=check --lint=warn tools/BUILD.bazel  # expect: ambient-tool
