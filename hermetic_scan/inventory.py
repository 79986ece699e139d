"""Per-target remote-execution verdicts, built from the model and the findings of the rules.

A target is `no-remote-exec` when a blocking rule reports a finding (at warning or above) in its
actions, test or scripts; `unknown` when its rule, an action or a script could not be resolved;
`remote-ok` otherwise. Non-blocking findings are caveats and never change a verdict.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hermetic_scan.bazel.bazelrc import RcFiles, RcOption
from hermetic_scan.diagnostics import Diagnostic, Severity
from hermetic_scan.knowledge import package_manager
from hermetic_scan.labels import Label, repository_of
from hermetic_scan.local_keys import LOCAL_KEY_SET, LOCAL_TEST_TAGS
from hermetic_scan.model import TargetModel, WorkspaceModel
from hermetic_scan.model.actions import SHELL_ACTIONS, ActionModel
from hermetic_scan.model.evaluate import NOT_EVALUATED, Guards
from hermetic_scan.model.native_rules import ACTIONLESS_NATIVE, TOOLCHAIN_NATIVE
from hermetic_scan.model.values import ListV, UnresolvedSymbol, known_truth
from hermetic_scan.rules import RULE_MODULES, rule_meta
from hermetic_scan.rules.ruleset_hazard import hazard_holds

# Where a target is and what owns its findings, all `check FILE...` needs to narrow a report
# (engine.narrow): (label as written, key, rule key, BUILD file, 1-based line). A tuple, not a
# TargetInfo: every cached `check` result holds one per target, and tuples pickle twenty times faster
# (googleapis: 15,741 targets, 5 ms to load against 97 ms).
TargetPlace = tuple[str, str, str | None, str, int]


@dataclass(unsafe_hash=True, slots=True)  # not frozen, like Label; nothing mutates it
class TargetInfo:
    """What reports say about a target: plain data that survives the trip back from a worker process."""

    label: Label
    text: str  # the label as written in reports
    key: str
    rule_key: str | None
    kind: str
    path: str  # the BUILD file
    line: int  # 1-based, of the statement that created the target
    generator: str | None
    tags: tuple[str, ...]
    is_test: bool

    @staticmethod
    def place_of(tm: TargetModel) -> TargetPlace:
        target = tm.target
        line = target.build.source.line_of(target.top_node.start_byte) + 1
        rule_key = tm.rule.key if tm.rule is not None else None
        return (target.text, target.key, rule_key, target.build.display_path, line)

    @staticmethod
    def of(tm: TargetModel) -> TargetInfo:
        target = tm.target
        text, key, rule_key, path, line = TargetInfo.place_of(tm)
        return TargetInfo(
            target.label,
            text,
            key,
            rule_key,
            target.kind,
            path,
            line,
            target.generator,
            tuple(target.tags),
            target.is_test,
        )


@dataclass
class TargetVerdict:
    info: TargetInfo
    # The target's model; None once the verdict left the process that built it (pickled).
    model: TargetModel | None
    verdict: str
    reasons: list[Diagnostic]
    caveats: list[Diagnostic]
    unknown_because: list[str]
    already_tagged: bool
    suggested_tags: list[str]
    actions: list[dict[str, Any]]
    provenance: str
    entry_json: str | None = None
    # What already keeps the target's hazardous actions off remote executors, when no tag does: an
    # action's execution_requirements, or a .bazelrc line matching its mnemonic.
    kept_local: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.info.text

    def entry(self) -> dict[str, Any]:
        """The target in the JSON inventory (docs/json-schema.md)."""
        info = self.info
        return {
            "label": self.label,
            "kind": info.kind,
            "path": info.path,
            "line": info.line,
            "generator": info.generator,
            "verdict": self.verdict,
            "reasons": [finding_entry(d) for d in self.reasons],
            "caveats": [finding_entry(d) for d in self.caveats],
            "unknown_because": self.unknown_because,
            "tags": list(info.tags),
            "already_tagged": self.already_tagged,
            "kept_local": self.kept_local,
            "suggested_tags": self.suggested_tags,
            "actions": self.actions,
            "provenance": self.provenance,
        }

    def encoded(self, encoder: EntryEncoder | None = None) -> str:
        """`entry()` as JSON text, computed once."""
        if self.entry_json is None:
            self.entry_json = (encoder or EntryEncoder())(self)
        return self.entry_json

    @property
    def attached(self) -> TargetModel:
        """The target's model, for consumers that read syntax trees (fixes, the editor, aquery)."""
        if self.model is None:
            raise RuntimeError(f"the verdict of {self.label} was built in another process")
        return self.model

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """A verdict sent to another process leaves its model (syntax trees) behind. It travels as one
        flat tuple (empty lists as None): shards send one verdict per target, and the generic state of
        three nested dataclasses pickles and loads several times slower."""
        info, label = self.info, self.info.label
        return _verdict_from_parts, (
            label.repo,
            label.package,
            label.name,
            label.canonical,
            info.key,
            info.rule_key,
            info.kind,
            info.path,
            info.line,
            info.generator,
            info.tags,
            info.is_test,
            self.verdict,
            self.reasons or None,
            self.caveats or None,
            self.unknown_because or None,
            self.already_tagged,
            self.suggested_tags or None,
            self.actions,
            self.provenance,
            self.entry_json,
            self.kept_local or None,
        )

    @property
    def uses_starlark_actions(self) -> bool:
        return any(a["kind"] in SHELL_ACTIONS for a in self.actions)


def _verdict_from_parts(
    repo: str,
    package: str,
    name: str,
    canonical: bool,
    key: str,
    rule_key: str | None,
    kind: str,
    path: str,
    line: int,
    generator: str | None,
    tags: tuple[str, ...],
    is_test: bool,
    verdict: str,
    reasons: list[Diagnostic] | None,
    caveats: list[Diagnostic] | None,
    unknown_because: list[str] | None,
    already_tagged: bool,
    suggested_tags: list[str] | None,
    actions: list[dict[str, Any]],
    provenance: str,
    entry_json: str | None,
    kept_local: list[str] | None,
) -> TargetVerdict:
    label = Label(repo, package, name, canonical)
    info = TargetInfo(label, str(label), key, rule_key, kind, path, line, generator, tags, is_test)
    return TargetVerdict(
        info,
        None,
        verdict,
        reasons or [],
        caveats or [],
        unknown_because or [],
        already_tagged,
        suggested_tags or [],
        actions,
        provenance,
        entry_json,
        kept_local or [],
    )


@dataclass
class EncodedVerdicts:
    """Verdicts reduced to what the JSON report needs: each target's entry as JSON text, with its label
    (the report's order), its verdict (the summary) and the tools it needs on a worker. A shard sends
    these instead of verdict objects when the report is JSON (`Options.verdicts_as_json`): strings pickle
    and load many times faster than tens of thousands of small objects."""

    labels: list[str]
    entries: list[str]
    summary: dict[str, int]
    tools: dict[str, list[str]]
    causes: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def of(inventory: Inventory) -> EncodedVerdicts:
        encoder = EntryEncoder()
        verdicts = inventory.targets
        return EncodedVerdicts(
            [v.label for v in verdicts],
            [v.encoded(encoder) for v in verdicts],
            inventory.summary(),
            dict(inventory.worker_requirements),
            _cause_counts(verdicts),
        )


_FROM_REPOSITORY = re.compile(r"(?:comes from|from unresolved) @@?([A-Za-z0-9_.~+-]+)")
_QUOTED = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"")


def unknown_cause(reason: str) -> tuple[str, str]:
    """The cause an unknown target's first reason names, and the one action that would resolve it."""
    found = _FROM_REPOSITORY.search(reason)
    if found:
        repository = found.group(1)
        if "does not cover" in reason:
            return (
                f"@{repository}: rules the knowledge base does not cover",
                "build once or pass --external; or describe them in a knowledge file (docs/knowledge.md)",
            )
        manager = package_manager(repository)
        kind = f" (package-manager repository: {manager})" if manager else ""
        return (
            f"@{repository} is not available{kind}",
            "build once (bazel build //...) or pass --external DIR",
        )
    if "is not defined or loaded" in reason:
        return (
            "rules the model cannot find: not loaded, or made by a call it cannot follow "
            "(e.g. analysistest.make() from an unavailable repository)",
            "build once or pass --external for the repository that makes them; load native rules "
            "from their rulesets (Bazel 8)",
        )
    if "is not a literal" in reason:
        return (
            "an attribute the knowledge base needs is not a literal",
            "write the attribute as a literal, or build once to analyze the rule's source",
        )
    if reason == "no script in srcs" or (reason.startswith("script ") and reason.endswith(" not found")):
        return (
            "an sh_test/sh_binary script the model cannot read: generated by a rule it does not follow "
            "(here-document genrules are followed), computed, or missing",
            "check the script exists; run `verify` on these targets after a build",
        )
    if reason.startswith(("call depth limit reached", "analysis budget")):
        return (
            "macro or helper nesting beyond the analysis depth limit",
            "build once and run `verify` on them",
        )
    return _QUOTED.sub("…", reason.split(":", 1)[0]), "see the targets' unknown_because"


def _cause_counts(verdicts: list[TargetVerdict]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for verdict in verdicts:
        if verdict.verdict == "unknown" and verdict.unknown_because:
            cause, resolve = unknown_cause(verdict.unknown_because[0])
            counts[f"{cause}\t{resolve}"] += 1
    return dict(counts)


def _empty_summary() -> dict[str, int]:
    return {"remote-ok": 0, "no-remote-exec": 0, "unknown": 0}


@dataclass
class Inventory:
    root: str
    bazel_version: str | None
    targets: list[TargetVerdict]
    bazelrc_suggestions: list[str] = field(default_factory=list)
    action_hazards: ActionHazards = field(default_factory=lambda: ActionHazards({}, set()))
    worker_requirements: list[tuple[str, list[str]]] = field(default_factory=list)
    fetch_hazards: list[Diagnostic] = field(default_factory=list)
    # Findings in .bazelrc files (placeholders, unknown mnemonics, sandbox mounts): the HTML and
    # Markdown reports show them beside the targets.
    rc_findings: list[Diagnostic] = field(default_factory=list)
    # Assembled from `EncodedVerdicts`: the targets' JSON entries in label order, and their summary;
    # `targets` is then empty, and only the JSON report can be rendered.
    entries: list[str] | None = None
    counts: dict[str, int] | None = None
    # Unknown targets by cause: "cause\tresolution" -> number of targets (`unknown_cause`).
    causes: dict[str, int] | None = None

    def unknown_causes(self) -> list[tuple[str, int, str]]:
        """(cause, targets, what would resolve it), the largest first: why unknown targets are unknown,
        once per cause."""
        counts = self.causes if self.causes is not None else _cause_counts(self.targets)
        rows = [(*key.split("\t", 1), n) for key, n in counts.items()]
        return [(cause, n, resolve) for cause, resolve, n in sorted(rows, key=lambda r: (-r[2], r[0]))]

    def summary(self) -> dict[str, int]:
        if self.counts is not None:
            return dict(self.counts)
        out = _empty_summary()
        for target in self.targets:
            out[target.verdict] += 1
        return out

    @property
    def verdicts(self) -> list[TargetVerdict]:
        """The verdict objects, for every report but JSON."""
        if self.entries is not None:
            raise RuntimeError("this inventory holds JSON entries only (Options.verdicts_as_json)")
        return self.targets


def _entry_encoder() -> Callable[[Any], str]:
    """`json.dumps` for tens of thousands of small entries: the C encoder built once, where `json.dumps`
    builds one per call (a third of its time on an inventory entry). Same text as `json.dumps`."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return json.dumps

    def unserializable(value: Any) -> Any:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    encode = make(
        None, unserializable, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    return lambda value: "".join(encode(value, 0))


_encode_entry = _entry_encoder()
_string = json.encoder.encode_basestring_ascii  # what `_encode_entry` writes for a string


class EntryEncoder:
    """`_encode_entry(verdict.entry())`, put together from pieces: the targets of one rule share its
    actions and often its findings, and each of those is encoded once per encoder. The pieces are
    kept with their objects, so an identity cannot be reused by another object while cached."""

    def __init__(self) -> None:
        self._findings: dict[int, tuple[Any, str]] = {}
        self._actions: dict[int, tuple[Any, str]] = {}

    def __call__(self, verdict: TargetVerdict) -> str:
        info = verdict.info
        generator = "null" if info.generator is None else _string(info.generator)
        return (
            f'{{"label": {_string(info.text)}, "kind": {_string(info.kind)}, "path": {_string(info.path)}, '
            f'"line": {info.line}, "generator": {generator}, "verdict": {_string(verdict.verdict)}, '
            f'"reasons": {self._findings_list(verdict.reasons)}, "caveats": {self._findings_list(verdict.caveats)}, '
            f'"unknown_because": {_strings(verdict.unknown_because)}, "tags": {_strings(info.tags)}, '
            f'"already_tagged": {"true" if verdict.already_tagged else "false"}, '
            f'"kept_local": {_strings(verdict.kept_local)}, '
            f'"suggested_tags": {_strings(verdict.suggested_tags)}, "actions": {self._actions_list(verdict.actions)}, '
            f'"provenance": {_string(verdict.provenance)}}}'
        )

    def _findings_list(self, findings: list[Diagnostic]) -> str:
        return _cached_list(findings, self._findings, finding_entry)

    def _actions_list(self, actions: list[dict[str, Any]]) -> str:
        return _cached_list(actions, self._actions, lambda action: action)


def _cached_list(items: list[Any], cache: dict[int, tuple[Any, str]], to_entry: Callable[[Any], Any]) -> str:
    if not items:
        return "[]"
    parts = []
    for item in items:
        cached = cache.get(id(item))
        if cached is None:
            cached = cache[id(item)] = (item, _encode_entry(to_entry(item)))
        parts.append(cached[1])
    return "[" + ", ".join(parts) + "]"


def _strings(items: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(map(_string, items)) + "]" if items else "[]"


def finding_entry(d: Diagnostic) -> dict[str, Any]:
    return {"rule": d.rule, "path": d.span.path, "line": d.span.start_line + 1, "message": d.message}


def is_blocking(d: Diagnostic, tags: list[str] | tuple[str, ...] = ()) -> bool:
    """Blocking rule, at warning or above, not waived by the target's tags."""
    meta = rule_meta(d.rule)
    if not (meta and meta.blocking and d.severity.rank >= Severity.WARNING.rank):
        return False
    return not any(tag in tags for tag in meta.waived_by_tags)


def kept_local_by(d: Diagnostic, pinned: Mapping[str, str | None]) -> list[str]:
    """Why the target's actions a finding belongs to already run locally; [] if one of them does not.
    `pinned`: the target's own owner keys (Pins.of_target)."""
    owners = [owner for owner in d.owners if owner.startswith("action:") and owner in pinned] or [
        owner for owner in d.owners if owner.startswith("target:") and owner in pinned
    ]
    whys = [pinned.get(owner) for owner in owners]
    return sorted({why for why in whys if why}) if whys and all(whys) else []


class Pins:
    """What already keeps actions local: their execution_requirements, or a .bazelrc line that matches
    their mnemonic. One helper's action (one key) may be pinned for one rule and not for another."""

    def __init__(self, coverage: RcCoverage) -> None:
        self.rc_lines = coverage

    def __bool__(self) -> bool:
        return True

    def of_action(self, action: Any) -> str | None:
        keys = sorted(action.execution_requirements & LOCAL_KEY_SET)
        if keys:
            return (
                f"execution_requirements {keys[0]!r} on ctx.actions.{action.kind} "
                f"({action.module.display_path}:{action.line + 1})"
            )
        if action.mnemonic_source != "dynamic":
            return self.rc_lines.get(action.effective_mnemonic)
        return None

    def of_target(self, tm: TargetModel) -> dict[str, str | None]:
        """The owner keys of the target's own actions (and of a genrule target itself), each with why it
        runs locally, or None if it does not."""
        pinned: dict[str, str] = {}
        unpinned: set[str] = set()
        for action in tm.implementation.actions if tm.implementation is not None else ():
            why = self.of_action(action)
            if why is None:
                unpinned.add(action.key)
            else:
                pinned.setdefault(action.key, why)
        genrule_line = self.rc_lines.get("Genrule") if tm.target.kind == "genrule" else None
        if genrule_line is not None:
            pinned[tm.target.key] = genrule_line
        return {key: None for key in unpinned} | {k: why for k, why in pinned.items() if k not in unpinned}


def build_inventory(
    model: WorkspaceModel, diagnostics: list[Diagnostic], bazel_version: str | None
) -> Inventory:
    by_owner = findings_by_owner(diagnostics)
    coverage = RcCoverage(model.rc)
    verdicts = Verdicts(by_owner, Pins(coverage), model)
    targets = [verdicts.of(tm) for tm in model.targets]
    hazards = action_hazards(model.all_actions(), coverage, diagnostics)
    return assemble(str(model.workspace.root), bazel_version, targets, hazards, diagnostics)


def findings_by_owner(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    by_owner: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in diagnostics:
        for owner in d.owners:
            by_owner[owner].append(d)
    for found in by_owner.values():
        found.sort(key=_sort_key)  # sorted already, as a rule: then this costs one pass
    return by_owner


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str, str, int, int, str, str]:
    return d.sort_key


def assemble(
    root: str,
    bazel_version: str | None,
    verdicts: list[TargetVerdict],
    hazards: ActionHazards,
    diagnostics: list[Diagnostic],
) -> Inventory:
    """The inventory from its parts (one process's, or the merged parts of several)."""
    verdicts = sorted(verdicts, key=lambda v: v.label)
    return _complete(
        Inventory(root, bazel_version, verdicts, worker_requirements=_worker_requirements(verdicts)),
        hazards,
        diagnostics,
    )


def _complete(inventory: Inventory, hazards: ActionHazards, diagnostics: list[Diagnostic]) -> Inventory:
    """The parts of an inventory that come from the whole workspace, not from its targets."""
    inventory.action_hazards = hazards
    inventory.bazelrc_suggestions = hazards.suggestions()
    inventory.fetch_hazards = fetch_hazards(diagnostics)
    inventory.rc_findings = rc_findings(diagnostics)
    return inventory


def fetch_hazards(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Findings of repository rules, which the inventory reports beside its targets."""
    return [d for d in diagnostics if d.rule == "repo-rule-ambient"]


def is_rc_finding(d: Diagnostic) -> bool:
    """A finding about a .bazelrc file (any `*bazelrc`); not the unused-suppression notes, which are
    about the scan's own comments and are not computed for an inventory."""
    return d.rule != "unused-suppression" and d.span.path.rsplit("/", 1)[-1].endswith("bazelrc")


def rc_findings(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Findings in .bazelrc files, which the inventory reports beside its targets."""
    return sorted((d for d in diagnostics if is_rc_finding(d)), key=_sort_key)


def inventory_findings(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The only findings an inventory reports besides its targets' reasons and caveats."""
    return [d for d in diagnostics if d.rule == "repo-rule-ambient" or is_rc_finding(d)]


def assemble_encoded(
    root: str,
    bazel_version: str | None,
    parts: list[EncodedVerdicts],
    hazards: ActionHazards,
    diagnostics: list[Diagnostic],
) -> Inventory:
    """`assemble` for verdicts that arrived as JSON entries: the same report, without the objects."""
    labels = [label for part in parts for label in part.labels]
    entries = [entry for part in parts for entry in part.entries]
    order = sorted(range(len(labels)), key=labels.__getitem__)  # stable, as `assemble`'s sort
    counts = _empty_summary()
    causes: dict[str, int] = defaultdict(int)
    tools: dict[str, set[str]] = defaultdict(set)
    for part in parts:
        for verdict, count in part.summary.items():
            counts[verdict] += count
        for cause, count in part.causes.items():
            causes[cause] += count
        for tool, needing in part.tools.items():
            tools[tool].update(needing)
    requirements = [(tool, sorted(needing)) for tool, needing in sorted(tools.items())]
    inventory = Inventory(
        root,
        bazel_version,
        [],
        worker_requirements=requirements,
        entries=[entries[i] for i in order],
        counts=counts,
        causes=dict(causes),
    )
    return _complete(inventory, hazards, diagnostics)


# Tags that waive some blocking rule (`RuleMeta.waived_by_tags`): a target carrying none of them
# splits its findings into reasons and caveats as every other target of its rule does.
_WAIVING_TAGS = frozenset(tag for module in RULE_MODULES for tag in module.META.waived_by_tags)


class Verdicts:
    """Verdicts of the targets of one model. Targets of one rule share its findings and its actions:
    the findings are split into reasons and caveats, and the actions turned into entries, once per rule."""

    def __init__(
        self,
        by_owner: dict[str, list[Diagnostic]],
        pins: Pins,
        model: WorkspaceModel,
        attach: bool = True,
    ) -> None:
        self.by_owner = by_owner
        self.pins = pins
        self.model = model
        self.attach = attach  # whether verdicts keep their target's model
        self.splits: dict[int, tuple[list[Diagnostic], tuple[list[Diagnostic], list[Diagnostic]]]] = {}
        self.action_entries: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
        self.guarded_actions: dict[int, tuple[Any, dict[str, list[Guards]]]] = {}

    def findings_of(self, inputs: VerdictInputs) -> tuple[list[Diagnostic], bool]:
        """The target's findings, sorted, and whether the list is one of `by_owner` (shared)."""
        own = self.by_owner.get(inputs.info.key, [])
        shared = self.by_owner.get(inputs.rule_key, []) if inputs.rule_key is not None else []
        skipped = inputs.skipped if shared else NOTHING_SKIPPED
        if skipped:
            shared = [d for d in shared if not _only_in(d, skipped)]
        if not (own and shared):
            return own or shared, not (skipped and shared)
        seen = {id(d) for d in own}
        return sorted(own + [d for d in shared if id(d) not in seen], key=_sort_key), False

    def skipped_actions(self, tm: TargetModel) -> frozenset[str]:
        """Keys of the rule's actions that this target's attributes keep from running: every call of
        the action sits under a condition (`if ctx.attr.push:`) that the target's value contradicts."""
        implementation = tm.implementation
        if implementation is None:
            return NOTHING_SKIPPED
        cached = self.guarded_actions.get(id(implementation))
        if cached is None:
            calls: dict[str, list[Guards]] = defaultdict(list)
            for action in implementation.actions:
                calls[action.key].append(action.guards)
            cached = self.guarded_actions[id(implementation)] = (
                implementation,
                {k: g for k, g in calls.items() if all(g)},
            )
        guarded = cached[1]
        if not guarded:
            return NOTHING_SKIPPED
        truth: dict[str, bool | None] = {}
        for guards in guarded.values():
            for name, _ in (g for alternative in guards for g in alternative):
                if name not in truth:
                    truth[name] = attribute_truth(tm, name)
        return frozenset(
            key
            for key, alternatives in guarded.items()
            if all(any(truth[name] is (not wanted) for name, wanted in guards) for guards in alternatives)
        )

    def split(
        self, findings: list[Diagnostic], shared: bool, tags: list[str]
    ) -> tuple[list[Diagnostic], list[Diagnostic]]:
        """(reasons, caveats), in the order of `findings`."""
        if not findings:
            return [], []
        reusable = shared and _WAIVING_TAGS.isdisjoint(tags)
        cached = self.splits.get(id(findings)) if reusable else None
        if cached is not None:
            return list(cached[1][0]), list(cached[1][1])
        reasons: list[Diagnostic] = []
        caveats: list[Diagnostic] = []
        for d in findings:
            (reasons if is_blocking(d, tags) else caveats).append(d)
        if reusable:
            self.splits[id(findings)] = (
                findings,
                (reasons, caveats),
            )  # the list is kept: its id stays its own
            return list(reasons), list(caveats)
        return reasons, caveats

    def actions(self, implementation: Any) -> list[dict[str, Any]]:
        cached = self.action_entries.get(id(implementation))
        if cached is None:
            cached = self.action_entries[id(implementation)] = (
                implementation,
                _implementation_actions(implementation),
            )
        return cached[1]

    def of(self, tm: TargetModel) -> TargetVerdict:
        return self.decide(self.prepare(tm))

    def prepare(self, tm: TargetModel) -> VerdictInputs:
        """What the verdict of `tm` needs from its model: all of it but the findings."""
        target = tm.target
        unknown: list[str] = list(tm.unresolved)
        provenance = "source"
        actions: list[dict[str, Any]] = []
        if tm.implementation is not None:
            unknown += tm.implementation.unresolved
            actions += self.actions(tm.implementation)
        if tm.rule is None:
            provenance = _rule_call_actions(self.model, tm, actions, unknown)
        if target.is_test:
            actions.append(_call_action("test", "TestRunner", target))
        tags = target.tags
        already = (
            not LOCAL_KEY_SET.isdisjoint(tags)
            or (target.is_test and not LOCAL_TEST_TAGS.isdisjoint(tags))
            or ((target.kind == "genrule" or target.is_test) and target.bool_attr("local"))
        )
        return VerdictInputs(
            TargetInfo.of(tm),
            tm if self.attach else None,
            list(tags),
            tm.rule.key if tm.rule is not None else None,
            self.skipped_actions(tm),
            unknown,
            actions,
            provenance,
            already,
            {} if already else self.pins.of_target(tm),
        )

    def decide(self, inputs: VerdictInputs) -> TargetVerdict:
        info, tags = inputs.info, inputs.tags
        reasons, caveats = self.split(*self.findings_of(inputs), tags)
        already = inputs.already
        kept_local: list[str] = []
        if not already:
            pinned = inputs.pinned
            if reasons:
                whys = [kept_local_by(d, pinned) for d in reasons] if any(pinned.values()) else [[]]
            else:  # nothing found, but every action of the target already runs locally
                whys = [[why] if why else [] for why in pinned.values()] if pinned else [[]]
            if all(whys):
                already = True
                kept_local = sorted({why for found in whys for why in found if why})
        if reasons or already:
            verdict = "no-remote-exec"
        elif inputs.unknown:
            verdict = "unknown"
        else:
            verdict = "remote-ok"
        suggested: list[str] = []
        if verdict == "no-remote-exec" and not already:
            suggested = ["no-remote-exec"]
            if info.is_test:
                for d in reasons:
                    meta = rule_meta(d.rule)
                    suggested += [
                        t for t in (meta.test_tags if meta else ()) if t not in suggested and t not in tags
                    ]
        return TargetVerdict(
            info,
            inputs.model,
            verdict,
            reasons,
            caveats,
            inputs.unknown,
            already,
            suggested,
            inputs.actions,
            inputs.provenance,
            kept_local=kept_local,
        )


NOTHING_SKIPPED: frozenset[str] = frozenset()


@dataclass(slots=True)
class VerdictInputs:
    """A target's part of its verdict, taken from its model: a scan that releases the targets of each
    package once its rules ran (engine.StreamedAnalysis) keeps these, and decides the verdicts when
    every finding is known."""

    info: TargetInfo
    model: TargetModel | None
    tags: list[str]
    rule_key: str | None
    skipped: frozenset[str]  # keys of the rule's actions that the target's attributes keep from running
    unknown: list[str]
    actions: list[dict[str, Any]]
    provenance: str
    already: bool  # tagged, or `local = True`
    pinned: dict[str, str | None]  # Pins.of_target, when not `already`


def _only_in(d: Diagnostic, actions: set[str]) -> bool:
    """Whether a finding belongs to actions and to none but these."""
    owners = [owner for owner in d.owners if owner.startswith("action:")]
    return bool(owners) and all(owner in actions for owner in owners)


_LITERALS = {"true": True, "false": False, "none": False}


def attribute_truth(tm: TargetModel, name: str) -> bool | None:
    """Whether the target's attribute `name` is truthy, when its rule call or the attribute's default
    says so; None when the model cannot tell (a select(), a macro's variable, a **splat)."""
    call = tm.target.call
    entry = call.kwargs.get(name)
    if entry is not None:
        node, value = entry
        if value is NOT_EVALUATED:  # an attribute the model does not read: a literal's syntax decides
            written = node.child_by_field_name("value")
            if written is not None and written.type in _LITERALS:
                return _LITERALS[written.type]
            if written is not None and written.type == "integer":
                return call.module.text(written) not in ("0", "0x0", "0o0")
            return None
        return _truthy(value)
    if call.open_kwargs or tm.rule is None:
        return None
    decl = tm.rule.attrs.get(name)
    if decl is None:
        return None
    # https://bazel.build/rules/lib/toplevel/attr: every kind's default default is falsy (False, 0, "",
    # None, empty list or dict).
    return False if decl.default is None else _truthy(decl.default)


def _truthy(value: Any) -> bool | None:
    if isinstance(value, ListV):
        return bool(value.items) or None  # an empty list may still grow by a select()
    return known_truth(value)


def _rule_call_actions(
    model: WorkspaceModel, tm: TargetModel, actions: list[dict[str, Any]], unknown: list[str]
) -> str:
    """For a target whose rule is not a Starlark rule of the model: the actions known of its rule
    (added to `actions`), why it cannot be known (added to `unknown`), and the verdict's provenance."""
    target = tm.target
    callee = target.callee
    if isinstance(callee, UnresolvedSymbol):
        found = model.known_rule(callee)
        made_by = f" (made by {callee.symbol})" if "." in callee.symbol else ""
        missing = f"rule {target.kind}{made_by} comes from {callee.label}, which is not available"
        if found is None:
            manager = package_manager(repository_of(callee.label))
            unknown.append(missing + (f" (a package-manager repository: {manager})" if manager else ""))
            return "unresolved"
        ruleset, known = found
        if known is None:
            unknown.append(f"{missing}, and the knowledge of {ruleset} does not cover it")
            return "unresolved"
        actions += [_known_action(m) for m in known.mnemonics]
        for hazard in known.hazards_when("build"):
            if hazard_holds(tm, hazard) is None:
                unknown.append(
                    f"{known.name} (@{ruleset}) {hazard.why} when {hazard.attr} is one of "
                    f"{', '.join(hazard.values)}; its value here is not a literal"
                )
        return "knowledge"
    if target.kind == "genrule":
        actions.append(_call_action("genrule", "Genrule", target))
    elif target.kind in ACTIONLESS_NATIVE or target.kind in ("sh_test", "sh_binary"):
        pass
    elif target.kind in TOOLCHAIN_NATIVE:
        return "knowledge"
    else:
        unknown.append(f"rule {target.kind} is not defined or loaded")
        return "unresolved"
    return "source"


def _implementation_actions(implementation: Any) -> list[dict[str, Any]]:
    entries = []
    seen: set[tuple[str, str | None]] = set()
    for action in implementation.actions:
        identity = (action.key, action.mnemonic)  # a loop body analyzed once per item
        if identity not in seen:
            seen.add(identity)
            entries.append(_action_entry(action))
    return entries


def _call_action(kind: str, mnemonic: str, target: Any) -> dict[str, Any]:
    """The action Bazel registers for the rule call itself (a genrule's command, a test's run)."""
    module = target.call_module  # the BUILD file, or the .bzl of the macro that made the target
    return {
        "kind": kind,
        "mnemonic": mnemonic,
        "mnemonic_source": "literal",
        # Bazel runs a genrule's command with the default shell environment (the client's PATH, or the
        # fixed one of --incompatible_strict_action_env): Bazel 4.2.3's aquery shows PATH in every
        # Genrule action (tests/test_bazel_oracle.py). A test's environment is Bazel's own.
        "use_default_shell_env": True if kind == "genrule" else None,
        "path": module.display_path,
        "line": module.source.line_of(target.call.node.start_byte) + 1,
    }


def _action_entry(action: Any) -> dict[str, Any]:
    env = {"true": True, "false": False, "absent": False}.get(action.shell_env)
    return {
        "kind": action.kind,
        "mnemonic": action.effective_mnemonic if action.mnemonic_source != "dynamic" else None,
        "mnemonic_source": action.mnemonic_source,
        "use_default_shell_env": env,
        "path": action.module.display_path,
        "line": action.line + 1,
    }


def _known_action(mnemonic: str) -> dict[str, Any]:
    return {
        "kind": "known",
        "mnemonic": mnemonic,
        "mnemonic_source": "literal",
        "use_default_shell_env": None,
        "path": None,
        "line": None,
    }


@dataclass
class ActionHazards:
    """Per literal mnemonic, each action's key and whether a blocking finding sits in it; the
    mnemonics an rc line already keeps local. Unions of these are exact, so shards merge them."""

    by_mnemonic: dict[str, dict[str, bool]]
    covered: set[str]

    def merge(self, other: ActionHazards) -> None:
        for mnemonic, actions in other.by_mnemonic.items():
            self.by_mnemonic.setdefault(mnemonic, {}).update(actions)
        self.covered |= other.covered

    def suggestions(self) -> list[str]:
        """`--modify_execution_info` lines for mnemonics whose every action is hazardous.

        Bazel matches the regex against the whole mnemonic (ExecutionInfoModifier uses
        Matcher.matches()), hence the anchors are for readers, not for Bazel.
        https://bazel.build/reference/command-line-reference#flag--modify_execution_info
        """
        return [
            f"build --modify_execution_info=^{mnemonic}$=+no-remote-exec"
            for mnemonic, actions in sorted(self.by_mnemonic.items())
            if actions and all(actions.values()) and mnemonic != "TestRunner" and mnemonic not in self.covered
        ]


def action_hazards(
    actions: list[ActionModel] | list[ActionSummary], coverage: RcCoverage, diagnostics: list[Diagnostic]
) -> ActionHazards:
    """The action hazards of `actions` (every action of a model, or their summaries)."""
    hazardous = {
        owner for d in diagnostics if is_blocking(d) for owner in d.owners if owner.startswith("action:")
    }
    hazardous -= {a.key for a in actions if a.execution_requirements & LOCAL_KEY_SET}
    by_mnemonic: dict[str, dict[str, bool]] = defaultdict(dict)
    for action in actions:
        if action.mnemonic_source != "literal" or action.mnemonic is None:
            continue
        by_mnemonic[action.mnemonic].setdefault(action.key, action.key in hazardous)
    names = {a.effective_mnemonic for a in actions if a.mnemonic_source != "dynamic"} | {"Genrule"}
    return ActionHazards(dict(by_mnemonic), set(coverage.covered(names)))


@dataclass(frozen=True, slots=True)
class ActionSummary:
    """What the inventory and the workspace facts read of an action, kept when its model is released."""

    key: str
    kind: str
    mnemonic: str | None
    mnemonic_source: str
    effective_mnemonic: str
    execution_requirements: frozenset[str]

    @staticmethod
    def of(action: ActionModel) -> ActionSummary:
        return ActionSummary(
            action.key,
            action.kind,
            action.mnemonic,
            action.mnemonic_source,
            action.effective_mnemonic,
            frozenset(action.execution_requirements) & LOCAL_KEY_SET,
        )


class RcCoverage:
    """Which mnemonics an existing rc line already keeps off remote executors, each with that line
    (the first line that does, in the order Bazel reads them).

    Only lines that hold when remote execution is on count: unconditional ones, and those of the
    config that turns it on (one that sets --remote_executor, or is named like one: `build:rbe`). A
    `build:ci --genrule_strategy=standalone` keeps genrules local only under --config=ci, which a
    remote build need not use. Asked mnemonic by mnemonic: a scan that goes package by package does not
    know every mnemonic of the workspace when it asks."""

    def __init__(self, rc: RcFiles) -> None:
        remote_configs = {o.config for o in rc.options if o.name == "--remote_executor" and o.config}
        self.lines: list[tuple[RcOption, str]] = []
        for option in rc.options:
            config = option.config
            if config is not None and config not in remote_configs and not _remote_named(config):
                continue
            command = option.command + (f":{option.config}" if option.config else "")
            why = f"{option.source.path}:{option.span.start_line + 1}: {command} {option.text}"
            self.lines.append((option, why))
        self.found: dict[str, str | None] = {}

    def get(self, mnemonic: str) -> str | None:
        if mnemonic not in self.found:
            self.found[mnemonic] = next(
                (why for option, why in self.lines if _covers(option, mnemonic)), None
            )
        return self.found[mnemonic]

    def covered(self, mnemonics: Iterable[str]) -> dict[str, str]:
        return {name: why for name in mnemonics if (why := self.get(name)) is not None}


def _covers(option: RcOption, mnemonic: str) -> bool:
    value = option.value or ""
    if option.name == "--modify_execution_info":
        for expression in value.split(","):
            regex, _, key = expression.rpartition("=")
            if key.lstrip("+") in LOCAL_KEY_SET and not key.startswith("-"):
                try:
                    if re.fullmatch(regex, mnemonic):
                        return True
                except re.error:
                    continue
        return False
    if option.name == "--strategy" and "=" in value:
        named, _, strategies = value.partition("=")
        return named == mnemonic and set(strategies.split(",")) <= LOCAL_STRATEGIES
    if option.name == "--genrule_strategy":
        return mnemonic == "Genrule" and set(value.split(",")) <= LOCAL_STRATEGIES
    return False


# Names teams give the config that turns remote execution on (`--config=rbe`, `remote`, a vendor's);
# a remote *cache* config (`remote-cache`) sends no action anywhere.
_REMOTE_CONFIG_NAME = re.compile(
    r"rbe|remote|buildbuddy|engflow|nativelink|buildbarn|buildfarm", re.IGNORECASE
)


def _remote_named(config: str) -> bool:
    return _REMOTE_CONFIG_NAME.search(config) is not None and "cache" not in config.lower()


# Spawn strategies that never leave the machine (https://bazel.build/docs/user-manual#strategy);
# `remote` and `dynamic` may run the action on a remote executor.
LOCAL_STRATEGIES = frozenset(
    {
        "local",
        "standalone",
        "sandboxed",
        "linux-sandbox",
        "darwin-sandbox",
        "processwrapper-sandbox",
        "windows-sandbox",
        "worker",
        "docker",
    }
)


def _worker_requirements(verdicts: list[TargetVerdict]) -> list[tuple[str, list[str]]]:
    """What the worker image must provide: each ambient tool, and `network`, with the targets needing it."""
    tools: dict[str, set[str]] = defaultdict(set)
    for verdict in verdicts:
        for findings in (verdict.reasons, verdict.caveats):
            for d in findings:
                if d.rule in _WORKER_RULES and d.subject and d.severity is not Severity.INFO:
                    tools[d.subject.rsplit("/", 1)[-1] if d.rule == "ambient-tool" else d.subject].add(
                        verdict.info.text
                    )
    return [(tool, sorted(labels)) for tool, labels in sorted(tools.items())]


_WORKER_RULES = frozenset({"ambient-tool", "network-access", "python-bootstrap"})
