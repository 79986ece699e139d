"""Rollout evidence: where each target's work really ran, joined with the inventory's verdicts.

The inventory says which targets should run on a remote executor; `bazel/execlog.py` and
`bazel/console.py` read what a build did. Spawns without `targetLabel` (Bazel 4.2.3 has none) are
attributed to inventory targets through their output paths (`bazel-out/<config>/bin/<package>/...`,
`bazel-out/<config>/testlogs/<package>/<name>/`): the longest package that has targets, then the
target whose declared outputs, label in the progress message or name prefix fits. A spawn that fits
nothing is reported as unattributed, with the reason.

Spawns served from Bazel's local action cache are never logged (spawn.proto says so): run the proof
build after `bazel clean`, with `--noremote_accept_cached` to force remote execution over cache hits.

Nothing here runs Bazel or a shell script: the wrapper check is static (`hermetic_scan.shell`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hermetic_scan import shell
from hermetic_scan.bazel.bazelrc import RcOption
from hermetic_scan.bazel.console import Console, parse_console
from hermetic_scan.bazel.execlog import CLASSES, FORMAT_JSON, ExecLogError, Spawn, read_exec_log
from hermetic_scan.inventory import Inventory, TargetVerdict
from hermetic_scan.labels import Pattern, PatternError, normalize_label, parse_pattern, select
from hermetic_scan.local_keys import LOCAL_KEY_SET
from hermetic_scan.model.values import ListV, Str
from hermetic_scan.options import Options, load_options
from hermetic_scan.rules.tags_not_propagated import major_version
from hermetic_scan.runner import scan

SEVERITIES = ("error", "warning", "info")
CLASS_TITLES = {
    "remote_execution": "remote execution",
    "remote_cache_hit": "remote cache hit",
    "disk_cache_hit": "disk cache hit",
    "local": "local / sandboxed",
    "worker": "worker",
    "internal": "internal",
}


class EvidenceError(Exception):
    """An input the evidence command cannot read (the CLI maps it to exit status 2)."""


def patterns_of(texts: list[str]) -> list[Pattern]:
    """`--targets` patterns, or EvidenceError naming the first one that is not a pattern."""
    try:
        return [parse_pattern(text) for text in texts]
    except PatternError as error:
        raise EvidenceError(str(error)) from error


# --------------------------------------------------------------------------------------------------
# Attribution of spawns to inventory targets

_OUT = re.compile(r"^(?:.*/)?bazel-out/([^/]+)/(bin|genfiles|testlogs)/(.+)$")
_LABEL_IN_TEXT = re.compile(r"(?<![\w@/])(@{0,2}[\w.~+-]*//[\w./+-]*(?::[^\s'\"]+)?)")


@dataclass(frozen=True)
class Attribution:
    label: str | None
    how: str | None  # target-label | testlogs | declared-output | progress-message | name-prefix
    reason: str | None = None  # why it could not be attributed


def _declared_outputs(verdict: TargetVerdict) -> set[str]:
    """File names written in the target's `outs` / `out` (string literals of the call)."""
    target = verdict.attached.target
    names: set[str] = set()
    for attribute in ("outs", "out"):
        value = target.attr(attribute)
        if isinstance(value, ListV):
            names.update(item.text.text for item in value.items if isinstance(item, Str))
            continue
        if isinstance(value, Str):
            names.add(value.text.text)
            continue
        node = target.attr_node(attribute)  # not evaluated by the model: read the literals
        stack = [node] if node is not None else []
        while stack:
            current = stack.pop()
            if current.type == "string":
                text = target.call_module.text(current)
                if text[:1] in "\"'" and "{" not in text:
                    names.add(text.strip("\"'"))
                continue
            stack.extend(current.named_children)
    names.discard("")
    return names


class Attributor:
    def __init__(self, targets: list[TargetVerdict]) -> None:
        self.by_label: dict[str, TargetVerdict] = {t.label: t for t in targets}
        self.packages: dict[tuple[str, str], list[TargetVerdict]] = {}
        for t in targets:
            label = t.attached.target.label
            self.packages.setdefault((label.repo, label.package), []).append(t)
        self.outs = {t.label: _declared_outputs(t) for t in targets}

    def attribute(self, spawn: Spawn) -> Attribution:
        if spawn.target_label:
            label = normalize_label(spawn.target_label)
            if label is not None and label in self.by_label:
                return Attribution(label, "target-label")
            return Attribution(None, None, f"target {spawn.target_label} is not in the inventory")
        reasons: list[str] = []
        for path in sorted(spawn.outputs):
            found = self._by_output(path, spawn, reasons)
            if found is not None:
                return found
        from_progress = self._progress_label(spawn)
        if from_progress is not None:
            return Attribution(from_progress, "progress-message")
        if not spawn.outputs:
            return Attribution(None, None, "no targetLabel and no listed outputs")
        return Attribution(
            None, None, reasons[0] if reasons else f"no inventory target owns {sorted(spawn.outputs)[0]}"
        )

    def _progress_label(self, spawn: Spawn) -> str | None:
        for match in _LABEL_IN_TEXT.finditer(spawn.progress):
            label = normalize_label(match.group(1))
            if label is not None and label in self.by_label:
                return label
        return None

    def _by_output(self, path: str, spawn: Spawn, reasons: list[str]) -> Attribution | None:
        match = _OUT.match(path)
        if match is None:
            reasons.append(f"output {path} is not under bazel-out/<config>/bin or testlogs")
            return None
        tree, rest = match.group(2), match.group(3)
        repo = ""
        if rest.startswith("external/"):
            parts = rest.split("/", 2)
            repo = parts[1] if len(parts) > 1 else ""
            rest = parts[2] if len(parts) > 2 else ""
        package = self._longest_package(repo, rest)
        if package is None:
            where = f"external repository @{repo}" if repo else "no package of the inventory"
            reasons.append(f"output {path} is in {where}")
            return None
        candidates = self.packages[(repo, package)]
        file = rest[len(package) + 1 :] if package else rest
        if tree == "testlogs":
            best = self._longest_name(candidates, file, separators=("/",))
            if best is not None:
                return Attribution(best, "testlogs")
        owners = sorted(t.label for t in candidates if file in self.outs[t.label])
        if len(owners) == 1:
            return Attribution(owners[0], "declared-output")
        progress = self._progress_label(spawn)
        if progress is not None and self.by_label[progress].attached.target.label.package == package:
            return Attribution(progress, "progress-message")
        best = self._longest_name(candidates, file, separators=(".", "/", "_", "-"))
        if best is not None:
            return Attribution(best, "name-prefix")
        shown = ", ".join(sorted(t.label for t in candidates)[:4])
        reasons.append(f"output {path} is in package //{package} but fits none of its targets ({shown})")
        return None

    def _longest_package(self, repo: str, rest: str) -> str | None:
        directory = rest.rsplit("/", 1)[0] if "/" in rest else ""
        while True:
            if (repo, directory) in self.packages:
                return directory
            if not directory:
                return None
            directory = directory.rsplit("/", 1)[0] if "/" in directory else ""

    @staticmethod
    def _longest_name(candidates: list[TargetVerdict], file: str, separators: tuple[str, ...]) -> str | None:
        """The target whose name is the longest prefix of `file` (followed by a separator or the end),
        or a whole path segment of it (`_objs/<name>/...`). None when two targets tie."""
        scored: list[tuple[int, str]] = []
        segments = file.split("/")
        for t in candidates:
            name = t.attached.target.label.name
            if file == name or any(file.startswith(name + s) for s in separators):
                scored.append((len(name), t.label))
            elif "/" in separators and name in segments[:-1]:
                scored.append((len(name) - 1000, t.label))  # weaker than any prefix match
        if not scored:
            return None
        scored.sort(reverse=True)
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            return None
        return scored[0][1]


# --------------------------------------------------------------------------------------------------
# Static checks: .bazelrc endpoints and the wrapper script

_PLACEHOLDER = re.compile(r"\$(\{[A-Za-z_][A-Za-z0-9_]*[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")
_BAZEL = re.compile(r"(?:^|/)bazel(?:isk)?(?:-[\w.]+)?$")


@dataclass(frozen=True)
class Check:
    id: str
    status: str  # pass | fail | info
    message: str
    where: str | None = None


@dataclass(frozen=True)
class Endpoint:
    flag: str  # --remote_executor | --remote_cache
    value: str
    where: str
    scope: str  # "build:rbe", "wrapper", ...

    @property
    def placeholder(self) -> bool:
        return bool(_PLACEHOLDER.search(self.value))

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(
            m.group(1).strip("{}").split(":")[0].split("-")[0] for m in _PLACEHOLDER.finditer(self.value)
        )


def rc_endpoints(options: list[RcOption], flag: str) -> list[Endpoint]:
    found = []
    for i, option in enumerate(options):
        if option.name != flag:
            continue
        value = option.value
        if value is None:
            following = options[i + 1] if i + 1 < len(options) else None
            if (
                following is not None
                and following.span.path == option.span.path
                and following.span.start_line == option.span.start_line
                and not following.text.startswith("-")
            ):
                value = following.text
        scope = option.command + (f":{option.config}" if option.config else "")
        found.append(Endpoint(flag, value or "", f"{option.span.path}:{option.span.start_line + 1}", scope))
    return found


@dataclass
class WrapperFacts:
    path: str
    bazel_calls: int = 0
    executor: list[Endpoint] = field(default_factory=list)
    cache: list[Endpoint] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)  # --config=NAME passed to bazel
    validated: set[str] = field(default_factory=set)  # variables the script checks before use
    parse_error: bool = False
    text: str = ""

    def compared_variables(self, a: str, b: str) -> bool:
        """The script compares $a and $b (`[ "$a" = "$b" ]`, `==`, `!=`), e.g. to refuse one endpoint for both."""
        ref = r"\"?\$\{?(%s)\}?\"?"
        pattern = re.compile(ref % re.escape(a) + r"\s*(?:=|==|!=)\s*" + ref % re.escape(b))
        reverse = re.compile(ref % re.escape(b) + r"\s*(?:=|==|!=)\s*" + ref % re.escape(a))
        return bool(pattern.search(self.text) or reverse.search(self.text))


def _strip_quotes(text: str) -> str:
    return text.replace('"', "").replace("'", "")


def analyze_wrapper(text: str, display: str) -> WrapperFacts:
    facts = shell.analyze(text)
    out = WrapperFacts(display, parse_error=facts.has_error, text=text)

    def line_of(offset: int) -> str:
        return f"{display}:{text.count(chr(10), 0, offset) + 1}"

    for command in facts.commands:
        name = _strip_quotes(command.name)
        if not (_BAZEL.search(name) or (command.dynamic and "bazel" in name.lower())):
            continue
        out.bazel_calls += 1
        args = list(command.args)
        for i, arg in enumerate(args):
            word = _strip_quotes(arg.text)
            for flag, bucket in (("--remote_executor", out.executor), ("--remote_cache", out.cache)):
                if word == flag and i + 1 < len(args):
                    bucket.append(
                        Endpoint(flag, _strip_quotes(args[i + 1].text), line_of(arg.start), "wrapper")
                    )
                elif word.startswith(flag + "="):
                    bucket.append(Endpoint(flag, word.split("=", 1)[1], line_of(arg.start), "wrapper"))
            if word.startswith("--config="):
                out.configs.append(word.split("=", 1)[1])
            elif word == "--config" and i + 1 < len(args):
                out.configs.append(_strip_quotes(args[i + 1].text))
    for endpoint in out.executor + out.cache:
        for variable in endpoint.variables:
            v = re.escape(variable)
            if re.search(r"\$\{" + v + r":?\?", text) or re.search(r"-[zn]\s+\"?\$\{?" + v + r"\b", text):
                out.validated.add(variable)
    return out


def _endpoint_text(e: Endpoint) -> str:
    return (
        f"{e.scope} {e.flag}={e.value} ({e.where})"
        if e.scope != "wrapper"
        else f"{e.flag}={e.value} ({e.where})"
    )


def _normalized(value: str) -> str:
    return value.strip().rstrip("/").lower()


def static_checks(
    options: list[RcOption], wrapper: WrapperFacts | None, require_distinct: bool
) -> list[Check]:
    checks: list[Check] = []
    rc_executor = rc_endpoints(options, "--remote_executor")
    rc_cache = rc_endpoints(options, "--remote_cache")
    configs_used = set(wrapper.configs) if wrapper else set()

    def usable(endpoints: list[Endpoint]) -> list[Endpoint]:
        return [e for e in endpoints if e.value and not e.placeholder]

    for flag, rc_list, wrapper_list in (
        ("--remote_executor", rc_executor, wrapper.executor if wrapper else []),
        ("--remote_cache", rc_cache, wrapper.cache if wrapper else []),
    ):
        check_id = "remote-executor-explicit" if flag == "--remote_executor" else "remote-cache-explicit"
        bad = [e for e in rc_list if not e.value or e.placeholder]
        good = usable(rc_list)
        if wrapper_list:
            overridden = f" (it overrides the rc line at {bad[0].where})" if bad else ""
            checks.append(
                Check(
                    check_id,
                    "pass",
                    f"{flag} passed explicitly by the wrapper: {wrapper_list[0].value}{overridden}",
                    wrapper_list[0].where,
                )
            )
        elif bad:
            e = bad[0]
            placeholder = _PLACEHOLDER.search(e.value)
            what = f"holds {placeholder.group(0)}" if placeholder else "has no value"
            checks.append(
                Check(
                    check_id,
                    "fail",
                    f"{e.scope} {flag} {what}: Bazel does not expand variables in rc files; "
                    f"pass the endpoint on the command line (a wrapper) instead",
                    e.where,
                )
            )
        elif good:
            via = [e for e in good if e.scope.partition(":")[2] in configs_used] or good
            checks.append(
                Check(
                    check_id,
                    "pass",
                    f"{flag} set explicitly: " + "; ".join(_endpoint_text(e) for e in via),
                    via[0].where,
                )
            )
        elif flag == "--remote_executor":
            checks.append(
                Check(
                    check_id,
                    "fail",
                    "no --remote_executor in .bazelrc"
                    + (" or in the wrapper" if wrapper else "")
                    + ": remote execution cannot have been configured through them",
                    None,
                )
            )
        else:
            checks.append(
                Check(
                    check_id,
                    "info",
                    "no --remote_cache: Bazel uses the --remote_executor endpoint as its cache",
                    None,
                )
            )

    if wrapper is not None:
        if wrapper.bazel_calls == 0:
            checks.append(
                Check(
                    "wrapper-passes-executor",
                    "fail",
                    f"{wrapper.path} never runs bazel (or bazelisk)",
                    wrapper.path,
                )
            )
        elif wrapper.executor:
            e = wrapper.executor[0]
            note = ""
            for variable in e.variables:
                note += f"; ${variable} is {'checked' if variable in wrapper.validated else 'not checked'} before use"
            checks.append(
                Check(
                    "wrapper-passes-executor",
                    "pass",
                    f"the wrapper passes --remote_executor={e.value} to bazel{note}",
                    e.where,
                )
            )
        else:
            via = [
                e
                for e in rc_executor
                if e.scope.partition(":")[2] in configs_used and e.value and not e.placeholder
            ]
            if via:
                checks.append(
                    Check(
                        "wrapper-passes-executor",
                        "pass",
                        f"the wrapper passes --config={via[0].scope.partition(':')[2]}, which sets --remote_executor={via[0].value}",
                        via[0].where,
                    )
                )
            else:
                checks.append(
                    Check(
                        "wrapper-passes-executor",
                        "fail",
                        f"{wrapper.path} runs bazel without --remote_executor (nor a --config that sets it)",
                        wrapper.path,
                    )
                )
        if wrapper.parse_error:
            checks.append(
                Check(
                    "wrapper-parsed",
                    "info",
                    f"{wrapper.path} has shell syntax errors: the check may have missed calls",
                    wrapper.path,
                )
            )

    if require_distinct:
        executors = wrapper.executor if wrapper and wrapper.executor else usable(rc_executor)
        caches = wrapper.cache if wrapper and wrapper.cache else usable(rc_cache)
        if not executors:
            checks.append(
                Check(
                    "executor-distinct",
                    "fail",
                    "no explicit --remote_executor to compare with the cache",
                    None,
                )
            )
        elif not caches:
            checks.append(
                Check(
                    "executor-distinct",
                    "fail",
                    "no explicit --remote_cache: the executor serves as the cache",
                    None,
                )
            )
        else:
            e, c = executors[0], caches[0]
            if _normalized(e.value) == _normalized(c.value):
                checks.append(
                    Check(
                        "executor-distinct",
                        "fail",
                        f"--remote_executor and --remote_cache are the same endpoint ({e.value})",
                        e.where,
                    )
                )
            elif e.variables and c.variables and set(e.variables) & set(c.variables):
                checks.append(
                    Check(
                        "executor-distinct",
                        "fail",
                        f"--remote_executor and --remote_cache come from the same variable (${sorted(set(e.variables) & set(c.variables))[0]})",
                        e.where,
                    )
                )
            else:
                note = ""
                if wrapper is not None and e.variables and c.variables:
                    refused = wrapper.compared_variables(e.variables[0], c.variables[0])
                    note = (
                        "; the wrapper refuses equal values"
                        if refused
                        else "; nothing in the wrapper stops both variables naming the same endpoint"
                    )
                checks.append(
                    Check(
                        "executor-distinct",
                        "pass",
                        f"executor {e.value} is distinct from cache {c.value}{note}",
                        e.where,
                    )
                )
    return checks


# --------------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class Flag:
    id: str  # local-only-ran-remotely | tag-not-effective | not-executed-remotely | remote-fallback | remote-failure | build-fell-back
    severity: str  # error | warning | info
    target: str | None
    message: str
    spawns: tuple[int, ...] = ()
    why: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (SEVERITIES.index(self.severity), self.target or "", self.id)


@dataclass
class TargetEvidence:
    label: str
    kind: str
    verdict: str
    already_tagged: bool
    counts: dict[str, int]
    spawns: list[int] = field(default_factory=list)
    failed: int = 0
    fallbacks: int = 0
    executed_remotely: int = 0  # successful remote executions
    remotable: int = 0  # spawns logged with remotable = true

    @property
    def total(self) -> int:
        return len(self.spawns)


@dataclass
class SpawnEntry:
    spawn: Spawn
    attribution: Attribution
    fallback: str | None = (
        None  # "retry" (failed remote attempt, then local) | "probable" (--remote_local_fallback)
    )
    fallback_of: int | None = None


@dataclass
class PatternCounters:
    pattern: str
    targets: list[str]
    counts: dict[str, int]
    executed_remotely_targets: list[str]
    failed: int = 0
    fallbacks: int = 0


@dataclass
class EvidenceReport:
    root: str
    bazel_version: str | None
    exec_log: str
    log_format: str
    build_log: str | None
    remote_in_effect: bool
    spawns: list[SpawnEntry]
    totals: dict[str, int]
    failed: int
    fallbacks: int
    targets: list[TargetEvidence]
    patterns: list[PatternCounters]
    selected: list[str] | None  # labels chosen by --targets, or None for the whole build
    proven: list[str]  # targets (in scope) with at least one successful remote execution
    flags: list[Flag]
    checks: list[Check]
    console: Console | None
    notes: list[str]

    @property
    def unattributed(self) -> list[SpawnEntry]:
        return [s for s in self.spawns if s.attribution.label is None]

    def blockers(self) -> list[str]:
        """Why the run does not count as a proof (empty: it does)."""
        out = []
        if not self.proven:
            out.append("no target meant to run remotely executed remotely")
        errors = sum(f.severity == "error" for f in self.flags)
        if errors:
            out.append(f"{errors} error flag{'s' if errors != 1 else ''}")
        failed = [c.id for c in self.checks if c.status == "fail"]
        if failed:
            out.append(f"failed check{'s' if len(failed) != 1 else ''}: {', '.join(failed)}")
        return out

    @property
    def ok(self) -> bool:
        """A countable proof: remote execution proven for some target, no error flag, no failed check."""
        return not self.blockers()

    def verdict_line(self) -> str:
        n = len(self.proven)
        scope = f" (of {len(self.selected)} selected by --targets)" if self.selected is not None else ""
        if n > 0:
            return f"remote execution proven for {n} target{'s' if n != 1 else ''}{scope}"
        counts = self.totals
        detail = ", ".join(f"{counts[k]} {CLASS_TITLES[k]}" for k in CLASSES if counts.get(k))
        if not counts.get("remote_execution"):
            why = "no spawn executed remotely"
        else:
            why = "no target meant to run remotely had a spawn that executed remotely"
        return f"remote execution NOT proven{scope}: {why}" + (
            f" ({detail})" if detail else " (the log has no spawns)"
        )


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(CLASSES, 0)


def _detect_fallbacks(entries: list[SpawnEntry], probable: bool) -> None:
    """A failed remote attempt followed by a local run of the same outputs is a fallback ("retry").
    With --remote_local_fallback on, Bazel logs only the local run: a remotable spawn that ran
    locally while other spawns executed remotely is a "probable" fallback."""
    failed_remote: dict[tuple[str, ...], int] = {}
    for entry in entries:
        spawn = entry.spawn
        key = tuple(sorted(spawn.outputs))
        if spawn.klass == "remote_execution" and spawn.failed and key:
            failed_remote[key] = spawn.index
        elif spawn.klass in ("local", "worker") and key in failed_remote:
            entry.fallback = "retry"
            entry.fallback_of = failed_remote.pop(key)
    if probable:
        for entry in entries:
            if entry.fallback is None and entry.spawn.klass in ("local", "worker") and entry.spawn.remotable:
                entry.fallback = "probable"


def evaluate(
    inventory: Inventory,
    spawns: list[Spawn],
    *,
    rc_options: list[RcOption] | None = None,
    console: Console | None = None,
    patterns: list[str] | None = None,
    wrapper: WrapperFacts | None = None,
    require_distinct_executor: bool = False,
    exec_log: str = "",
    log_format: str = FORMAT_JSON,
    build_log: str | None = None,
) -> EvidenceReport:
    """Join spawns with the inventory's verdicts. Pure: every input is already read."""
    options = rc_options or []
    attributor = Attributor(inventory.targets)
    entries = [SpawnEntry(s, attributor.attribute(s)) for s in spawns]

    remote_seen = any(s.klass == "remote_execution" for s in spawns)
    summary = console.summary if console else None
    console_remote = bool(summary and summary.classes()["remote_execution"])
    capabilities_failed = bool(console and console.capabilities_failed)
    remote_in_effect = (
        remote_seen or console_remote or capabilities_failed or bool(console and console.remote_failures)
    )
    rc_fallback = any(
        o.name == "--remote_local_fallback" and o.value in (None, "true", "1", "yes") and o.config is None
        for o in options
    )
    fallback_enabled = (
        bool(console and (console.fallback_enabled or console.fallback_traces))
        or rc_fallback
        or capabilities_failed
    )
    _detect_fallbacks(entries, probable=remote_in_effect and fallback_enabled)

    totals = _empty_counts()
    for s in spawns:
        totals[s.klass] += 1

    by_label: dict[str, TargetEvidence] = {}
    for t in inventory.targets:
        by_label[t.label] = TargetEvidence(
            t.label, t.attached.target.kind, t.verdict, t.already_tagged, _empty_counts()
        )
    for entry in entries:
        label = entry.attribution.label
        if label is None:
            continue
        te = by_label[label]
        s = entry.spawn
        te.spawns.append(s.index)
        te.counts[s.klass] += 1
        te.failed += s.failed
        te.fallbacks += entry.fallback is not None
        te.executed_remotely += s.executed_remotely
        te.remotable += bool(s.remotable)

    verdicts = {t.label: t for t in inventory.targets}
    flags: list[Flag] = []
    for te in by_label.values():
        flags += _target_flags(te, verdicts[te.label], entries, remote_in_effect)
    for entry in entries:
        s = entry.spawn
        if s.klass == "remote_execution" and s.failed and not any(e.fallback_of == s.index for e in entries):
            what = s.mnemonic or "a spawn"
            if s.status in ("", "NON_ZERO_EXIT"):
                message = f"{what} exited with code {s.exit_code} on the remote executor"
            else:
                message = f"{what} failed on the remote executor ({s.status}, exit code {s.exit_code}) and was not retried locally"
            flags.append(Flag("remote-failure", "error", entry.attribution.label, message, (s.index,)))
    if capabilities_failed:
        assert console is not None
        flags.append(
            Flag(
                "build-fell-back",
                "error",
                None,
                "Bazel could not query the remote executor and, with --remote_local_fallback, ran the build locally: "
                + console.capabilities_failed[0],
            )
        )
    flags.sort(key=lambda f: f.sort_key)

    wanted = patterns_of(patterns or [])
    all_labels = [t.attached.target.label for t in inventory.targets]
    selected: list[str] | None = None
    pattern_counters: list[PatternCounters] = []
    if wanted:
        selected = [str(label) for label in select(wanted, all_labels)]
        for pattern in wanted:
            if pattern.negative:
                continue
            labels = [str(label) for label in all_labels if pattern.matches(label)]
            counts = _empty_counts()
            for label in labels:
                for k, v in by_label[label].counts.items():
                    counts[k] += v
            pattern_counters.append(
                PatternCounters(
                    pattern.text,
                    labels,
                    counts,
                    [lb for lb in labels if by_label[lb].executed_remotely],
                    sum(by_label[lb].failed for lb in labels),
                    sum(by_label[lb].fallbacks for lb in labels),
                )
            )
    scope = selected if selected is not None else list(by_label)
    # Targets meant to run remotely: a local-only target that executed remotely is a flag, not proof.
    proven = sorted(
        lb for lb in scope if by_label[lb].executed_remotely and by_label[lb].verdict != "no-remote-exec"
    )

    checks = static_checks(options, wrapper, require_distinct_executor)
    notes = _notes(
        inventory,
        spawns,
        entries,
        console,
        remote_in_effect,
        fallback_enabled,
        wanted,
        selected,
        by_label,
        totals,
    )
    return EvidenceReport(
        root=inventory.root,
        bazel_version=inventory.bazel_version,
        exec_log=exec_log,
        log_format=log_format,
        build_log=build_log,
        remote_in_effect=remote_in_effect,
        spawns=entries,
        totals=totals,
        failed=sum(s.failed for s in spawns),
        fallbacks=sum(e.fallback is not None for e in entries),
        targets=sorted(by_label.values(), key=lambda t: t.label),
        patterns=pattern_counters,
        selected=selected,
        proven=proven,
        flags=flags,
        checks=checks,
        console=console,
        notes=notes,
    )


def _mnemonics(entries: list[SpawnEntry], indices: list[int]) -> str:
    names = sorted({entries[i].spawn.mnemonic or "?" for i in indices})
    return ", ".join(names)


def _target_flags(
    te: TargetEvidence, verdict: TargetVerdict, entries: list[SpawnEntry], remote_in_effect: bool
) -> list[Flag]:
    flags: list[Flag] = []
    mine = [entries[i] for i in te.spawns]
    remote = [e.spawn.index for e in mine if e.spawn.klass == "remote_execution" and not e.spawn.failed]
    tagged = ", ".join(t for t in verdict.attached.target.tags if t in LOCAL_KEY_SET) or "local-only"
    if te.verdict == "no-remote-exec" and remote:
        starlark = verdict.uses_starlark_actions and verdict.attached.rule is not None
        propagation = any(d.rule == "tags-not-propagated" for d in verdict.caveats)
        if te.already_tagged:
            cause = (
                "the tag did not reach its Starlark actions (before Bazel 7 tags propagate only with "
                "--incompatible_allow_tags_propagation)"
                if starlark or propagation
                else "the tag did not take effect"
            )
            message = f"tagged {tagged}, yet {len(remote)} spawn(s) ({_mnemonics(entries, remote)}) executed remotely: {cause}"
            why: tuple[str, ...] = ("tag-not-propagated",) if starlark or propagation else ("tag-ignored",)
        else:
            reasons = ", ".join(sorted({d.rule for d in verdict.reasons})) or "blocking findings"
            message = (
                f"verdict no-remote-exec ({reasons}) but not tagged: {len(remote)} spawn(s) "
                f"({_mnemonics(entries, remote)}) executed remotely; `hermetic-scan fix` adds the tag"
            )
            why = ("not-tagged",)
        flags.append(Flag("local-only-ran-remotely", "error", te.label, message, tuple(remote), why))
    elif te.already_tagged:
        # `remotable` comes from the spawn's execution requirements, whichever runner served it.
        remotable = [e.spawn.index for e in mine if e.spawn.remotable]
        if remotable:
            flags.append(
                Flag(
                    "tag-not-effective",
                    "warning",
                    te.label,
                    f"tagged {tagged}, yet {len(remotable)} spawn(s) ({_mnemonics(entries, remotable)}) were logged as remotable: "
                    "with remote execution on they would run remotely (tag propagation off?)",
                    tuple(remotable),
                    ("remotable",),
                )
            )
    fallback = [e.spawn.index for e in mine if e.fallback is not None]
    if fallback:
        retry = [e for e in mine if e.fallback == "retry"]
        if retry:
            message = f"{len(retry)} spawn(s) ({_mnemonics(entries, [e.spawn.index for e in retry])}) failed remotely and ran again locally"
        else:
            message = (
                f"{len(fallback)} remotable spawn(s) ({_mnemonics(entries, fallback)}) ran locally while --remote_local_fallback "
                "was on: remote execution probably failed for them"
            )
        flags.append(Flag("remote-fallback", "warning", te.label, message, tuple(fallback), ("fallback",)))
    if te.verdict == "remote-ok" and remote_in_effect and mine and not te.executed_remotely:
        why_list: list[str] = []
        classes = Counter(e.spawn.klass for e in mine)
        if classes["remote_cache_hit"] or classes["disk_cache_hit"]:
            why_list.append("cache-hit")
        if fallback:
            why_list.append("fell-back-to-local")
        locals_ = [e for e in mine if e.spawn.klass in ("local", "worker") and e.fallback is None]
        if any(not e.spawn.remotable for e in locals_):
            why_list.append("not-remotable")
        if any(e.spawn.remotable for e in locals_):
            why_list.append("executed-locally")
        if any(e.spawn.klass == "remote_execution" and e.spawn.failed for e in mine):
            why_list.append("remote-failed")
        text = {
            "cache-hit": "served from a cache" + (" only" if why_list == ["cache-hit"] else ""),
            "fell-back-to-local": "fell back to local execution",
            "not-remotable": "logged as not remotable (no-remote / no-remote-exec / local execution requirements)",
            "executed-locally": "executed locally although remotable (a --strategy / --spawn_strategy choice?)",
            "remote-failed": "failed on the remote executor",
        }
        hint = " (rerun with --noremote_accept_cached to make it execute)" if "cache-hit" in why_list else ""
        flags.append(
            Flag(
                "not-executed-remotely",
                "warning",
                te.label,
                f"remote-ok but none of its {len(mine)} spawn(s) executed remotely: "
                + "; ".join(text[w] for w in why_list)
                + hint,
                tuple(te.spawns),
                tuple(why_list),
            )
        )
    return flags


def _notes(
    inventory: Inventory,
    spawns: list[Spawn],
    entries: list[SpawnEntry],
    console: Console | None,
    remote_in_effect: bool,
    fallback_enabled: bool,
    wanted: list[Pattern],
    selected: list[str] | None,
    by_label: dict[str, TargetEvidence],
    totals: dict[str, int],
) -> list[str]:
    notes: list[str] = []
    if not spawns:
        notes.append(
            "the execution log has no spawns: everything came from Bazel's local action cache (run `bazel clean` first) "
            "or the log belongs to another command"
        )
    elif not remote_in_effect:
        notes.append("remote execution was not in effect for this build: no spawn ran on a remote executor")
    major = major_version(inventory.bazel_version)
    if (
        totals["remote_cache_hit"]
        and not remote_in_effect
        and not any(s.target_label for s in spawns)
        and (major is None or major < 5)
    ):
        notes.append(
            'Bazel 4 and older name disk cache hits "remote cache hit": with --disk_cache and no --remote_cache, '
            "the remote cache hits counted here came from the disk cache"
        )
    unattributed = [e for e in entries if e.attribution.label is None]
    if unattributed:
        remote = sum(e.spawn.executed_remotely for e in unattributed)
        notes.append(
            f"{len(unattributed)} spawn(s) could not be attributed to an inventory target"
            + (f" ({remote} of them executed remotely; they prove nothing for a target)" if remote else "")
        )
    if console is not None:
        summary = console.summary
        if summary is None:
            notes.append("the build log has no `INFO: N processes: ...` summary line")
        else:
            classes = summary.classes()
            # A failed remote attempt retried locally is one action in the console's count.
            logged = dict(totals)
            logged["remote_execution"] -= sum(e.fallback_of is not None for e in entries)
            for k in ("remote_execution", "remote_cache_hit", "disk_cache_hit", "local", "worker"):
                if classes[k] != logged[k]:
                    notes.append(
                        f"the build log counts {classes[k]} {CLASS_TITLES[k]}, the execution log {logged[k]}: "
                        "are they from the same invocation?"
                    )
                    break
            if len(console.summaries) > 1:
                notes.append(
                    f"the build log holds {len(console.summaries)} process summaries; the last one is compared"
                )
    if fallback_enabled and remote_in_effect and not any(e.fallback for e in entries):
        notes.append(
            "--remote_local_fallback is on: a failing executor would silently turn remote spawns into local ones"
        )
    for pattern in wanted:
        if not pattern.negative and not any(
            pattern.matches(t.attached.target.label) for t in inventory.targets
        ):
            notes.append(f"--targets {pattern.text} matches no target of the inventory")
    if selected is not None:
        silent = [lb for lb in selected if not by_label[lb].spawns]
        if silent:
            notes.append(
                f"{len(silent)} selected target(s) have no spawn in the log (not built by this command, "
                f"or up to date in Bazel's local action cache): {', '.join(silent[:5])}{' ...' if len(silent) > 5 else ''}"
            )
    return notes


def run_evidence(
    root: Path,
    exec_log: Path,
    build_log: Path | None,
    targets: list[str],
    wrapper: Path | None,
    require_distinct_executor: bool,
    *,
    options: Options | None = None,
) -> EvidenceReport:
    """Scan the workspace, read the logs and the wrapper, and join them. Raises EvidenceError on
    unreadable or malformed inputs (and ConfigError from the workspace configuration).

    `options` are the engine options the CLI builds (`--profile-add`, `--repo`, ...); by default the
    workspace's `.hermetic-scan.toml`, as `inventory` uses."""
    patterns_of(targets)  # a bad pattern fails before the scan
    try:
        spawns, log_format = read_exec_log(exec_log)
    except ExecLogError as error:
        raise EvidenceError(str(error)) from error
    console = None
    if build_log is not None:
        try:
            text = build_log.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise EvidenceError(f"{build_log}: {error.strerror or error}") from error
        try:
            console = parse_console(text)
        except ValueError as error:  # a count of over 4300 digits in a summary line: int() refuses it
            raise EvidenceError(
                f"{build_log}: a process count too long to read ({_first_line(error)})"
            ) from None
    wrapper_facts = None
    if wrapper is not None:
        try:
            text = wrapper.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise EvidenceError(f"{wrapper}: {error.strerror or error}") from error
        wrapper_facts = analyze_wrapper(text, _display(wrapper, root))
    result = scan(root, options if options is not None else load_options(root))
    return evaluate(
        result.inventory,
        spawns,
        rc_options=result.require_model().rc.options,
        console=console,
        patterns=targets,
        wrapper=wrapper_facts,
        require_distinct_executor=require_distinct_executor,
        exec_log=str(exec_log),
        log_format=log_format,
        build_log=str(build_log) if build_log else None,
    )


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _first_line(error: Exception) -> str:
    text = str(error).split(";", 1)[0].strip()  # int()'s message goes on with advice for programmers
    return text.splitlines()[0] if text else type(error).__name__
