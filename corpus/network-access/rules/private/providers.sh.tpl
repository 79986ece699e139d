#!/bin/bash
# Expanded by provider_mirror and run as a TofuProviders action.
set -euo pipefail

OUT="$1"
shift
MODULE_DIR="%{module_dir}"
OFFLINE="%{offline}"
PLUGINS="$(mktemp -d)"

for plugin in "$@"; do
  cp "$plugin" "$PLUGINS/"
done

cd "$MODULE_DIR"
if [[ "$OFFLINE" == 1 ]]; then
  tofu init -backend=false -input=false -plugin-dir="$PLUGINS"  # expect: ambient-tool
  terraform init -backend=false -plugin-dir "$PLUGINS" > /dev/null  # expect: ambient-tool
  # ok: network-access (both init calls read providers from the declared plugin dir)
else
  tofu init -backend=false -input=false  # expect: ambient-tool, network-access
  terraform get -update  # expect: ambient-tool, network-access
fi
tofu validate -no-color  # expect: ambient-tool
# ok: network-access (validate is offline)
mkdir -p "$OUT"
cp -R .terraform/providers/. "$OUT/"
