#!/bin/bash
set -eu
. ./docs/lib/server.sh
start_server 8080
