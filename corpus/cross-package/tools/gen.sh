#!/usr/bin/env bash
# Renders a page; pandoc comes from the developer's machine.
set -euo pipefail
pandoc --standalone -o "$1" "$2"  # expect: ambient-tool
