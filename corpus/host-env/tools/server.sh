#!/usr/bin/env bash
set -euo pipefail
echo "listening on ${2:-8080}"
