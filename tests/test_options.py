"""The one options path: `.hermetic-scan.toml` plus an entry point's overrides (CLI flags, editor settings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_tree

from hermetic_scan.config import Config
from hermetic_scan.lsp.server import settings_overrides
from hermetic_scan.options import OptionsError, Overrides, build_options
from hermetic_scan.profile import DEFAULT_TOOLS


def test_overrides_add_to_the_configuration_profile(tmp_path: Path) -> None:
    config = Config(profile_add=["jq"])
    options = build_options(tmp_path, config, Overrides(profile_add=["tofu"]))
    assert options.profile.tools == DEFAULT_TOOLS | {"jq", "tofu"}
    # An empty `add` (the editor's {"profile": {"add": []}}) keeps the configuration's, as the CLI does.
    assert build_options(tmp_path, config, Overrides()).profile.tools == DEFAULT_TOOLS | {"jq"}
    replaced = build_options(tmp_path, config, Overrides(profile_tools=["bash"]))
    assert replaced.profile.tools == {"bash", "jq"}


def test_rule_selection_over_the_configuration(tmp_path: Path) -> None:
    config = Config(disable=["missing-mnemonic", "ambient-tool"], severity={"ambient-tool": "info"})
    options = build_options(tmp_path, config, Overrides(extend_select=["ambient-tool"], ignore=["host-env"]))
    assert options.enable is None and options.disable == ["missing-mnemonic", "host-env"]
    assert options.severity == {"ambient-tool": "info"}
    selected = build_options(tmp_path, config, Overrides(select=["missing-mnemonic"]))
    assert selected.enable == ["missing-mnemonic"] and selected.disable == ["ambient-tool"]


def test_bazel_version_flag_then_configuration_then_bazelversion(tmp_path: Path) -> None:
    write_tree(tmp_path, {".bazelversion": "7.1.0\n"})
    assert build_options(tmp_path, Config()).bazel_version == "7.1.0"
    assert build_options(tmp_path, Config(bazel_version="6.5.0")).bazel_version == "6.5.0"
    chosen = build_options(tmp_path, Config(bazel_version="6.5.0"), Overrides(bazel_version="8.0.0"))
    assert chosen.bazel_version == "8.0.0"


def test_repositories(tmp_path: Path) -> None:
    config = Config(repos={"a": tmp_path / "a", "b": tmp_path / "b"})
    options = build_options(tmp_path, config, Overrides(repos={"@b": tmp_path / "b2"}))
    assert options.repos == {"a": tmp_path / "a", "b": tmp_path / "b2"}
    with pytest.raises(OptionsError, match="'..' is not a repository name"):
        build_options(tmp_path, config, Overrides(repos={"..": tmp_path}))


def test_editor_settings_are_the_cli_flags(tmp_path: Path) -> None:
    settings = {
        "profile": {"add": ["tofu"], "tools": None},
        "repos": {"rules_tf": "../rules_tf"},
        "external": ["/opt/external"],
        "strict": True,
        "bazelVersion": "7.4.1",
        "debounceMs": 10,
    }
    overrides = settings_overrides(settings, tmp_path)
    assert overrides == Overrides(
        strict=True,
        profile_add=["tofu"],
        repos={"rules_tf": (tmp_path / "../rules_tf").resolve()},
        external_dirs=[Path("/opt/external")],
        bazel_version="7.4.1",
    )
    assert settings_overrides({}, tmp_path) == Overrides()
