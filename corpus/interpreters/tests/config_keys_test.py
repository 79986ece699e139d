#!/usr/bin/env -S python3 -B # expect: ambient-tool
"""config.yaml keys are lower_snake_case."""

import re
import sys

bad = []
with open(sys.argv[1], encoding="utf-8") as f:
    for number, line in enumerate(f, start=1):
        if line.startswith("#") or ":" not in line:
            continue
        key = line.split(":", 1)[0].strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            bad.append(f"line {number}: {key}")
if bad:
    print("FAIL:\n  " + "\n  ".join(bad), file=sys.stderr)
    sys.exit(1)
print("PASS")
