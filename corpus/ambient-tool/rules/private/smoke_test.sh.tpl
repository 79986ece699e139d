#!/bin/bash
# Smoke test for a tofu module; expanded by tofu_smoke_test and run by `bazel test`.
set -euo pipefail

TOFU="%{tofu}"
MODULE_DIR="%{module_dir}"
WORK="${TEST_TMPDIR:?}/smoke"

log() {
  echo "[smoke] $*"
}

on_exit() {
  local rc=$?
  if [[ $rc -ne 0 ]]; then
    log "failed with exit code $rc"
  fi
  rm -rf "$WORK"
}
trap on_exit EXIT

mkdir -p "$WORK"
cp -R "$MODULE_DIR/." "$WORK/"

log "init"
"$TOFU" -chdir="$WORK" init -backend=false -input=false > /dev/null  # expect: network-access

log "plan"
rc=0
"$TOFU" -chdir="$WORK" plan -input=false -lock=false -detailed-exitcode > "$WORK/plan.txt" || rc=$?
case "$rc" in
  0|2) log "plan ok (exit $rc)" ;;
  *) log "plan failed"; cat "$WORK/plan.txt"; exit 1 ;;
esac

# Registry reachability: needs network and a host curl.
curl -fsS --max-time 10 https://registry.opentofu.org/v1/providers/hashicorp/null/versions > /dev/null  # expect: ambient-tool, network-access
gh api repos/opentofu/opentofu/releases/latest --jq .tag_name > "$WORK/latest.txt" || true  # expect: ambient-tool

if [[ -x ./tools/hclfmt.sh ]]; then
  ./tools/hclfmt.sh "$WORK"/*.tf  # ok: ambient-tool (relative path)
fi
log "done"
