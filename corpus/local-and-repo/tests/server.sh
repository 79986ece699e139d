#!/usr/bin/env bash
# A stand-in server: announces itself and waits to be stopped.
set -euo pipefail
echo "listening on ${2:-0}"
while true; do
  sleep 1
done
