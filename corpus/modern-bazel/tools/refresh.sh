#!/usr/bin/env bash
# Regenerates the checked-in lock file in the developer's checkout.
set -euo pipefail
cd "$BUILD_WORKSPACE_DIRECTORY"  # expect: workspace-dir(info)
pip-compile requirements.in  # ok: ambient-tool
