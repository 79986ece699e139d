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


def _statements(data: bytes) -> bytes | None:
    return parse.statements_digest(parse.parse_starlark(data), data)


def test_the_statements_digest_sees_statements_and_their_places_not_comments() -> None:
    base = b'load(":a.bzl", "a")\n\n# one\nX = a(1)\n\ndef f(ctx):\n    return X\n'
    same = [
        base + b"# appended\n",
        base.replace(b"# one", b"# two"),  # same length, same lines
        base.replace(b"# one", b"#   1"),
        base + b"\n\n",
    ]
    assert all(_statements(text) == _statements(base) for text in same)
    different = [
        base.replace(b"# one", b"# one more"),  # X and f start at other bytes
        base.replace(b"# one\n", b"# one\n\n"),  # and on other lines
        base.replace(b"    return X", b"    return X  # why"),  # a comment inside a statement
        base.replace(b"a(1)", b"a(2)"),
        base + b"Y = 1\n",
    ]
    assert all(_statements(text) not in (None, _statements(base)) for text in different)
    never_equal = [
        base.replace(b"# one", b"#\xe9one"),  # not UTF-8: parse-error reads the whole file
        base.replace(b"# one", b"# o\x00e"),
        base + b"def (\n",  # a syntax error
    ]
    assert [_statements(text) for text in never_equal] == [None, None, None]
