"""A scan split across processes reports exactly what a single-process scan reports."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT
from helpers import SAME_NAME_REPOSITORIES, SAME_NAME_VERDICTS, run_cli, write_tree

from hermetic_scan import runner, shards
from hermetic_scan.engine import Result, analyze, analyze_streamed, streams
from hermetic_scan.inventory import inventory_findings
from hermetic_scan.options import Options, load_options, read_bazelversion
from hermetic_scan.render import inventory_json, sarif
from hermetic_scan.render import json as json_render
from hermetic_scan.render.inventory_json import document
from hermetic_scan.workspace import discover

WORKSPACES = sorted(p for p in CORPUS.iterdir() if p.is_dir())

pytestmark = pytest.mark.skipif(not shards.can_fork(), reason="shards are forked processes")


@pytest.fixture(autouse=True)
def _one_build_file_per_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    # Corpus workspaces have a few BUILD files: claimed one at a time, they spread over the shards.
    monkeypatch.setattr(shards, "CLAIM_SIZE", 1)


def _options(workspace: Path) -> Options:
    options = load_options(workspace)
    options.bazel_version = read_bazelversion(workspace)
    return options


def _reports(result: Result) -> dict[str, object]:
    return {
        "check": json.loads(json_render.render(result)),
        "sarif": json.loads(sarif.render(result)),
        "inventory": document(result.inventory),
        "inventory-text": json.loads(inventory_json.render(result.inventory)),
    }


def _compare(workspace: Path, counts: list[int]) -> None:
    single_result = analyze(discover(workspace), _options(workspace))
    single = _reports(single_result)
    assert single["inventory-text"] == single["inventory"]
    for count in counts:
        fixed = shards.split(discover(workspace), count)
        for how, groups in (("taking files as they go", None), ("in fixed groups", fixed)):
            split = _reports(
                shards.analyze_in_shards(discover(workspace), _options(workspace), count, groups)
            )
            for name, report in single.items():
                assert split[name] == report, f"{name} differs with {count} shards {how}"
    # Shards release each handful of packages once checked (StreamedAnalysis) unless told not to, and
    # one process does the same when no model is asked for (`analyze_streamed`).
    whole = _options(workspace)
    whole.stream = False
    held = _reports(shards.analyze_in_shards(discover(workspace), whole, counts[-1]))
    streamed = analyze_streamed(discover(workspace), _options(workspace))
    assert streamed is not None or not streams(_options(workspace))
    for how, result in (("holding every package", held), ("in one process", streamed and _reports(streamed))):
        for name, report in single.items():
            assert result is None or result[name] == report, f"{name} differs {how}"
    # For the `inventory` command's JSON report, shards send JSON entries (the same text, without
    # verdict objects) and no findings but the fetch hazards and rc findings the reports show.
    options = _options(workspace)
    options.verdicts_as_json, options.report_findings = True, False
    inventory_only = shards.analyze_in_shards(discover(workspace), options, counts[-1])
    as_json = inventory_only.inventory
    assert as_json.targets == [] and as_json.entries is not None
    assert inventory_json.render(as_json) == inventory_json.render(single_result.inventory)
    assert (
        inventory_only.diagnostics == inventory_findings(single_result.diagnostics)
        and not inventory_only.sources
    )
    # `check` builds no verdicts, and its shards send none.
    options = _options(workspace)
    options.inventory = False
    findings_only = shards.analyze_in_shards(discover(workspace), options, counts[0])
    assert findings_only.built_inventory is None
    assert json.loads(json_render.render(findings_only)) == single["check"]


def _build_files(workspace: Path) -> int:
    return sum(len(repo.build_files) for repo in discover(workspace).repositories)


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_every_split_of_a_corpus_workspace_reports_the_same(workspace: Path) -> None:
    # One shard per BUILD file is the split where most lookups cross process boundaries.
    _compare(workspace, sorted({2, min(_build_files(workspace), 6)}))


def test_outputs_sent_in_small_batches_report_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # Findings, verdicts and JSON entries go to the parent BATCH at a time (shards._send_output).
    monkeypatch.setattr(shards, "BATCH", 2)
    workspace = CORPUS / "cross-package"
    assert len(analyze(discover(workspace), _options(workspace)).diagnostics) > 2 * shards.BATCH
    _compare(workspace, [_build_files(workspace)])


def test_cross_package_workspace_needs_every_shard() -> None:
    """The fixture made for splits: each finding below depends on facts from another shard."""
    workspace = CORPUS / "cross-package"
    count = _build_files(workspace)
    one_each = shards.split(discover(workspace), count)
    assert all(len(group) == 1 for group in one_each)
    result = shards.analyze_in_shards(discover(workspace), _options(workspace), count, one_each)
    messages = {(d.rule, d.span.path): d.message for d in result.diagnostics}
    # Both genrules running toc.rb live in different shards; one finding names both.
    assert "executed by //docs:toc, //site:toc" in messages[("ambient-tool", "scripts/toc.rb")]
    # pandoc comes from //tools:gen, an sh_binary evaluated in the shards of //docs and //site too.
    assert ("ambient-tool", "tools/gen.sh") in messages
    # --strategy=Genrule=local is live although the shard of .bazelrc has no genrule.
    assert not any(d.rule == "rc-unknown-mnemonic" and d.span.start_line == 1 for d in result.diagnostics)
    # Of the suppressions in rules/defs.bzl, one is used by every shard, the other (in the macro only
    # //docs calls) by the shard of //docs alone; the one in //api is used by none.
    assert [
        (d.span.path, d.span.start_line + 1) for d in result.diagnostics if d.rule == "unused-suppression"
    ] == [("api/BUILD.bazel", 3)]
    assert result.model is None and result.files_scanned == 8
    verdicts = {t.label: t.verdict for t in result.inventory.targets}
    assert verdicts["//docs:guide"] == verdicts["//site:index"] == "no-remote-exec"


def test_generated_workspace_reports_the_same_in_two_and_three_shards(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), str(workspace), "--files", "240"],
        check=True,
        capture_output=True,
    )
    assert _build_files(workspace) > 100
    _compare(workspace, [2, 3])


def test_nested_repositories_sharing_a_name_report_the_same_in_shards(tmp_path: Path) -> None:
    """Two nested repositories named `tools`: one process kept the first of two targets with one
    label, shards one each. Now each has a label of its own, and every split lists each target once."""
    workspace = write_tree(tmp_path / "ws", SAME_NAME_REPOSITORIES)
    count = _build_files(workspace)
    _compare(workspace, [2, count])
    expected = SAME_NAME_VERDICTS
    for groups in (None, shards.split(discover(workspace), count)):
        result = shards.analyze_in_shards(discover(workspace), _options(workspace), count, groups)
        labels = [t.label for t in result.inventory.targets]
        assert sorted(labels) == sorted(expected)
        assert {t.label: t.verdict for t in result.inventory.targets} == expected


def test_split_balances_bytes_and_keeps_every_build_file() -> None:
    workspace = discover(CORPUS / "cross-package")
    groups = shards.split(workspace, 3)
    every = [path for group in groups for path in group]
    assert sorted(every) == sorted(workspace.main.build_files) and len(every) == len(set(every))
    assert all(groups)


def test_shared_claims_hand_out_every_build_file_once_in_runs_that_shrink() -> None:
    files = [f"pkg{i:03}/BUILD" for i in range(200)]
    claims = shards._SharedClaims(multiprocessing.get_context("fork"), files, shards=2)
    runs = list(iter(claims, []))
    assert [path for run in runs for path in run] == files
    sizes = [len(run) for run in runs]
    assert sizes[0] == 200 // (shards.GUIDED_SHARE * 2)
    assert sizes == sorted(sizes, reverse=True)
    assert all(size >= shards.CLAIM_SIZE for size in sizes[:-1]) and sizes[-1] <= shards.CLAIM_SIZE
    handfuls = list(
        iter(shards._InHandfuls(shards._SharedClaims(multiprocessing.get_context("fork"), files)), [])
    )
    assert [path for handful in handfuls for path in handful] == files
    assert all(len(handful) <= shards.CLAIM_SIZE for handful in handfuls)


def test_a_failing_shard_reports_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("model exploded")

    monkeypatch.setattr(shards, "Analysis", broken)  # the forked shards inherit it
    monkeypatch.setattr(shards, "StreamedAnalysis", broken)
    workspace = CORPUS / "cross-package"
    with pytest.raises(RuntimeError, match="model exploded"):
        shards.analyze_in_shards(discover(workspace), _options(workspace), 2)


def test_the_parent_stops_claiming_once_a_shard_has_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shard that failed makes the scan start again in one process: the parent stops at its next
    claim instead of checking its whole share first."""
    parent = os.getpid()
    real = shards._analysis
    taken: list[str] = []

    def analysis(
        workspace: object,
        options: object,
        prepared: object,
        claim: Callable[[], list[str]],
        task: object,
        *later: object,
    ) -> object:
        if os.getpid() != parent:
            raise ValueError("shard exploded")
        deadline = time.monotonic() + 60
        while multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.01)  # until the failed shard has exited

        def counted() -> list[str]:
            files = claim()
            taken.extend(files)
            return files

        return real(workspace, options, prepared, counted, task, *later)  # type: ignore[arg-type]

    monkeypatch.setattr(shards, "_analysis", analysis)
    workspace = CORPUS / "cross-package"
    with pytest.raises(RuntimeError, match="shard exploded"):
        shards.analyze_in_shards(discover(workspace), _options(workspace), 2)
    assert taken == []


def test_the_parent_failing_to_analyze_the_bzl_files_fails_the_sharded_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parent analyzes the .bzl files after forking, while the shards wait for the record: its
    failure is a scan process's failure (the caller scans again in one process), not a hang."""

    def explode(_prepared: object) -> None:
        raise ValueError("analysis exploded")

    monkeypatch.setattr(shards, "analyze_bzl_files", explode)
    workspace = CORPUS / "cross-package"
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="analysis exploded"):
        shards.analyze_in_shards(discover(workspace), _options(workspace), 2)
    assert time.monotonic() - started < 4  # not the 5 s the parent waits before killing a shard
    assert not multiprocessing.active_children()


def test_jobs_default_depends_on_the_workspace_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shards, "usable_cpus", lambda: 4)
    assert runner.shard_count(None, 20) == 1
    assert runner.shard_count(None, runner.STARLARK_FILES_PER_JOB * 2) == 2
    assert runner.shard_count(None, runner.STARLARK_FILES_PER_JOB * 100) == 4
    assert runner.shard_count(None, 20, runner.STARLARK_FILES_PER_JOB * 2) == 2  # .bzl files count
    assert runner.shard_count(None, 1, runner.STARLARK_FILES_PER_JOB * 2) == 1  # one BUILD file: one share
    assert runner.shard_count(3, 20) == 3
    assert runner.shard_count(8, 2) == 2
    monkeypatch.setattr(shards, "can_fork", lambda: False)
    assert runner.shard_count(8, 1000) == 1


def test_cli_jobs_must_be_positive_and_gives_the_same_report() -> None:
    workspace = str(CORPUS / "cross-package")
    bad = run_cli("check", workspace, "--jobs", "0")
    assert bad.returncode == 2 and "positive" in bad.stderr
    one = run_cli("check", workspace, "--format", "json", "-j", "1")
    three = run_cli("check", workspace, "--format", "json", "-j", "3")
    assert one.returncode == three.returncode == 1
    assert one.stdout == three.stdout


def test_scan_falls_back_to_one_process_when_a_shard_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("model exploded")

    workspace = CORPUS / "cross-package"
    expected = _reports(analyze(discover(workspace), _options(workspace)))
    monkeypatch.setattr(shards, "Analysis", broken)
    monkeypatch.setattr(shards, "StreamedAnalysis", broken)  # engine's own, which the fallback uses, works
    options = _options(workspace)
    options.jobs, options.keep_model = 3, False
    result = runner.scan(workspace, options)
    assert _reports(result) == expected
    assert "a scan process failed" in capsys.readouterr().err
