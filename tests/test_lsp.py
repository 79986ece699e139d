"""The language server, driven by a real client over stdin/stdout (no sleeps: waits with timeouts)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT
from helpers import write_tree
from lsp_client import LspClient


def _rules(diagnostics: list[dict]) -> set[tuple[int, str]]:
    return {(d["range"]["start"]["line"] + 1, d["code"]) for d in diagnostics}


@pytest.fixture
def opentofu(tmp_path: Path) -> Path:
    root = tmp_path / "opentofu"
    shutil.copytree(CORPUS / "opentofu", root)
    return root


@pytest.fixture
def client(opentofu: Path):
    lsp = LspClient(cwd=str(opentofu))
    result = lsp.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": opentofu.as_uri(),
            "capabilities": {},
            "initializationOptions": {"profile": {"add": []}},
        },
    )
    capabilities = result["result"]["capabilities"]
    assert capabilities["hoverProvider"] and capabilities["codeActionProvider"]
    lsp.notify("initialized", {})
    yield lsp
    if lsp.process.poll() is None:
        assert lsp.close() == 0


def _open(client: LspClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "starlark",
                "version": 1,
                "text": text if text is not None else path.read_text(),
            }
        },
    )
    return uri


def test_diagnostics_change_and_clear(client: LspClient, opentofu: Path) -> None:
    path = opentofu / "build/tofu/private/scripts.bzl"
    uri = _open(client, path)
    expected = {
        (6, "ambient-tool"),
        (10, "workspace-dir"),
        (11, "ambient-tool"),
        (11, "network-access"),
        (12, "ambient-tool"),
    }
    diagnostics = client.diagnostics(uri, where=lambda ds: _rules(ds) == expected)
    first = next(d for d in diagnostics if d["code"] == "workspace-dir")
    assert first["source"] == "hermetic-scan" and first["severity"] == 1
    assert first["codeDescription"]["href"].endswith("docs/rules.md#workspace-dir")
    assert first["range"]["start"] == {"line": 9, "character": 5}
    fixed = path.read_text().replace('cd "$BUILD_WORKSPACE_DIRECTORY/{module_dir}"', 'cd "{module_dir}"')
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]},
    )
    client.diagnostics(uri, where=lambda ds: _rules(ds) == expected - {(10, "workspace-dir")})
    everything_fixed = 'VALIDATE_SCRIPT = """#!/usr/bin/env bash\ntouch "$1"\n"""\n'
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": everything_fixed}]},
    )
    assert client.diagnostics(uri, where=lambda ds: ds == []) == []


def test_positions_are_utf16(client: LspClient, opentofu: Path) -> None:
    build = opentofu / "app" / "BUILD.bazel"
    text = 'genrule(name = "u", outs = ["u.txt"], cmd = "echo 😀é && terraform fmt > $@")\n'
    uri = _open(client, build, text)
    diagnostics = client.diagnostics(uri, where=lambda ds: any(d["code"] == "ambient-tool" for d in ds))
    ambient = next(d for d in diagnostics if d["code"] == "ambient-tool")
    column = text.index("terraform")
    utf16 = len(text[:column].encode("utf-16-le")) // 2
    assert ambient["range"]["start"] == {"line": 0, "character": utf16}
    assert utf16 == column + 1  # the emoji is two UTF-16 units


def test_cross_file_bzl_edit_updates_open_build_file(client: LspClient, opentofu: Path) -> None:
    build = opentofu / "infra/dns/BUILD.bazel"
    rules = opentofu / "build/tofu/private/scripts.bzl"
    # Without the rc line that keeps TofuValidate local, dns_validate needs a tag as long as its
    # script runs tofu.
    rc = opentofu / ".bazelrc"
    rc.write_text(
        rc.read_text().replace("build:rbe --modify_execution_info=TofuValidate=+no-remote-exec\n", "")
    )
    build_uri = _open(client, build)
    verdicts = client.diagnostics(
        build_uri, where=lambda ds: sum(d["code"] == "target-verdict" for d in ds) == 2
    )
    assert {d["data"]["target"] for d in verdicts} == {"//infra/dns:dns_validate", "//infra/dns:dns_fmt_test"}
    rules_uri = _open(client, rules)
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": rules_uri, "version": 2},
            "contentChanges": [{"text": 'VALIDATE_SCRIPT = """touch "$1"\n"""\n'}],
        },
    )
    after = client.diagnostics(
        build_uri, where=lambda ds: sum(d["code"] == "target-verdict" for d in ds) == 1
    )
    assert {d["data"]["target"] for d in after if d["code"] == "target-verdict"} == {
        "//infra/dns:dns_fmt_test"
    }
    client.notify("textDocument/didClose", {"textDocument": {"uri": rules_uri}})
    client.diagnostics(build_uri, where=lambda ds: sum(d["code"] == "target-verdict" for d in ds) == 2)


def test_code_actions_and_hover(client: LspClient, opentofu: Path) -> None:
    build = opentofu / "app" / "BUILD.bazel"
    text = 'genrule(\n    name = "sha",\n    outs = ["sha.txt"],\n    cmd = "git rev-parse HEAD > $@",\n)\n'
    uri = _open(client, build, text)
    diagnostics = client.diagnostics(uri, where=lambda ds: any(d["code"] == "ambient-tool" for d in ds))
    ambient = next(d for d in diagnostics if d["code"] == "ambient-tool")
    response = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": ambient["range"], "context": {"diagnostics": [ambient]}},
    )
    actions = {a["title"]: a for a in response["result"]}
    assert set(actions) == {"Suppress ambient-tool on this line", "Add no-remote-exec tag to //app:sha"}
    tag_edit = actions["Add no-remote-exec tag to //app:sha"]["edit"]["changes"][uri]
    assert tag_edit == [
        {
            "range": {"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 0}},
            "newText": '    tags = ["no-remote-exec"],\n',
        }
    ]
    assert actions["Suppress ambient-tool on this line"]["diagnostics"][0]["code"] == "ambient-tool"
    hover = client.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}}
    )
    value = hover["result"]["contents"]["value"]
    assert "//app:sha" in value and "`no-remote-exec`" in value and "reason: `ambient-tool`" in value
    suppress = actions["Suppress ambient-tool on this line"]["edit"]["changes"][uri][0]
    lines = text.splitlines(keepends=True)
    line = suppress["range"]["start"]["line"]
    lines[line] = (
        lines[line].rstrip("\n")[: suppress["range"]["start"]["character"]] + suppress["newText"] + "\n"
    )
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "".join(lines)}]},
    )
    client.diagnostics(uri, where=lambda ds: ds == [])
    hover = client.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}}
    )
    assert "`remote-ok`" in hover["result"]["contents"]["value"], "suppressing is accepting"


def test_missing_mnemonic_quick_fix(client: LspClient, opentofu: Path) -> None:
    path = opentofu / "build/tofu/rules.bzl"
    uri = _open(client, path)
    diagnostics = client.diagnostics(uri, where=lambda ds: any(d["code"] == "missing-mnemonic" for d in ds))
    missing = next(d for d in diagnostics if d["code"] == "missing-mnemonic")
    response = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": missing["range"], "context": {"diagnostics": [missing]}},
    )
    fix = next(a for a in response["result"] if a["title"].startswith("Add mnemonic"))
    assert fix["title"] == 'Add mnemonic = "TofuFmtTest" (review the name)' and fix["isPreferred"] is False
    assert fix["edit"]["changes"][uri][0]["newText"] == '        mnemonic = "TofuFmtTest",\n'


def test_protocol_robustness(client: LspClient, opentofu: Path) -> None:
    client.send_raw(b"Content-Length: 12\r\n\r\n{not json!!}")
    unknown = client.request("hermetic/noSuchMethod", {})
    assert unknown["error"]["code"] == -32601
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": (opentofu / "nope.bzl").as_uri(), "version": 2},
            "contentChanges": [{"text": "x = 1\n"}],
        },
    )
    big = opentofu / "big" / "BUILD.bazel"
    big.parent.mkdir()
    text = (
        "# filler line for a large buffer\n" * 160_000
        + 'genrule(name = "g", outs = ["g"], cmd = "terraform fmt > $@")\n'
    )
    assert len(text) > 5_000_000
    uri = _open(client, big, text)
    diagnostics = client.diagnostics(
        uri, timeout=120, where=lambda ds: any(d["code"] == "ambient-tool" for d in ds)
    )
    assert diagnostics[0]["range"]["start"]["line"] == 160_000
    assert (
        client.request(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
        )["result"]
        is None
    )


def test_settings_profile_via_configuration(client: LspClient, opentofu: Path) -> None:
    path = opentofu / "build/tofu/private/scripts.bzl"
    uri = _open(client, path)
    client.diagnostics(uri, where=lambda ds: any(d["code"] == "ambient-tool" for d in ds))
    client.notify(
        "workspace/didChangeConfiguration", {"settings": {"hermeticScan": {"profile": {"add": ["tofu"]}}}}
    )
    client.diagnostics(uri, where=lambda ds: _rules(ds) == {(10, "workspace-dir"), (11, "network-access")})


def test_session_transcript_golden(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "ws",
        {
            "MODULE.bazel": 'module(name = "t")\n',
            "BUILD.bazel": 'genrule(\n    name = "g",\n    outs = ["g.txt"],\n    cmd = "terraform version > $@",\n)\n',
        },
    )
    lsp = LspClient(cwd=str(root))
    lsp.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
    lsp.notify("initialized", {})
    uri = _open(lsp, root / "BUILD.bazel")
    diagnostics = lsp.diagnostics(uri, where=lambda ds: len(ds) == 2)
    lsp.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 5}})
    ambient = next(d for d in diagnostics if d["code"] == "ambient-tool")
    lsp.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": ambient["range"], "context": {"diagnostics": [ambient]}},
    )
    assert lsp.close() == 0
    text = json.dumps([{"from": who, **m} for who, m in lsp.transcript], indent=1, sort_keys=True)
    text = text.replace(root.as_uri(), "file:///WORKSPACE").replace(str(root), "/WORKSPACE")
    for version_field in ('"version": "',):
        assert version_field in text
    golden = ROOT / "tests" / "golden" / "lsp-session.json"
    normalised = _normalise(json.loads(text))
    if os.environ.get("HERMETIC_SCAN_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(normalised, indent=1, sort_keys=True) + "\n")
    assert normalised == json.loads(golden.read_text())


def _normalise(messages: list[dict]) -> list[dict]:
    out = []
    for message in messages:
        if message.get("method") == "window/logMessage":
            continue
        result = message.get("result")
        if isinstance(result, dict) and "serverInfo" in result:
            result["serverInfo"]["version"] = "VERSION"
            result["capabilities"] = sorted(result["capabilities"])
        out.append(message)
    return out
