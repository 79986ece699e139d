#!/bin/sh
set -eu
cp "$1" "$2"
