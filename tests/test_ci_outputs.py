"""SARIF, GitHub annotations, baseline, fingerprints, --fail-on, --changed-since."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from conftest import CORPUS, ROOT, external_tool
from helpers import run_cli, write_tree

WORKSPACES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
HAZARD = 'genrule(\n    name = "g",\n    outs = ["o"],\n    cmd = "terraform fmt > $@",\n)\n'


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    path = external_tool("sarif/lib/schemas/sarif-2.1.0-rtm.5.json")
    return json.loads(path.read_text())


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_sarif_validates_against_the_official_schema(workspace: Path, sarif_schema: dict) -> None:
    out = run_cli("check", str(workspace), "--format", "sarif")
    document = json.loads(out.stdout)
    jsonschema.Draft4Validator(sarif_schema).validate(document)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {
        "workspace-dir",
        "ambient-tool",
        "default-shell-env",
        "missing-mnemonic",
    }
    for rule in rules:
        assert rule["helpUri"].endswith(f"docs/rules.md#{rule['id']}") and rule["help"]["markdown"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not location["artifactLocation"]["uri"].startswith("/")
    prints = [r["partialFingerprints"]["hermeticScan/v1"] for r in run["results"]]
    assert len(prints) == len(set(prints))


def _fingerprints(root: Path) -> dict[tuple[str, str], str]:
    document = json.loads(run_cli("check", str(root), "--format", "sarif").stdout)
    return {
        (r["ruleId"], r["message"]["text"]): r["partialFingerprints"]["hermeticScan/v1"]
        for r in document["runs"][0]["results"]
    }


def test_fingerprint_survives_moving_the_finding(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"MODULE.bazel": "", "BUILD.bazel": HAZARD})
    before = _fingerprints(root)
    (root / "BUILD.bazel").write_text("# a comment\n" * 10 + HAZARD)
    assert _fingerprints(root) == before
    (root / "BUILD.bazel").write_text(HAZARD.replace("terraform fmt", "terraform validate"))
    assert _fingerprints(root) != before


def test_github_annotations() -> None:
    # Run from the repository root, above the workspace: paths are relative to where the step runs.
    out = run_cli("check", str(CORPUS / "opentofu"), "--format", "github", cwd=ROOT)
    lines = out.stdout.splitlines()
    assert (
        "::error file=corpus/opentofu/build/tofu/private/scripts.bzl,line=10,col=6,endLine=10,endColumn=31,title=workspace-dir::"
        in "\n".join(lines)
    )
    assert any(
        line.startswith("::warning file=corpus/opentofu/build/tofu/rules.bzl,line=41,")
        and "title=default-shell-env" in line
        for line in lines
    )
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)


def test_baseline_reports_only_new_findings(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "ws", {"MODULE.bazel": "", "BUILD.bazel": HAZARD})
    baseline = tmp_path / "baseline.json"
    first = run_cli("check", str(root), "--write-baseline", str(baseline))
    assert first.returncode == 1 and json.loads(baseline.read_text())["version"] == 1
    clean = run_cli("check", str(root), "--baseline", str(baseline), "--format", "json")
    assert clean.returncode == 0
    assert (
        json.loads(clean.stdout)["findings"] == [] and json.loads(clean.stdout)["summary"]["baselined"] == 1
    )
    (root / "BUILD.bazel").write_text("\n\n# moved\n" + HAZARD)
    assert run_cli("check", str(root), "--baseline", str(baseline)).returncode == 0, (
        "a moved finding stays baselined"
    )
    (root / "BUILD.bazel").write_text(HAZARD + HAZARD.replace('"g"', '"h"').replace('"o"', '"p"'))
    again = json.loads(run_cli("check", str(root), "--baseline", str(baseline), "--format", "json").stdout)
    assert [(f["rule"], f["line"]) for f in again["findings"]] == [("ambient-tool", 9)], (
        "a second instance is new"
    )
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    out = run_cli("check", str(root), "--baseline", str(bad))
    assert out.returncode == 2 and "not a hermetic-scan baseline" in out.stderr


def test_fail_on_levels(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "BUILD.bazel": 'load("@ext//:defs.bzl", "x")\n',
        },
    )
    assert run_cli("check", str(root)).returncode == 0, "only an info finding"
    assert run_cli("check", str(root), "--fail-on", "info").returncode == 1
    assert run_cli("check", str(CORPUS / "opentofu"), "--fail-on", "never").returncode == 0
    assert run_cli("check", str(CORPUS / "opentofu"), "--fail-on", "error").returncode == 1


def test_changed_since_keeps_targets_of_changed_build_files(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "rules/BUILD.bazel": "",
            "rules/defs.bzl": 'def _impl(ctx):\n    ctx.actions.run_shell(command = "make", outputs = [], mnemonic = "Make")\nmk = rule(implementation = _impl)\n',
            "a/BUILD.bazel": 'load("//rules:defs.bzl", "mk")\nmk(name = "a")\n',
            "b/BUILD.bazel": HAZARD,
        },
    )

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "empty")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base")

    def paths() -> set[str]:
        out = run_cli("check", str(root), "--changed-since", "HEAD", "--format", "json")
        return {f["path"] for f in json.loads(out.stdout)["findings"]}

    assert paths() == set()
    (root / "a" / "BUILD.bazel").write_text('load("//rules:defs.bzl", "mk")\nmk(name = "a2")\n')
    assert paths() == {"a/BUILD.bazel"}, (
        "the hazard of a changed BUILD file's target, though its .bzl did not change, at the target"
    )
    out = run_cli("check", str(root), "--changed-since", "HEAD", "--format", "json")
    (finding,) = json.loads(out.stdout)["findings"]
    assert (finding["line"], finding["related"]) == (2, [{"path": "rules/defs.bzl", "line": 2, "column": 38}])
    out = run_cli("check", str(root), "--changed-since", "no-such-rev")
    assert out.returncode == 2 and "'no-such-rev' is not a commit" in out.stderr


@pytest.mark.parametrize("value", ["--output={victim}", "-p", "--end-of-options", "--output", ""])
def test_changed_since_never_becomes_a_git_option(tmp_path: Path, value: str) -> None:
    root = write_tree(tmp_path / "ws", {"MODULE.bazel": "", "a/BUILD.bazel": HAZARD})
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base"],
        cwd=root,
        check=True,
    )
    out = run_cli("check", str(root), f"--changed-since={value.format(victim=victim)}")
    assert out.returncode == 2, out.stdout + out.stderr
    assert "is not a" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert victim.read_text() == "precious\n"


def test_changed_since_outside_a_git_repository_says_so_in_one_line(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"MODULE.bazel": "", "a/BUILD.bazel": HAZARD})
    out = run_cli("check", str(root), "--changed-since", "HEAD")
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "git" in out.stderr


def test_a_finding_shown_at_a_named_targets_line_points_at_its_bzl(
    tmp_path: Path, sarif_schema: dict
) -> None:
    """`check BUILD-file`: a hazard in an unchanged macro is shown at each target of the named file
    (JSON `related`, SARIF `relatedLocations`), and a baseline written by a full run still covers it."""
    root = write_tree(
        tmp_path / "ws",
        {
            "MODULE.bazel": "",
            "defs/BUILD.bazel": "",
            "defs/fmt.bzl": 'def fmt(name):\n    native.genrule(name = name, outs = [name], cmd = "terraform fmt > $@")\n',
            "a/BUILD.bazel": 'load("//defs:fmt.bzl", "fmt")\n\nfmt(name = "one")\n\nfmt(name = "two")\n',
        },
    )
    out = run_cli("check", str(root / "a" / "BUILD.bazel"), "--format", "json", cwd=root)
    document = json.loads(out.stdout)
    jsonschema.validate(document, json.loads((ROOT / "hermetic_scan/schemas/check.schema.json").read_text()))
    assert [(f["path"], f["line"], f["target"], f["related"]) for f in document["findings"]] == [
        ("a/BUILD.bazel", 3, "//a:one", [{"path": "defs/fmt.bzl", "line": 2, "column": 55}]),
        ("a/BUILD.bazel", 5, "//a:two", [{"path": "defs/fmt.bzl", "line": 2, "column": 55}]),
    ]
    sarif = json.loads(run_cli("check", "a/BUILD.bazel", "--format", "sarif", cwd=root).stdout)
    jsonschema.Draft4Validator(sarif_schema).validate(sarif)
    related = [r["relatedLocations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]]
    assert {r["artifactLocation"]["uri"] for r in related} == {"defs/fmt.bzl"}
    baseline = tmp_path / "baseline.json"
    run_cli("check", str(root), "--write-baseline", str(baseline))
    again = run_cli("check", "a/BUILD.bazel", "--baseline", str(baseline), "--format", "json", cwd=root)
    assert again.returncode == 0 and json.loads(again.stdout)["summary"]["baselined"] == 2, again.stdout
