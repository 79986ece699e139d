#!/usr/bin/env bash
# Formats the Starlark files of the workspace in place.
# Usage: bazel run //tools:format
set -euo pipefail

if [[ -z "${BUILD_WORKSPACE_DIRECTORY:-}" ]]; then  # expect: workspace-dir(info)
  echo "format: run me with 'bazel run //tools:format'" >&2
  exit 1
fi
cd "$BUILD_WORKSPACE_DIRECTORY"  # expect: workspace-dir(info)

find . -name '*.bzl' -o -name 'BUILD.bazel' -o -name 'MODULE.bazel' | sort | while read -r f; do
  buildifier -mode=fix "$f"
done
