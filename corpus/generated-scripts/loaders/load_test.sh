#!/usr/bin/env bash
set -o errexit
"$1" app.tar
