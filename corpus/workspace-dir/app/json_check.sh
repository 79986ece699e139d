#!/usr/bin/env bash
# Minimal JSON sanity check: the file must start with an object.
set -euo pipefail
head -c 1 "$1" | grep -q '{'
