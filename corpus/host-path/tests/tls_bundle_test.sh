#!/usr/bin/env bash
set -euo pipefail

bundle="$1"
grep -q "BEGIN CERTIFICATE" "$bundle"

# The corporate root has to be in the bundle we ship.
root_line="$(sed -n '2p' /Users/Shared/corp-pki/root.pem)"  # expect: host-path
grep -qF "$root_line" "$bundle" || { echo "corp root missing from $bundle" >&2; exit 1; }

# Same check against the copy update-ca-certificates installs.
if [ -f /usr/local/share/ca-certificates/corp-root.crt ]; then  # expect: host-path
  tail -n 2 /usr/local/share/ca-certificates/corp-root.crt | grep -qF -f - "$bundle"  # expect: host-path
fi
echo "PASS"
