"""The abstract values of the Starlark evaluator (model/values.py): when a string counts as statically
known, how dict values are looked up, how choices between values are combined and bounded, and when
the truth of a value is known rather than guessed. Values are built both by hand and by the
interpreter from .bzl source."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_tree

from hermetic_scan.model.evaluate import Interpreter
from hermetic_scan.model.modules import Loader
from hermetic_scan.model.values import (
    MAX_CHOICES,
    AttrDecl,
    Choice,
    Const,
    DictV,
    LabelStr,
    ListV,
    OutputFile,
    RuleClass,
    Script,
    Str,
    Unknown,
    Value,
    alternatives,
    choice,
    known_truth,
)
from hermetic_scan.source import DECLARED_TOKEN, OPAQUE_TOKEN, MappedText, SourceFile
from hermetic_scan.workspace import discover

_FILE = SourceFile("defs.bzl", b'CMD = "tar -xzf "\nEMPTY = ""\n')


def _literal(text: str) -> Str:
    """A string read from `_FILE` where it occurs, every character with its byte."""
    start = _FILE.data.index(f'"{text}"'.encode()) + 1
    return Str(MappedText(text, range(start, start + len(text)), _FILE, start - 1))


def _with_hole(token: str) -> Str:
    """`"tar -xzf " + <something the model cannot see>`."""
    prefix = _literal("tar -xzf ")
    return Str(prefix.text + MappedText.opaque(token, _FILE, prefix.text.origin(len(prefix.text.text))))


def _evaluate(tmp_path: Path, source: str, name: str) -> Value:
    write_tree(tmp_path, {"MODULE.bazel": "", "BUILD.bazel": "", "defs.bzl": source})
    workspace = discover(tmp_path)
    loader = Loader(workspace)
    module = loader.module(workspace.main, "defs.bzl")
    assert module is not None
    value = Interpreter(loader).global_value(module, name)
    assert value is not None
    return value


def _texts(values: tuple[Value, ...]) -> list[object]:
    return [v.text.text if isinstance(v, Str) else v for v in values]


# -- Str.static ------------------------------------------------------------------------------------


def test_a_string_read_from_source_is_static() -> None:
    assert _literal("tar -xzf ").static


@pytest.mark.parametrize("token", [OPAQUE_TOKEN, DECLARED_TOKEN, DECLARED_TOKEN + "tofu__"])
def test_a_string_with_a_hole_for_an_unseen_value_is_not_static(token: str) -> None:
    value = _with_hole(token)
    assert value.text.text == "tar -xzf " + token
    assert not value.static


def test_text_pasted_from_another_file_is_still_static() -> None:
    # Characters from a second file lose their positions (None) but their text is known.
    other = SourceFile("other.bzl", b'FLAGS = "-v"\n')
    pasted = _literal("tar -xzf ").text + MappedText("-v", range(9, 11), other, 8)
    assert pasted.text == "tar -xzf -v" and None in pasted.offsets
    assert Str(pasted).static


def test_the_token_text_written_in_the_source_itself_is_static() -> None:
    data = f'X = "{OPAQUE_TOKEN}"\n'.encode()
    written = Str(MappedText(OPAQUE_TOKEN, range(5, 5 + len(OPAQUE_TOKEN)), SourceFile("x.bzl", data), 4))
    assert written.static


def test_concatenating_an_unknown_value_gives_a_string_that_is_not_static(tmp_path: Path) -> None:
    value = _evaluate(tmp_path, 'CMD = "echo " + native.package_name()\n', "CMD")
    assert isinstance(value, Str)
    assert value.text.text == "echo " + OPAQUE_TOKEN
    assert not value.static
    assert known_truth(value) is None


def test_a_label_object_is_a_static_string_naming_its_target(tmp_path: Path) -> None:
    value = _evaluate(tmp_path, 'TOOL = Label("//tools:gen")\n', "TOOL")
    assert isinstance(value, LabelStr) and isinstance(value, Str)
    assert value.text.text == "//tools:gen"
    assert value.static


# -- identity and equality -------------------------------------------------------------------------


def test_strings_compare_by_identity_and_constants_by_value() -> None:
    assert _literal("tar -xzf ") != _literal("tar -xzf ")
    assert Const(3) == Const(3) and hash(Const(3)) == hash(Const(3))
    assert Const(3) != Const(4)
    assert Unknown() == Unknown("not statically known")
    assert Unknown("f-string") != Unknown("+")
    assert len({Unknown("+"), Unknown("+"), Unknown()}) == 2


def test_each_output_file_gets_its_own_script_list() -> None:
    first, second = OutputFile("out:a"), OutputFile("out:b")
    first.script.append(Script(_literal("tar -xzf ").text, is_executable=True, origin="write"))
    assert len(first.script) == 1
    assert second.script == []
    assert second.filename is None


# -- DictV.get -------------------------------------------------------------------------------------


def test_dict_get_finds_a_value_by_its_string_key() -> None:
    tool, empty = _literal("tar -xzf "), _literal("")
    env = DictV(((tool, Const(1), None, None), (empty, Const(2), None, None)))
    assert env.get("tar -xzf ") == Const(1)
    assert env.get("") == Const(2)
    assert env.get("missing") is None


def test_dict_get_skips_keys_that_are_not_strings() -> None:
    env = DictV(((Const(1), Const(10), None, None), (Unknown(), Const(20), None, None)))
    assert env.get("1") is None
    assert env.get("not statically known") is None


def test_dict_get_after_a_union_reads_the_right_hand_value(tmp_path: Path) -> None:
    source = 'ENV = {"no-remote": "1", "cpu": "2"} | {"no-remote": "0"}\n'
    value = _evaluate(tmp_path, source, "ENV")
    assert isinstance(value, DictV)
    found = value.get("no-remote")
    assert isinstance(found, Str) and found.text.text == "0"
    cpu = value.get("cpu")
    assert isinstance(cpu, Str) and cpu.text.text == "2"


# -- choice and alternatives -----------------------------------------------------------------------


def test_a_choice_of_one_value_is_that_value() -> None:
    tool = _literal("tar -xzf ")
    assert choice([tool]) is tool
    assert choice((tool, tool)) is tool  # the same value twice is one option


def test_a_choice_keeps_its_options_in_order() -> None:
    a, b = _literal("tar -xzf "), _literal("")
    value = choice([a, b])
    assert isinstance(value, Choice)
    assert value.options == (a, b)


def test_nested_choices_are_flattened_and_repeats_dropped() -> None:
    a, b, c = _literal("tar -xzf "), _literal(""), Unknown()
    value = choice([choice([a, b]), choice([b, c]), a])
    assert isinstance(value, Choice)
    assert value.options == (a, b, c)
    assert all(not isinstance(option, Choice) for option in value.options)


def test_a_choice_keeps_at_most_the_first_max_choices_options() -> None:
    values = [Const(i) for i in range(MAX_CHOICES + 3)]
    value = choice(values)
    assert isinstance(value, Choice)
    assert value.options == tuple(values[:MAX_CHOICES])


def test_alternatives_lists_a_choices_options_or_the_value_alone() -> None:
    a, b = _literal("tar -xzf "), Const(0)
    assert alternatives(Choice((a, b))) == (a, b)
    assert alternatives(a) == (a,)


def test_an_undecided_conditional_builds_a_choice_of_both_branches(tmp_path: Path) -> None:
    source = 'TOOL = "gtar" if native.package_name() == "ci" else "tar"\n'
    value = _evaluate(tmp_path, source, "TOOL")
    assert isinstance(value, Choice)
    assert _texts(alternatives(value)) == ["gtar", "tar"]
    assert known_truth(value) is True  # both branches are non-empty strings


# -- known_truth -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "truth"),
    [
        (Const(None), False),
        (Const(False), False),
        (Const(0), False),
        (Const(True), True),
        (Const(7), True),
        (_literal(""), False),
        (_literal("tar -xzf "), True),
        (Str(MappedText.empty(_FILE, 0)), False),
    ],
    ids=["None", "False", "zero", "True", "seven", "empty-string", "string", "empty-text"],
)
def test_truth_of_constants_and_strings_read_from_source(value: Value, truth: bool) -> None:
    assert known_truth(value) is truth


@pytest.mark.parametrize(
    "value",
    [
        Unknown(),
        _with_hole(OPAQUE_TOKEN),  # the hole might stand for anything
        Str(MappedText.opaque(OPAQUE_TOKEN, _FILE, 0)),  # might be "" in Starlark
        ListV((Const(1),)),
        DictV(()),
    ],
    ids=["unknown", "string-with-hole", "only-a-hole", "list", "dict"],
)
def test_truth_is_unknown_where_the_model_cannot_be_exact(value: Value) -> None:
    assert known_truth(value) is None


@pytest.mark.parametrize(
    ("options", "truth"),
    [
        ((_literal("tar -xzf "), Const(1)), True),
        ((_literal(""), Const(0), Const(None)), False),
        ((_literal("tar -xzf "), Const(0)), None),
        ((Const(1), Unknown()), None),
        ((Unknown("a"), Unknown("b")), None),
    ],
    ids=["all-true", "all-false", "mixed", "one-unknown", "all-unknown"],
)
def test_a_choice_has_a_known_truth_only_when_every_option_agrees(
    options: tuple[Value, ...], truth: bool | None
) -> None:
    assert known_truth(Choice(options)) is truth


def test_falsy_branches_of_an_undecided_conditional_are_known_false(tmp_path: Path) -> None:
    value = _evaluate(tmp_path, 'FLAGS = "" if native.package_name() else 0\n', "FLAGS")
    assert isinstance(value, Choice)
    assert known_truth(value) is False


# -- RuleClass -------------------------------------------------------------------------------------


def test_a_rule_class_is_keyed_by_its_file_and_name(tmp_path: Path) -> None:
    source = (
        "def _impl(ctx):\n"
        "    pass\n"
        "\n"
        "tofu_run = rule(\n"
        "    implementation = _impl,\n"
        '    attrs = {"_tofu": attr.label(executable = True, cfg = "exec", default = "//tools:tofu")},\n'
        "    executable = True,\n"
        ")\n"
    )
    value = _evaluate(tmp_path, source, "tofu_run")
    assert isinstance(value, RuleClass)
    assert value.key == "rule:defs.bzl:tofu_run"
    assert (value.name, value.test, value.executable, value.toolchains) == ("tofu_run", False, True, ())
    declared = value.attrs["_tofu"]
    assert isinstance(declared, AttrDecl)
    assert (declared.kind, declared.executable, declared.cfg) == ("label", True, "exec")
    assert isinstance(declared.default, Str) and declared.default.text.text == "//tools:tofu"
