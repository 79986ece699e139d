#!/bin/bash
set -eu
testee="$1"
printf "request" | "$testee" > /dev/null
