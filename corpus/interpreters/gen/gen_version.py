#!/usr/bin/env -S python3 # expect: ambient-tool
"""Writes a version.py module from the VERSION file."""

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version-file", required=True)
    args = parser.parse_args()
    with open(args.version_file, encoding="utf-8") as f:
        version = f.read().strip()
    sys.stdout.write(f'VERSION = "{version}"\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
