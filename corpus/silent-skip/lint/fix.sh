#!/usr/bin/env bash
# `bazel run //lint:fix`: formats the scripts in place; optional tools are skipped here on purpose.
set -euo pipefail

cd "${BUILD_WORKSPACE_DIRECTORY:?}"  # expect: workspace-dir(info)

command -v shfmt > /dev/null || exit 0  # ok: silent-skip (launcher context)
if ! command -v shellcheck > /dev/null; then
  echo "install shellcheck for lint hints"
  exit 0  # ok: silent-skip (launcher context)
fi
shfmt -w -i 2 tools/*.sh
shellcheck tools/*.sh || true
