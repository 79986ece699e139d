"""The check command: formats, exit codes, schema, atomic output."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from conftest import CORPUS, ROOT
from helpers import run_cli, write_tree

SCHEMA = json.loads((ROOT / "hermetic_scan" / "schemas" / "check.schema.json").read_text())


def test_text_output_is_sorted_with_summary() -> None:
    out = run_cli("check", str(CORPUS / "opentofu"))
    assert out.returncode == 1
    lines = out.stdout.strip().splitlines()
    findings, summary = lines[:-1], lines[-1]
    assert findings == sorted(
        findings, key=lambda line: (line.split(":")[0], int(line.split(":")[1]), int(line.split(":")[2]))
    )
    assert (
        "build/tofu/private/scripts.bzl:10:6: error: $BUILD_WORKSPACE_DIRECTORY is set only by `bazel run`"
        in out.stdout
    )
    assert summary.startswith(f"{len(findings)} findings in ")


def test_json_output_validates_and_is_one_based() -> None:
    out = run_cli("check", str(CORPUS / "opentofu"), "--format", "json")
    document = json.loads(out.stdout)
    jsonschema.validate(document, SCHEMA)
    by_place = {(f["path"], f["line"], f["rule"]): f for f in document["findings"]}
    finding = by_place[("build/tofu/private/scripts.bzl", 10, "workspace-dir")]
    assert (finding["column"], finding["end_column"]) == (6, 31)
    assert finding["target"] is None
    genrule = json.loads(run_cli("check", str(CORPUS / "ambient-tool"), "--format", "json").stdout)
    jsonschema.validate(genrule, SCHEMA)
    assert any(f["target"] for f in genrule["findings"]), "findings in BUILD files name their target"


def test_exit_codes(tmp_path: Path) -> None:
    clean = write_tree(
        tmp_path / "clean",
        {"MODULE.bazel": 'module(name = "c")\n', "BUILD.bazel": 'filegroup(name = "a", srcs = [])\n'},
    )
    assert run_cli("check", str(clean)).returncode == 0
    assert run_cli("check", str(CORPUS / "opentofu")).returncode == 1
    missing = run_cli("check", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr


def test_output_file_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous")
    out = run_cli("check", str(CORPUS / "opentofu"), "--format", "json", "--output", str(target))
    assert out.stdout == ""
    assert json.loads(target.read_text())["version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_paths_narrow_the_report_but_keep_the_workspace() -> None:
    out = run_cli("check", str(CORPUS / "opentofu" / "build" / "tofu" / "private"), "--format", "json")
    paths = {f["path"] for f in json.loads(out.stdout)["findings"]}
    assert paths == {"build/tofu/private/scripts.bzl"}


def test_profile_add_and_strict(tmp_path: Path) -> None:
    out = json.loads(
        run_cli("check", str(CORPUS / "opentofu"), "--format", "json", "--profile-add", "tofu").stdout
    )
    assert not [
        f
        for f in out["findings"]
        if f["rule"] == "ambient-tool" and "`tofu`" in f["message"] and "probes" not in f["message"]
    ]
    strict = json.loads(run_cli("check", str(CORPUS / "opentofu"), "--format", "json", "--strict").stdout)
    infos = {
        (f["path"], f["line"])
        for f in strict["findings"]
        if f["rule"] == "ambient-tool" and f["severity"] == "info"
    }
    assert ("app/BUILD.bazel", 6) in infos  # cat and sort in the genrule, from the profile


def test_text_output_names_the_targets_of_findings_outside_build_files() -> None:
    out = run_cli("check", str(CORPUS / "generated-scripts"))
    lines = out.stdout.splitlines()
    assert any(
        "build_defs/inline_sh.bzl:" in line and "`make`" in line and line.endswith("(target //php:extension)")
        for line in lines
    ), out.stdout
    in_build = [line for line in lines if "docs/BUILD.bazel:14:" in line]
    assert in_build and not in_build[0].endswith(")"), "a BUILD file line already says which target"
