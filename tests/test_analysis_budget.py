"""A helper whose analysis would multiply (every undecided branch runs both ways, helpers call
helpers) or that runs pure Starlark on constants stops at a budget of calls or statements, says so,
and goes on coarsely to the actions after, instead of taking minutes (the time is measured by
bench/realworld.py on rules_jvm_external, not here)."""

from __future__ import annotations

from pathlib import Path

from helpers import write_tree

from hermetic_scan.model import build_model
from hermetic_scan.model.actions import FREE_FUNCTION_CALLS, FREE_FUNCTION_STATEMENTS
from hermetic_scan.workspace import discover

# Three nested loops of 64 items each call `_leaf`: 262,144 calls if nothing stopped them.
HELPERS = """\
def _leaf(ctx, value):
    return value or None

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
    # One statement per call: the calls run out first, then the statements of the loops.
    assert fan_out.unresolved == [
        f"analysis budget of {FREE_FUNCTION_CALLS} calls reached at _leaf()",
        f"analysis budget of {FREE_FUNCTION_STATEMENTS:,} statements reached",
    ]
    assert [a.mnemonic for a in fan_out.actions] == ["FanOut"]  # the action after the loops is seen


# rules_py's unit tests of its PEP 508 evaluator: pure Starlark run on constants, no call needed.
TOKENIZER = """\
def _tokenize_test(ctx):
    tokens = []
    for line in range(250):
        for position in range(250):
            if position % 7 == 0:
                tokens.append(position)
            else:
                tokens = tokens
    ctx.actions.write(output = ctx.outputs.out, content = "ok")
    ctx.actions.run_shell(outputs = [ctx.outputs.out], command = "touch $1", mnemonic = "AfterTheLoops")
"""


def test_a_helper_past_its_statements_goes_on_coarsely_to_its_actions(tmp_path: Path) -> None:
    write_tree(tmp_path, {"MODULE.bazel": "", "BUILD.bazel": "", "tests.bzl": TOKENIZER})
    model = build_model(discover(tmp_path))
    (helper,) = [h for h in model.helpers if h.owner.endswith(":_tokenize_test")]
    assert helper.unresolved == [f"analysis budget of {FREE_FUNCTION_STATEMENTS:,} statements reached"]
    assert [a.mnemonic for a in helper.actions] == ["AfterTheLoops"]
