#!/usr/bin/env bash
# A hermetic stand-in for OpenTofu used by CI: understands just enough of the
# command line to let the rules in this workspace run end to end.
set -euo pipefail

chdir="."
if [[ "${1:-}" == -chdir=* ]]; then
  chdir="${1#-chdir=}"
  shift
fi

subcommand="${1:-help}"
shift || true

case "$subcommand" in
  version)
    echo "OpenTofu v1.8.0 (fake)"
    ;;
  init)
    mkdir -p "$chdir/.terraform"
    ;;
  validate)
    printf '{"format_version":"1.0","valid":true,"error_count":0}\n'
    ;;
  fmt)
    exit 0
    ;;
  plan)
    out=""
    for arg in "$@"; do
      case "$arg" in
        -out=*) out="${arg#-out=}" ;;
      esac
    done
    if [[ -n "$out" ]]; then
      find "$chdir" -name '*.tf' | LC_ALL=C sort > "$out"
    fi
    ;;
  show)
    printf '{"resource_changes":[{"type":"null_resource"}]}\n'
    ;;
  apply|providers)
    echo "fake tofu: $subcommand is a no-op"
    ;;
  *)
    echo "fake tofu: unknown subcommand $subcommand" >&2
    exit 1
    ;;
esac
