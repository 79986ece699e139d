#!/usr/bin/env bash
# One-off developer setup. Not wired into any sh_test or sh_binary, so the
# analyzer never looks at it.
set -euo pipefail

root="${BUILD_WORKSPACE_DIRECTORY:-$(pwd)}"  # ok: workspace-dir
mkdir -p "$root/.config/render"
touch "$root/render.overrides"
echo "bootstrap: prepared $root"
