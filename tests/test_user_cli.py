"""What a user touches on the command line: paths from where they stand, rule selection, colors,
`explain` for every id the tool prints, shell completion."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import CORPUS, ROOT
from helpers import run_cli, write_tree

HAZARD_BUILD = """genrule(
    name = "fmt",
    outs = ["fmt.txt"],
    cmd = "terraform fmt > $@",
)
"""


def _monorepo(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A repository whose Bazel workspace is a subdirectory; the user stands in a third directory."""
    repo = tmp_path / "monorepo"
    workspace = write_tree(
        repo / "services" / "bazel",
        {"MODULE.bazel": "", "app/BUILD.bazel": HAZARD_BUILD},
    )
    cwd = repo / "tools"
    cwd.mkdir(parents=True)
    return repo, workspace, cwd


def test_text_and_github_paths_are_relative_to_the_current_directory(tmp_path: Path) -> None:
    repo, workspace, cwd = _monorepo(tmp_path)
    text = run_cli("check", str(workspace), cwd=cwd)
    first = text.stdout.splitlines()[0]
    path = first.split(":")[0]
    assert path == "../services/bazel/app/BUILD.bazel", first
    assert (cwd / path).resolve() == (workspace / "app" / "BUILD.bazel").resolve()
    annotations = run_cli("check", str(workspace), "--format", "github", cwd=repo)
    files = {m.group(1) for m in re.finditer(r"file=([^,]+),", annotations.stdout)}
    assert files == {"services/bazel/app/BUILD.bazel"}, annotations.stdout
    # JSON keeps workspace-relative paths (the documented schema, baselines and fingerprints).
    document = json.loads(run_cli("check", str(workspace), "--format", "json", cwd=cwd).stdout)
    assert {f["path"] for f in document["findings"]} == {"app/BUILD.bazel"}


def test_sarif_locations_resolve_through_declared_base(tmp_path: Path) -> None:
    _, workspace, cwd = _monorepo(tmp_path)
    run = json.loads(run_cli("check", str(workspace), "--format", "sarif", cwd=cwd).stdout)["runs"][0]
    bases = run["originalUriBaseIds"]
    assert run["results"], "the genrule calls terraform"
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        base = bases[location["uriBaseId"]]["uri"]
        assert base.endswith("/") and not location["uri"].startswith("/")
        resolved = Path(unquote(urlparse(base + location["uri"]).path))
        assert resolved == (workspace / "app" / "BUILD.bazel").resolve()


def _rules_found(*args: str) -> set[str]:
    out = run_cli("check", str(CORPUS / "opentofu"), "--format", "json", *args)
    assert out.returncode in (0, 1), out.stderr
    return {f["rule"] for f in json.loads(out.stdout)["findings"]}


def test_select_ignore_extend_select() -> None:
    everything = _rules_found()
    assert {"workspace-dir", "default-shell-env"} <= everything
    assert _rules_found("--select", "workspace-dir") == {"workspace-dir"}
    assert _rules_found("--select", "workspace-dir", "--extend-select", "default-shell-env") == {
        "workspace-dir",
        "default-shell-env",
    }
    assert _rules_found("--select", "workspace-dir,default-shell-env", "--ignore", "workspace-dir") == {
        "default-shell-env"
    }
    assert _rules_found("--ignore", "workspace-dir") == everything - {"workspace-dir"}
    bad = run_cli("check", str(CORPUS / "opentofu"), "--select", "no-such-rule")
    assert bad.returncode == 2 and "unknown rule 'no-such-rule'" in bad.stderr
    inventory = run_cli("inventory", str(CORPUS / "opentofu"), "--ignore", "workspace-dir")
    reasons = {r["rule"] for t in json.loads(inventory.stdout)["targets"] for r in t.get("reasons", [])}
    assert reasons and "workspace-dir" not in reasons


def test_extend_select_turns_on_a_rule_the_config_disables(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            ".hermetic-scan.toml": '[rules]\ndisable = ["ambient-tool"]\n',
            "BUILD.bazel": HAZARD_BUILD,
        },
    )
    assert run_cli("check", str(root)).returncode == 0
    again = run_cli("check", str(root), "--extend-select", "ambient-tool")
    assert again.returncode == 1 and "[ambient-tool]" in again.stdout


def _check_env(*args: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    return subprocess.run(
        [sys.executable, "-m", "hermetic_scan", "check", str(CORPUS / "opentofu"), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    ).stdout


def test_color_flag_and_no_color() -> None:
    colored = _check_env("--color=always")
    assert "\x1b[1;31merror\x1b[0m" in colored
    assert "\x1b[" not in _check_env()  # auto, and stdout is a pipe
    assert "\x1b[" not in _check_env("--color=never")
    assert "\x1b[" in _check_env("--color=always", NO_COLOR="1"), "an explicit flag wins"
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", colored)
    assert stripped == _check_env("--color=never")


def _emitted_ids() -> set[str]:
    """Ids the tool prints besides rule ids: Flag/Check ids of evidence, codes of the LSP server."""
    ids: set[str] = set()
    evidence = ROOT / "hermetic_scan" / "crosscheck" / "evidence.py"
    tree = ast.parse(evidence.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("Flag", "Check")
        ):
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                ids.add(first.value)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "check_id" for t in node.targets
        ):
            ids |= {
                c.value
                for c in ast.walk(node.value)
                if isinstance(c, ast.Constant)
                and isinstance(c.value, str)
                and re.fullmatch(r"[a-z]+(-[a-z]+)+", c.value)
            }
    for path in (ROOT / "hermetic_scan" / "lsp").glob("*.py"):
        ids |= set(re.findall(r'code="([a-z-]+)"', path.read_text(encoding="utf-8")))
    return ids


def test_explain_answers_for_every_emitted_id() -> None:
    ids = _emitted_ids()
    assert {"target-verdict", "not-executed-remotely", "remote-executor-explicit"} <= ids
    listing = run_cli("explain").stdout
    for name in sorted(ids):
        out = run_cli("explain", name)
        assert out.returncode == 0 and out.stdout.startswith(f"{name}: "), (name, out.stderr)
        assert re.search(rf"^{re.escape(name)} ", listing, re.M), f"{name} missing from `explain`"


def _bash_complete(line: str) -> list[str]:
    script = run_cli("completion", "bash").stdout
    words = line.split(" ")
    driver = (
        script
        + "\nCOMP_WORDS=("
        + " ".join(f"'{w}'" for w in words)
        + f")\nCOMP_CWORD={len(words) - 1}\n_hermetic_scan\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    )
    out = subprocess.run(["bash", "-c", driver], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_bash_completion() -> None:
    assert "inventory" in _bash_complete("hermetic-scan inv")
    assert _bash_complete("hermetic-scan check --for") == ["--format"]
    assert _bash_complete("hermetic-scan check --format s") == ["sarif"]
    assert set(_bash_complete("hermetic-scan completion ")) == {"bash", "zsh", "fish"}
    assert "--extend-select" in _bash_complete("hermetic-scan inventory --ext")


def _shell(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs it")
        pytest.skip(f"{name} not installed")
    return path


def test_fish_completion() -> None:
    fish = _shell("fish")
    script = run_cli("completion", "fish").stdout
    driver = (
        script + "\ncomplete -C 'hermetic-scan check --form'\ncomplete -C 'hermetic-scan check --format='\n"
    )
    out = subprocess.run([fish, "--no-config", "-c", driver], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    lines = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert "--format" in lines and "--format=sarif" in lines, out.stdout


def test_zsh_completion_loads() -> None:
    zsh = _shell("zsh")
    script = run_cli("completion", "zsh").stdout
    assert script.startswith("#compdef hermetic-scan\n")
    out = subprocess.run([zsh, "-n", "-c", script], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    loaded = subprocess.run(
        [
            zsh,
            "-f",
            "-c",
            "autoload -Uz compinit && compinit -u -D\n"
            + script.replace('_hermetic_scan "$@"', "")
            + "\nprint -l ${(k)functions[(I)_hermetic_scan*]}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert {"_hermetic_scan", "_hermetic_scan_check", "_hermetic_scan_inventory"} <= set(
        loaded.stdout.split()
    )


def _readme_block(after: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(after, 1)[1].split("```sh\n", 1)[1].split("```", 1)[0].strip()


def test_quick_start_prints_summaries_a_terminal_can_read() -> None:
    command = _readme_block("## Quick start")
    steps = [step.strip() for part in command.split("&&") for step in part.split(";")]
    scans = [step for step in steps if step.startswith("hermetic-scan ")]
    assert len(scans) == 2, scans
    for step in scans:
        out = run_cli(*step.split()[1:], cwd=ROOT)
        assert out.returncode in (0, 1), out.stderr
        assert "<br>" not in out.stdout and "|---" not in out.stdout and "{" not in out.stdout[:1]
    inventory = run_cli(*scans[1].split()[1:], cwd=ROOT).stdout
    document = json.loads(run_cli("inventory", "corpus/opentofu", cwd=ROOT).stdout)
    s = document["summary"]
    assert inventory.splitlines()[1] == (
        f"{sum(s.values())} targets: {s['remote-ok']} remote-ok, {s['no-remote-exec']} no-remote-exec, "
        f"{s['unknown']} unknown"
    )
    blocked = [t for t in document["targets"] if t["verdict"] == "no-remote-exec"]
    assert blocked
    for t in blocked:
        rules = ", ".join(sorted({r["rule"] for r in t["reasons"]}))
        assert f"  {t['label']} ({t['kind']}): {rules}" in inventory, t["label"]
    assert not any(
        f"  {t['label']} (" in inventory for t in document["targets"] if t["verdict"] == "remote-ok"
    )


def test_readme_test_command_fetches_the_tools_and_ci_runs_it() -> None:
    command = _readme_block("Install the test dependencies")
    assert command.startswith("bash tests/tools/fetch.sh && "), command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci, ".ci/run runs the README's command"


def test_the_bundled_example_is_buildifier_clean() -> None:
    from conftest import external_tool

    buildifier = external_tool("buildifier-bin")
    example = CORPUS / "opentofu"
    files = sorted(
        str(p)
        for p in example.rglob("*")
        if p.is_file()
        and (p.name in ("BUILD", "BUILD.bazel", "MODULE.bazel", "WORKSPACE") or p.suffix == ".bzl")
    )
    assert len(files) >= 5
    out = subprocess.run(
        [str(buildifier), "--mode=check", "--lint=warn", *files], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
