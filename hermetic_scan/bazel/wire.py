"""Protocol Buffers wire format: the one varint reader and field iterator behind every binary reader.

https://protobuf.dev/programming-guides/encoding/ (varints, tags `number << 3 | wire type`,
length-delimited fields, fixed 32/64-bit fields). Message schemas live with their readers
(`bazel/aquery.py`, `bazel/execlog.py`); docs/architecture.md says why there is no protobuf library.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

VARINT = 0
FIXED64 = 1
LENGTH_DELIMITED = 2
FIXED32 = 5


class WireError(ValueError):
    """Bytes that are not a well-formed protobuf message."""


def varint(data: bytes | memoryview, position: int) -> tuple[int, int]:
    """The unsigned varint at `position` and the position after it."""
    start = position
    result = shift = 0
    while True:
        if position >= len(data):
            raise WireError(f"truncated varint at byte {start}")
        if shift > 63:
            raise WireError(f"varint longer than 10 bytes at byte {start}")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if result >> 64:  # a tenth byte may carry only the 64th bit
                raise WireError(f"varint over 64 bits at byte {start}")
            return result, position
        shift += 7


@dataclass(frozen=True, slots=True)
class Field:
    number: int
    value: int | None  # a varint field's value
    chunk: memoryview | None  # a length-delimited field's bytes


def fields(data: bytes | memoryview) -> Iterator[Field]:
    """The fields of one message, in order; fixed-width fields are skipped (no reader needs them)."""
    buf = memoryview(data)
    position = 0
    while position < len(buf):
        start = position
        key, position = varint(buf, position)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError(f"field number 0 at byte {start}")
        if wire == VARINT:
            value, position = varint(buf, position)
            yield Field(number, value, None)
        elif wire == LENGTH_DELIMITED:
            size, position = varint(buf, position)
            if size > len(buf) - position:
                raise WireError(_past_end(f"field {number} at byte {start}", size, len(buf) - position))
            yield Field(number, None, buf[position : position + size])
            position += size
        elif wire in (FIXED64, FIXED32):
            position += 8 if wire == FIXED64 else 4
            if position > len(buf):
                raise WireError(f"truncated field {number} at byte {start}")
        else:
            raise WireError(f"unexpected wire type {wire} (field {number} at byte {start})")


def _past_end(what: str, size: int, left: int) -> str:
    return f"truncated {what}: length {size}, only {left} left"


def delimited(data: bytes | memoryview) -> Iterator[memoryview]:
    """Messages written one after another, each preceded by its varint length."""
    buf = memoryview(data)
    position = 0
    while position < len(buf):
        start = position
        size, position = varint(buf, position)
        if size > len(buf) - position:
            raise WireError(_past_end(f"message at byte {start}", size, len(buf) - position))
        yield buf[position : position + size]
        position += size
