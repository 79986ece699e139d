"""`verify` never reports a false green: when Bazel rejects a flag or a wrapper cannot find the version
.bazelversion asks for, nothing was verified, and verify says so with Bazel's own words and exit 3.
.bazelrc lines that run actions unsandboxed are reported and countered."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import require_bazel
from helpers import run_cli, write_tree

from hermetic_scan.bazel.bazelrc import load_bazelrc
from hermetic_scan.crosscheck.verify import preflight, sandbox_defeats

sys.path.insert(0, str(Path(__file__).resolve().parent / "bazel"))

BUILD = 'genrule(\n    name = "hello",\n    outs = ["hello.txt"],\n    cmd = "echo hello > $@",\n)\n'


def _workspace(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    return write_tree(tmp_path / "ws", {"WORKSPACE": "", "BUILD.bazel": BUILD, **(extra or {})})


def _verify(root: Path, tmp_path: Path, *args: str) -> tuple[int, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env_home = os.environ.get("HOME")
    os.environ["HOME"] = str(home)  # no user rc; the subprocess inherits it
    try:
        out = run_cli("verify", str(root), *args)
    finally:
        if env_home is not None:
            os.environ["HOME"] = env_home
    return out.returncode, out.stdout + out.stderr


def test_a_flag_bazel_rejects_is_could_not_verify(tmp_path: Path) -> None:
    require_bazel()
    root = _workspace(tmp_path)
    fragment = tmp_path / "extra.bazelrc"
    fragment.write_text("build --no_such_flag_anywhere\n", encoding="utf-8")
    code, text = _verify(root, tmp_path, "--bazelrc", str(fragment))
    assert code == 3, text
    assert "COULD NOT VERIFY 1 of 1 targets" in text
    assert "no_such_flag_anywhere" in text, "Bazel's own message is shown"
    assert "No static remote-ok target failed" not in text
    document = json.loads(_verify(root, tmp_path, "--bazelrc", str(fragment), "--format", "json")[1])
    assert document["could_not_verify"] and not document["ok"]


def test_a_bazelversion_the_wrapper_cannot_find_is_explained(tmp_path: Path) -> None:
    require_bazel()
    root = _workspace(tmp_path, {".bazelversion": "99.1.0\n"})
    code, text = _verify(root, tmp_path)
    assert code == 3, text
    assert "COULD NOT VERIFY: Bazel did not run." in text
    assert "99.1.0" in text and ".bazelversion asks for Bazel 99.1.0" in text
    assert "STATIC remote-ok BUT FAILED" not in text


def test_preflight_notes_a_version_that_differs() -> None:
    problem, notes = preflight(0, "bazel 4.2.3\n", "6.4.0")
    assert problem == [] and "Bazel 4.2.3 ran" in notes[0] and "asks for 6.4.0" in notes[0]
    assert preflight(0, "bazel 6.4.0\n", "6.4.0") == ([], [])
    assert preflight(0, "bazel no_version\n", "6.4.0") == ([], []), "an unstamped build says nothing"
    problem, _ = preflight(
        1, "\x1b[31mERROR: The project you're trying to build requires Bazel 7.0.0\x1b[0m\n", "7.0.0"
    )
    assert problem[0] == "`bazel --version` exited with status 1:" and "requires Bazel 7.0.0" in problem[1]


def test_sandbox_defeating_rc_lines_are_found_and_countered(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            ".bazelrc": (
                "build --strategy=Genrule=local\n"
                "build --genrule_strategy=standalone\n"
                "test --spawn_strategy=local,sandboxed\n"
                "build --strategy_regexp=^Compiling.*=local\n"
                "build:ci --spawn_strategy=local\n"  # only with --config=ci, which verify never passes
                "build --strategy=CppCompile=sandboxed\n"
                "query --spawn_strategy=local\n"
            )
        },
    )
    found, counter = sandbox_defeats(load_bazelrc(root, [".bazelrc"]).options)
    assert found == [
        ".bazelrc:1: build --strategy=Genrule=local",
        ".bazelrc:2: build --genrule_strategy=standalone",
        ".bazelrc:3: test --spawn_strategy=local,sandboxed",
        ".bazelrc:4: build --strategy_regexp=^Compiling.*=local",
    ]
    assert counter == [
        "--strategy=Genrule=sandboxed",
        "--genrule_strategy=sandboxed",
        "--strategy_regexp=^Compiling.*=sandboxed",
    ]


@pytest.mark.parametrize("bad", ["build --genrule_strategy=local\n"])
def test_verify_reports_sandbox_defeats_and_still_sandboxes(tmp_path: Path, bad: str) -> None:
    require_bazel()
    root = _workspace(tmp_path, {".bazelrc": bad})
    fragment = tmp_path / "extra.bazelrc"
    fragment.write_text("build --no_such_flag_anywhere\n", encoding="utf-8")  # stop before any build
    code, text = _verify(root, tmp_path, "--bazelrc", str(fragment), "--format", "json")
    document = json.loads(text[: text.rindex("}") + 1])
    assert document["sandbox_defeats"] == [".bazelrc:1: build --genrule_strategy=local"]
    assert "--genrule_strategy=sandboxed" in document["flags"]
