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
    return _dumps(value, expand, "") + "\n"


def _dumps(value: Any, expand: int, indent: str) -> str:
    inner = indent + "  "
    if expand > 0 and isinstance(value, dict) and value:
        entries = [f"{inner}{json.dumps(str(k))}: {_dumps(v, expand - 1, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(entries) + f"\n{indent}}}"
    if type(value) is RawList:
        return "[\n" + inner + f",\n{inner}".join(value) + f"\n{indent}]" if value and expand > 0 else "[" + ", ".join(value) + "]"
    if expand > 0 and isinstance(value, list) and value:
        return "[\n" + ",\n".join(inner + _dumps(v, expand - 1, inner) for v in value) + f"\n{indent}]"
    return json.dumps(value)
