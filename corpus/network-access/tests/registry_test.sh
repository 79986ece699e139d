#!/usr/bin/env bash
# Checks that the npm registry the web build uses answers, and that our pins have no advisories.
set -euo pipefail

REGISTRY="${REGISTRY:-https://registry.npmjs.org}"
WORK="${TEST_TMPDIR:?}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

fetch_metadata() {
  local name="$1"
  curl -fsS "$REGISTRY/$name" -o "$WORK/$name.json" || fail "cannot reach $REGISTRY"  # expect: ambient-tool, network-access
}

fetch_metadata left-pad  # ok: network-access (a function; the curl inside it is the finding)
grep -q '"dist-tags"' "$WORK/left-pad.json" || fail "unexpected metadata"

# expect: ambient-tool, network-access
curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @- \
  "$REGISTRY/-/npm/v1/security/audits/quick" > "$WORK/audit.json" <<JSON
{"name": "fixture", "version": "1.0.0", "requires": {"left-pad": "1.3.0"}}
JSON
grep -q '"advisories"' "$WORK/audit.json" || fail "no advisories in the audit answer"

# The CI image has no jq; install it when missing.
command -v jq > /dev/null || apt-get install -y --no-install-recommends jq  # expect: ambient-tool, network-access
nix-build --no-out-link '<nixpkgs>' -A nodejs_20 > "$WORK/node-path"  # expect: ambient-tool, network-access

npm --version > "$WORK/npm-version"  # expect: ambient-tool
# ok: network-access (a version probe)

# ok: network-access (the usage text below is a quoted heredoc)
cat <<'EOF'
To test against a local mirror: npm install -g verdaccio && verdaccio &
then REGISTRY=http://localhost:4873 bazel test //tests:registry_test
EOF
echo "PASS"
