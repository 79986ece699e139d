#!/usr/bin/env bash
# Renders @KEY@ placeholders from --define=KEY=VALUE flags.
set -euo pipefail

usage() {
  echo "usage: render.sh [--legacy] --input IN --output OUT [--define=K=V]..." >&2
  exit 2
}

input=""
output=""
declare -a defines=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --input) input="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    --define=*) defines+=("${1#--define=}"); shift ;;
    --legacy) input="$2"; output="$3"; shift 3 ;;
    --template) input="$2"; output="$3"; shift 3 ;;
    *) usage ;;
  esac
done

[[ -n "$input" && -n "$output" ]] || usage

script=""
for kv in "${defines[@]+"${defines[@]}"}"; do
  key="${kv%%=*}"
  value="${kv#*=}"
  script+="s|@${key}@|${value}|g;"
done

if [[ -z "$script" ]]; then
  cp "$input" "$output"
else
  sed -e "$script" "$input" > "$output"
fi
