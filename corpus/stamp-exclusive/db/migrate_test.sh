#!/usr/bin/env bash
# Applies the migrations in order (up), in reverse (down), or checks their names (lint).
set -euo pipefail

mode="${1:?usage: migrate_test.sh up|down|lint}"
db="${TEST_TMPDIR:?}/db"
mkdir -p "$db"

mapfile -t migrations < <(ls db/migrations/*.sql 2> /dev/null | sort)
if [[ "$mode" == down ]]; then
  mapfile -t migrations < <(printf '%s\n' "${migrations[@]}" | sort -r)
fi

for m in "${migrations[@]}"; do
  case "$mode" in
    lint) [[ "$(basename "$m")" =~ ^[0-9]{4}_[a-z_]+\.sql$ ]] || { echo "bad name: $m" >&2; exit 1; } ;;
    *) cat "$m" >> "$db/applied.sql" ;;
  esac
done
echo "PASS ($mode, ${#migrations[@]} migrations)"
