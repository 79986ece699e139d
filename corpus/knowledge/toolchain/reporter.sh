#!/bin/sh
set -eu
echo "$2" > "$1"
