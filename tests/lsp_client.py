"""A minimal JSON-RPC client for `hermetic-scan lsp` over a subprocess's stdin/stdout (tests, benchmark).
Test code: it lives beside the tests so that the wheel does not ship it.

No sleeps: every wait is a blocking read from a queue with a timeout.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from typing import Any


class LspClient:
    def __init__(self, cwd: str | None = None, stderr: Any = subprocess.PIPE) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hermetic_scan", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=cwd,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.transcript: list[tuple[str, dict[str, Any]]] = []
        self.next_id = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode().partition(":")
                headers[key.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            message = json.loads(body)
            self.transcript.append(("server", message))
            self.messages.put(message)

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        message = {"jsonrpc": "2.0", **message}
        self.transcript.append(("client", message))
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any] | None, timeout: float = 60) -> dict[str, Any]:
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == ident and "method" not in m, timeout)

    def wait(self, predicate, timeout: float = 60) -> dict[str, Any]:  # noqa: ANN001
        skipped = []
        try:
            while True:
                message = self.messages.get(timeout=timeout)
                if predicate(message):
                    return message
                skipped.append(message)
        except queue.Empty:
            raise TimeoutError(
                f"no matching message within {timeout}s; saw {[m.get('method', m.get('id')) for m in skipped]}"
            ) from None
        finally:
            for message in skipped:
                self.messages.put(message)

    def start(self, root_uri: str) -> None:
        """initialize (with this process as the client) and initialized, for a workspace root."""
        self.request("initialize", {"processId": os.getpid(), "rootUri": root_uri, "capabilities": {}})
        self.notify("initialized", {})

    def open(self, uri: str, text: str) -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "starlark", "version": 1, "text": text}},
        )

    def change(self, uri: str, version: int, text: str) -> None:
        """A whole-document change."""
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )

    def diagnostics(self, uri: str, timeout: float = 60, where=None) -> list[dict[str, Any]]:  # noqa: ANN001
        message = self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and (where is None or where(m["params"]["diagnostics"]))
            ),
            timeout,
        )
        # consume it so the next wait sees the next publication
        return message["params"]["diagnostics"]

    def drain(self) -> None:
        while True:
            try:
                self.messages.get_nowait()
            except queue.Empty:
                return

    def close(self) -> int:
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", {})
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
