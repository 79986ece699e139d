#!/usr/bin/env bash
# Expanded by deps_test: checks that the web package and the native crate build from their lockfiles.
set -euo pipefail

PACKAGE_DIR="%{package_dir}"
CRATE_DIR="%{crate_dir}"
IMAGE="%{image}"

section() {
  printf '\n== %s ==\n' "$1"
}

section "javascript"
cd "$PACKAGE_DIR"
[[ -d node_modules ]] || yarn  # expect: ambient-tool, network-access
yarn add --dev --exact "typescript@$(cat .typescript-version)"  # expect: ambient-tool, network-access
pnpm install --frozen-lockfile  # expect: ambient-tool, network-access
pnpm run typecheck  # expect: ambient-tool
# ok: network-access (`pnpm run` only runs a script)
cd - > /dev/null

section "rust"
(
  cd "$CRATE_DIR"
  cargo fetch --locked  # expect: ambient-tool, network-access
  cargo test --offline --locked  # expect: ambient-tool
  # ok: network-access (cargo test --offline)
)

section "image"
timeout 120 docker pull --quiet "$IMAGE"  # expect: ambient-tool, network-access
docker image inspect --format '{{.Id}}' "$IMAGE"  # expect: ambient-tool
# ok: network-access (inspect reads the local image store)
