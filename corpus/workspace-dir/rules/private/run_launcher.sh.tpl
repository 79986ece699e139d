#!/usr/bin/env bash
# `bazel run` entry point generated from run_launcher.sh.tpl by dev_launcher.
set -euo pipefail

readonly BINARY="$PWD/%{binary}"
readonly CONFIG="$PWD/%{config}"

workspace="${BUILD_WORKSPACE_DIRECTORY:?dev_launcher targets must be started with bazel run}"  # expect: workspace-dir(info)
cd "$workspace"
exec "$BINARY" --config "$CONFIG" --cwd "${BUILD_WORKING_DIRECTORY:-$workspace}" "$@"  # expect: workspace-dir(info)
