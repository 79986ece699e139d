#!/usr/bin/env bash
# Tiny renderer for the fixture rules: turns key=value files into other formats.
# It also runs inside build actions, so it never reads $BUILD_WORKSPACE_DIRECTORY.  # ok: workspace-dir
set -euo pipefail

format=txt
guard=GENERATED_H
output=/dev/stdout
srcs=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --format=*) format="${1#--format=}"; shift ;;
    --guard=*) guard="${1#--guard=}"; shift ;;
    --output) output="$2"; shift 2 ;;
    --config-dir | --overrides | --config | --cwd) shift 2 ;;
    --*) shift ;;
    *) srcs+=("$1"); shift ;;
  esac
done

emit() {
  case "$format" in
    c-header)
      printf '#ifndef %s\n#define %s\n' "$guard" "$guard"
      sed -e '/^#/d' -e '/^$/d' -e 's/^\([^=]*\)=\(.*\)$/#define \1 "\2"/' "$@"
      printf '#endif\n'
      ;;
    manifest)
      for f in "$@"; do
        printf '%s %s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"
      done
      ;;
    *)
      cat "$@"
      ;;
  esac
}

emit "${srcs[@]}" > "$output"
