"""Bazel's own action graph (`bazel aquery`) as ground truth, joined with the static model.

`target_facts()` turns the graph (`hermetic_scan.bazel.aquery`) into per-target facts (mnemonics,
whether `PATH` is in an action's environment, executionInfo keys) and analyzes the shell Bazel will
run (`bash -c` arguments, scripts the target writes, `sh_test` sources) for ambient tools,
BUILD_WORKSPACE_DIRECTORY reads and network commands. `join()` compares them with a scan's static
model: targets the static inventory calls `unknown` get an aquery-based verdict
(`provenance: "aquery"`), and every difference between the model and Bazel is listed in
`model_disagreements`. Bazel's answer wins. `render_json()` is the JSON shape of the join. See
docs/aquery.md.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hermetic_scan import shell
from hermetic_scan.bazel.aquery import (
    IGNORED_MNEMONICS,
    Action,
    ActionGraph,
    AqueryError,
    decode_proto,
    load,
    load_file,
)
from hermetic_scan.local_keys import LOCAL_KEYS
from hermetic_scan.model.actions import script_language
from hermetic_scan.profile import ExecutorProfile
from hermetic_scan.rules.ambient_tool import classify
from hermetic_scan.rules.network_access import fetches

GENRULE_SETUP = re.compile(r"^\s*source\s+\S*genrule-setup\.sh\s*;\s*")

# --------------------------------------------------------------------------------------------
# Facts per target


@dataclass(frozen=True)
class Finding:
    rule: str  # "ambient-tool" | "workspace-dir" | "network-access"
    mnemonic: str
    subject: str
    message: str
    blocking: bool


@dataclass
class ActionFacts:
    action: Action
    findings: list[Finding] = field(default_factory=list)
    opaque: str | None = None  # why what the action runs could not be seen

    @property
    def local(self) -> bool:
        return any(k in self.action.execution_keys for k in LOCAL_KEYS)


@dataclass
class TargetFacts:
    label: str
    rule_class: str | None
    actions: list[ActionFacts]  # every action, internal ones included

    @property
    def relevant(self) -> list[ActionFacts]:
        return [a for a in self.actions if not a.action.internal]

    @property
    def mnemonics(self) -> frozenset[str]:
        return frozenset(a.action.mnemonic for a in self.relevant)

    @property
    def internal_mnemonics(self) -> frozenset[str]:
        return frozenset(a.action.mnemonic for a in self.actions if a.action.internal)

    @property
    def default_shell_env(self) -> bool:
        return any(a.action.default_shell_env for a in self.relevant)

    @property
    def execution_keys(self) -> frozenset[str]:
        return frozenset(k for a in self.relevant for k in a.action.execution_keys)

    @property
    def findings(self) -> list[Finding]:
        return [f for a in self.relevant for f in a.findings]

    def verdict(self) -> tuple[str, bool, list[Finding], list[str]]:
        """(verdict, already_tagged, blocking findings, unknown reasons) from Bazel's actions alone."""
        relevant = self.relevant
        if relevant and all(a.local for a in relevant):
            return "no-remote-exec", True, [f for a in relevant for f in a.findings if f.blocking], []
        reasons = [f for a in relevant if not a.local for f in a.findings if f.blocking]
        unknown = [f"{a.action.mnemonic}: {a.opaque}" for a in relevant if not a.local and a.opaque]
        if reasons:
            return "no-remote-exec", False, reasons, unknown
        if unknown:
            return "unknown", False, [], unknown
        return "remote-ok", False, [], []


def target_facts(
    graph: ActionGraph,
    profile: ExecutorProfile | None = None,
    root: Path | None = None,
    tags: Mapping[str, Iterable[str]] | None = None,
    only: Iterable[str] | None = None,
) -> dict[str, TargetFacts]:
    """Per target label: Bazel's actions and what their shell does.

    `root` (the workspace) lets a test's script be read when Bazel runs a source file (sh_test);
    `tags` (label -> tags) waives network findings of targets tagged `requires-network`;
    `only` restricts the analysis to these labels (and those of the main repository).
    """
    profile = profile or ExecutorProfile()
    tags = tags or {}
    wanted = set(only) if only is not None else None
    out: dict[str, TargetFacts] = {}
    for label, actions in graph.by_label().items():
        if wanted is not None and label not in wanted and not label.startswith("//"):
            continue
        producers = {path: action for action in actions for path in action.outputs}
        facts = TargetFacts(label, actions[0].rule_class, [])
        target_tags = set(tags.get(label, ()))
        for action in actions:
            af = ActionFacts(action)
            if not action.internal:
                _analyze_action(af, graph, producers, profile, root, target_tags)
            facts.actions.append(af)
        out[label] = facts
    return out


def _analyze_action(
    af: ActionFacts,
    graph: ActionGraph,
    producers: dict[str, Action],
    profile: ExecutorProfile,
    root: Path | None,
    tags: set[str],
) -> None:
    action = af.action
    args = action.arguments
    waived = "requires-network" in tags or "requires-network" in action.execution_keys
    for key, value in action.env:
        if (
            shell.is_workspace_variable(key)
            or "BUILD_WORKSPACE_DIRECTORY" in value
            or "BUILD_WORKING_DIRECTORY" in value
        ):
            af.findings.append(
                Finding(
                    "workspace-dir",
                    action.mnemonic,
                    key,
                    f"env {key}={value} refers to the workspace directory",
                    True,
                )
            )
    if action.mnemonic == "TestRunner":
        script = _test_script(action, graph, producers, root)
        if isinstance(script, str):
            _analyze_shell(af, script, profile, "test", waived)
        else:
            af.opaque = script[1] if script else "the test's executable is not in the aquery output"
        return
    command = action.shell_command()
    if command is not None:
        _analyze_shell(af, GENRULE_SETUP.sub("", command, count=1), profile, "action", waived)
        return
    if not args:
        af.opaque = "no command line in the aquery output (run aquery with --include_commandline)"
        return
    program = args[0]
    kind = _classify(program, profile)
    if kind in ("path", "host-path"):
        where = "a path on the host machine" if kind == "host-path" else "a program from the host PATH"
        af.findings.append(
            Finding("ambient-tool", action.mnemonic, program, f"executable `{program}` is {where}", True)
        )
        return
    writer = producers.get(program)
    if writer is not None and writer.mnemonic in ("FileWrite", "TemplateExpand"):
        text = _written_text(writer)
        if text is None:
            af.opaque = (
                f"runs {program}, which {writer.mnemonic} writes; its content is not in the aquery output "
                "(newer Bazel: --include_file_write_contents)"
            )
            return
        if script_language(text, program) == "shell":
            _analyze_shell(af, text, profile, "action", waived)


def _written_text(writer: Action) -> str | None:
    if writer.mnemonic == "FileWrite":
        return writer.file_contents
    if writer.template_content is None:
        return None
    text = writer.template_content
    for key, value in writer.substitutions:
        text = text.replace(key, value)
    return text


def _test_script(
    action: Action, graph: ActionGraph, producers: dict[str, Action], root: Path | None
) -> str | tuple[None, str] | None:
    """The text of the script a TestRunner action runs, or (None, why not)."""
    args = [a for a in action.arguments if not a.endswith(("test-setup.sh", "collect_coverage.sh"))]
    candidates = [a for a in args if not a.startswith("-")][:1]
    if not candidates:
        return None
    short = candidates[0]
    path = next((p for p in producers if p == short or p.endswith("/bin/" + short)), None)
    seen: set[str] = set()
    while path is not None and path not in seen:
        seen.add(path)
        writer = producers.get(path)
        if writer is None:
            break
        if writer.mnemonic in ("FileWrite", "TemplateExpand"):
            text = _written_text(writer)
            if text is None:
                return None, (
                    f"the test runs {path}, which {writer.mnemonic} writes; its content is not in the aquery "
                    "output (newer Bazel: --include_file_write_contents)"
                )
            return text
        if writer.mnemonic in ("ExecutableSymlink", "Symlink"):
            inputs = [p for p in graph.inputs(writer) if not p.endswith("MANIFEST")]
            path = inputs[0] if len(inputs) == 1 else None
            continue
        return None, f"the test runs {path}, which a {writer.mnemonic} action produces"
    if path is None:
        return None, f"the test's executable {short} is not produced by an action of this target"
    unreadable = (None, f"the test runs {path}, which hermetic-scan cannot read")
    if path.startswith(("bazel-out/", "external/", "/")) or root is None:
        return unreadable
    try:
        source = (root / path).resolve()
        if not source.is_relative_to(root.resolve()):
            return unreadable
        return source.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return unreadable


def _classify(name: str, profile: ExecutorProfile) -> str | None:
    return classify(name, SimpleNamespace(profile=profile))  # type: ignore[arg-type]


def _analyze_shell(af: ActionFacts, text: str, profile: ExecutorProfile, context: str, waived: bool) -> None:
    if script_language(text) != "shell":
        return
    facts = shell.analyze(text)
    mnemonic = af.action.mnemonic
    where = "this test" if context == "test" else "this action"
    for command in facts.commands:
        if command.dynamic or command.name in facts.functions:
            continue
        kind = _classify(command.name, profile)
        if kind in ("path", "host-path"):
            uncertain = kind == "path" and facts.sources_unknown
            what = "a path on the host machine" if kind == "host-path" else "not a declared input"
            message = f"`{command.name}` is {what}: {where} takes it from the host"
            if command.kind == "probe":
                message = f"probes the host PATH for `{command.name}`"
            af.findings.append(Finding("ambient-tool", mnemonic, command.name, message, not uncertain))
        if command.kind == "run" and fetches(command):
            af.findings.append(
                Finding(
                    "network-access",
                    mnemonic,
                    command.name.rsplit("/", 1)[-1],
                    f"`{command.name.rsplit('/', 1)[-1]}` reaches the network while {where} runs",
                    not waived,
                )
            )
    for read in facts.reads:
        if shell.is_workspace_variable(read.name):
            af.findings.append(
                Finding(
                    "workspace-dir",
                    mnemonic,
                    read.name,
                    f"reads ${read.name}, which only `bazel run` sets",
                    True,
                )
            )


# --------------------------------------------------------------------------------------------
# The static side of a target, in the terms aquery can confirm


@dataclass(frozen=True)
class StaticAction:
    kind: str  # "run" | "run_shell" | "genrule" | "test" | "known"
    mnemonic: str | None  # None: computed, the model cannot tell
    shell_env: bool | None  # None: the model cannot tell (or makes no claim)
    requirements: frozenset[str] | None  # None: no claim
    env_keys: frozenset[str] = frozenset()
    where: str | None = None  # path:line of the action in the sources


@dataclass
class StaticTarget:
    label: str
    kind: str
    verdict: str
    provenance: str
    tags: tuple[str, ...]
    actions: list[StaticAction]
    may_add: frozenset[str]  # execution-info keys Bazel may add from tags or the target's kind
    complete: bool  # False when the model could not follow the whole implementation

    @property
    def mnemonics(self) -> frozenset[str]:
        return frozenset(a.mnemonic for a in self.actions if a.mnemonic is not None)

    @property
    def dynamic_mnemonics(self) -> int:
        return sum(1 for a in self.actions if a.mnemonic is None)


def legal_execution_key(tag: str) -> bool:
    """Tags Bazel copies into execution info (TargetUtils.legalExecInfoKeys)."""
    return tag.startswith(
        ("block-", "requires-", "no-", "supports-", "disable-", "cpu:", "resources:")
    ) or tag in ("local", "worker-key-mnemonic")


def static_targets(result: Any) -> dict[str, StaticTarget]:
    """The static model's claims per target label (from `runner.scan`'s result)."""
    out: dict[str, StaticTarget] = {}
    for verdict in result.inventory.targets:
        tm = verdict.attached
        target = tm.target
        tags = tuple(target.tags)
        legal = frozenset(t for t in tags if legal_execution_key(t))
        actions: list[StaticAction] = []
        seen: set[tuple[Any, ...]] = set()
        if tm.implementation is not None:
            for a in list(tm.implementation.actions) + list(tm.actions):
                mnemonic = a.effective_mnemonic if a.mnemonic_source != "dynamic" else None
                shell_env = {"true": True, "false": False, "absent": False}.get(a.shell_env)
                env_keys = (
                    frozenset(k.text.text for k, *_ in a.env.items if hasattr(k, "text"))
                    if a.env is not None
                    else frozenset()
                )
                where = f"{a.module.display_path}:{a.line + 1}"
                key = (a.key, mnemonic, shell_env, a.execution_requirements)
                if key in seen:
                    continue
                seen.add(key)
                actions.append(
                    StaticAction(
                        a.kind, mnemonic, shell_env, frozenset(a.execution_requirements), env_keys, where
                    )
                )
        for entry in verdict.actions:
            if entry["kind"] == "genrule":
                requirements = legal | ({"local"} if target.bool_attr("local") else set())
                actions.append(
                    StaticAction(
                        "genrule",
                        "Genrule",
                        True,
                        frozenset(requirements),
                        frozenset(),
                        f"{entry['path']}:{entry['line']}",
                    )
                )
            elif entry["kind"] == "test":
                requirements = set(legal) | ({"local"} if target.bool_attr("local") else set())
                actions.append(
                    StaticAction(
                        "test",
                        "TestRunner",
                        None,
                        frozenset(requirements),
                        frozenset(),
                        f"{entry['path']}:{entry['line']}",
                    )
                )
            elif entry["kind"] == "known":
                actions.append(StaticAction("known", entry["mnemonic"], None, None))
        may_add = set(legal)  # tags propagate to Starlark actions with --incompatible_allow_tags_propagation
        if target.is_test and "exclusive" in tags:
            may_add.add(
                "local"
            )  # exclusive tests run locally (without --incompatible_exclusive_test_sandboxed)
        complete = verdict.provenance in ("source",) and not verdict.unknown_because
        out[verdict.label] = StaticTarget(
            verdict.label,
            target.kind,
            verdict.verdict,
            verdict.provenance,
            tags,
            actions,
            frozenset(may_add),
            complete,
        )
    return out


def rc_execution_keys(result: Any) -> dict[str, set[str]]:
    """`--modify_execution_info` of the workspace's .bazelrc: regex -> keys it adds (applied per mnemonic)."""
    out: dict[str, set[str]] = defaultdict(set)
    for option in getattr(result.require_model().rc, "options", []):
        if option.name != "--modify_execution_info" or not option.value:
            continue
        for expression in option.value.split(","):
            regex, _, key = expression.rpartition("=")
            if key.startswith("+") or (key and not key.startswith("-")):
                out[regex].add(key.lstrip("+"))
    return out


# --------------------------------------------------------------------------------------------
# The join


@dataclass(frozen=True)
class Disagreement:
    label: str
    aspect: str  # "mnemonics" | "default_shell_env" | "execution_requirements"
    kind: str  # "contradiction": the model said something else; "undetermined": the model could not tell
    static: Any
    aquery: Any
    detail: str
    mnemonic: str | None = None


@dataclass
class JoinedTarget:
    label: str
    kind: str | None
    static_verdict: str | None  # None: not in the static model
    aquery_verdict: str | None  # None: no actions in the aquery output
    verdict: str
    provenance: str
    already_tagged: bool = False
    reasons: list[Finding] = field(default_factory=list)
    unknown_because: list[str] = field(default_factory=list)
    facts: TargetFacts | None = None
    static: StaticTarget | None = None


@dataclass
class AqueryJoin:
    targets: list[JoinedTarget]
    model_disagreements: list[Disagreement]
    not_in_aquery: list[str]  # static targets without actions in the aquery output
    only_in_aquery: list[str]  # main-repository labels with actions that the static model does not have
    graph: ActionGraph

    def target(self, label: str) -> JoinedTarget | None:
        return next((t for t in self.targets if t.label == label), None)

    def summary(self) -> dict[str, int]:
        out = {"remote-ok": 0, "no-remote-exec": 0, "unknown": 0}
        for t in self.targets:
            out[t.verdict] += 1
        return out


def compare(
    static: StaticTarget, facts: TargetFacts | None, rc_keys: Mapping[str, set[str]] | None = None
) -> list[Disagreement]:
    """Where the static model's claims about one target differ from Bazel's actions (None: no actions)."""
    label = static.label
    out: list[Disagreement] = []
    relevant = facts.relevant if facts is not None else []
    bazel = frozenset(a.action.mnemonic for a in relevant)
    known = static.mnemonics
    dynamic = static.dynamic_mnemonics
    if static.provenance != "knowledge":  # the knowledge table's mnemonics are descriptive only
        missing = sorted(known - bazel)
        extra = sorted(bazel - known)
        if missing:
            out.append(
                Disagreement(
                    label,
                    "mnemonics",
                    "contradiction",
                    sorted(known),
                    sorted(bazel),
                    f"the model predicts {', '.join(missing)}, which Bazel does not register for this target",
                )
            )
        if extra and (dynamic == 0 and static.complete):
            out.append(
                Disagreement(
                    label,
                    "mnemonics",
                    "contradiction",
                    sorted(known),
                    sorted(bazel),
                    f"Bazel registers {', '.join(extra)}, which the model does not predict",
                )
            )
        elif extra:
            out.append(
                Disagreement(
                    label,
                    "mnemonics",
                    "undetermined",
                    sorted(known) + ["?"] * dynamic,
                    sorted(bazel),
                    f"the model could not compute {dynamic or 'some'} mnemonic(s); Bazel registers {', '.join(extra)}",
                )
            )
    by_mnemonic: dict[str, list[Action]] = defaultdict(list)
    for a in relevant:
        by_mnemonic[a.action.mnemonic].append(a.action)
    static_by: dict[str, list[StaticAction]] = defaultdict(list)
    for s in static.actions:
        if s.mnemonic is not None:
            static_by[s.mnemonic].append(s)
    for mnemonic in sorted(set(static_by) & set(by_mnemonic)):
        stat = static_by[mnemonic]
        acts = by_mnemonic[mnemonic]
        # use_default_shell_env: PATH in the env (strict action env), unless the action sets PATH itself.
        claims = [s for s in stat if s.shell_env is not None]
        bazel_env = sorted({a.default_shell_env for a in acts})
        sets_path = any("PATH" in s.env_keys for s in stat)
        if claims and not sets_path:
            claimed = {s.shell_env for s in claims}
            undetermined = len(claims) < len(stat)
            if (not undetermined and claimed != set(bazel_env)) or (
                undetermined and not claimed <= set(bazel_env)
            ):
                out.append(
                    Disagreement(
                        label,
                        "default_shell_env",
                        "contradiction",
                        sorted(claimed),
                        bazel_env,
                        f"{mnemonic}: the model says use_default_shell_env={_show(claimed)}, "
                        f"Bazel's action {'has' if True in bazel_env else 'has no'} PATH",
                        mnemonic,
                    )
                )
            elif undetermined and claimed != set(bazel_env):
                out.append(
                    Disagreement(
                        label,
                        "default_shell_env",
                        "undetermined",
                        sorted(claimed) + [None],
                        bazel_env,
                        f"{mnemonic}: the model could not tell use_default_shell_env for some actions",
                        mnemonic,
                    )
                )
        elif not claims and stat[0].kind in ("run", "run_shell") and not sets_path:
            out.append(
                Disagreement(
                    label,
                    "default_shell_env",
                    "undetermined",
                    None,
                    bazel_env,
                    f"{mnemonic}: the model could not tell use_default_shell_env; Bazel: "
                    f"{'PATH present' if True in bazel_env else 'no PATH'}",
                    mnemonic,
                )
            )
        # execution requirements
        req_claims = [s.requirements for s in stat if s.requirements is not None]
        if req_claims:
            predicted = frozenset().union(*req_claims)
            actual = frozenset(k for a in acts for k in a.execution_keys)
            allowed = set(static.may_add)
            for regex, keys in (rc_keys or {}).items():
                try:
                    if re.fullmatch(regex, mnemonic):
                        allowed |= keys
                except re.error:
                    continue
            lacking = sorted(predicted - actual)
            added = sorted(actual - predicted - allowed)
            if lacking or added:
                parts = []
                if lacking:
                    parts.append(f"the model predicts {', '.join(lacking)}, which Bazel's action lacks")
                if added:
                    parts.append(f"Bazel's action has {', '.join(added)}, which the model does not predict")
                out.append(
                    Disagreement(
                        label,
                        "execution_requirements",
                        "contradiction",
                        sorted(predicted),
                        sorted(actual),
                        f"{mnemonic}: " + "; ".join(parts),
                        mnemonic,
                    )
                )
    return out


def _show(values: set[bool | None]) -> str:
    return " or ".join(sorted(str(v) for v in values))


def join(
    result: Any,
    aquery_doc: Mapping[str, Any] | ActionGraph | bytes | str,
    profile: ExecutorProfile | None = None,
) -> AqueryJoin:
    """Join a scan (`runner.scan(...)`) with aquery output. Bazel's answer wins.

    Targets whose static verdict is `unknown` and that have actions in the aquery output get the
    aquery-based verdict, with provenance "aquery". Other verdicts stay as the static inventory has
    them (they include suppressions, the configuration and findings aquery cannot see, such as
    scripts Bazel 4.x does not print); each target's `aquery_verdict` is there for comparison.
    """
    graph = aquery_doc if isinstance(aquery_doc, ActionGraph) else load(aquery_doc)
    statics = static_targets(result)
    tags = {label: s.tags for label, s in statics.items()}
    facts = target_facts(graph, profile, Path(result.root), tags, only=statics)
    rc_keys = rc_execution_keys(result)
    joined: list[JoinedTarget] = []
    disagreements: list[Disagreement] = []
    not_in: list[str] = []
    for label, static in statics.items():
        tf = facts.get(label)
        if tf is None:
            not_in.append(label)
            jt = JoinedTarget(
                label, static.kind, static.verdict, None, static.verdict, static.provenance, static=static
            )
            if static.verdict == "unknown":
                jt.unknown_because.append(
                    "no actions in the aquery output (not analyzed, tagged manual, or no actions)"
                )
            joined.append(jt)
            continue
        verdict, already, reasons, unknown = tf.verdict()
        jt = JoinedTarget(
            label,
            static.kind,
            static.verdict,
            verdict,
            static.verdict,
            static.provenance,
            already,
            reasons,
            unknown,
            tf,
            static,
        )
        if static.verdict == "unknown":
            jt.verdict, jt.provenance = verdict, "aquery"
        disagreements.extend(compare(static, tf, rc_keys))
        joined.append(jt)
    only = sorted(label for label in set(facts) - set(statics) if label.startswith("//"))
    return AqueryJoin(joined, disagreements, sorted(not_in), only, graph)


def render_json(j: AqueryJoin) -> dict[str, Any]:
    """The join as JSON-ready data (for `inventory --aquery FILE`)."""

    def finding(f: Finding) -> dict[str, Any]:
        return {"rule": f.rule, "mnemonic": f.mnemonic, "subject": f.subject, "message": f.message}

    targets = []
    for t in sorted(j.targets, key=lambda t: t.label):
        entry: dict[str, Any] = {
            "label": t.label,
            "kind": t.kind,
            "verdict": t.verdict,
            "provenance": t.provenance,
            "static_verdict": t.static_verdict,
            "aquery_verdict": t.aquery_verdict,
            "already_tagged": t.already_tagged,
            "reasons": [finding(f) for f in t.reasons],
            "unknown_because": list(t.unknown_because),
        }
        if t.facts is not None:
            entry["aquery"] = {
                "rule_class": t.facts.rule_class,
                "mnemonics": sorted(t.facts.mnemonics),
                "internal_mnemonics": sorted(t.facts.internal_mnemonics),
                "default_shell_env": t.facts.default_shell_env,
                "execution_info": sorted(t.facts.execution_keys),
                "findings": [finding(f) for f in t.facts.findings],
            }
        else:
            entry["aquery"] = None
        targets.append(entry)
    summary = j.summary()
    return {
        "version": 1,
        "aquery_shape": j.graph.shape,
        "ignored_mnemonics": sorted(IGNORED_MNEMONICS),
        "targets": targets,
        "model_disagreements": [
            {
                "label": d.label,
                "aspect": d.aspect,
                "kind": d.kind,
                "mnemonic": d.mnemonic,
                "static": d.static,
                "aquery": d.aquery,
                "detail": d.detail,
            }
            for d in sorted(j.model_disagreements, key=lambda d: (d.label, d.aspect, d.mnemonic or ""))
        ],
        "not_in_aquery": j.not_in_aquery,
        "only_in_aquery": j.only_in_aquery,
        "summary": summary,
    }


__all__ = [
    "IGNORED_MNEMONICS",
    "Action",
    "ActionGraph",
    "AqueryError",
    "AqueryJoin",
    "Disagreement",
    "Finding",
    "JoinedTarget",
    "StaticTarget",
    "TargetFacts",
    "compare",
    "decode_proto",
    "join",
    "load",
    "load_file",
    "render_json",
    "static_targets",
    "target_facts",
]
