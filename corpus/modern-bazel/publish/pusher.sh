#!/usr/bin/env bash
# Pushes an image tarball and writes a receipt. Run by //publish:release's action, not only by `bazel run`.
set -euo pipefail
shift 2
crane push "$1" registry.example.com/app:latest > "$2"  # expect: ambient-tool, network-access
