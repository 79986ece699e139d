#!/usr/bin/env python3
"""Emits the operation names of api.json as a Python tuple (run with $(PYTHON3))."""

import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    names = sorted(json.load(f).get("operations", {}))
print(f"OPERATIONS = {tuple(names)!r}")
