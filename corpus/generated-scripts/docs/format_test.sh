#!/bin/bash
set -eu
cp docs/index.html "$TEST_TMPDIR/"
BUILD_WORKSPACE_DIRECTORY="$TEST_TMPDIR" source ./docs/lib/format.sh
