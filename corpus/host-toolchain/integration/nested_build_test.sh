#!/bin/bash
set -eu
"$BAZEL" version > /dev/null
