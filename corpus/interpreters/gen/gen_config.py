#!/usr/bin/env python3
# Run as `$(execpath //tools:python3) gen_config.py`: this shebang is never used.  # ok: ambient-tool
"""Turns config.yaml (flat `key: value` lines) into a Python module."""

import sys

print("CONFIG = {")
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        key, sep, value = line.partition(":")
        if sep and not line.startswith("#"):
            print(f"    {key.strip()!r}: {value.strip()!r},")
print("}")
