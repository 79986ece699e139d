#!/usr/bin/env bash
# End-to-end check of the staging deployment through the cloud APIs. Tagged requires-network.
set -euo pipefail

PROJECT="${GCP_PROJECT:-fixture-staging}"
OUT="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}"

gcloud config set project "$PROJECT" --quiet  # expect: ambient-tool, network-access(info)
token="$(gcloud auth print-access-token)"  # expect: ambient-tool, network-access(info)
aws sts get-caller-identity --output json > "$OUT/identity.json"  # expect: ambient-tool, network-access(info)

# expect: ambient-tool, network-access(info)
status="$(curl -fsS -o /dev/null -w '%{http_code}' \
  -H "Authorization: Bearer $token" "https://staging.example.com/healthz")"
[[ "$status" == 200 ]] || {
  echo "FAIL: healthz answered $status" >&2
  exit 1
}
echo "PASS"
