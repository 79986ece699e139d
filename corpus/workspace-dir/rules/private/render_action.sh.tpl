#!/usr/bin/env bash
# Generated from render_action.sh.tpl by templated_render; runs as a build action.
set -euo pipefail

readonly RENDER="%{render}"
readonly STYLE="%{style}"
out="$1"
shift

# Developer overrides are picked up from the checkout when present.
overrides="${BUILD_WORKSPACE_DIRECTORY:-}/render.overrides"  # expect: workspace-dir(error)
if test -f "$overrides"; then
  set -- --overrides "$overrides" "$@"
fi

"$RENDER" --format="$STYLE" --output "$out" "$@"
