"""`.hermetic-scan.toml`: effective settings, and clear errors naming key and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS
from helpers import run_cli, write_tree


def test_config_decides_fail_on_and_show_prints_it() -> None:
    assert run_cli("check", str(CORPUS / "config")).returncode == 1  # the gsutil error
    shown = run_cli("config", "--show", str(CORPUS / "config"))
    assert shown.returncode == 0
    assert 'fail-on = "error"' in shown.stdout and 'disable = ["missing-mnemonic"]' in shown.stdout
    assert 'add = ["jq", "python3"]' in shown.stdout


def test_cli_flags_add_to_the_config(tmp_path: Path) -> None:
    out = run_cli("check", str(CORPUS / "config"), "--profile-add", "gsutil", "--format", "json")
    rules = sorted(f["rule"] for f in json.loads(out.stdout)["findings"])
    assert rules == ["default-shell-env", "network-access"], (
        "gsutil is provided now, but it still reaches the network"
    )
    out = run_cli("check", str(CORPUS / "config"), "--profile-add", "gsutil", "--disable", "network-access")
    assert out.returncode == 2, "no such flag: rules are disabled in the config file"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'fail-on = "sometimes"\n',
            ".hermetic-scan.toml:1: fail-on: expected one of error, warning, info, never",
        ),
        ('\n\nfailon = "error"\n', ".hermetic-scan.toml:3: failon: unknown key"),
        (
            '[rules]\ndisable = ["no-such-rule"]\n',
            ".hermetic-scan.toml:2: rules.disable: unknown rule 'no-such-rule'",
        ),
        (
            '[rules]\nseverity = { ambient-tool = "fatal" }\n',
            ".hermetic-scan.toml:2: rules.severity.ambient-tool: expected one of",
        ),
        ('exclude = "vendor"\n', ".hermetic-scan.toml:1: exclude: expected a list of strings"),
        ("[profile]\nadd = [1]\n", ".hermetic-scan.toml:2: profile.add: expected a list of strings"),
        ("[profile]\nextra = []\n", ".hermetic-scan.toml:2: profile.extra: unknown key"),
        ('strict = "yes"\n', ".hermetic-scan.toml:1: strict: expected true or false"),
        ("fail-on = \n", "line 1"),
    ],
)
def test_bad_config_exits_2_naming_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    root = write_tree(tmp_path, {"MODULE.bazel": "", ".hermetic-scan.toml": text})
    out = run_cli("check", str(root))
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_explicit_config_file(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "ws",
        {"MODULE.bazel": "", "BUILD.bazel": 'genrule(name = "g", outs = ["o"], cmd = "helm lint > $@")\n'},
    )
    config = write_tree(tmp_path, {"team.toml": '[profile]\nadd = ["helm"]\n'}) / "team.toml"
    assert run_cli("check", str(root)).returncode == 1
    assert run_cli("check", str(root), "--config", str(config)).returncode == 0
    missing = run_cli("check", str(root), "--config", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "no such config file" in missing.stderr
