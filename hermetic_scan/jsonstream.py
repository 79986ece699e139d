"""Streams of concatenated JSON values (`}{`-joined or one per line), as Bazel writes its logs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def values(text: str) -> Iterator[Any]:
    """Each JSON value of `text` in order; raises json.JSONDecodeError at the first invalid one."""
    decoder = json.JSONDecoder()
    position = 0
    length = len(text)
    while True:
        while position < length and text[position].isspace():
            position += 1
        if position >= length:
            return
        value, position = decoder.raw_decode(text, position)
        yield value
