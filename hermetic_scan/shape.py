"""The shape of decoded outside input: one wording for "expected X at P" for every reader.

A reader of outside input (aquery output, execution logs, baselines, the configuration) checks what it
decoded against the shape its format promises, at the boundary, with these functions. They raise
ShapeError whose message starts with the field path (`actions[3].arguments: expected a list of
strings, got an object`); the reader re-raises it as its own error with the file name, which the CLI
reports as an input error (exit 2). The rest of the reader then works on values of known types.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hermetic_scan import jsonstream


class ShapeError(ValueError):
    """Decoded input that is not the shape its format promises; the message names the field."""


def describe(value: object) -> str:
    """What a decoded value is, in the words of the format rather than Python's type names."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def mismatch(where: str, expected: str, value: object) -> ShapeError:
    return ShapeError(f"{where}: expected {expected}, got {describe(value)}")


def member(where: str, key: str | int) -> str:
    """The path of a field or list item below `where` (`actions[3]`, `actions[3].arguments`)."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def expect_object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise mismatch(where, "an object", value)
    return value


def expect_list(value: object, where: str, expected: str = "a list") -> list[Any]:
    if not isinstance(value, list):
        raise mismatch(where, expected, value)
    return value


def expect_string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise mismatch(where, "a string", value)
    return value


def expect_strings(value: object, where: str) -> list[str]:
    items = expect_list(value, where, "a list of strings")
    return [expect_string(item, member(where, index)) for index, item in enumerate(items)]


def expect_integer(value: object, where: str, low: int, high: int) -> int:
    """An integer in [low, high]; `bool` is not one, although Python says it is."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise mismatch(where, "an integer", value)
    if not low <= value <= high:
        raise ShapeError(f"{where}: expected an integer from {low} to {high}, got {describe(value)}")
    return value


def _integer(value: int) -> str:
    # str() of an integer over 4300 digits raises ValueError; a number that long is not worth printing.
    digits = value.bit_length() * 30103 // 100000 + 1
    return f"the number {value}" if digits <= 30 else f"a number of about {digits} digits"


# Python's JSON decoder recurses once per nesting level and turns integer literals into ints: deep
# input raises RecursionError and an integer of over sys.get_int_max_str_digits() digits ValueError.
# Both are input errors, not bugs, so they become ShapeErrors here instead of in every reader.
def _too_long() -> ShapeError:
    return ShapeError(f"a JSON number of over {sys.get_int_max_str_digits()} digits")


def _too_deep() -> ShapeError:
    return ShapeError(f"JSON nested too deeply to read (over about {sys.getrecursionlimit()} levels)")


@contextmanager
def _readable_json() -> Iterator[None]:
    """json.JSONDecodeError passes; Python's own limits (recursion, digits) become ShapeErrors."""
    try:
        yield
    except RecursionError:
        raise _too_deep() from None
    except json.JSONDecodeError:
        raise
    except ValueError:
        raise _too_long() from None


def json_document(text: str) -> Any:
    """`json.loads(text)`; json.JSONDecodeError when invalid, ShapeError when too deep or too long."""
    with _readable_json():
        return json.loads(text)


def json_values(text: str) -> Iterator[Any]:
    """Each JSON value of a concatenated stream (`jsonstream.values`), with json_document's errors."""
    values = jsonstream.values(text)
    while True:
        with _readable_json():
            try:
                value = next(values)
            except StopIteration:
                return
        yield value
