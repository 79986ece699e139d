#!/bin/bash
# Checks what the test sandbox provides. Mentions like /opt/corp or $HOME/.netrc in
# comments are never read.
set -euo pipefail

data_dir="tests/testdata"
[ -x /bin/bash ]  # ok: host-path (/bin)
[ -x /usr/bin/env ]  # ok: host-path (/usr/bin)
grep -q '^Name:' /proc/self/status  # ok: host-path (/proc)
ls "$data_dir" > "${TEST_TMPDIR}/listing.txt"  # ok: host-path (relative)
cmp "$data_dir/expected_listing.txt" "${TEST_TMPDIR}/listing.txt"
sort -c "$data_dir/expected_listing.txt" 2> /dev/null  # ok: host-path (/dev/null)

# Credentials must not leak into the sandbox.
if [ -e "$HOME/.netrc" ]; then  # expect: host-path
  echo "FAIL: a .netrc is visible inside the test sandbox" >&2
  exit 1
fi
echo "PASS"
