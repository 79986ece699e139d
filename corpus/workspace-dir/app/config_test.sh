#!/usr/bin/env bash
# Checks that the generated header defines every key from config.env.
set -euo pipefail

header="$TEST_SRCDIR/_main/app/config.h"
env_file="$TEST_SRCDIR/_main/app/config.env"

# When debugging with `bazel run`, compare against the live checkout instead.
if [[ -n "${BUILD_WORKSPACE_DIRECTORY:-}" ]]; then  # expect: workspace-dir(info)
  env_file="$BUILD_WORKSPACE_DIRECTORY/app/config.env"  # expect: workspace-dir(info)
fi

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

while IFS='=' read -r key _; do
  case "$key" in
    '' | '#'*) ;;
    *) grep -q "^#define $key " "$header" || fail "missing $key in $header" ;;
  esac
done < "$env_file"

# Our own knob, unrelated to Bazel's variables of similar name.
extra="${BUILD_WORKSPACE_DIRECTORY_OVERRIDE:-}"  # ok: workspace-dir
if test -n "$extra"; then
  echo 'note: BUILD_WORKSPACE_DIRECTORY_OVERRIDE is ignored under bazel test' >&2
fi
echo PASS
