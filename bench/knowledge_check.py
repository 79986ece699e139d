#!/usr/bin/env python3
"""Check the knowledge base (hermetic_scan/knowledge/rulesets/*.toml) against the rulesets' real source.

Usage:
    python bench/knowledge_check.py --rulesets DIR [--ext DIR] [--mode repo|external]
        [--alias NAME=MODULE ...] [--runs DIR] [--json FILE] [--timeout S] [--jobs N]
        WORKSPACE [WORKSPACE ...]

Example (the figures of the knowledge check):
    /work/venv/bin/python bench/knowledge_check.py --rulesets /work/rulesets \\
        --ext /work/knowledge-check/ext --runs /work/knowledge-check/runs /work/sweep/*/ \\
        > /work/knowledge-check/report.txt

--rulesets DIR holds one directory per ruleset source (an export of the ruleset's repository),
named by its module name (`/work/rulesets/rules_go`). Each one is known by several repository
names: the directory's name, the module name and `repo_name` of its MODULE.bazel, the names its
knowledge file lists under `repositories`, the legacy WORKSPACE names of ALIASES below, the
`repo_name`s the rulesets give each other in their MODULE.bazel (`io_bazel_rules_go_bazel_features`)
and, per workspace, the `repo_name`s of the workspace's own `bazel_dep`s. The root module's own
names are left out (the workspace is that repository).

For each workspace the scanner runs twice:

1. knowledge only: `python -m hermetic_scan inventory --format json --no-cache --no-auto-external WS`
2. with the sources: the same plus, in the default `--mode repo`, one `--repo NAME=PATH` per
   repository name (PATH the real directory), or, with `--mode external`, `--external EXT/<ws>`.
   Either way EXT/<ws>/<name> is written as a symbolic link to the ruleset's directory, as a record
   of the names given; hermetic-scan does not read through a link resolving outside the declared
   roots, which is why `repo` is the default.

Every target the first run judged with provenance "knowledge" is looked up in the second:

- agree: same verdict, provenance "source";
- disagree: both decided (not `unknown`) and the verdicts differ; listed with the source run's reasons;
- source-unknown: the source run said `unknown` (it could not decide: not a disagreement);
- not-reached: the second run still judged it without the source (provenance not "source": the
  ruleset or one of its dependencies is missing from --rulesets). Two cases count as reached: a
  target that the source turns into a Bazel built-in rule (provenance "knowledge" from the scanner's
  table of native rules: judged from source down to Bazel), and one left "unresolved" for a rule
  the scanner does not know though every repository was there (source-unknown);
- missing: the label is not in the second run's inventory.

The ruleset of a target is the repository its rule (`kind`) is loaded from: the BUILD file's
`load()`s, followed through the workspace's own .bzl files (macros), then, failing that, the
knowledge files' rule names. The report gives the figures per ruleset, per workspace and in total,
then every disagreement, source-unknown and not-reached target. It exits 0 (a scan that failed or
timed out is named in the report and its workspace skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KNOWLEDGE_DIR = HERE.parent / "hermetic_scan" / "knowledge" / "rulesets"

# Legacy (WORKSPACE) and alternative names of rulesets, by module name.
ALIASES: dict[str, tuple[str, ...]] = {
    "rules_go": ("io_bazel_rules_go",),
    "gazelle": ("bazel_gazelle",),
    "protobuf": ("com_google_protobuf",),
    "stardoc": ("io_bazel_stardoc",),
    "apple_support": ("build_bazel_apple_support",),
    "rules_kotlin": ("io_bazel_rules_kotlin",),
    "aspect_bazel_lib": ("bazel_lib",),
    "rules_oci": ("io_bazel_rules_oci",),
    "rules_pkg": ("rules_pkg",),
    "rules_jvm_external": ("rules_jvm_external",),
}

CATEGORIES = ("agree", "disagree", "source-unknown", "not-reached", "missing")

try:  # Bazel's built-in rules the scanner judges from its own table (provenance "knowledge" too)
    from hermetic_scan.model.native_rules import TOOLCHAIN_NATIVE as _NATIVE
except ImportError:  # pragma: no cover - the scanner's layout changed
    _NATIVE = frozenset()
NATIVE: frozenset[str] = frozenset(_NATIVE) | {
    "cc_library", "cc_binary", "cc_test", "cc_import", "cc_shared_library", "java_library",
    "java_binary", "java_test", "java_import", "py_library", "py_binary", "py_test",
    "proto_library", "genquery", "starlark_doc_extract",
}  # fmt: skip
NATIVE_BUCKET = "(bazel built-in)"

LOAD_RE = re.compile(r"\bload\(\s*\"([^\"]+)\"\s*((?:,\s*(?:\w+\s*=\s*)?\"[^\"]*\"\s*)*),?\s*\)", re.S)
LOAD_ARG_RE = re.compile(r"(?:(\w+)\s*=\s*)?\"([^\"]*)\"")
MODULE_RE = re.compile(r"\bmodule\((.*?)\)", re.S)
BAZEL_DEP_RE = re.compile(r"\bbazel_dep\((.*?)\)", re.S)


def _kwarg(call: str, name: str) -> str | None:
    found = re.search(rf"\b{name}\s*=\s*\"([^\"]+)\"", call)
    return found.group(1) if found else None


# --- ruleset names ---------------------------------------------------------------------------


@dataclass
class Knowledge:
    """The knowledge files, read as data: repository name -> ruleset, rule symbol -> rulesets."""

    ruleset_of_repo: dict[str, str] = field(default_factory=dict)
    rulesets_of_symbol: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    files: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, folder: Path) -> Knowledge:
        knowledge = cls()
        for path in sorted(folder.glob("*.toml")):
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as error:
                print(f"knowledge_check: {path}: {error}", file=sys.stderr)
                continue
            header = data.get("ruleset", {})
            name = header.get("name", path.stem)
            knowledge.files.append(path.name)
            for repository in [name, *header.get("repositories", [])]:
                knowledge.ruleset_of_repo[repository] = name
            for rule in data.get("rule", []):
                if "name" in rule:
                    knowledge.rulesets_of_symbol[rule["name"]].add(name)
        return knowledge

    def ruleset(self, repository: str) -> str:
        repository = re.split(r"[~+]", repository, maxsplit=1)[0] or repository
        return self.ruleset_of_repo.get(repository, repository)


def module_header(root: Path) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """(module name, module repo_name, [(bazel_dep name, repo_name)]) from root/MODULE.bazel."""
    try:
        text = (root / "MODULE.bazel").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, None, []
    text = re.sub(r"#[^\n]*", "", text)
    name = repo_name = None
    module = MODULE_RE.search(text)
    if module:
        name, repo_name = _kwarg(module.group(1), "name"), _kwarg(module.group(1), "repo_name")
    deps = []
    for dep in BAZEL_DEP_RE.finditer(text):
        dep_name, dep_repo = _kwarg(dep.group(1), "name"), _kwarg(dep.group(1), "repo_name")
        if dep_name and dep_repo and dep_repo != dep_name:
            deps.append((dep_name, dep_repo))
    return name, repo_name, deps


@dataclass
class Sources:
    """The ruleset directories under --rulesets and every repository name each is known by."""

    by_module: dict[str, Path]
    names: dict[str, str]  # repository name -> module name

    @classmethod
    def scan(cls, folder: Path, knowledge: Knowledge, extra: list[tuple[str, str]]) -> Sources:
        by_module: dict[str, Path] = {}
        names: dict[str, str] = {}
        dep_aliases: list[tuple[str, str]] = []
        for directory in sorted(p for p in folder.iterdir() if p.is_dir()):
            module, repo_name, deps = module_header(directory)
            module = module or directory.name
            by_module[module] = directory.resolve()
            for name in (directory.name, module, repo_name):
                if name:
                    names.setdefault(name, module)
            dep_aliases.extend(deps)
        for module in by_module:
            for alias in ALIASES.get(module, ()):
                names.setdefault(alias, module)
        for repository, ruleset in knowledge.ruleset_of_repo.items():
            if ruleset in by_module:
                names.setdefault(repository, ruleset)
        for dep, alias in [*dep_aliases, *extra]:
            if dep in by_module:
                names.setdefault(alias, dep)
        return cls(by_module, names)

    def for_workspace(self, workspace: Path) -> dict[str, Path]:
        """Repository name -> source directory for one workspace (its own names left out)."""
        module, repo_name, deps = module_header(workspace)
        names = dict(self.names)
        for dep, alias in deps:
            if dep in self.by_module:
                names[alias] = dep
        own = {module, repo_name} | {a for a in ALIASES.get(module or "", ())}
        return {name: self.by_module[mod] for name, mod in sorted(names.items()) if name not in own}


# --- which ruleset a target's rule comes from ---------------------------------------------------


def _loads(text: str) -> list[tuple[str, str, str]]:
    """[(label, local name, exported symbol)] of a Starlark file's load() statements."""
    found = []
    for load in LOAD_RE.finditer(re.sub(r"(?m)^\s*#[^\n]*", "", text)):
        for local, symbol in LOAD_ARG_RE.findall(load.group(2)):
            found.append((load.group(1), local or symbol, symbol))
    return found


def _repository(label: str) -> str | None:
    match = re.match(r"@@?([^/]*)//", label)
    return match.group(1) if match else None


class Origins:
    """Finds the external repository a rule symbol is loaded from, through local macro files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[Path, list[tuple[str, str, str]]] = {}

    def _file(self, path: Path) -> list[tuple[str, str, str]]:
        if path not in self.cache:
            try:
                self.cache[path] = _loads(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                self.cache[path] = []
        return self.cache[path]

    def _local(self, label: str, package: str) -> Path | None:
        if label.startswith("@"):
            if not label.startswith(("@//", "@@//")):
                return None
            label = label[label.index("//") :]
        if label.startswith("//"):
            package, _, name = label[2:].partition(":")
        elif label.startswith(":"):
            name = label[1:]
        else:
            return None
        if not name:
            return None
        return self.root / package / name

    def find(self, build_file: Path, symbols: list[str], depth: int = 4) -> str | None:
        """The repository a symbol of `symbols` is loaded from, in build_file or the files it loads."""
        seen: set[Path] = set()
        frontier = [build_file]
        for _ in range(depth):
            following = []
            for path in frontier:
                if path in seen:
                    continue
                seen.add(path)
                package = str(path.parent.relative_to(self.root)) if path.is_relative_to(self.root) else ""
                package = "" if package == "." else package
                for label, local, symbol in self._file(path):
                    repository = _repository(label)
                    if repository and (local in symbols or symbol in symbols):
                        return repository
                    target = self._local(label, package)
                    if target is not None:
                        following.append(target)
            frontier = following
        return None


def ruleset_of(target: dict[str, Any], origins: Origins, knowledge: Knowledge) -> str:
    """The knowledge ruleset of a target judged from knowledge; NATIVE_BUCKET for a Bazel built-in
    rule the BUILD file (or its macros) never loads: the scanner's own table judged it, not a file."""
    kind, generator = target.get("kind") or "", target.get("generator") or ""
    build_file = origins.root / (target.get("path") or "BUILD")
    for symbols in ([kind], [generator]):
        if symbols[0]:
            repository = origins.find(build_file, symbols)
            if repository is not None and knowledge.ruleset(repository) in knowledge.ruleset_of_repo.values():
                return knowledge.ruleset(repository)
    if kind in NATIVE:
        return NATIVE_BUCKET
    for symbol in (kind, generator):
        candidates = knowledge.rulesets_of_symbol.get(symbol)
        if candidates:
            return "|".join(sorted(candidates))
    return "?"


# --- the runs -------------------------------------------------------------------------------------


@dataclass
class Run:
    targets: dict[str, dict[str, Any]]
    seconds: float
    error: str | None = None


def scan(python: str, workspace: Path, extra: list[str], timeout: float, save: Path | None) -> Run:
    import time

    command = [python, "-m", "hermetic_scan", "inventory", "--format", "json", "--no-cache"]
    command += ["--no-auto-external", *extra, str(workspace)]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Run({}, timeout, f"timed out after {timeout:.0f} s")
    seconds = time.monotonic() - started
    if save is not None:
        save.write_text(done.stdout, encoding="utf-8")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = done.stderr.strip().splitlines()[-3:]
        return Run({}, seconds, f"exit {done.returncode}, no JSON: {' | '.join(tail)}")
    return Run({t["label"]: t for t in report.get("targets", [])}, seconds)


UNRESOLVED_RE = re.compile(r"repository @([^ ]+) is not available(?: \((\d+) loads)?")


def missing_repositories(python: str, workspace: Path, extra: list[str], timeout: float) -> Counter[str]:
    """Repositories the source run still could not read: `check --select unresolved-load`."""
    command = [python, "-m", "hermetic_scan", "check", "--format", "json", "--no-cache"]
    command += ["--no-auto-external", "--select", "unresolved-load", *extra, str(workspace)]
    found: Counter[str] = Counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        findings = json.loads(done.stdout).get("findings", [])
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        found["(the unresolved-load check failed)"] += 1
        return found
    for finding in findings:
        match = UNRESOLVED_RE.search(finding.get("message", ""))
        if match:
            found[match.group(1)] += int(match.group(2) or 1)
    return found


@dataclass
class Comparison:
    workspace: str
    ruleset: str
    label: str
    kind: str
    category: str
    knowledge: dict[str, Any]
    source: dict[str, Any] | None


def compare(
    workspace: str, first: Run, second: Run, origins: Origins, knowledge: Knowledge
) -> list[Comparison]:
    found = []
    for label, target in sorted(first.targets.items()):
        if target.get("provenance") != "knowledge":
            continue
        other = second.targets.get(label)
        ruleset = ruleset_of(target, origins, knowledge)
        if other is None:
            category = "missing"
        elif other.get("provenance") != "source" and not (
            # the source, read to its end, makes a Bazel built-in rule (rules_cc's proxy to native
            # cc_library, stardoc's native starlark_doc_extract): judged from source down to Bazel
            other.get("provenance") == "knowledge" and other.get("kind") in NATIVE
        ):
            # unresolved because a repository is still missing: not reached; unresolved because the
            # source read makes a rule the scanner does not know (native cc_toolchain, a rule passed
            # as a parameter): the source run could not decide
            reached = other.get("provenance") == "unresolved" and not any(
                "is not available" in why for why in other.get("unknown_because", [])
            )
            category = "source-unknown" if reached else "not-reached"
        elif other["verdict"] == target["verdict"]:
            category = "agree"
        elif other["verdict"] == "unknown":
            category = "source-unknown"
        else:
            category = "disagree"
        found.append(Comparison(workspace, ruleset, label, target.get("kind", ""), category, target, other))
    return found


# --- report -----------------------------------------------------------------------------------------


def _why(target: dict[str, Any] | None) -> str:
    if target is None:
        return "-"
    parts = [
        reason.get("message", reason) if isinstance(reason, dict) else reason
        for reason in [*target.get("reasons", []), *target.get("unknown_because", [])]
    ]
    hazards = [
        f"{a.get('mnemonic')}({a.get('kind')})"
        for a in target.get("actions", [])
        if a.get("kind") not in ("known", "ok") or a.get("use_default_shell_env")
    ]
    text = "; ".join(str(p) for p in parts) or "(no reasons)"
    return text + (f" [actions: {', '.join(hazards)}]" if hazards else "")


def _table(title: str, rows: dict[str, Counter[str]]) -> list[str]:
    width = max([len(title), *(len(k) for k in rows), len("TOTAL")])
    header = f"{title:<{width}}  {'compared':>8}  " + "  ".join(f"{c:>14}" for c in CATEGORIES)
    lines = [header, "-" * len(header)]
    total: Counter[str] = Counter()
    for key in sorted(rows):
        counts = rows[key]
        total.update(counts)
        compared = sum(counts[c] for c in ("agree", "disagree", "source-unknown"))
        lines.append(f"{key:<{width}}  {compared:>8}  " + "  ".join(f"{counts[c]:>14}" for c in CATEGORIES))
    compared = sum(total[c] for c in ("agree", "disagree", "source-unknown"))
    lines.append(f"{'TOTAL':<{width}}  {compared:>8}  " + "  ".join(f"{total[c]:>14}" for c in CATEGORIES))
    return lines


def report(
    results: list[Comparison],
    runs: dict[str, tuple[Run, Run]],
    missing: dict[str, Counter[str]],
    notes: list[str],
) -> str:
    lines = [*notes, ""]
    builtin = [r for r in results if r.ruleset == NATIVE_BUCKET]
    results = [r for r in results if r.ruleset != NATIVE_BUCKET]
    lines.append(
        f"not compared: {len(builtin)} targets of Bazel built-in rules never loaded from a ruleset "
        "(provenance knowledge from the scanner's own table of native rules, not a knowledge file): "
        + ", ".join(f"{k} {n}" for k, n in Counter(r.kind for r in builtin).most_common())
    )
    lines.append(
        "compared = agree + disagree + source-unknown (the source run judged the target from source)"
    )
    lines.append("")
    by_ruleset: dict[str, Counter[str]] = defaultdict(Counter)
    by_workspace: dict[str, Counter[str]] = defaultdict(Counter)
    for result in results:
        by_ruleset[result.ruleset][result.category] += 1
        by_workspace[result.workspace][result.category] += 1
    lines += _table("ruleset", by_ruleset) + [""]
    lines += _table("workspace", by_workspace) + [""]
    agreeing = {r for r, c in by_ruleset.items() if c["agree"] + c["disagree"] + c["source-unknown"]}
    lines.append(f"rulesets with compared targets: {len(agreeing)}")
    lines.append("")
    lines.append("scans (seconds: knowledge only / with sources; repositories the source run still lacked):")
    for name, (first, second) in sorted(runs.items()):
        errors = " ".join(f"[{e}]" for e in (first.error, second.error) if e)
        repos = sorted(missing.get(name, Counter()).items())
        shown = [(r, n) for r, n in repos if "__links" not in r]  # npm package link repositories
        lacking = ", ".join(f"@{repo} ({n})" for repo, n in shown)
        if len(shown) < len(repos):
            lacking += f", and {len(repos) - len(shown)} npm package link repositories"
        lines.append(f"  {name}: {first.seconds:.1f} / {second.seconds:.1f} {errors}".rstrip())
        if lacking:
            lines.append(f"      lacking: {lacking}")
    for category in ("disagree", "source-unknown", "not-reached", "missing"):
        chosen = [r for r in results if r.category == category]
        lines.append("")
        lines.append(f"== {category}: {len(chosen)}")
        for r in sorted(chosen, key=lambda r: (r.ruleset, r.workspace, r.label)):
            source = r.source or {}
            lines.append(
                f"- [{r.ruleset}] {r.workspace} {r.label} ({r.kind}"
                + (f", generator {r.knowledge.get('generator')}" if r.knowledge.get("generator") else "")
                + f"): knowledge {r.knowledge['verdict']}, source {source.get('verdict', '-')}"
                + (
                    f" ({source.get('provenance')})"
                    if source and source.get("provenance") != "source"
                    else ""
                )
            )
            lines.append(f"    knowledge: {_why(r.knowledge)}")
            lines.append(f"    source:    {_why(r.source)}")
    return "\n".join(lines) + "\n"


# --- main ---------------------------------------------------------------------------------------------


def link_dir(ext: Path, names: dict[str, Path]) -> None:
    ext.mkdir(parents=True, exist_ok=True)
    for entry in ext.iterdir():
        if entry.is_symlink():
            entry.unlink()
    for name, path in names.items():
        (ext / name).symlink_to(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspaces", nargs="+", type=Path)
    parser.add_argument("--rulesets", type=Path, required=True, help="one directory per ruleset source")
    parser.add_argument("--ext", type=Path, default=Path("/work/knowledge-check/ext"), help="symlink dirs")
    parser.add_argument("--mode", choices=("repo", "external"), default="repo")
    parser.add_argument("--alias", action="append", default=[], help="NAME=MODULE: another repository name")
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR, help="the knowledge files")
    parser.add_argument("--runs", type=Path, help="save each scan's JSON here")
    parser.add_argument("--json", type=Path, help="write every comparison as JSON")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument(
        "--no-lacking",
        dest="lacking",
        action="store_false",
        help="skip the third scan (check --select unresolved-load) naming repositories still missing",
    )
    parser.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    args = parser.parse_args(argv)

    knowledge = Knowledge.read(args.knowledge)
    extra = []
    for alias in args.alias:
        name, _, module = alias.partition("=")
        extra.append((module, name))
    sources = Sources.scan(args.rulesets, knowledge, extra)
    if args.runs:
        args.runs.mkdir(parents=True, exist_ok=True)

    jobs: dict[str, tuple[Path, list[str], list[str]]] = {}
    for workspace in args.workspaces:
        workspace = workspace.resolve()
        names = sources.for_workspace(workspace)
        link_dir(args.ext / workspace.name, names)
        if args.mode == "repo":
            flags = [f"--repo={name}={path}" for name, path in names.items()]
        else:
            flags = ["--external", str(args.ext / workspace.name)]
        jobs[workspace.name] = (workspace, [], flags)

    def one(key: tuple[str, int]) -> tuple[tuple[str, int], Run]:
        name, index = key
        workspace, *flag_sets = jobs[name]
        save = args.runs / f"{name}.{('knowledge', 'source')[index]}.json" if args.runs else None
        return key, scan(args.python, workspace, flag_sets[index], args.timeout, save)

    def lacking(name: str) -> tuple[str, Counter[str]]:
        workspace, _, flags = jobs[name]
        return name, missing_repositories(args.python, workspace, flags, args.timeout)

    keys = [(name, index) for name in jobs for index in (0, 1)]
    with ThreadPoolExecutor(args.jobs) as pool:
        done = dict(pool.map(one, keys))
        missing = dict(pool.map(lacking, jobs)) if args.lacking else {}

    results: list[Comparison] = []
    runs: dict[str, tuple[Run, Run]] = {}
    for name, (workspace, _, _) in jobs.items():
        first, second = done[(name, 0)], done[(name, 1)]
        runs[name] = (first, second)
        if first.error or second.error:
            continue
        results += compare(name, first, second, Origins(workspace), knowledge)

    notes = [
        "knowledge check: verdicts from the knowledge base vs from the rulesets' source",
        f"knowledge files ({len(knowledge.files)}): {', '.join(knowledge.files)}",
        f"ruleset sources under {args.rulesets}: " + ", ".join(f"{m}" for m in sorted(sources.by_module)),
        f"source run: --mode {args.mode}, {len(sources.names)} repository names "
        f"(symlinks under {args.ext}/<workspace>/)",
    ]
    sys.stdout.write(report(results, runs, missing, notes))
    if args.json:
        args.json.write_text(
            json.dumps([r.__dict__ for r in results], indent=1, default=str) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
