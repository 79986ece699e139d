#!/usr/bin/env -S python3 # expect: ambient-tool
"""Every operation in api.json declares an HTTP method."""

import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    operations = json.load(f)["operations"]
missing = [name for name, op in sorted(operations.items()) if "method" not in op]
if missing:
    print(f"FAIL: no method for {', '.join(missing)}", file=sys.stderr)
    sys.exit(1)
print("PASS")
