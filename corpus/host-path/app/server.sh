#!/usr/bin/env bash
# Serves api.json; the dev launcher passes --config and --jdk.
set -euo pipefail
while [ $# -gt 0 ]; do
  case "$1" in
    --config | --jdk) shift 2 ;;
    *) shift ;;
  esac
done
echo "serving api.json"
