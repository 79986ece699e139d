"""A streamed or sharded scan refers to the files a report quotes and reads them back when asked
(hermetic_scan/readback.py): the reports are the ones the scan would give holding every file, and a
file changed since the scan is never quoted."""

from __future__ import annotations

import json
import pickle
import shutil
from dataclasses import fields, replace
from pathlib import Path

import pytest
from conftest import CORPUS

from hermetic_scan.engine import Result, analyze, analyze_streamed
from hermetic_scan.fingerprint import fingerprints
from hermetic_scan.options import Options
from hermetic_scan.readback import ReadBack
from hermetic_scan.render import json as json_render
from hermetic_scan.render import sarif
from hermetic_scan.workspace import discover

ACTIONS = "codegen/private/actions.bzl"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "missing-mnemonic", root)
    return root


def _streamed(root: Path) -> Result:
    options = Options()
    options.inventory = False
    result = analyze_streamed(discover(root, options.exclude), options)
    assert result is not None
    return result


def _fixes(report: str, path: str) -> list[dict]:
    return [f["fix"] for f in json.loads(report)["findings"] if f["path"] == path and "fix" in f]


def test_a_streamed_scan_refers_to_its_files_and_reports_as_a_whole_scan_does(workspace: Path) -> None:
    streamed = _streamed(workspace)
    options = Options()
    options.inventory = False
    whole = analyze(discover(workspace, options.exclude), options)
    assert isinstance(streamed.sources, ReadBack)
    assert ACTIONS in streamed.sources.refs
    assert {d.span.path for d in streamed.diagnostics} <= set(streamed.sources)
    assert json_render.render(streamed) == json_render.render(whole)
    assert sarif.render(streamed) == sarif.render(whole)
    assert len(_fixes(json_render.render(streamed), ACTIONS)) == 3


def test_a_file_changed_after_the_scan_is_not_quoted(workspace: Path) -> None:
    streamed = _streamed(workspace)
    assert ACTIONS in streamed.sources.refs and any(d.fix for d in streamed.diagnostics)
    changed = workspace / ACTIONS
    changed.write_text("# a line that moves every fix down by one\n" + changed.read_text())
    # Fixes computed from the bytes on disk now would land one line off: they are left out instead.
    assert _fixes(json_render.render(streamed), ACTIONS) == []
    assert streamed.sources.get(ACTIONS) is None
    in_actions = [d for d in streamed.diagnostics if d.span.path == ACTIONS]
    assert fingerprints(in_actions, streamed.sources) == fingerprints(in_actions, {})
    assert len(json.loads(sarif.render(streamed))["runs"][0]["results"]) == len(streamed.diagnostics)


def test_a_deleted_file_is_missing_and_the_rest_are_read(workspace: Path) -> None:
    streamed = _streamed(workspace)
    paths = set(streamed.sources)
    (workspace / ACTIONS).unlink()
    assert streamed.sources.get(ACTIONS) is None
    for path in paths - {ACTIONS}:
        source = streamed.sources[path]
        assert source.data == (workspace / path).read_bytes()


def test_pickled_read_back_refers_to_the_same_files(workspace: Path) -> None:
    streamed = _streamed(workspace)
    again = pickle.loads(pickle.dumps(streamed.sources))
    assert isinstance(again, ReadBack)
    assert again.refs == streamed.sources.refs
    assert again[ACTIONS].data == (workspace / ACTIONS).read_bytes()
    assert len(pickle.dumps(streamed.sources)) < sum(len(streamed.sources[p].data) for p in streamed.sources)


def test_findings_survive_pickling_whole(workspace: Path) -> None:
    """Findings are pickled by their constructors (`Diagnostic.__reduce__`): every field comes back,
    the ones equality ignores (owners, origin, fix) too, and a set of owners shared stays shared."""
    findings = _streamed(workspace).diagnostics
    assert any(d.fix for d in findings) and any(d.owners for d in findings)
    owners = frozenset({"//app:stamp"})
    anchored = replace(findings[0], origin=findings[1], related=(findings[1].span,), owners=owners)
    sharing = replace(findings[1], owners=owners)
    again = pickle.loads(pickle.dumps([*findings, anchored, sharing]))
    assert [_fields_of(d) for d in again] == [_fields_of(d) for d in [*findings, anchored, sharing]]
    assert again[-2].owners is again[-1].owners


def _fields_of(value: object) -> tuple[object, ...]:
    return tuple(getattr(value, f.name) for f in fields(value))  # type: ignore[arg-type]
