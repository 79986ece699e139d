#!/usr/bin/env bash
# Fetches the staging health page and checks its status.
set -euo pipefail
status=$(curl -fsS https://staging.example.com/healthz)  # expect: ambient-tool, network-access
test "$status" = "ok"
