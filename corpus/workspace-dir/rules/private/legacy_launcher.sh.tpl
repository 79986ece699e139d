#!/usr/bin/env bash
# Old launcher template, kept for reference. No rule points at it any more,
# so nothing here is analyzed.
set -euo pipefail

cd "$BUILD_WORKSPACE_DIRECTORY"  # ok: workspace-dir
exec "$PWD/%{binary}" "$@"
