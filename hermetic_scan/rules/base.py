"""What every rule module provides, and the context a check receives."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from hermetic_scan.diagnostics import Diagnostic, Fix, Severity, Span
from hermetic_scan.model import WorkspaceFacts, WorkspaceModel
from hermetic_scan.model.actions import ActionModel, ShellSite
from hermetic_scan.profile import ExecutorProfile

# Sets of owners shared by findings (`Context.report`): enough for the findings of a few packages.
OWNER_SETS_KEPT = 4096

DOC_SECTIONS = ("What it does", "Why it matters for remote execution", "Example", "How to fix", "References")
# What each scope's check is given: a Starlark file, an action, a shell site, a target, a rule class
# (`rule()` of a .bzl file), the whole workspace (its facts), the verdicts of a first pass.
SCOPES = ("module", "action", "site", "target", "rule", "workspace", "inventory")


@dataclass(frozen=True)
class RuleMeta:
    id: str
    severity: Severity
    scopes: tuple[str, ...]
    summary: str
    # True when a finding (at error or warning) means the target must not run remotely.
    blocking: bool
    # Target tags that turn a blocking finding into a caveat for that target (it asked for it).
    waived_by_tags: tuple[str, ...] = ()
    # Tags the inventory suggests for a target with a blocking finding of this rule (tests only).
    test_tags: tuple[str, ...] = ()


@dataclass
class Context:
    model: WorkspaceModel
    profile: ExecutorProfile = field(default_factory=ExecutorProfile)
    strict: bool = False
    bazel_version: str | None = None
    # Set when the model holds only a share of the BUILD files: the merged facts of all shares.
    shared_facts: WorkspaceFacts | None = None
    # One frozenset per set of owners among recent findings: a target's findings come together, and
    # a set of one owner (216 bytes) was the largest object of a finding.
    _owner_sets: dict[frozenset[str], frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @cached_property
    def facts(self) -> WorkspaceFacts:
        """Workspace-scope checks read these instead of walking `model.targets`."""
        return self.shared_facts if self.shared_facts is not None else self.model.facts()

    def report(
        self,
        meta: RuleMeta,
        span: Span,
        message: str,
        *,
        severity: Severity | None = None,
        owners: frozenset[str] | set[str] = frozenset(),
        target: str | None = None,
        subject: str | None = None,
        fix: Fix | None = None,
    ) -> Diagnostic:
        owner_set = frozenset(owners)
        if len(self._owner_sets) >= OWNER_SETS_KEPT:
            self._owner_sets.clear()
        owner_set = self._owner_sets.setdefault(owner_set, owner_set)
        return Diagnostic(
            meta.id, severity or meta.severity, span, message, target, subject, owner_set, fix=fix
        )


Check = Iterator[Diagnostic]


def target_tags(ctx: Context, owner: str) -> list[str]:
    label = owner_target(owner)
    target = ctx.model.target_by_label(label) if label else None
    return list(target.target.tags) if target is not None else []


def owner_target(owner: str) -> str | None:
    return owner.removeprefix("target:") if owner.startswith("target:") else None


def site_owners(site: ShellSite) -> set[str]:
    owners = {site.owner}
    if site.action is not None:
        owners.add(site.action.key)
    return owners


def action_owners(action: ActionModel) -> set[str]:
    return {action.owner, action.key}
