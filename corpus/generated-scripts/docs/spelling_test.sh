#!/bin/bash
set -eu
aspell list < "$1" | sort -u | diff - docs/words.txt  # expect: ambient-tool
