"""The engine: one process runs the rules over a model of the workspace (or of a share of its BUILD files) and returns a Result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from hermetic_scan import guard, suppressions
from hermetic_scan.diagnostics import Diagnostic, Severity, Span
from hermetic_scan.externals import find_output_base
from hermetic_scan.inventory import Inventory, TargetInfo, build_inventory
from hermetic_scan.model import PreparedModel, WorkspaceModel, build_model, evaluate_packages
from hermetic_scan.options import Options
from hermetic_scan.rules import RULE_MODULES, internal_error, rule_meta, unused_suppression
from hermetic_scan.rules.base import Context
from hermetic_scan.source import SourceFile
from hermetic_scan.workspace import Workspace


@dataclass
class Result:
    root: Path
    # The semantic model, for consumers that read syntax trees (fixes, the editor, aquery, evidence);
    # None when shards of the scan ran in other processes (`Options.jobs`).
    model: WorkspaceModel | None
    diagnostics: list[Diagnostic]
    built_inventory: Inventory | None  # None when `Options.inventory` was off
    files_scanned: int
    targets_scanned: int
    sources: dict[str, SourceFile]  # at least every file a finding or a suppression is in
    baselined: int = 0

    @property
    def inventory(self) -> Inventory:
        if self.built_inventory is None:
            raise RuntimeError("this scan ran with Options.inventory off")
        return self.built_inventory

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for d in self.diagnostics:
            out[d.severity.value] += 1
        return out

    def require_model(self) -> WorkspaceModel:
        if self.model is None:
            raise RuntimeError("this result was built by several processes and carries no model")
        return self.model


def with_discovered_externals(root: Path, options: Options) -> Options:
    """The options with the output base's external/ directory, when discovery is on and finds one."""
    if not options.auto_external or options.discovered_external is not None:
        return options
    found = find_output_base(root)
    if found is None:
        return options
    return replace(options, discovered_external=found.external, discovered_fingerprint=found.fingerprint)


def attach_externals(workspace: Workspace, options: Options) -> None:
    """Where the workspace finds external repositories (--repo, then --external, then the output base)
    and what it knows of those it cannot find (the team's knowledge files)."""
    workspace.extra_repos = dict(options.repos)
    workspace.external_dirs = list(options.external_dirs)
    workspace.knowledge_files = list(options.knowledge_files)
    if options.auto_external and options.discovered_external is not None:
        workspace.external_dirs.append(options.discovered_external)


class Analysis:
    """Rules run over one model: of the whole workspace, or of a share of its BUILD files."""

    def __init__(
        self,
        workspace: Workspace,
        options: Options,
        only: set[str] | None = None,
        claim: Callable[[], list[str]] | None = None,
        prepared: PreparedModel | None = None,
    ) -> None:
        """With `prepared`, the .bzl files are analyzed already (`only` is then ignored)."""
        self.options = options
        self.model = (
            build_model(workspace, only, claim) if prepared is None else evaluate_packages(prepared, claim)
        )
        self.ctx = Context(self.model, options.profile, options.strict, options.bazel_version)
        self.sources = self.model.sources()
        self.modules = {m.source.path: m for m in self.model.modules}
        self.comments = suppressions.collect(self.sources)

    def settle(self, found: Iterable[Diagnostic]) -> list[Diagnostic]:
        return suppressions.apply(merge(_override(found, self.options)), self.comments, self.modules)

    def findings(self) -> list[Diagnostic]:
        """Every rule's findings, suppressions applied, except unused-suppression."""
        options, ctx = self.options, self.ctx
        diagnostics = self.settle(run_rules(ctx, options))
        # Rules about verdicts (scope "inventory") see the inventory of the first pass.
        if any(
            options.runs(r.META.id) and "inventory" in r.META.scopes and r.needs_inventory(ctx)
            for r in RULE_MODULES
        ):
            first = build_inventory(self.model, diagnostics, options.bazel_version)
            diagnostics = self.settle([*diagnostics, *run_rules(ctx, options, first)])
        return diagnostics

    def every_suppression(self) -> list[suppressions.Suppression]:
        return [s for found in self.comments.values() for s in found]


def analyze(workspace: Workspace, options: Options, only: set[str] | None = None) -> Result:
    analysis = Analysis(workspace, options, only)
    diagnostics = finish(analysis.findings(), analysis.every_suppression(), analysis.sources, options)
    model = analysis.model
    inventory = build_inventory(model, diagnostics, options.bazel_version) if options.inventory else None
    diagnostics = only_paths(diagnostics, options, inventory)
    return Result(
        workspace.root,
        model,
        diagnostics,
        inventory,
        len(model.modules),
        len(model.targets),
        analysis.sources,
    )


def finish(
    diagnostics: list[Diagnostic],
    every: list[suppressions.Suppression],
    sources: dict[str, SourceFile],
    options: Options,
) -> list[Diagnostic]:
    """Add unused-suppression findings, once every other finding has had its chance to be suppressed."""
    if options.runs("unused-suppression"):
        found = unused_suppression.findings(every, sources, _rule_exists, options.runs)
        unused = list(_override(found, options))
        if unused:
            diagnostics = merge([*diagnostics, *unused])
    return diagnostics


def only_paths(
    diagnostics: list[Diagnostic], options: Options, inventory: Inventory | None = None
) -> list[Diagnostic]:
    """The findings `check FILE...` reports: those in the files named, and those of every target a
    named BUILD file defines, wherever the hazard lives (a rule's .bzl that did not change)."""
    if options.only_paths is None:
        return diagnostics
    wanted = [p.rstrip("/") for p in options.only_paths]

    def named(path: str) -> bool:
        return any(p in ("", ".") or path == p or path.startswith(p + "/") for p in wanted)

    return narrow(diagnostics, inventory, named)


def narrow(
    diagnostics: list[Diagnostic], inventory: Inventory | None, named: Callable[[str], bool]
) -> list[Diagnostic]:
    """The findings of the named files, and those of every target a named BUILD file defines, shown
    at that target's line (`check FILE...`, `--changed-since`)."""
    targets: dict[str, list[TargetInfo]] = defaultdict(list)  # owner key -> named targets it belongs to
    if inventory is not None and inventory.entries is None:
        for verdict in inventory.targets:
            if named(verdict.info.path):
                targets[verdict.info.key].append(verdict.info)
                if verdict.info.rule_key is not None:
                    targets[verdict.info.rule_key].append(verdict.info)
    out = []
    for d in diagnostics:
        if named(d.span.path):
            out.append(d)
            continue
        concerned = {info.key: info for owner in d.owners for info in targets.get(owner, ())}
        out.extend(_anchored(d, info) for info in concerned.values())
    return sorted(out, key=lambda d: d.sort_key)


def _anchored(d: Diagnostic, target: TargetInfo) -> Diagnostic:
    """A finding of a file that was not named, shown at the line of a named BUILD file's target it
    concerns (where a pre-commit hook or a CI annotation looks), pointing at where the hazard is."""
    line = target.line - 1
    return Diagnostic(
        d.rule,
        d.severity,
        Span(target.path, line, 0, line, 0),
        d.message,
        target.text,
        d.subject,
        frozenset({target.key}),
        (d.span, *d.related),
        d.origin or d,
    )


def _override(found: Iterable[Diagnostic], options: Options) -> Iterable[Diagnostic]:
    for d in found:
        if not options.runs(d.rule):
            continue
        severity = options.severity.get(d.rule)
        yield replace(d, severity=Severity(severity)) if severity else d


def _rule_exists(rule_id: str) -> bool:
    return rule_meta(rule_id) is not None


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
                yield from _guarded(rule.META.id, check, None, inventory, ctx)
            elif scope == "workspace":
                yield from _guarded(rule.META.id, check, None, ctx)
            else:
                for subject in subjects[scope]:
                    yield from _guarded(rule.META.id, check, subject, subject, ctx)


def _guarded(
    rule_id: str, check: Callable[..., Iterable[Diagnostic]], subject: object, *args: object
) -> Iterable[Diagnostic]:
    """A rule's findings; an exception it raises becomes an internal-error finding for the file of
    the subject it was checking (the workspace root for workspace-wide checks) and the scan goes on."""
    try:
        yield from check(*args)
    except Exception as error:  # noqa: BLE001 - one rule's bug on one file is reported, not fatal
        if guard.interrupted(error):
            raise KeyboardInterrupt from error
        yield Diagnostic(
            internal_error.META.id,
            internal_error.META.severity,
            Span(_subject_path(subject), 0, 0, 0, 0),
            f"{guard.describe(error)} (in rule {rule_id})",
        )


def _subject_path(subject: object) -> str:
    """The file a rule was checking: a module's, an action's, a shell site's or a target's."""
    candidates = [
        getattr(subject, "source", None),
        getattr(getattr(subject, "module", None), "source", None),
        getattr(getattr(subject, "text", None), "source", None),
        getattr(getattr(getattr(subject, "target", None), "build", None), "source", None),
    ]
    return next((c.path for c in candidates if isinstance(c, SourceFile)), ".")


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
        related = tuple(dict.fromkeys((*previous.related, *d.related)))
        merged[key] = Diagnostic(
            d.rule,
            severity,
            d.span,
            d.message,
            target,
            d.subject,
            owners,
            related,
            previous.origin,
            previous.fix or d.fix,
        )
    return sorted(merged.values(), key=lambda d: d.sort_key)
