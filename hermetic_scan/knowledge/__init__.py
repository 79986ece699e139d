"""What the docs say about widely used external rules, for when their source is not on disk.

One TOML file per ruleset under `rulesets/` (docs/knowledge.md gives the format). Each rule says
what kind of target it makes (build, test or run-only), the actions it registers, the tools they run
and where those come from, and whether a remote executor can run them, with the doc it rests on and
the ruleset versions it was checked for. A hazard may depend on an attribute (`driver = "docker"`).
Targets resolved through it carry `provenance: "knowledge"` in every report. Teams add their own
rulesets in the same format (`knowledge = ["file.toml"]` in `.hermetic-scan.toml`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from hermetic_scan.workspace import read_file

KINDS = ("build", "test", "run-only")
REMOTE = ("ok", "no", "depends")
TOOL_ORIGINS = ("toolchain", "bazel", "host", "network")
HAZARDS = ("docker-daemon", "network", "host-tool", "host-path", "workspace-dir")
# When a hazard applies: while the target builds or tests ("build"), or only when its executable runs
# ("run": under `bazel run`, which is the user's machine, or as the tool of another target's action).
HAZARD_WHEN = ("build", "run")
# Repositories made by package managers from a lock file: each holds the packages' own targets
# (libraries, sources) and link or copy actions, never rules of their own that run tools.
PACKAGE_MANAGERS = {
    "npm": "aspect_rules_js npm_translate_lock",
    "pnpm": "aspect_rules_js pnpm",
    "pip": "rules_python pip.parse",
    "pypi": "rules_python pip.parse",
    "maven": "rules_jvm_external maven.install",
    "crates": "rules_rust crate_universe",
    "crate_index": "rules_rust crate_universe",
    "go_deps": "gazelle go_deps",
}


class KnowledgeError(Exception):
    pass


@dataclass(frozen=True)
class Tool:
    name: str
    origin: str  # one of TOOL_ORIGINS


@dataclass(frozen=True)
class Hazard:
    kind: str  # one of HAZARDS
    why: str
    attr: str | None = None  # the hazard holds only when this attribute has one of `values`
    values: tuple[str, ...] = ()
    default: str | None = None  # the attribute's value when the call leaves it out
    when: str = "build"  # one of HAZARD_WHEN
    # For a host-tool hazard: the programs it takes from the host PATH. A worker image that has them
    # all (the executor profile) runs the target, as the ambient-tool rule decides for shell it reads.
    programs: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownRule:
    ruleset: str
    name: str
    kind: str  # one of KINDS
    remote: str  # one of REMOTE
    why: str
    doc: str
    versions: str
    mnemonics: tuple[str, ...] = ()
    tools: tuple[Tool, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    # Attributes naming an executable target its action runs (run_binary's `tool`): what that target
    # does while it runs is judged from the target itself, as for a genrule's tools.
    runs: tuple[str, ...] = ()

    @property
    def test(self) -> bool:
        return self.kind == "test"

    def hazards_when(self, when: str) -> tuple[Hazard, ...]:
        return tuple(h for h in self.hazards if h.when == when)


@dataclass(frozen=True)
class KnownFunction:
    """A helper a rule implementation calls with `ctx` (`find_cc_toolchain(ctx)`): listed only when the
    docs show that whatever it registers runs on declared inputs with toolchain tools, so a rule that
    calls it is not left unknown for that call alone."""

    ruleset: str
    name: str
    why: str
    doc: str
    mnemonics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ruleset:
    name: str  # the module name (bazel_dep name)
    repositories: tuple[str, ...]  # every name it is known by, the module name first
    versions: str
    docs: str
    source: str  # the file it came from
    rules: dict[str, KnownRule] = field(default_factory=dict)
    functions: dict[str, KnownFunction] = field(default_factory=dict)


@dataclass(frozen=True)
class UnreadRuleset:
    """A bundled ruleset file whose `[ruleset]` table alone was read: the repositories it covers.
    A scan asks for the few rulesets its loads name; reading every file whole took 10 to 18 ms a run."""

    repositories: tuple[str, ...]
    text: str
    source: str

    def read(self) -> Ruleset:
        return parse_ruleset(self.text, self.source)


@dataclass
class KnowledgeBase:
    rulesets: list[Ruleset | UnreadRuleset]
    _by_repository: dict[str, Ruleset | UnreadRuleset] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for ruleset in self.rulesets:  # later files (the team's) override earlier ones (bundled)
            for name in ruleset.repositories:
                self._by_repository[name] = ruleset

    def ruleset(self, repository: str) -> Ruleset | None:
        found = self._by_repository.get(_strip_canonical(repository))
        if isinstance(found, UnreadRuleset):
            unread, found = found, found.read()
            for name in found.repositories:
                if self._by_repository.get(name) is unread:
                    self._by_repository[name] = found
        return found

    def rule(self, repository: str, symbol: str) -> KnownRule | None:
        ruleset = self.ruleset(repository)
        return ruleset.rules.get(symbol) if ruleset is not None else None


def _strip_canonical(name: str) -> str:
    """`rules_oci+`, `rules_oci~1.7.0` -> `rules_oci` (a module's canonical names)."""
    return re.split(r"[~+]", name, maxsplit=1)[0] if name else name


def package_manager(repository: str) -> str | None:
    """What made a package-manager repository (`@npm`, `@pypi`...), or None."""
    return PACKAGE_MANAGERS.get(repository)


def _bundled_files() -> list[tuple[str, str]]:
    """(text, source) of the bundled ruleset files, in name order."""
    folder = resources.files("hermetic_scan.knowledge").joinpath("rulesets")
    return [
        (entry.read_text(encoding="utf-8"), f"knowledge/rulesets/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


@cache
def bundled() -> tuple[Ruleset, ...]:
    return tuple(parse_ruleset(text, source) for text, source in _bundled_files())


@cache
def _bundled_unread() -> tuple[Ruleset | UnreadRuleset, ...]:
    return tuple(_unread(text, source) for text, source in _bundled_files())


def _unread(text: str, source: str) -> Ruleset | UnreadRuleset:
    """The file with its `[ruleset]` table read, the text before its first `[[rule]]` or
    `[[function]]`; the whole file when that cut does not hold the table (it is read then)."""
    cut = text.find("\n[[")
    try:
        head = tomllib.loads(text if cut < 0 else text[:cut]).get("ruleset")
    except tomllib.TOMLDecodeError:
        head = None
    if not isinstance(head, dict) or not isinstance(head.get("name"), str):
        return parse_ruleset(text, source)
    return UnreadRuleset(_repositories(_Reader(source), head), text, source)


def load(extra_files: list[Path] = ()) -> KnowledgeBase:  # type: ignore[assignment]
    rulesets = list(_bundled_unread())
    for path in extra_files:
        try:
            text = read_file(path, 1024 * 1024).decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise KnowledgeError(f"{path}: cannot read: {error}") from error
        rulesets.append(parse_ruleset(text, str(path)))
    return KnowledgeBase(rulesets)


@cache
def default() -> KnowledgeBase:
    return KnowledgeBase(list(_bundled_unread()))


# -- decoding: every field checked, an error names the file and the key ------------------------
def parse_ruleset(text: str, source: str) -> Ruleset:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{source}: {error}") from error
    reader = _Reader(source)
    head = reader.table(data, "ruleset")
    reader.only(data, "", {"ruleset", "rule", "function"})
    reader.only(head, "ruleset", {"name", "repositories", "versions", "docs"})
    name = reader.string(head, "ruleset.name")
    versions = reader.string(head, "ruleset.versions")
    docs = reader.url(head, "ruleset.docs")
    repositories = _repositories(reader, head)
    ruleset = Ruleset(name, repositories, versions, docs, source)
    for index, entry in enumerate(reader.tables(data, "rule")):
        where = f"rule[{index}]"
        reader.only(
            entry, where, {"name", "kind", "remote", "why", "doc", "mnemonics", "tools", "hazard", "runs"}
        )
        rule_name = reader.string(entry, f"{where}.name")
        where = f"rule {rule_name!r}"
        kind = reader.choice(entry, f"{where}.kind", KINDS)
        remote = reader.choice(entry, f"{where}.remote", REMOTE)
        tools = []
        for tool in reader.tables(entry, "tools", where):
            reader.only(tool, f"{where}.tools", {"name", "from"})
            tools.append(
                Tool(
                    reader.string(tool, f"{where}.tools.name"),
                    reader.choice(tool, f"{where}.tools.from", TOOL_ORIGINS),
                )
            )
        hazards = []
        for hazard in reader.tables(entry, "hazard", where):
            reader.only(
                hazard, f"{where}.hazard", {"kind", "why", "attr", "values", "default", "when", "programs"}
            )
            attr = reader.optional_string(hazard, f"{where}.hazard.attr")
            values = tuple(reader.strings(hazard, f"{where}.hazard.values", []))
            if (attr is None) != (not values):
                raise KnowledgeError(f"{source}: {where}.hazard: 'attr' and 'values' go together")
            hazards.append(
                Hazard(
                    reader.choice(hazard, f"{where}.hazard.kind", HAZARDS),
                    reader.string(hazard, f"{where}.hazard.why"),
                    attr,
                    values,
                    reader.optional_string(hazard, f"{where}.hazard.default"),
                    reader.choice(hazard, f"{where}.hazard.when", HAZARD_WHEN)
                    if "when" in hazard
                    else "build",
                    tuple(reader.strings(hazard, f"{where}.hazard.programs", [])),
                )
            )
            if hazards[-1].programs and hazards[-1].kind != "host-tool":
                raise KnowledgeError(f'{source}: {where}.hazard: "programs" belongs to a host-tool hazard')
        build_hazards = [h for h in hazards if h.when == "build"]
        if any(h.when == "run" for h in hazards) and kind != "run-only":
            raise KnowledgeError(f'{source}: {where}: a hazard with when = "run" needs kind = "run-only"')
        if remote == "ok" and (build_hazards or any(t.origin in ("host", "network") for t in tools)):
            raise KnowledgeError(f'{source}: {where}: remote = "ok" with hazards or host tools')
        if remote == "no" and not build_hazards:
            raise KnowledgeError(f'{source}: {where}: remote = "no" needs a hazard saying why')
        if remote == "depends" and not any(h.attr for h in build_hazards):
            raise KnowledgeError(f'{source}: {where}: remote = "depends" needs a hazard with attr')
        ruleset.rules[rule_name] = KnownRule(
            name,
            rule_name,
            kind,
            remote,
            reader.string(entry, f"{where}.why"),
            reader.url(entry, f"{where}.doc") if "doc" in entry else docs,
            versions,
            tuple(reader.strings(entry, f"{where}.mnemonics", [])),
            tuple(tools),
            tuple(hazards),
            tuple(reader.strings(entry, f"{where}.runs", [])),
        )
    for index, entry in enumerate(reader.tables(data, "function")):
        where = f"function[{index}]"
        reader.only(entry, where, {"name", "why", "doc", "mnemonics"})
        function_name = reader.string(entry, f"{where}.name")
        where = f"function {function_name!r}"
        ruleset.functions[function_name] = KnownFunction(
            name,
            function_name,
            reader.string(entry, f"{where}.why"),
            reader.url(entry, f"{where}.doc") if "doc" in entry else docs,
            tuple(reader.strings(entry, f"{where}.mnemonics", [])),
        )
    if not ruleset.rules and not ruleset.functions:
        raise KnowledgeError(f"{source}: no [[rule]] or [[function]] entries")
    return ruleset


def _repositories(reader: _Reader, head: dict[str, Any]) -> tuple[str, ...]:
    name = reader.string(head, "ruleset.name")
    return (name, *[r for r in reader.strings(head, "ruleset.repositories", []) if r != name])


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, expected: str) -> KnowledgeError:
        return KnowledgeError(f"{self.source}: {key}: {expected}")

    def only(self, table: dict[str, Any], where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(
                    f"{where}.{key}" if where else key,
                    f"unknown key (expected one of: {', '.join(sorted(allowed))})",
                )

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.fail(key, "expected a table")
        return value

    def tables(self, data: dict[str, Any], key: str, where: str = "") -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{where}.{key}" if where else key, "expected an array of tables")
        return value

    def string(self, data: dict[str, Any], key: str) -> str:
        value = data.get(key.rsplit(".", 1)[-1])
        if not isinstance(value, str) or not value:
            raise self.fail(key, "expected a non-empty string")
        return value

    def optional_string(self, data: dict[str, Any], key: str) -> str | None:
        return self.string(data, key) if key.rsplit(".", 1)[-1] in data else None

    def url(self, data: dict[str, Any], key: str) -> str:
        value = self.string(data, key)
        if not value.startswith("https://"):
            raise self.fail(key, "expected the https:// address of the doc the entry rests on")
        return value

    def strings(self, data: dict[str, Any], key: str, default: list[str]) -> list[str]:
        value = data.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "expected a list of non-empty strings")
        return value

    def choice(self, data: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
        value = self.string(data, key)
        if value not in allowed:
            raise self.fail(key, f"expected one of {', '.join(allowed)}")
        return value
