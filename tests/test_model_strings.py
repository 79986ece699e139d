"""Decoding Starlark string literals as BUILD and .bzl files write them (model/strings.py): the value
each literal stands for, and the source byte every character of that value was read from, which is
where a shell finding inside the string is reported."""

from __future__ import annotations

import pytest
from tree_sitter import Node

from hermetic_scan.model.strings import decode_literal, decode_string
from hermetic_scan.parse import parse_starlark
from hermetic_scan.source import MappedText, SourceFile

_STRING_NODES = ("string", "concatenated_string")


def _first_string(node: Node) -> Node | None:
    """The first (outermost) string or implicit concatenation of strings under `node`."""
    if node.type in _STRING_NODES:
        return node
    for child in node.children:
        found = _first_string(child)
        if found is not None:
            return found
    return None


def _parse(data: bytes) -> tuple[Node, SourceFile]:
    parsed = parse_starlark(data)
    assert parsed.first_error is None, data
    node = _first_string(parsed.tree.root_node)
    assert node is not None, data
    return node, SourceFile("pkg/BUILD.bazel", data)


def _decode(source: str | bytes) -> MappedText:
    """`decode_string` on the first string expression of a one-line file."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    node, file = _parse(data)
    return decode_string(node, file)


def _origins(text: MappedText) -> list[bytes]:
    """For each decoded character, the source byte its offset points at."""
    assert text.source is not None
    return [text.source.data[offset : offset + 1] for offset in text.offsets]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ('"//tools:gen"', "//tools:gen"),
        ("'single quoted'", "single quoted"),
        ('""', ""),
        ('""""""', ""),
        ('"""#!/bin/bash\nset -eu\n"""', "#!/bin/bash\nset -eu\n"),
        ("'''it's'''", "it's"),
        ('"""say "hi" now"""', 'say "hi" now'),
        ('b"bytes"', "bytes"),
        ('u"unicode prefix"', "unicode prefix"),
    ],
)
def test_plain_literals_decode_to_their_body_without_quotes_or_prefix(literal: str, value: str) -> None:
    assert _decode(f"X = {literal}\n").text == value


def test_a_plain_literal_maps_each_character_to_its_own_source_byte() -> None:
    source = 'genrule(name = "gen", cmd = "touch $@")\n'
    text = _decode(source)
    assert text.text == "gen"
    assert text.offsets == range(16, 19)
    assert text.anchor == 15  # the opening quote
    assert text.source is not None and text.source.path == "pkg/BUILD.bazel"


def test_triple_quoted_script_reports_a_later_line_at_its_own_line() -> None:
    source = 'CMD = """\nset -eu\ncurl -sSL https://example.com\n"""\n'
    text = _decode(source)
    index = text.text.index("curl")
    span = text.span(index, index + len("curl"))
    assert span is not None
    assert (span.start_line, span.start_col, span.end_line, span.end_col) == (2, 0, 2, 4)


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"a\tb"', "a\tb"),
        (r'"echo done\n"', "echo done\n"),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"C:\\tools\\bin"', "C:\\tools\\bin"),
        (r'"\a\b\f\v\r"', "\a\b\f\v\r"),
    ],
)
def test_simple_escapes_decode_to_the_character_they_name(literal: str, value: str) -> None:
    assert _decode(f"X = {literal}\n").text == value


def test_an_escape_maps_to_its_backslash_and_later_characters_keep_their_bytes() -> None:
    text = _decode('X = "a\\tb"\n')
    assert text.text == "a\tb"
    assert text.offsets == (5, 6, 8)
    assert _origins(text) == [b"a", b"\\", b"b"]


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"\x41"', "A"),
        (r'"\101"', "A"),
        (r'"\0"', "\x00"),
        (r'"\08"', "\x008"),  # an octal escape stops at the first non-octal digit
        (r'"\1234"', "S4"),  # and after three digits
        (r'"\u00e9t\u00e9"', "été"),
        (r'"\U0001F600"', "\U0001f600"),
    ],
)
def test_numeric_escapes_decode_to_their_code_point(literal: str, value: str) -> None:
    assert _decode(f"X = {literal}\n").text == value


def test_numeric_escapes_map_to_their_backslash_among_multibyte_characters() -> None:
    text = _decode('X = "é\\x41\\101\\u00e9!"\n')
    assert text.text == "éAAé!"
    assert text.offsets == (5, 7, 11, 15, 21)
    assert _origins(text) == [b"\xc3", b"\\", b"\\", b"\\", b"!"]


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'r"\d+\.\d+"', "\\d+\\.\\d+"),
        (r"r'\n'", "\\n"),
        (r'R"\t"', "\\t"),
        (r'rb"a\"b"', 'a\\"b'),  # a raw string keeps the backslash before an escaped quote
        ('r"""sed -e \'s/\\s+$//\'"""', "sed -e 's/\\s+$//'"),
    ],
)
def test_raw_strings_keep_backslashes_as_written(literal: str, value: str) -> None:
    assert _decode(f"X = {literal}\n").text == value


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"\d"', "\\d"),  # not an escape: the backslash stays
        (r'"grep \w\+"', "grep \\w\\+"),
        (r'"\U00110000"', "\\U00110000"),  # past the last code point: kept as written
        (r'"\xZZ"', "\\xZZ"),
    ],
)
def test_sequences_that_are_not_valid_escapes_are_kept_as_written(literal: str, value: str) -> None:
    assert _decode(f"X = {literal}\n").text == value


def test_backslash_newline_continues_the_line_without_adding_characters() -> None:
    source = 'CMD = "echo a && \\\necho b"\n'
    text = _decode(source)
    assert text.text == "echo a && echo b"
    assert text.offsets[text.text.index("echo b")] == source.index("echo b") == 19


def test_non_ascii_text_maps_each_character_to_its_first_byte() -> None:
    text = _decode("X = 'ünïcode'\n")
    assert text.text == "ünïcode"
    assert text.offsets == (5, 7, 8, 10, 11, 12, 13)
    assert text.source is not None
    data = text.source.data
    assert all(
        data[o : o + len(c.encode())] == c.encode() for o, c in zip(text.offsets, text.text, strict=True)
    )


def test_implicit_concatenation_joins_the_parts_and_skips_the_comments_between_them() -> None:
    source = 'CMD = ("curl "  # fetch\n    "-sSL "\n    r"https://x/\\d")\n'
    text = _decode(source)
    assert text.text == "curl -sSL https://x/\\d"
    assert text.anchor == source.index('"curl')
    assert _origins(text)[text.text.index("-sSL")] == b"-"
    assert text.offsets[text.text.index("-sSL")] == source.index("-sSL")
    assert text.offsets[-1] == source.index("\\d") + 1


def test_implicit_concatenation_decodes_each_part_with_its_own_quoting() -> None:
    text = _decode('X = ("a\\tb" r"\\t" """\nc""")\n')
    assert text.text == "a\tb\\t\nc"


def test_decode_literal_reads_one_string_and_decode_string_the_same_for_a_lone_string() -> None:
    node, file = _parse(b'X = "run\\tnow"\n')
    assert node.type == "string"
    single, whole = decode_literal(node, file), decode_string(node, file)
    assert (single.text, tuple(single.offsets), single.anchor) == ("run\tnow", (5, 6, 7, 8, 10, 11, 12), 4)
    assert (whole.text, tuple(whole.offsets), whole.anchor) == (single.text, tuple(single.offsets), 4)


def test_only_the_left_operand_of_an_explicit_concatenation_is_one_string() -> None:
    # `+` is evaluated by the interpreter: the first string node is the left operand alone.
    assert _decode('X = "a" + "b"\n').text == "a"


def test_characters_after_a_byte_that_is_not_utf8_keep_their_offsets() -> None:
    data = b'X = "caf\xe9 bar"\n'
    text = _decode(data)
    assert text.text == "caf\ufffd bar"
    assert text.offsets[text.text.index("bar")] == data.index(b"bar")
