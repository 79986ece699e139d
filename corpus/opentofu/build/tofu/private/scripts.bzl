"""Script bodies for the OpenTofu rules."""

VALIDATE_SCRIPT = """#!/usr/bin/env bash
set -euo pipefail
stamp="$1"
if ! command -v tofu >/dev/null 2>&1; then  # expect: ambient-tool
  echo "tofu not found on PATH" >&2
  exit 1
fi
cd "$BUILD_WORKSPACE_DIRECTORY/{module_dir}"  # expect: workspace-dir
tofu init -backend=false -input=false  # expect: ambient-tool, network-access
tofu validate -no-color  # expect: ambient-tool
cd - >/dev/null
touch "$stamp"
"""
