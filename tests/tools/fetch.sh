#!/usr/bin/env bash
# Fetches the test-only tools from the npm registry into tests/tools/ (git-ignored):
#   - buildifier 8.2.1 (binary shipped inside @bazel/buildifier), to check that `fix` keeps BUILD files formatted;
#   - buildozer 8.2.1 (binary shipped inside @bazel/buildozer), to run the commands of `fix --format buildozer`;
#   - the official SARIF 2.1.0 JSON schema, shipped by @microsoft/jest-sarif (MIT), to validate SARIF output.
set -euo pipefail
cd "$(dirname "$0")"
fetch() {  # package@version directory
  local spec="$1" dir="$2"
  [[ -d "$dir" ]] && return 0
  local tarball
  tarball=$(npm pack --silent "$spec")
  mkdir -p "$dir.tmp" && tar -xzf "$tarball" -C "$dir.tmp" && rm -f "$tarball"
  mv "$dir.tmp/package" "$dir" && rm -rf "$dir.tmp"
}
fetch @bazel/buildifier@8.2.1 buildifier
fetch @bazel/buildozer@8.2.1 buildozer
fetch @microsoft/jest-sarif@1.0.0-beta.0 sarif
arch=$(uname -m); case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
chmod +x "buildifier/buildifier-linux_$arch"
ln -sf "buildifier/buildifier-linux_$arch" buildifier-bin
chmod +x "buildozer/buildozer-linux_$arch"
ln -sf "buildozer/buildozer-linux_$arch" buildozer-bin
test -f sarif/lib/schemas/sarif-2.1.0-rtm.5.json
