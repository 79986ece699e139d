#!/usr/bin/env bash
# Lints every shell script given as an argument.
set -euo pipefail
shellcheck --severity=warning "$@"  # expect: ambient-tool
