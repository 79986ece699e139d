#!/usr/bin/env bash
# Compares the generated report with the golden copy; under `bazel run` it uses the live checkout.
set -euo pipefail
golden="$TEST_SRCDIR/_main/tests/golden.txt"
if [[ -n "${BUILD_WORKSPACE_DIRECTORY:-}" ]]; then  # expect: workspace-dir(info)
  golden="$BUILD_WORKSPACE_DIRECTORY/tests/golden.txt"  # expect: workspace-dir(info)
fi
digest=$(command -v b3sum || command -v sha256sum)  # expect: ambient-tool(info)
"$digest" "$golden"
