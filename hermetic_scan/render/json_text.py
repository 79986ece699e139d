"""JSON text for reports: indented near the top, one compact line per entry further down.

`json.dumps(..., indent=2)` falls back to the pure-Python encoder, which took seconds on the
inventory of a large workspace; compact `json.dumps` uses the C encoder. Expanding only the first
`expand` levels keeps reports readable (one target or finding per line) and fast.
"""

from __future__ import annotations

import json
from typing import Any


class RawList(list[str]):
    """A list whose items are JSON text already: the entries of a large report, one per line."""


def dumps(value: Any, expand: int) -> str:
    # Pieces joined once at the end: a large report is copied once, not once per nesting level.
    out: list[str] = []
    _write(value, expand, "", out)
    out.append("\n")
    return "".join(out)


def _write(value: Any, expand: int, indent: str, out: list[str]) -> None:
    inner = indent + "  "
    if type(value) is RawList:
        if value and expand > 0:
            pieces = [f",\n{inner}"] * (2 * len(value) - 1)
            pieces[::2] = value
            out += ("[\n", inner, *pieces, f"\n{indent}]")
        else:
            out += ("[", ", ".join(value), "]")
    elif expand > 0 and isinstance(value, dict) and value:
        out.append("{\n")
        for number, (key, item) in enumerate(value.items()):
            out += (",\n" if number else "", inner, json.dumps(str(key)), ": ")
            _write(item, expand - 1, inner, out)
        out.append(f"\n{indent}}}")
    elif expand > 0 and isinstance(value, list) and value:
        out.append("[\n")
        for number, item in enumerate(value):
            out += (",\n" if number else "", inner)
            _write(item, expand - 1, inner, out)
        out.append(f"\n{indent}]")
    else:
        out.append(json.dumps(value))
