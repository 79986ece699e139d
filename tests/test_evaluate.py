"""The abstract interpreter on expressions as macros and rule implementations write them: what it
computes exactly, and where it must say it does not know (model/evaluate.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_tree

from hermetic_scan.model.evaluate import Interpreter
from hermetic_scan.model.modules import Loader
from hermetic_scan.model.values import (
    Choice,
    Const,
    DictV,
    LabelStr,
    ListV,
    NativeRule,
    Str,
    Unknown,
    UnresolvedMember,
    Value,
)
from hermetic_scan.workspace import discover


def _evaluate(tmp_path: Path, source: str, name: str = "X") -> Value:
    write_tree(tmp_path, {"MODULE.bazel": "", "BUILD.bazel": "", "x.bzl": source})
    workspace = discover(tmp_path)
    loader = Loader(workspace)
    module = loader.module(workspace.main, "x.bzl")
    assert module is not None
    value = Interpreter(loader).global_value(module, name)
    assert value is not None
    return value


def _plain(value: Value) -> object:
    """The Python value the model computed; `...` where it does not know."""
    if isinstance(value, Str):
        return value.text.text
    if isinstance(value, Const):
        return value.value
    if isinstance(value, ListV):
        return [_plain(item) for item in value.items]
    if isinstance(value, DictV):
        return {_plain(k): _plain(v) for k, v, _, _ in value.items}  # type: ignore[misc]
    if isinstance(value, Choice):
        return {"one of": [_plain(option) for option in value.options]}
    return ...


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"tofu" + " init"', "tofu init"),
        ('"%s_u%s" % ("matrix", "007")', "matrix_u007"),
        ('"{} {tool}".format("run", tool = "tofu")', "run tofu"),
        ('" ".join(["a", "b", "c"])', "a b c"),
        ('["a"] + ["b"]', ["a", "b"]),
        ("1 < 10", True),
        ("100 <= 10", False),
        ('"a" in ["a", "b"]', True),
        ('"c" not in "abc"', False),
        ('"x" == "x"', True),
        ('"x" != "y"', True),
        ('sorted(["b", "c", "a"])', ["a", "b", "c"]),
        ('reversed(["a", "b"])', ["b", "a"]),
        ('[s + "!" for s in ["a", "b"]]', ["a!", "b!"]),
        ('"yes" if 1 < 2 else "no"', "yes"),
        ('None or "default"', "default"),
        ('[] or ["fallback"]', ["fallback"]),
        ('"set" and "second"', "second"),
        ("not False", True),
        ('{"a": 1} | {"b": 2}', {"a": 1, "b": 2}),
        ("list(range(3))", [0, 1, 2]),
        ('[i for i, _ in enumerate(["a", "b"])]', [0, 1]),
        # A release string's suffix decides which toolchains a BUILD file defines (protobuf's
        # prebuilt protoc toolchains: none for a "-dev" version).
        ('"v{}-dev".format("29.0").endswith("-dev")', True),
        ('"linux-x86_64".startswith(("osx", "win"))', False),
        ('"42".isdigit()', True),
        ('"4a".isdigit()', False),
        ('"rc".isalpha()', True),
        # Macros check the types of their arguments (kythe: `type(value) != typename`).
        ('type("requirements.txt") == "list"', False),
        ("type(True)", "bool"),
        ("type(3)", "int"),
        ("type(None)", "NoneType"),
        ('type({"a": 1})', "dict"),
        ("type(struct(a = 1))", "struct"),
        ('type(Label("//x:y"))', "Label"),
        ('type("a" if native.package_name() else "b")', "string"),
        # tflite-micro names a shared library after its sources' directory.
        ('"ops/delay_op.py"[0:"ops/delay_op.py".rfind("/")]', "ops"),
        ('"abcdef"[2:]', "cdef"),
        ('"abc"[1]', "b"),
        ('"abc"[-1]', "c"),
        ("list(range(2, -1, -1))", [2, 1, 0]),
        ("-(3)", -3),
        ('list(range(len("ab") - 1, -1, -1))', [1, 0]),
        ("7 // 2 * 3 % 5", 4),
        ("-7 // 2", -4),  # towards minus infinity, as in Starlark
        ('"a/b".find("x")', -1),
        ('len("abc")', 3),
        ('len("")', 0),
        ('tuple(["a", "b"])', ["a", "b"]),
        ('bool("")', False),
        ("bool(1)", True),
    ],
)
def test_expressions_the_model_computes(tmp_path: Path, expression: str, expected: object) -> None:
    assert _plain(_evaluate(tmp_path, f"X = {expression}\n")) == expected


@pytest.mark.parametrize(
    "expression",
    [
        'native.package_name() == "app"',  # a value of the BUILD file that calls the macro
        'str(Label("//x:y")).startswith("@@")',  # the canonical form depends on Bzlmod
        '(native.package_name() + "_test").endswith("_test")',  # part of the text is not known
        "native.package_name().isdigit()",
        '"é1".isdigit()',  # beyond ASCII, character classes are Unicode's
        "UNDEFINED < 3",
        '1 < "a"',  # an error in Starlark: the model does not guess
        "type([1])",  # a list and a tuple are one kind of value in the model
        # A list may grow through another name for it (a struct field, an argument): not followed.
        "len([1])",
        "[1, 2][0:1]",
        '"abc"[::2]',
        '"a/b".index("x")',  # an error in Starlark
        "max(1, 2)",  # a built-in function the model does not compute: not a rule either
        "1 // 0",  # an error in Starlark
        "7 / 2",  # a float
        'type("a" if native.package_name() else 1)',
    ],
)
def test_comparisons_it_cannot_decide_are_unknown(tmp_path: Path, expression: str) -> None:
    assert isinstance(_evaluate(tmp_path, f"X = {expression}\n"), Unknown)


def test_a_range_longer_than_the_loop_bound_is_numbers_the_model_does_not_know(tmp_path: Path) -> None:
    # Starlark's `while`: rules_js walks a dependency graph in `for i in range(0, iteration_max + 1)`
    # and breaks when its stack is empty. Its first 256 numbers said no more than one unknown number
    # and made the helper's analysis 0.35 s slower.
    value = _evaluate(tmp_path, "ITERATION_MAX = 999999\nX = range(0, ITERATION_MAX + 1)\n")
    assert isinstance(value, ListV) and not value.complete
    assert [type(item) for item in value.items] == [Unknown]


def test_names_unpacked_at_the_top_level_are_globals(tmp_path: Path) -> None:
    source = (
        'MAJOR, MINOR = ("8", "1")\nX = MINOR\nFooInfo, _new_foo_info = provider(init = _init)\nY = FooInfo\n'
    )
    assert _plain(_evaluate(tmp_path, source)) == "1"
    # provider(init = ...) gives the provider and its raw constructor: not modelled, but a global.
    assert _evaluate(tmp_path, source, "Y").why == "FooInfo is unpacked from a value the model does not know"


def test_what_a_call_of_an_unavailable_file_makes_keeps_where_it_came_from(tmp_path: Path) -> None:
    # rules_kotlin's Android rules are made by a function of @rules_android, absent here.
    source = (
        'load("@rules_android//rules:factory.bzl", "factory")\n'
        'X, _x_internal = factory(kind = "android_library").with_defaults(testonly = True).build()\n'
    )
    value = _evaluate(tmp_path, source)
    assert isinstance(value, UnresolvedMember) and value.called
    assert (value.label, value.symbol) == ("@rules_android//rules:factory.bzl", "factory.with_defaults.build")


def test_a_with_cfg_rule_is_the_rule_it_wraps(tmp_path: Path) -> None:
    # https://github.com/fmeum/with_cfg.bzl: "The `opt_filegroup` rule can now be used just like
    # `filegroup`"; pixie wraps cc_binary, java_binary and its own qemu runner this way.
    chained = (
        'load("@with_cfg.bzl", "with_cfg")\n'
        'X, _x_internal = with_cfg(native.cc_binary).set("compilation_mode", "opt").build()\n'
    )
    value = _evaluate(tmp_path, chained)
    assert isinstance(value, NativeRule) and value.name == "cc_binary"
    stepwise = (
        'load("@with_cfg.bzl", "with_cfg")\n'
        "_builder = with_cfg(native.cc_test)\n"
        'X, X_reset = _builder.resettable(Label(":original")).build()\n'
    )
    value = _evaluate(tmp_path, stepwise)
    assert isinstance(value, NativeRule) and value.name == "cc_test"


def test_an_undecided_condition_keeps_both_branches(tmp_path: Path) -> None:
    value = _evaluate(tmp_path, 'X = "unzip -Z1" if native.package_name() else "tar -tf"\n')
    assert _plain(value) == {"one of": ["unzip -Z1", "tar -tf"]}


def test_label_objects_name_their_target_and_hide_their_string_form(tmp_path: Path) -> None:
    label = _evaluate(tmp_path, 'X = Label(":run.sh")\n')
    assert isinstance(label, LabelStr) and label.text.text == "//:run.sh"
    assert isinstance(_evaluate(tmp_path, 'X = str(Label("//:run.sh"))\n'), Unknown)


def test_lambda_is_called_like_a_function(tmp_path: Path) -> None:
    assert (
        _plain(_evaluate(tmp_path, 'F = lambda tool: tool + " fmt"\nX = F("terraform")\n')) == "terraform fmt"
    )


def test_kwargs_pop_returns_the_value_and_removes_the_key(tmp_path: Path) -> None:
    source = (
        "def f(**kwargs):\n"
        '    tags = ["manual"] + kwargs.pop("tags", [])\n'
        '    missing = kwargs.pop("visibility", ["//visibility:private"])\n'
        "    return [tags, missing, kwargs]\n"
        'X = f(tags = ["no-remote-exec"], name = "lock")\n'
    )
    assert _plain(_evaluate(tmp_path, source)) == [
        ["manual", "no-remote-exec"],
        ["//visibility:private"],
        {"name": "lock"},
    ]


# -- return, break and continue --------------------------------------------------------------
@pytest.mark.parametrize(
    ("condition", "jump", "expected"),
    [
        ('x == "b"', "break", ["a"]),  # taken for sure: the loop ends
        ('x == "b"', "continue", ["a", "c"]),  # taken for sure: the rest of the body is skipped
        # Undecided: the loop goes on as if it were not taken, and what later items add is kept.
        ("native.package_name()", "break", ["a", "b", "c"]),
    ],
)
def test_break_and_continue(tmp_path: Path, condition: str, jump: str, expected: list[str]) -> None:
    source = (
        "def f():\n"
        "    out = []\n"
        '    for x in ["a", "b", "c"]:\n'
        f"        if {condition}:\n"
        f"            {jump}\n"
        "        out.append(x)\n"
        "    return out\n"
        "X = f()\n"
    )
    assert _plain(_evaluate(tmp_path, source)) == expected


# -- what a name the model does not know gives ------------------------------------------------
def test_the_value_of_an_unknown_function_is_unknown_not_none(tmp_path: Path) -> None:
    """`hasattr` and `getattr` on Bazel's built-in objects depend on the Bazel version: a feature
    check must keep both ways, not read as false (it hid targets after `if not hasattr(...)`)."""
    value = _evaluate(tmp_path, 'X = "new" if hasattr(native, "subpackages") else "old"\n')
    assert _plain(value) == {"one of": ["new", "old"]}
    assert isinstance(_evaluate(tmp_path, 'X = getattr(proto_common, "INCOMPATIBLE_FLAG", False)\n'), Unknown)


def test_kwargs_changed_on_an_undecided_branch_still_pass_the_keys_every_branch_holds(
    tmp_path: Path,
) -> None:
    source = (
        "def g(**kw):\n"
        "    return kw\n"
        "def f(flag, **kwargs):\n"
        "    if flag:\n"
        '        kwargs["toolchain_type"] = flag\n'
        "    return g(**kwargs)\n"
        'X = f(native.package_name(), name = "toolchain", tags = ["manual"])\n'
    )
    value = _plain(_evaluate(tmp_path, source))
    assert isinstance(value, dict)
    assert (value["name"], value["tags"]) == ("toolchain", ["manual"])
    assert "toolchain_type" not in value  # passed on one branch only: not a known keyword
