"""Scan options, built in one place from `.hermetic-scan.toml` and an entry point's overrides (CLI flags or the editor's settings)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from hermetic_scan.config import Config, load_config
from hermetic_scan.profile import ExecutorProfile
from hermetic_scan.workspace import read_small_text


@dataclass
class Options:
    strict: bool = False
    profile: ExecutorProfile = field(default_factory=ExecutorProfile)
    repos: dict[str, Path] = field(default_factory=dict)
    external_dirs: list[Path] = field(default_factory=list)
    # Look for the sources of external repositories in the output base of an earlier build
    # (`hermetic_scan.externals`); `--no-auto-external` / `auto-external = false` turn it off.
    auto_external: bool = True
    # Set by the scan: the output base's external/ directory it found, and its fingerprint (part of the
    # cache key instead of the contents of every fetched repository).
    discovered_external: Path | None = None
    discovered_fingerprint: str = ""
    knowledge_files: list[Path] = field(default_factory=list)  # the team's rulesets (docs/knowledge.md)
    knowledge_digest: str = ""  # of their contents: part of the cache key
    exclude: list[str] = field(default_factory=list)
    bazel_version: str | None = None
    # Build the per-target verdicts (`check` does not need them).
    inventory: bool = True
    # Keep where each target is and what owns its findings (`Result.target_index`): what narrowing a
    # report to the files named needs (`check FILE...`, --changed-since). `check` always keeps it, so
    # that a plain `check` and the pre-commit hook's `check FILE...` share one cache entry.
    target_index: bool = False
    # Only the JSON report will be rendered: shards send each verdict as its JSON entry, not as an
    # object (markdown, HTML, CSV, fixes, the editor and evidence read the objects).
    verdicts_as_json: bool = False
    # Off when only the inventory is reported (the `inventory` command): shards then send only the
    # findings an inventory shows besides its verdicts (`inventory.inventory_findings`), and a scan in shards
    # returns those alone in `Result.diagnostics`, with no sources and no unused-suppression findings.
    report_findings: bool = True
    # The caller reads `Result.model` (`fix`, --aquery, evidence, verify, the editor; library callers
    # unless they say otherwise): one process holds every target and syntax tree to the end, and
    # `jobs` and `stream` are not used. `check` and `inventory` turn it off.
    keep_model: bool = True
    jobs: int | None = 1  # processes to split the BUILD files between; None: as many as pay off
    # Without `keep_model`, a scan in one process releases each handful of packages once its rules
    # ran (engine.StreamedAnalysis). Off: every target and syntax tree is held to the end. Same
    # report either way.
    stream: bool = True
    only_paths: list[str] | None = None  # report findings only under these root-relative paths (runner.scan)
    enable: list[str] | None = None  # None: every rule
    disable: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    # Where scan results are cached (`hermetic_scan.cache`); None: no cache is read or written.
    cache_dir: Path | None = None

    def runs(self, rule_id: str) -> bool:
        return (self.enable is None or rule_id in self.enable) and rule_id not in self.disable


class OptionsError(Exception):
    """An override the builder cannot use (a bad repository name); the message names the setting."""


@dataclass
class Overrides:
    """What an entry point sets on top of the configuration file: the CLI's flags, the editor's
    `initializationOptions`. Empty / None fields leave the configuration's value."""

    strict: bool = False  # True turns strict on; False keeps the configuration's
    profile_add: list[str] = field(default_factory=list)  # added to the configuration's `profile.add`
    profile_tools: list[str] | None = None  # replaces the configuration's `profile.tools`
    repos: dict[str, Path] = field(default_factory=dict)  # added to (and over) `[repos]`
    external_dirs: list[Path] = field(default_factory=list)
    auto_external: bool = True  # False turns discovery off whatever the configuration says
    bazel_version: str | None = None
    # As ruff does: `select` replaces the rules that run, `extend_select` adds, `ignore` removes.
    select: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)


REPO_NAME = re.compile(r"@{0,2}[A-Za-z0-9_.~+-]+")


def repo_name(name: str) -> str:
    """A repository name as `--repo` and the editor's `repos` take it (`@`s dropped); OptionsError
    for anything that is not one (`..` would name a path outside the external directory)."""
    if not REPO_NAME.fullmatch(name) or name.lstrip("@") in (".", ".."):
        raise OptionsError(f"{name!r} is not a repository name")
    return name.lstrip("@")


def build_options(root: Path, config: Config, overrides: Overrides | None = None) -> Options:
    """The one path from settings to Options: the configuration file, the overrides on top, and the
    Bazel version from `.bazelversion` when neither names one. Every entry point (each CLI command,
    the language server) calls this, so the editor and CI run the same rules with the same profile."""
    overrides = overrides or Overrides()
    repos = dict(config.repos)
    for name, path in overrides.repos.items():
        repos[repo_name(name)] = path
    options = Options(
        strict=overrides.strict or config.strict,
        profile=ExecutorProfile.build(
            add=[*config.profile_add, *overrides.profile_add],
            replace=overrides.profile_tools if overrides.profile_tools is not None else config.profile_tools,
        ),
        repos=repos,
        external_dirs=list(overrides.external_dirs),
        auto_external=config.auto_external and overrides.auto_external,
        knowledge_files=list(config.knowledge_files),
        knowledge_digest=config.knowledge_digest,
        exclude=list(config.exclude),
        bazel_version=overrides.bazel_version or config.bazel_version or read_bazelversion(root),
        enable=list(config.enable) if config.enable is not None else None,
        disable=list(config.disable),
        severity=dict(config.severity),
    )
    _select_rules(options, overrides)
    return options


def load_options(root: Path, config_file: Path | None = None, overrides: Overrides | None = None) -> Options:
    """`build_options` over the workspace's `.hermetic-scan.toml` (or `config_file`); ConfigError when
    that file is invalid."""
    return build_options(root, load_config(root, config_file), overrides)


def _select_rules(options: Options, overrides: Overrides) -> None:
    """select / extend_select / ignore over the configuration's enable / disable."""
    select, extend = overrides.select, overrides.extend_select
    if select:
        options.enable = list(select)
        options.disable = [rule for rule in options.disable if rule not in select]
    if extend:
        options.disable = [rule for rule in options.disable if rule not in extend]
        if options.enable is not None:
            options.enable = [*options.enable, *(rule for rule in extend if rule not in options.enable)]
    options.disable = [*options.disable, *(rule for rule in overrides.ignore if rule not in options.disable)]


def read_bazelversion(root: Path) -> str | None:
    text = read_small_text(root / ".bazelversion", 4096)  # one version; /dev/zero must not fill memory
    lines = text.split() if text is not None else []
    return lines[0] if lines else None
