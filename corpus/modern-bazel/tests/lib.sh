#!/usr/bin/env bash
# Assertions shared by the shell tests of this repository.
assert_contains() {
  grep -q -- "$2" "$1" || { echo "expected '$2' in $1" >&2; exit 1; }
}
