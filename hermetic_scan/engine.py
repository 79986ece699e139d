"""The engine: workspace -> model -> rules -> Result. CLI and LSP are thin adapters over `scan`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hermetic_scan.diagnostics import Diagnostic, Severity
from hermetic_scan.inventory import Inventory, build_inventory
from hermetic_scan.model import WorkspaceModel, build_model
from hermetic_scan.profile import ExecutorProfile
from hermetic_scan.rules import RULE_MODULES
from hermetic_scan.rules.base import Context
from hermetic_scan.workspace import Workspace, discover


@dataclass
class Options:
    strict: bool = False
    profile: ExecutorProfile = field(default_factory=ExecutorProfile)
    repos: dict[str, Path] = field(default_factory=dict)
    external_dirs: list[Path] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    bazel_version: str | None = None
    only_paths: list[str] | None = None  # report findings only under these root-relative paths


@dataclass
class Result:
    root: Path
    model: WorkspaceModel
    diagnostics: list[Diagnostic]
    inventory: Inventory

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for d in self.diagnostics:
            out[d.severity.value] += 1
        return out


def scan(root: Path, options: Options | None = None) -> Result:
    options = options or Options()
    workspace = discover(root, options.exclude)
    workspace.extra_repos = dict(options.repos)
    workspace.external_dirs = list(options.external_dirs)
    if options.bazel_version is None:
        options.bazel_version = read_bazelversion(workspace.root)
    return analyze(workspace, options)


def read_bazelversion(root: Path) -> str | None:
    try:
        lines = (root / ".bazelversion").read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return None
    return lines[0] if lines else None


def analyze(workspace: Workspace, options: Options) -> Result:
    model = build_model(workspace)
    ctx = Context(model, options.profile, options.strict, options.bazel_version)
    diagnostics = merge(run_rules(ctx))
    # Rules about verdicts (scope "inventory") see the inventory of the first pass.
    first = build_inventory(model, diagnostics, options.bazel_version)
    diagnostics = merge([*diagnostics, *run_rules(ctx, first)])
    inventory = build_inventory(model, diagnostics, options.bazel_version)
    if options.only_paths is not None:
        wanted = [p.rstrip("/") for p in options.only_paths]
        diagnostics = [d for d in diagnostics if any(p in ("", ".") or d.span.path == p or d.span.path.startswith(p + "/") for p in wanted)]
    return Result(workspace.root, model, diagnostics, inventory)


def run_rules(ctx: Context, inventory: Inventory | None = None) -> Iterable[Diagnostic]:
    """Without an inventory: every scope but "inventory"; with one: only the "inventory" scope."""
    model = ctx.model
    subjects = {
        "module": model.modules,
        "action": model.all_actions(),
        "site": model.all_sites(),
        "target": model.targets,
    }
    for rule in RULE_MODULES:
        for scope in rule.META.scopes:
            if (scope == "inventory") != (inventory is not None):
                continue
            check = getattr(rule, f"check_{scope}")
            if scope == "inventory":
                yield from check(inventory, ctx)
            elif scope == "workspace":
                yield from check(ctx)
            else:
                for subject in subjects[scope]:
                    yield from check(subject, ctx)


def merge(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per (rule, place): a helper shared by several rules is reported once."""
    merged: dict[tuple[str, object, str], Diagnostic] = {}
    for d in diagnostics:
        key = (d.rule, d.span, d.message)
        previous = merged.get(key)
        if previous is None:
            merged[key] = d
            continue
        owners = previous.owners | d.owners
        severity = previous.severity if previous.severity.rank >= d.severity.rank else d.severity
        target = previous.target if previous.target == d.target else None
        merged[key] = Diagnostic(d.rule, severity, d.span, d.message, target, previous.fix or d.fix, d.subject, owners)
    return sorted(merged.values(), key=lambda d: d.sort_key)
