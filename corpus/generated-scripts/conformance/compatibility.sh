#!/bin/bash
set -eu
version="$1"
dotnet test --framework "net$version"  # expect: ambient-tool
