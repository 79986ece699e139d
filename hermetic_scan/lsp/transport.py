"""The JSON-RPC framing of `hermetic-scan lsp`, written for a careless or hostile client.

pygls' own loop reads a body of whatever Content-Length the client states (10**12 bytes is a
MemoryError that ends the process), needs the header to match one exact pattern (anything else
desynchronises the stream for good), logs a traceback for every body that is not valid JSON and leaves
a request whose params do not fit the protocol without a response. This loop keeps pygls' dispatch and
replaces the framing around it:

- header lines are read at most MAX_HEADER_LINE bytes at a time, so a line without an end costs no
  more than that;
- `Content-Length` is found anywhere in a line (garbage before it is skipped and logged) and case
  does not matter; a block without a usable one (missing, negative, not a number) is logged and
  skipped, and the next `Content-Length` resynchronises the stream;
- a body over MAX_MESSAGE_BYTES is never read: the stream cannot be resynchronised without reading
  it, so the server logs the size and exits with status 1;
- a body that is not JSON gets a Parse error (-32700), one that is not a JSON-RPC object an Invalid
  Request (-32600), a request whose params do not fit Invalid Params (-32602), and a request before
  `initialize` ServerNotInitialized (-32002); a notification before `initialize` is dropped (the
  specification's rule; `exit` is the exception).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import traceback
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

import cattrs
from pygls.protocol import JsonRPCNotification, JsonRPCProtocol, JsonRPCRequestMessage, default_converter

logger = logging.getLogger("hermetic_scan.lsp")

# The largest body read. A didOpen of a Starlark file at the analyzer's 8 MiB limit is at most about
# 48 MiB once JSON escapes every byte (\u00XX); anything larger is not an editor buffer.
MAX_MESSAGE_BYTES = 64 * 2**20
MAX_HEADER_LINE = 8192

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002

CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*([^\r\n]*)", re.IGNORECASE)
_converter = default_converter()


class MessageTooLarge(Exception):
    """A frame whose body the server refuses to read; the stream cannot go on after it."""


class Reader:
    """Blocking reads of stdin in a worker thread, bounded in size."""

    def __init__(self, stream: BinaryIO, executor: ThreadPoolExecutor) -> None:
        self.stream = stream
        self.executor = executor

    async def line(self) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, self.stream.readline, MAX_HEADER_LINE
        )

    async def body(self, size: int) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.stream.read, size)


async def frames(reader: Reader) -> AsyncIterator[bytes]:
    """Yield each message body; return at end of input; raise MessageTooLarge."""
    length: int | None = None
    stated = ""
    while True:
        line = await reader.line()
        if not line:
            return
        found = CONTENT_LENGTH.search(line)
        if found:
            if found.start() > 0:
                logger.warning("skipped %d bytes before a Content-Length header", found.start())
            value = found.group(1).strip()
            if value.isdigit():
                # Compared as text first: int() refuses more than 4,300 digits.
                length = MAX_MESSAGE_BYTES + 1 if len(value) > 30 else int(value)
                stated = value.decode() if len(value) <= 30 else f"{len(value)}-digit number of"
            else:
                length = None
                logger.warning(
                    "invalid Content-Length %r: the message is skipped", value[:40].decode("latin-1")
                )
        elif line.strip():
            if not line.endswith(b"\n") and len(line) == MAX_HEADER_LINE:
                logger.warning("a header line longer than %d bytes: skipped", MAX_HEADER_LINE)
            # Any other header (Content-Type) or the body of a skipped message: nothing to do.
        elif length is None:
            logger.warning("a header block without a valid Content-Length: skipped up to the next header")
        elif length > MAX_MESSAGE_BYTES:
            raise MessageTooLarge(
                f"a message of {stated} bytes is over the {MAX_MESSAGE_BYTES // 2**20} MiB limit"
            )
        else:
            size, length = length, None
            body = await reader.body(size)
            if len(body) < size:
                logger.warning("the input ended inside a message")
                return
            yield body


class Dispatcher:
    """Check one body and hand it to pygls, or answer the error the specification asks for."""

    def __init__(self, protocol: JsonRPCProtocol, send: Callable[[dict[str, Any]], None]) -> None:
        self.protocol = protocol
        self.send = send
        self.initialized = False

    def error(self, msg_id: Any, code: int, message: str) -> None:
        self.send({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

    def __call__(self, body: bytes) -> None:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            logger.warning("a message that is not JSON: %s", _one_line(exc))
            self.error(None, PARSE_ERROR, "Parse error")
            return
        if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
            logger.warning("a message that is not a JSON-RPC 2.0 object: skipped")
            msg_id = data.get("id") if isinstance(data, dict) else None
            self.error(msg_id if isinstance(msg_id, int | str) else None, INVALID_REQUEST, "Invalid Request")
            return
        method = data.get("method")
        if method is None:
            self.protocol.handle_message(self.protocol.structure_message(data))  # a response to us
            return
        is_request = "id" in data
        msg_id = data.get("id")
        if not isinstance(method, str) or (is_request and not isinstance(msg_id, int | str)):
            logger.warning("a message with an invalid method or id: skipped")
            if is_request:
                self.error(
                    msg_id if isinstance(msg_id, int | str) else None, INVALID_REQUEST, "Invalid Request"
                )
            return
        if not self.initialized and method not in ("initialize", "exit"):
            if is_request:
                self.error(msg_id, SERVER_NOT_INITIALIZED, f"{method} before initialize")
            else:
                logger.warning("%s before initialize: dropped", method)
            return
        fallback = JsonRPCRequestMessage if is_request else JsonRPCNotification
        kind = self.protocol.get_message_type(method) or fallback
        try:
            message = _converter.structure(data, kind)
        except Exception as exc:  # noqa: BLE001 - any shape the client sends is an error of the client's
            detail = _invalid(exc)
            logger.warning("%s with invalid params: %s", method, detail)
            if is_request:
                self.error(msg_id, INVALID_PARAMS, f"Invalid params: {detail}")
            return
        if method == "initialize":
            self.initialized = True
        self.protocol.handle_message(message)


def _invalid(exc: Exception) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, path="$"))[:500]
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


class OneLineFormatter(logging.Formatter):
    """Each record on one line, an exception as its type, message and innermost frame: editors show
    stderr as the server's log, where a traceback per bad message from a client is noise."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().splitlines()[0] if record.getMessage() else ""
        text = f"hermetic-scan lsp: {record.levelname.lower()}: {message}"
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            frames = traceback.extract_tb(exc.__traceback__)
            where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
            text += f" ({_one_line(exc)}{where})"
        return text


def configure_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
