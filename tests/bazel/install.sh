#!/usr/bin/env bash
# Installs Debian's Bazel 4.2.3 and its rules_java when `bazel` is not on PATH.
# Used by .ci/run before the oracle tests (tests/test_bazel_oracle.py); exits non-zero on failure so
# that CI fails instead of silently skipping them.
set -euo pipefail
if command -v bazel >/dev/null 2>&1 && [[ -d /usr/share/bazel/rules/java ]]; then
  exit 0
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "install.sh: need root or sudo to apt-get install bazel" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y bazel-bootstrap bazel-rules-java
command -v bazel >/dev/null 2>&1 || { echo "install.sh: bazel still missing after apt-get install" >&2; exit 1; }
[[ -d /usr/share/bazel/rules/java ]] || { echo "install.sh: /usr/share/bazel/rules/java missing" >&2; exit 1; }
bazel --version
