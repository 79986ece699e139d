"""Decode Starlark string literals into MappedText, keeping each character's source offset.

https://github.com/bazelbuild/starlark/blob/master/spec.md#string-literals
"""

from __future__ import annotations

import re

from tree_sitter import Node

from hermetic_scan.source import MappedText, SourceFile

_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


# An ASCII literal without escapes and with its closing quote: most strings in BUILD files.
_SIMPLE = re.compile(
    rb"""[rRbBuU]{0,2}(?:(\"\"\"|\'\'\')([^\\\x80-\xff]*)\1|(["'])([^\\\x80-\xff]*)\3)\Z""", re.S
)


def _simple(node: Node, source: SourceFile) -> MappedText | None:
    start = node.start_byte
    match = _SIMPLE.match(source.data, start, node.end_byte)
    if match is None:
        return None
    base, end = match.span(match.lastindex)  # the body: group 2 (triple quotes) or 4
    return MappedText(source.data[base:end].decode("ascii"), range(base, end), source, start)


def decode_string(node: Node, source: SourceFile) -> MappedText:
    """The value of a `string` node (or an implicitly concatenated run of them)."""
    if node.type == "concatenated_string":
        out = MappedText.empty(source, node.start_byte)
        for child in node.named_children:
            if child.type == "string":
                out = out + decode_literal(child, source)
        return out
    return decode_literal(node, source)


def decode_literal_once(node: Node, source: SourceFile) -> MappedText:
    """`decode_literal`, remembered per source and byte range (MappedText is not mutated, so every
    use may share it): for the literals of function bodies, which are evaluated at every call. Not
    for literals read once (a BUILD file's): the cache would only hold memory."""
    key = (node.start_byte, node.end_byte)
    found = source.literals.get(key)
    if found is None:
        found = source.literals[key] = decode_literal(node, source)
    return found


def decode_literal(node: Node, source: SourceFile) -> MappedText:
    """The value of one `string` node."""
    simple = _simple(node, source)
    if simple is not None:
        return simple
    # surrogateescape keeps one character per undecodable byte, so offsets stay byte-exact; such a
    # character is shown as U+FFFD.
    raw = source.data[node.start_byte : node.end_byte].decode("utf-8", errors="surrogateescape")
    prefix_len = 0
    while prefix_len < len(raw) and raw[prefix_len] not in "\"'":
        prefix_len += 1
    is_raw = "r" in raw[:prefix_len].lower()
    quote = raw[prefix_len : prefix_len + 3]
    if quote not in ('"""', "'''"):
        # Empty when there is no quote: tree-sitter-starlark reads `tool` (backticks, which Bazel
        # rejects) as a string (found by bench/fuzz.py: IndexError).
        quote = raw[prefix_len : prefix_len + 1]
    start = prefix_len + len(quote)
    end = len(raw) - len(quote) if raw.endswith(quote) and len(raw) >= start + len(quote) else len(raw)
    body = raw[start:end]
    base = node.start_byte + len(raw[:start].encode("utf-8", errors="surrogateescape"))
    if "\\" not in body and body.isascii():
        return MappedText(body, range(base, base + len(body)), source, node.start_byte)
    if "\\" not in body or is_raw:
        plain = _plain(body, base, source, node.start_byte)
        if plain is not None:
            return plain
    chars: list[str] = []
    offsets: list[int | None] = []
    i = 0
    byte = base
    while i < len(body):
        ch = body[i]
        width = len(ch.encode("utf-8", errors="surrogateescape"))
        if ch == "\\" and not is_raw and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "\n":  # line continuation
                i += 2
                byte += 2
                continue
            if nxt in _SIMPLE_ESCAPES:
                chars.append(_SIMPLE_ESCAPES[nxt])
                offsets.append(byte)
                i += 2
                byte += 1 + len(nxt.encode("utf-8", errors="surrogateescape"))
                continue
            if nxt in "01234567":
                j = i + 1
                while j < len(body) and j < i + 4 and body[j] in "01234567":
                    j += 1
                chars.append(chr(int(body[i + 1 : j], 8)))
                offsets.append(byte)
                byte += j - i
                i = j
                continue
            if nxt == "x" and i + 3 < len(body) + 1:
                try:
                    chars.append(chr(int(body[i + 2 : i + 4], 16)))
                    offsets.append(byte)
                    i += 4
                    byte += 4
                    continue
                except ValueError:
                    pass
            if nxt in "uU":
                digits = 4 if nxt == "u" else 8
                try:
                    chars.append(chr(int(body[i + 2 : i + 2 + digits], 16)))
                    offsets.append(byte)
                    i += 2 + digits
                    byte += 2 + digits
                    continue
                except (ValueError, OverflowError):  # \UFFFFFFFF: over chr()'s C int; kept as written
                    pass
        chars.append("\ufffd" if "\udc80" <= ch <= "\udcff" else ch)
        offsets.append(byte)
        i += 1
        byte += width
    return MappedText("".join(chars), tuple(offsets), source, node.start_byte)


def _plain(body: str, base: int, source: SourceFile, anchor: int) -> MappedText | None:
    """A body without escapes that is valid UTF-8 (a docstring with a non-ASCII character): each
    character starts at a byte that is not a UTF-8 continuation byte. What the loop of
    `_decode_literal` gives, without encoding every character; None for bytes that are not UTF-8."""
    data = body.encode("utf-8", errors="surrogateescape")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    offsets = tuple(base + i for i, byte in enumerate(data) if byte & 0xC0 != 0x80)
    return MappedText(body, offsets, source, anchor)
