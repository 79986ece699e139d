#!/usr/bin/env bash
# hermetic-scan: disable-file=ambient-tool
# This test is tagged for the local lane; its tools come from the developer image.
set -euo pipefail
tofu providers lock -platform=linux_amd64
jq -e '.providers | length > 0' providers.json
cd "$BUILD_WORKSPACE_DIRECTORY"  # expect: workspace-dir
