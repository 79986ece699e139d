"""The language server against a careless or hostile client (issue 16): raw JSON-RPC bytes over the
real process's stdin/stdout, malformed frames included. No sleeps: every wait is a read with a timeout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import write_tree
from lsp_client import LspClient

from hermetic_scan.lsp.transport import MAX_MESSAGE_BYTES

WAIT = 60.0
Message = dict[str, Any]


class RawServer(LspClient):
    """`hermetic-scan lsp` with stderr kept in a file (a pipe nobody reads could fill and block it)."""

    def __init__(self, root: Path, stderr: Path) -> None:
        self.stderr_path = stderr
        self.stderr_file = stderr.open("wb")
        super().__init__(cwd=str(root), stderr=self.stderr_file)

    def response(self, ident: int | str | None) -> Message:
        return self.wait(lambda m: "method" not in m and m.get("id") == ident)

    def initialize(self, root: Path) -> None:
        reply = self.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
        assert "capabilities" in reply["result"]
        self.notify("initialized", {})

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))

    def finish(self, shutdown: bool = True) -> tuple[int, str]:
        """End the session (shutdown if asked, then exit); its exit status and everything on stderr."""
        try:
            if shutdown:
                assert self.request("shutdown", None)["result"] is None
            self.notify("exit", None)
            code = self.process.wait(timeout=WAIT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.stderr_file.close()
        return code, self.stderr_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.stderr_file.close()


GENRULE = 'genrule(\n    name = "g",\n    outs = ["g.txt"],\n    cmd = "terraform version > $@",\n)\n'


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "ws", {"MODULE.bazel": 'module(name = "t")\n', "BUILD.bazel": GENRULE})


@pytest.fixture
def server(workspace: Path, tmp_path: Path) -> Iterator[RawServer]:
    started = RawServer(workspace, tmp_path / "stderr.log")
    yield started
    started.kill()


def _open(server: RawServer, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "starlark", "version": version, "text": text}},
    )
    return uri


def _hover(server: RawServer, uri: str, line: int = 0, character: int = 0) -> Message:
    return server.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
    )


def _clean(code: int, stderr: str, expected: int = 0) -> None:
    assert code == expected, stderr
    assert "Traceback" not in stderr, stderr


def _frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _request_body(ident: int, method: str = "hermetic/noSuchMethod") -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": ident, "method": method, "params": {}}).encode()


MALFORMED = {
    "no Content-Length": lambda body: (
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + body
    ),
    "non-numeric Content-Length": lambda body: b"Content-Length: twelve\r\n\r\n" + body,
    "negative Content-Length": lambda body: b"Content-Length: -5\r\n\r\n" + body,
    "empty header block": lambda body: b"\r\n" + body,
    "garbage line before the header": lambda body: b"\x00\xff garbage \xfe\r\n" + _frame(body),
    "garbage before the header on its line": lambda body: b"\x00\xffgarbage" + _frame(body),
    "header line over 8 KiB": lambda body: b"X" * 20_000 + b"\r\n" + _frame(body),
    "body not JSON": lambda body: _frame(b"{not json!!}"),
    "body not UTF-8": lambda body: _frame(b'{"jsonrpc": "2.0", "id": "\xff\xfe"}'),
    "body a JSON array": lambda body: _frame(b"[1, 2, 3]"),
    "body without jsonrpc": lambda body: _frame(b'{"id": 77, "method": "initialize"}'),
    "method not a string": lambda body: _frame(b'{"jsonrpc": "2.0", "id": 78, "method": 5}'),
}


def test_malformed_headers_are_skipped_and_the_next_request_answered(
    server: RawServer, workspace: Path
) -> None:
    server.initialize(workspace)
    for ident, (name, frame) in enumerate(MALFORMED.items(), start=1000):
        server.send_raw(frame(_request_body(ident)))
        # The next well-formed request is read and answered, whatever the bytes before it were.
        follow = server.request("hermetic/noSuchMethod", {})
        assert follow["error"]["code"] == -32601, name
    uri = _open(server, workspace / "BUILD.bazel", GENRULE)
    server.diagnostics(uri, where=lambda ds: any(d["code"] == "ambient-tool" for d in ds))
    code, stderr = server.finish()
    _clean(code, stderr)
    assert "invalid Content-Length 'twelve'" in stderr and "invalid Content-Length '-5'" in stderr
    assert "skipped 9 bytes before a Content-Length header" in stderr


def test_errors_the_protocol_asks_for(server: RawServer, workspace: Path) -> None:
    server.initialize(workspace)
    server.send_raw(_frame(b"{not json!!}"))
    assert server.response(None)["error"]["code"] == -32700  # Parse error
    server.send_raw(_frame(b"[1, 2]"))
    assert server.response(None)["error"]["code"] == -32600  # Invalid Request
    server.send_raw(_frame(b'{"jsonrpc": "2.0", "id": 5, "method": 5}'))
    assert server.response(5)["error"]["code"] == -32600
    code, stderr = server.finish()
    _clean(code, stderr)


def test_huge_content_length_is_refused_without_reading_it(server: RawServer, workspace: Path) -> None:
    server.initialize(workspace)
    before = server.rss_kib()
    server.send_raw(b"Content-Length: %d\r\n\r\n{" % 10**12)
    # Exits on its own, stdin still open: it neither allocates the body nor waits for it.
    code = server.process.wait(timeout=WAIT)
    server.stderr_file.close()
    stderr = server.stderr_path.read_text()
    _clean(code, stderr, expected=1)
    assert (
        f"a message of {10**12} bytes is over the {MAX_MESSAGE_BYTES // 2**20} MiB limit; exiting" in stderr
    )
    assert before < 500_000


def test_content_length_just_over_the_limit_and_thousands_of_digits(tmp_path: Path, workspace: Path) -> None:
    for length in (b"%d" % (MAX_MESSAGE_BYTES + 1), b"9" * 5000):
        started = RawServer(workspace, tmp_path / "stderr.log")
        try:
            started.send_raw(b"Content-Length: " + length + b"\r\n\r\n")
            code = started.process.wait(timeout=WAIT)
        finally:
            started.kill()
        _clean(code, started.stderr_path.read_text(), expected=1)


INVALID_NOTIFICATIONS: list[tuple[str, Any]] = [
    ("textDocument/didOpen", {}),
    ("textDocument/didOpen", None),
    ("textDocument/didOpen", {"textDocument": {"uri": "untitled:Untitled-1", "languageId": "starlark", "version": 1, "text": GENRULE}}),
    ("textDocument/didOpen", {"textDocument": {"uri": "BUILD.bazel", "languageId": "starlark", "version": 1, "text": GENRULE}}),
    ("textDocument/didOpen", {"textDocument": {"uri": "file:///x/BUILD", "languageId": "starlark", "version": 1, "text": 5}}),
    ("textDocument/didOpen", {"textDocument": {"uri": "file:///x/BUILD", "languageId": "starlark", "version": 1, "text": ["a"]}}),
    ("textDocument/didChange", {"textDocument": {"uri": 5}, "contentChanges": "x"}),
    ("textDocument/didChange", {"textDocument": {"uri": "file:///never/opened.bzl", "version": 2}, "contentChanges": [{"text": "x = 1\n"}]}),
    ("textDocument/didClose", {"textDocument": {"uri": "file:///never/opened.bzl"}}),
    ("textDocument/didSave", {}),
    ("workspace/didChangeConfiguration", {"settings": {"hermeticScan": {"profile": "not a table"}}}),
    ("workspace/didChangeConfiguration", {"settings": {"hermeticScan": {"repos": ["a"], "external": 5}}}),
    ("hermetic/unknownNotification", {"x": 1}),
]  # fmt: skip


def test_invalid_params_get_an_error_or_a_log_line(
    server: RawServer, workspace: Path, tmp_path: Path
) -> None:
    server.initialize(workspace)
    for method, params in INVALID_NOTIFICATIONS:
        server.notify(method, params)
    # A document outside the workspace is kept but never analyzed as part of it.
    outside = write_tree(tmp_path / "outside", {"BUILD.bazel": GENRULE}) / "BUILD.bazel"
    outside_uri = _open(server, outside, GENRULE)
    uri = _open(server, workspace / "BUILD.bazel", GENRULE)
    server.diagnostics(uri, where=lambda ds: any(d["code"] == "ambient-tool" for d in ds))
    assert server.diagnostics(outside_uri, where=lambda ds: True) == []
    for params in (
        None,
        {},
        {"textDocument": {"uri": uri}},
        {"textDocument": {"uri": uri}, "position": {"line": -1, "character": 0}},
        {"textDocument": {"uri": uri}, "position": {"line": "one", "character": 0}},
    ):
        assert server.request("textDocument/hover", params)["error"]["code"] == -32602, params
    # Out of range positions are clamped, not errors.
    for line, character in ((10**6, 0), (0, 10**6), (2**31 - 1, 2**31 - 1)):
        assert "result" in _hover(server, uri, line, character)
    assert "result" in _hover(server, outside_uri)
    assert "result" in _hover(server, "untitled:Untitled-1")
    assert "result" in _hover(server, "file:///not/open/BUILD.bazel")
    action = server.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 900, "character": 0}, "end": {"line": 3, "character": 99}},
            "context": {"diagnostics": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "message": "m", "code": "no-such-rule"}]},
        },
    )  # fmt: skip
    assert "result" in action
    empty = _open(server, workspace / "pkg" / "BUILD.bazel", "")
    assert "result" in _hover(server, empty, 3, 3)
    # Still serving: an edit is analyzed and published.
    server.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": GENRULE.replace("terraform", "echo")}],
        },
    )
    server.diagnostics(uri, where=lambda ds: not any(d["code"] == "ambient-tool" for d in ds))
    code, stderr = server.finish()
    _clean(code, stderr)
    assert "textDocument/didOpen with invalid params" in stderr
    assert "not a file URI, ignored" in stderr


def test_requests_before_initialize_get_server_not_initialized(server: RawServer, workspace: Path) -> None:
    hover = server.request("textDocument/hover", {"textDocument": {"uri": (workspace / "BUILD.bazel").as_uri()}, "position": {"line": 0, "character": 0}})  # fmt: skip
    assert hover["error"]["code"] == -32002
    assert server.request("shutdown", None)["error"]["code"] == -32002
    # A notification before initialize is dropped: this document is not open afterwards.
    early = _open(server, workspace / "BUILD.bazel", GENRULE)
    server.initialize(workspace)
    assert server.request("textDocument/hover", {"textDocument": {"uri": early}, "position": {"line": 0, "character": 0}})["result"] is None  # fmt: skip
    uri = _open(server, workspace / "BUILD.bazel", GENRULE)
    server.diagnostics(uri, where=lambda ds: any(d["code"] == "ambient-tool" for d in ds))
    code, stderr = server.finish()
    _clean(code, stderr)
    assert "textDocument/didOpen before initialize: dropped" in stderr


@pytest.mark.parametrize("initialized", [True, False])
def test_exit_without_shutdown_is_status_1(server: RawServer, workspace: Path, initialized: bool) -> None:
    if initialized:
        server.initialize(workspace)
        uri = _open(server, workspace / "BUILD.bazel", GENRULE)
        server.diagnostics(uri, where=lambda ds: bool(ds))
    code, stderr = server.finish(shutdown=False)
    _clean(code, stderr, expected=1)


def test_end_of_input_ends_the_server(server: RawServer, workspace: Path) -> None:
    server.initialize(workspace)
    assert server.process.stdin is not None
    server.send_raw(b"Content-Length: 100\r\n\r\n{")
    server.process.stdin.close()
    code = server.process.wait(timeout=WAIT)
    server.stderr_file.close()
    _clean(code, server.stderr_path.read_text())


def test_memory_stays_bounded_over_edits_and_documents(server: RawServer, workspace: Path) -> None:
    # A BUILD file of some size, so that a parse tree kept per edit would show in the RSS.
    base = "".join(
        f'genrule(\n    name = "g{i}",\n    outs = ["g{i}.txt"],\n    cmd = "echo {i} > $@",\n)\n'
        for i in range(10)
    )
    server.initialize(workspace)
    uri = _open(server, workspace / "BUILD.bazel", base + GENRULE)
    server.diagnostics(uri, where=lambda ds: any(d["code"] == "ambient-tool" for d in ds))

    def edit(version: int, tool: str = "terraform") -> None:
        text = base + f"# edit {version}\n" + GENRULE.replace("terraform", tool)
        server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )

    def settle(mark: int) -> None:
        # A request is answered only after the notifications before it were handled; the final
        # marker edit is then analyzed and published.
        edit(mark, f"marker{mark}")
        server.request("hermetic/noSuchMethod", {})
        server.diagnostics(
            uri,
            where=lambda ds: any(d["code"] == "ambient-tool" and f"marker{mark}" in d["message"] for d in ds),
        )

    for version in range(2, 300):
        edit(version)
    settle(301)
    warm = server.rss_kib()
    for version in range(302, 2302):
        edit(version)
    settle(2303)
    after_edits = server.rss_kib()
    for index in range(500):
        path = workspace / f"p{index}" / "BUILD.bazel"  # never saved: the buffer is all there is
        doc = _open(server, path, GENRULE)
        server.notify("textDocument/didClose", {"textDocument": {"uri": doc}})
    settle(2305)
    after_documents = server.rss_kib()
    code, stderr = server.finish()
    _clean(code, stderr)
    print(f"RSS KiB: warm {warm}, after 2,000 edits {after_edits}, after 500 documents {after_documents}")
    # Flat once warm (about 76 MB here); before the fix every edit kept its parse tree and pygls kept
    # every notification's future: about 40 MB more per 500 edits.
    assert after_edits - warm < 30_000, (warm, after_edits)
    assert after_documents - warm < 30_000, (warm, after_documents)
