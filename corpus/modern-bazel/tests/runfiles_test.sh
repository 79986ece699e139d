#!/usr/bin/env bash
# Bazel's runfiles library, sourced the way its documentation shows: it defines rlocation, not python3.
set -uo pipefail
f=bazel_tools/tools/bash/runfiles/runfiles.bash
source "${RUNFILES_DIR:-/dev/null}/$f" 2>/dev/null || source "$0.runfiles/$f" || exit 1
set -e
tool=$(rlocation _main/tests/golden.txt)
python3 -c 'print(1)' "$tool"  # expect: ambient-tool
