"""Parsing: the fallback grammar for files Bazel accepts, and real errors reported in place."""

from __future__ import annotations

from hermetic_scan import parse
from hermetic_scan.model.strings import decode_string
from hermetic_scan.source import SourceFile


def test_assert_prefixed_calls_and_match_parse_via_fallback() -> None:
    data = b'assert_contains(name = "x", expected = "y")\nmatch(pattern = "*.tf")\n'
    parsed = parse.parse_starlark(data)
    assert parsed.first_error is None
    assert parsed.grammar == parse.PYTHON
    calls = parse.captures("starlark-calls.scm", parsed.grammar, parsed.tree.root_node)["call.function"]
    assert sorted(c.text.decode() for c in calls) == ["assert_contains", "match"]


def test_clean_file_keeps_the_starlark_grammar() -> None:
    assert (
        parse.parse_starlark(b'genrule(name = "a", outs = ["a"], cmd = "touch $@")\n').grammar
        == parse.STARLARK
    )


def test_real_syntax_error_is_located() -> None:
    parsed = parse.parse_starlark(b'x = 1\ngenrule(\n    name = "a"\n    outs = ["b"],\n)\n')
    assert parsed.first_error is not None
    assert parsed.first_error.start_point[0] in (2, 3)


def test_string_decoding_keeps_offsets() -> None:
    data = b'x = "a\\tb" + """\ncd $HOME\n"""\n'
    source = SourceFile("x.bzl", data)
    tree = parse.parse_starlark(data).tree
    strings = [n for n in _walk(tree.root_node) if n.type == "string"]
    first = decode_string(strings[0], source)
    assert first.text == "a\tb"
    assert first.offsets == (5, 6, 8)
    second = decode_string(strings[1], source)
    assert second.text == "\ncd $HOME\n"
    index = second.text.index("$HOME")
    assert source.position(second.origin(index)) == (1, 3)


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)
