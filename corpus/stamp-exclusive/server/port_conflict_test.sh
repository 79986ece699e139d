#!/usr/bin/env bash
# Starts two servers on the same port; the second must report the same port (the stand-in cannot conflict).
set -euo pipefail

log="${TEST_TMPDIR:?}/server.log"
server/server.sh --port 9090 > "$log" &
pid=$!
trap 'kill "$pid" 2> /dev/null || true' EXIT
sleep 0.2
grep -q "listening on 9090" "$log"
echo "PASS"
