"""The engine: workspace -> model -> rules -> Result. CLI and LSP are thin adapters over `scan`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from hermetic_scan import suppressions
from hermetic_scan.diagnostics import Diagnostic, Severity
from hermetic_scan.inventory import Inventory, build_inventory
from hermetic_scan.model import WorkspaceModel, build_model
from hermetic_scan.profile import ExecutorProfile
from hermetic_scan.rules import RULE_MODULES
from hermetic_scan.rules.base import Context
from hermetic_scan.source import SourceFile
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
    enable: list[str] | None = None  # None: every rule
    disable: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)

    def runs(self, rule_id: str) -> bool:
        return (self.enable is None or rule_id in self.enable) and rule_id not in self.disable


@dataclass
class Result:
    root: Path
    model: WorkspaceModel
    diagnostics: list[Diagnostic]
    inventory: Inventory
    baselined: int = 0

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


def analyze(workspace: Workspace, options: Options, only: set[str] | None = None) -> Result:
    model = build_model(workspace, only)
    ctx = Context(model, options.profile, options.strict, options.bazel_version)
    sources = model.sources()
    modules = {m.source.path: m for m in model.modules}

    comments = suppressions.collect(sources)

    def settle(found: Iterable[Diagnostic]) -> list[Diagnostic]:
        return suppressions.apply(merge(_override(found, options)), comments, modules)

    diagnostics = settle(run_rules(ctx, options))
    # Rules about verdicts (scope "inventory") see the inventory of the first pass.
    if any(options.runs(r.META.id) and "inventory" in r.META.scopes and r.needs_inventory(ctx) for r in RULE_MODULES):
        first = build_inventory(model, diagnostics, options.bazel_version)
        diagnostics = settle([*diagnostics, *run_rules(ctx, options, first)])
    if options.runs("unused-suppression"):
        every = [s for found in comments.values() for s in found]
        diagnostics = merge([*diagnostics, *_override(_unused(every, sources), options)])
    inventory = build_inventory(model, diagnostics, options.bazel_version)
    if options.only_paths is not None:
        wanted = [p.rstrip("/") for p in options.only_paths]
        diagnostics = [d for d in diagnostics if any(p in ("", ".") or d.span.path == p or d.span.path.startswith(p + "/") for p in wanted)]
    return Result(workspace.root, model, diagnostics, inventory)


def _override(found: Iterable[Diagnostic], options: Options) -> Iterable[Diagnostic]:
    for d in found:
        if not options.runs(d.rule):
            continue
        severity = options.severity.get(d.rule)
        yield replace(d, severity=Severity(severity)) if severity else d


def _unused(all_suppressions: list[suppressions.Suppression], sources: dict[str, SourceFile]) -> Iterable[Diagnostic]:
    from hermetic_scan.rules import rule_meta, unused_suppression

    for s in all_suppressions:
        if s.used:
            continue
        source = sources[s.path]
        what = "suppresses nothing" if rule_meta(s.rule) else "names no known rule"
        yield Diagnostic(
            unused_suppression.META.id, unused_suppression.META.severity, source.span(s.byte, s.byte + 1),
            f"`disable{'-file' if s.whole_file else ''}={s.rule}` {what}", subject=s.rule,
        )


def run_rules(ctx: Context, options: Options, inventory: Inventory | None = None) -> Iterable[Diagnostic]:
    """Without an inventory: every scope but "inventory"; with one: only the "inventory" scope."""
    model = ctx.model
    subjects = {
        "module": model.modules,
        "action": model.all_actions(),
        "site": model.all_sites(),
        "target": model.targets,
    }
    for rule in RULE_MODULES:
        if not options.runs(rule.META.id):
            continue
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
