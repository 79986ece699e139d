#!/bin/sh
set -eu
curl -fsS https://status.example.com/health  # expect: ambient-tool, network-access(info)
