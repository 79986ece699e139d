#!/usr/bin/env bash
# Deploys the network module: `bazel run //tools:deploy -- <env>`.
# This is a launcher (sh_binary run by `bazel run`), so using the developer's
# own tools is expected here and is not an ambient-tool hazard.
set -euo pipefail

readonly ENVIRONMENT="${1:?usage: deploy <environment>}"

require() {
  local tool="$1"
  if ! command -v "$tool" > /dev/null 2>&1; then
    echo "deploy: $tool is required" >&2
    exit 1
  fi
}

require tofu
require aws
which kubectl > /dev/null  # ok: ambient-tool (launcher context)

aws sts get-caller-identity --output text > /dev/null  # ok: ambient-tool (launcher context)
tofu -chdir=infra/modules/network workspace select "$ENVIRONMENT"  # ok: ambient-tool (launcher context)
tofu -chdir=infra/modules/network apply -auto-approve  # ok: ambient-tool (launcher context)
kubectl --context "$ENVIRONMENT" rollout restart deployment/edge  # ok: ambient-tool (launcher context)
/usr/local/bin/notify-slack "#deploys" "network deployed to $ENVIRONMENT"  # ok: ambient-tool (launcher context)
