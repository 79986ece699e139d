#!/usr/bin/env bash
# Integration test for the network module; runs under `bazel test`.
set -euo pipefail

readonly TOFU="$1"
readonly PLAN_JSON="$2"
readonly ENDPOINT="${ENDPOINT:-http://localhost:8080}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

assert_file() {
  [[ -s "$1" ]] || fail "missing or empty: $1"
}

cleanup() {
  rm -rf "${TEST_TMPDIR:?}/work"
}
trap cleanup EXIT

assert_file "$PLAN_JSON"  # ok: ambient-tool (function)
mkdir -p "$TEST_TMPDIR/work"
pushd "$TEST_TMPDIR/work" > /dev/null

"$TOFU" version > version.txt  # ok: ambient-tool ("$TOFU")
grep -q '^OpenTofu' version.txt || fail "unexpected version output"

resources="$(grep -c 'tf' "$PLAN_JSON" || true)"
if (( resources == 0 )); then
  fail "plan has no resources"
fi

# Everything below talks to the host, which a remote executor does not have.
revision="$(git -C "$TEST_SRCDIR" rev-parse HEAD 2> /dev/null || echo unknown)"  # expect: ambient-tool
curl -fsS --retry 3 "$ENDPOINT/healthz" > health.json  # expect: ambient-tool, network-access
python3 - health.json <<'PY'  # expect: ambient-tool
import json, sys
status = json.load(open(sys.argv[1]))["status"]
sys.exit(0 if status == "ok" else 1)
PY
timeout 10 nc -z localhost 5432  # expect: ambient-tool
if command -v shellcheck > /dev/null; then  # expect: ambient-tool
  shellcheck "$0"  # expect: ambient-tool
fi
exec 3> "$TEST_TMPDIR/work/log.txt"  # ok: ambient-tool (exec redirect only)
echo "revision $revision" >&3

popd > /dev/null
echo "PASS (revision $revision, $resources resources)"
