#!/bin/bash
# Policy checks for a tofu plan. Expanded by tofu_plan from
# //rules/private:policy_check.sh.tpl and run as the TofuPolicy action.
set -euo pipefail

readonly PLAN_JSON="$1"
readonly REPORT="$2"
readonly OPA="%{opa}"
readonly POLICY_DIR="%{policy_dir}"
readonly STRICT="%{strict}"

violations=0

fail() {
  echo "policy: $*" >&2
  exit 1
}

record() {
  violations=$((violations + 1))
  printf 'VIOLATION %s\n' "$*" >> "$REPORT"
}

[[ -s "$PLAN_JSON" ]] || fail "empty plan: $PLAN_JSON"
printf '# policy report for %s\n' "$(basename "$PLAN_JSON")" > "$REPORT"

# Declared evaluator, passed in by path.
while IFS= read -r line; do
  record "$line"
done < <("$OPA" eval --format=raw --data "$POLICY_DIR" --input "$PLAN_JSON" 'data.main.deny[_]')  # ok: ambient-tool ("$OPA")

# Second opinion from tools that only exist on some machines.
conftest test --policy "$POLICY_DIR" --no-color "$PLAN_JSON" >> "$REPORT" || record "conftest"  # expect: ambient-tool
/usr/bin/env python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$PLAN_JSON" || fail "invalid JSON"  # expect: ambient-tool
/usr/bin/env bash -n "$0"  # ok: ambient-tool (/usr/bin/env bash)

if [[ "$STRICT" == "1" && "$violations" -gt 0 ]]; then
  cat >> "$REPORT" <<EOF
${violations} violation(s); run conftest test or opa eval locally to reproduce.
EOF
  fail "$violations policy violation(s)"
fi
echo "ok" >> "$REPORT"
