#!/usr/bin/env bash
# `bazel run` launcher: upgrades the release in the developer's current kube context.
set -euo pipefail

ENVIRONMENT="${1:?usage: deploy.sh ENVIRONMENT}"
CHART_DIR="deploy/chart"

helm repo update  # ok: network-access (launcher context)
helm dependency build "$CHART_DIR"  # ok: network-access (launcher context)
kubectl config use-context "$ENVIRONMENT"  # ok: network-access (launcher context)
helm upgrade --install web "$CHART_DIR" --namespace web --wait
curl -fsS "https://status.example.com/api/deployments/$ENVIRONMENT" > /dev/null  # ok: network-access (launcher context)
