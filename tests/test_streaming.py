"""A streamed scan (engine.StreamedAnalysis) lets go of each handful of packages once checked.

tests/test_shards.py holds its reports to the whole-model scan's on every corpus workspace; this file
checks what it holds on to, and when it is not used.
"""

from __future__ import annotations

import gc
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, ROOT

import hermetic_scan.model as model_module
from hermetic_scan import cli, engine, runner, shards
from hermetic_scan.engine import Analysis, StreamedAnalysis, analyze, analyze_streamed, streams
from hermetic_scan.model import prepare_model
from hermetic_scan.model.modules import ModuleModel
from hermetic_scan.options import Options, load_options, read_bazelversion
from hermetic_scan.render import json as json_render
from hermetic_scan.render.inventory_json import document
from hermetic_scan.workspace import discover


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = tmp_path_factory.mktemp("streaming") / "ws"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate.py"),
            str(workspace),
            "--files",
            "240",
            "--seed",
            "3",
        ],
        check=True,
        capture_output=True,
    )
    return workspace


def _build_modules_alive(root: Path) -> set[str]:
    """BUILD files of the workspace at `root` whose model is alive (other tests' may be too)."""
    gc.collect()
    return {
        o.display_path
        for o in gc.get_objects()
        if isinstance(o, ModuleModel)
        and o.rel_path.endswith(("BUILD", "BUILD.bazel"))
        and o.repo.root.is_relative_to(root)
    }


def test_a_streamed_scan_holds_only_the_packages_kept_for_lookups(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_module, "PACKAGES_KEPT", 3)
    kept_while_scanning: list[set[str]] = []
    take_handful = StreamedAnalysis._chunk

    def handful(self: StreamedAnalysis, builds: list[ModuleModel], targets: list[Any]) -> None:
        take_handful(self, builds, targets)
        kept_while_scanning.append(set(self.ctx.model._packages))

    monkeypatch.setattr(StreamedAnalysis, "_chunk", handful)
    workspace = discover(generated)
    files = engine.build_files_in_order(workspace)
    assert len(files) > 100
    chunks = iter([files[i : i + engine.CHUNK_SIZE] for i in range(0, len(files), engine.CHUNK_SIZE)])
    analysis = StreamedAnalysis(
        workspace, Options(jobs=None), prepare_model(workspace), lambda: next(chunks, [])
    )
    model = analysis.model
    assert model.targets == [] and model.build_modules == []
    assert analysis.target_count > 1000 and len(analysis.inputs) == analysis.target_count
    # The generator's BUILD files load repositories that are not there: load problems used to hold
    # their file's model, and with it its syntax tree.
    assert any(p.path.endswith("BUILD.bazel") for p in model.loader.problems)
    # Once every BUILD file is evaluated no lookup comes: the packages kept for them are let go too.
    assert model._packages == {}
    del analysis, model  # plain sets below: a failing assertion must not print the model
    assert len(kept_while_scanning) > 10 and max(map(len, kept_while_scanning)) <= 3
    assert _build_modules_alive(generated) == set()


def test_packages_taken_in_path_order_are_evaluated_once(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluated: list[str] = []
    original = model_module.targets_of_build_file

    def counted(interpreter: object, build: ModuleModel) -> object:
        evaluated.append(build.display_path)
        return original(interpreter, build)  # type: ignore[arg-type]

    monkeypatch.setattr(model_module, "targets_of_build_file", counted)
    result = analyze_streamed(discover(generated), Options(jobs=None))
    assert result is not None
    assert len(evaluated) == len(set(evaluated)) == len(engine.build_files_in_order(discover(generated)))


def test_one_process_streamed_reports_what_the_whole_model_reports(generated: Path) -> None:
    streamed = analyze_streamed(discover(generated), Options(jobs=None))
    whole = analyze(discover(generated), Options(jobs=1))
    assert streamed is not None and streamed.model is None and whole.model is not None
    assert json_render.render(streamed) == json_render.render(whole)
    assert document(streamed.inventory) == document(whole.inventory)
    assert streamed.files_scanned == whole.files_scanned and streamed.targets_scanned == whole.targets_scanned


def test_one_job_on_the_command_line_streams_and_fix_holds_the_model(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--jobs 1` used to hold every syntax tree as `fix` does: 4.4 GB instead of 0.9 GB at 20,000 files.
    whole = analyze(discover(generated), Options(jobs=1))
    held: list[bool] = []
    original = runner.analyze

    def whole_model(*args: Any, **kwargs: Any) -> Any:
        held.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "analyze", whole_model)
    out = tmp_path / "report.json"
    argv = ["check", str(generated), "--jobs", "1", "--no-cache", "--format", "json", "--output", str(out)]
    assert cli.main([*argv, "--fail-on", "never"]) == 0
    assert held == []
    assert out.read_text() == json_render.render(whole)
    assert cli.main(["fix", str(generated), "--diff"]) in (0, 1)
    assert held == [True]


def test_rules_over_a_first_inventory_stream_too() -> None:
    """tags-not-propagated under Bazel 6 reads the verdicts of a first pass: a streamed scan decides
    them from the targets' verdict inputs (even for `check`, which reports no inventory) and reports
    what the whole model reports."""
    workspace = CORPUS / "cross-package"
    for inventory in (True, False):
        options = load_options(workspace)
        options.bazel_version, options.inventory = "6.4.0", inventory
        assert streams(options)
        whole = analyze(discover(workspace), options)
        streamed = analyze_streamed(discover(workspace), options)
        assert streamed is not None
        assert "tags-not-propagated" in {d.rule for d in streamed.diagnostics}
        assert json_render.render(streamed) == json_render.render(whole)
    options.stream = False
    assert not streams(options)


WORKSPACES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


@pytest.mark.skipif(not shards.can_fork(), reason="shards are forked processes")
@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_corpus_streamed(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every workspace streams, in one process and one BUILD file per shard, and reports what the whole
    model reports: under Bazel 7, and under the Bazel 6 two of them pin (a rule of scope "inventory"
    then reads the verdicts of a first pass)."""
    monkeypatch.setattr(shards, "CLAIM_SIZE", 1)
    monkeypatch.setattr(
        model_module, "PACKAGES_KEPT", 1
    )  # every lookup of a released package evaluates it again

    pinned = read_bazelversion(workspace)
    versions = ["7.1.0", *([pinned] if pinned and pinned.startswith("6.") else [])]
    for version in versions:

        def options() -> Options:
            found = load_options(workspace)
            found.bazel_version = version  # noqa: B023 - called within this iteration
            return found

        whole = analyze(discover(workspace), options())
        streamed = analyze_streamed(discover(workspace), options())
        assert streamed is not None
        count = max(2, len(engine.build_files_in_order(discover(workspace))))
        split = shards.analyze_in_shards(discover(workspace), options(), count)
        for result in (streamed, split):
            assert json_render.render(result) == json_render.render(whole), version
            assert document(result.inventory) == document(whole.inventory), version


def test_facts_shards_exchange_keep_what_a_shebang_runs_not_the_script() -> None:
    workspace = discover(CORPUS / "interpreters", [])
    facts = Analysis(workspace, Options()).facts()
    runners = {path: (head.language, sorted(labels)) for path, (head, labels) in facts.script_runners.items()}
    assert runners["gen/gen_api.py"] == ("python3", ["//gen:api_client", "//gen:api_stubs"])
    assert runners["tests/routes_test"] == ("ruby", ["//tests:routes_test"])
    assert {language for language, _ in runners.values()} == {"python3", "perl", "node", "ruby"}
    head, _ = facts.script_runners["gen/gen_api.py"]
    first_line = (CORPUS / "interpreters" / "gen/gen_api.py").read_text().split("\n", 1)[0]
    assert (head.first_line.start_line, head.first_line.end_line, head.first_line.end_col) == (
        0,
        0,
        len(first_line),
    )
    assert b"import" not in pickle.dumps(facts)  # no script's text travels
