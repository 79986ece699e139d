#!/usr/bin/env -S PYTHONDONTWRITEBYTECODE=1 python3 # expect: ambient-tool
"""Generates a tiny client (or its type stubs) from an API description."""

import argparse
import json
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", choices=["python", "stubs"], required=True)
    parser.add_argument("spec")
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    for name in sorted(spec.get("operations", {})):
        if args.lang == "stubs":
            print(f"def {name}(**kwargs: object) -> dict: ...")
        else:
            print(f"def {name}(**kwargs):\n    return {{'op': {name!r}, **kwargs}}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
