"""Installing as a user would: a wheel built with `python -m build` from a clean copy of the checkout,
installed on its own and run; the version that pyproject, the package, `--version` and the pre-commit
docs name kept in step."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from conftest import ROOT
from helpers import run_cli

from hermetic_scan import __version__


def _project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_one_version_everywhere() -> None:
    assert _project_version() == __version__
    assert run_cli("--version").stdout.strip() == f"hermetic-scan {__version__}"
    ci = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    revs = re.findall(r"^\s*rev: (\S+)$", ci, re.M)
    assert revs == [f"v{__version__}"], "the pre-commit example names the current version's tag"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"hermetic_scan-([0-9][^-]*)-py3", readme)) == {__version__}
    assert set(re.findall(r"tag `v([^`]+)`", readme)) == {__version__}
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    for hook_id in re.findall(r"^\s*- id: (\S+)$", ci, re.M):
        assert f"- id: {hook_id}\n" in hooks
    # Once the tag exists, it must be a commit of that version.
    tag = subprocess.run(
        ["git", "show", f"v{__version__}:hermetic_scan/__init__.py"], cwd=ROOT, capture_output=True, text=True
    )
    if tag.returncode == 0:
        assert f'__version__ = "{__version__}"' in tag.stdout


def _clean_copy(destination: Path) -> Path:
    """The files git tracks (what a fresh clone has), without build leftovers of the work tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        rel = raw.decode()
        source = ROOT / rel
        if (
            not source.is_file()
            or rel.startswith(("bench/", "corpus/", "docs/", "tests/"))
            and rel != "README.md"
        ):
            continue
        target = destination / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return destination


def test_wheel_builds_installs_and_runs(tmp_path: Path) -> None:
    source = _clean_copy(tmp_path / "src")
    shutil.copy2(ROOT / "README.md", source / "README.md")
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("hermetic_scan-*.whl")
    assert wheel.name.startswith(f"hermetic_scan-{__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "hermetic_scan/lsp/server.py" in names
    assert not any("client" in name for name in names if name.startswith("hermetic_scan/lsp/")), (
        "the test LSP client is not shipped"
    )
    assert not any(name.startswith(("tests/", "corpus/", "bench/")) for name in names)
    assert any(name.startswith("hermetic_scan/queries/") and name.endswith(".scm") for name in names)
    assert "hermetic_scan/schemas/check.schema.json" in names
    assert "hermetic_scan/knowledge/rulesets/bazel_skylib.toml" in names

    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import hermetic_scan; print(hermetic_scan.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert where.stdout.strip().startswith(str(site)), where.stdout
    scanned = subprocess.run(
        [
            sys.executable,
            "-m",
            "hermetic_scan",
            "check",
            str(ROOT / "corpus" / "opentofu"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert scanned.returncode == 1, scanned.stderr
    assert any(f["rule"] == "workspace-dir" for f in json.loads(scanned.stdout)["findings"])
