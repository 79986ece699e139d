"""Editor = CLI: for the files of every corpus workspace, the language server publishes exactly the
findings `hermetic-scan check` reports for that file (rule, line, column, severity, message).

Each file is opened alone in one server per workspace (so a .bzl is analyzed without its BUILD files
open, a template or a .bazelrc without anything else), its diagnostics compared, and closed again.
The server gets `{"profile": {"add": []}}` as an editor sends it: the configuration's `profile.add`
must still apply. `target-verdict` is the editor's own per-target note and has no CLI counterpart.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS
from helpers import run_cli
from lsp_client import LspClient

from hermetic_scan.lsp.convert import utf16_column

WORKSPACES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
STARLARK = {"BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel", "REPO.bazel"}
SEVERITY = {"error": 1, "warning": 2, "info": 3}
# Files with no finding, per workspace and kind, opened as well: an editor must not invent findings.
QUIET_PER_KIND = 1
Finding = tuple[str, int, int, int, str]  # rule, 1-based line, 1-based UTF-16 column, severity, message


def _kind(rel: str) -> str | None:
    name = rel.rsplit("/", 1)[-1]
    if name in STARLARK:
        return "build"
    if name.endswith(".bzl"):
        return "bzl"
    if name.endswith((".bazelrc", "bazelrc")):
        return "rc"
    if name.endswith((".sh", ".tpl", ".bash")):
        return "shell"
    return None


def _cli_findings(workspace: Path) -> dict[str, Counter[Finding]]:
    out = run_cli("check", str(workspace), "--format", "json", "--no-cache", "--fail-on", "never")
    assert out.returncode == 0, out.stderr
    found: dict[str, Counter[Finding]] = {}
    for f in json.loads(out.stdout)["findings"]:
        line_text = (workspace / f["path"]).read_text(encoding="utf-8").splitlines()[f["line"] - 1]
        column = utf16_column(line_text, f["column"] - 1) + 1
        found.setdefault(f["path"], Counter())[
            (f["rule"], f["line"], column, SEVERITY[f["severity"]], f["message"])
        ] += 1
    return found


def _files(workspace: Path, found: dict[str, Counter[Finding]]) -> list[str]:
    """Every file with a finding, and the first (sorted) quiet file of each kind."""
    chosen = set(found)
    quiet: Counter[str] = Counter()
    for path in sorted(workspace.rglob("*")):
        rel = path.relative_to(workspace).as_posix()
        kind = _kind(rel)
        if not path.is_file() or kind is None or rel in found or quiet[kind] >= QUIET_PER_KIND:
            continue
        quiet[kind] += 1
        chosen.add(rel)
    return sorted(chosen)


def _published(client: LspClient, path: Path) -> Counter[Finding]:
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "starlark", "version": 1, "text": path.read_text()}},
    )
    diagnostics = client.diagnostics(uri)
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri) == []  # closed: cleared, and the next file starts alone
    return Counter(
        (
            d["code"],
            d["range"]["start"]["line"] + 1,
            d["range"]["start"]["character"] + 1,
            d["severity"],
            d["message"],
        )
        for d in diagnostics
        if d["code"] != "target-verdict"
    )


@pytest.mark.parametrize("name", WORKSPACES)
def test_lsp_publishes_what_check_reports(name: str) -> None:
    workspace = CORPUS / name
    found = _cli_findings(workspace)
    files = _files(workspace, found)
    client = LspClient(cwd=str(workspace))
    try:
        client.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": workspace.as_uri(),
                "capabilities": {},
                "initializationOptions": {"profile": {"add": []}},
            },
        )
        client.notify("initialized", {})
        differences = {}
        for rel in files:
            published = _published(client, workspace / rel)
            expected = found.get(rel, Counter())
            if published != expected:
                differences[rel] = {
                    "check only": sorted((expected - published).elements()),
                    "editor only": sorted((published - expected).elements()),
                }
        assert not differences, json.dumps(differences, indent=1)
        assert found, "every corpus workspace has findings to compare"
    finally:
        assert client.close() == 0
