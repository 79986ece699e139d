"""A helper whose analysis would multiply (every undecided branch runs both ways, helpers call
helpers) stops at a call budget and says so, instead of taking minutes (the time is measured by
bench/realworld.py on rules_jvm_external, not here)."""

from __future__ import annotations

from pathlib import Path

from helpers import write_tree

from hermetic_scan.model import build_model
from hermetic_scan.model.actions import FREE_FUNCTION_CALLS
from hermetic_scan.workspace import discover

# Three nested loops of 64 items each call `_leaf`: 262,144 calls if nothing stopped them.
HELPERS = """\
def _leaf(ctx, value):
    if value:
        return value
    return None

def fan_out(ctx, items):
    for a in range(64):
        for b in range(64):
            for c in range(64):
                _leaf(ctx, items)
    ctx.actions.run_shell(outputs = [], command = "true", mnemonic = "FanOut")
"""


def test_a_multiplying_helper_stops_at_the_budget(tmp_path: Path) -> None:
    write_tree(tmp_path, {"MODULE.bazel": "", "BUILD.bazel": "", "helpers.bzl": HELPERS})
    model = build_model(discover(tmp_path))
    (fan_out,) = [h for h in model.helpers if h.owner.endswith(":fan_out")]
    assert f"analysis budget of {FREE_FUNCTION_CALLS} calls reached at _leaf()" in fan_out.unresolved
