#!/usr/bin/env bash
# Runs on the developer's machine through `bazel run`: host paths are expected here.
set -euo pipefail
export PATH="/opt/homebrew/bin:/usr/local/go/bin:$PATH"
source "$HOME/.config/dev/env.sh"  # ok: host-path (launcher context)
ls /opt/corp/jdk-17.0.9/bin > /dev/null  # ok: host-path (launcher context)
cd "$BUILD_WORKSPACE_DIRECTORY"  # expect: workspace-dir(info)
exec bash --rcfile ~/.config/dev/bashrc -i  # ok: host-path (launcher context)
