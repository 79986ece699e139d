#!/usr/bin/env bash
# A stand-in server: announces its port and then waits to be killed.
set -euo pipefail

port=8080
case "${1:-}" in
  --port) port="$2" ;;
  --self-test) echo "ok"; exit 0 ;;
esac
echo "listening on $port"
while true; do
  sleep 1
done
