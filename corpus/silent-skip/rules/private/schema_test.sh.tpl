#!/bin/bash
# Expanded by schema_test. Validates the baseline document against the schema.
set -euo pipefail

SCHEMA="%{schema}"
BASELINE="%{baseline}"
VALIDATOR="%{validator}"

if [[ ! -f "$SCHEMA" ]]; then
  echo "schema was not generated; skipping"
  exit 0  # expect: silent-skip
fi
test -s "$BASELINE" > /dev/null 2>&1 || exit 0  # expect: silent-skip

"$VALIDATOR" "$SCHEMA" "$BASELINE"
