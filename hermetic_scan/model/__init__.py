"""The semantic model of a workspace: modules, rule classes, their actions, targets, shell sites.

Built once per scan from files on disk (or editor buffers); rules and the inventory only read it.
"""

from __future__ import annotations

import os
import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from tree_sitter import Node

from hermetic_scan import reads, shell
from hermetic_scan.bazel.bazelrc import RcFiles, load_bazelrc
from hermetic_scan.diagnostics import Span
from hermetic_scan.guard import guarded
from hermetic_scan.knowledge import KnowledgeBase, KnownRule
from hermetic_scan.labels import Label, LabelError, parse_label
from hermetic_scan.model.actions import (
    ActionAnalyzer,
    ActionModel,
    ImplementationModel,
    ShellSite,
    TemplateReader,
    script_language,
)
from hermetic_scan.model.evaluate import EVERY_NAME, Interpreter, ReadSet
from hermetic_scan.model.host_toolchains import (
    HostLink,
    HostToolchain,
    TypeKey,
    configured_in,
    linking_rules,
    may_configure_hosts,
    package_modules,
    type_key,
)
from hermetic_scan.model.modules import (
    Loader,
    ModuleModel,
    analysis_shape,
    context_parameters,
    may_define_a_rule,
    name_digests,
)
from hermetic_scan.model.targets import Target, script_labels, targets_of_build_file
from hermetic_scan.model.values import Function, ListV, RuleClass, Str, UnresolvedSymbol
from hermetic_scan.source import DECLARED_TOKEN, MappedText, SourceFile
from hermetic_scan.workspace import Repository, Workspace, is_file


@dataclass(eq=False, slots=True)
class TargetModel:
    target: Target
    rule: RuleClass | None
    implementation: ImplementationModel | None
    actions: list[ActionModel] = field(default_factory=list)  # actions of native rules (genrule)
    sites: list[ShellSite] = field(default_factory=list)  # shell owned by the target itself
    unresolved: list[str] = field(default_factory=list)
    # A genrule's `$(location X)` command words and the source scripts among them, computed once.
    run_labels: list[str] | None = None
    run_scripts: list[SourceFile] | None = None
    # The targets whose executables it runs (`tools_run`), asked by the model and by two rules.
    tools: list[tuple[TargetModel, ActionModel | None]] | None = None


@dataclass(frozen=True)
class ScriptHead:
    """What a script's first line says: the interpreter its shebang runs, and where that line is."""

    language: str
    first_line: Span

    @staticmethod
    def of(source: SourceFile) -> ScriptHead | None:
        """None for a script a shell or cmd.exe runs: workspace rules only ask about the others."""
        language = script_language(source.text)
        if language in ("shell", "batch"):
            return None
        return ScriptHead(language, source.span(0, len(source.line_text(0).encode("utf-8"))))


@dataclass
class WorkspaceFacts:
    """What workspace-wide checks read about all targets and files. Plain data: a scan split across
    processes gathers these in each and merges them (unions), so every check sees the whole workspace."""

    known_mnemonics: set[str] = field(default_factory=set)
    dynamic_mnemonics: bool = False
    load_problems: list[tuple[str, Span, str]] = field(default_factory=list)  # (kind, span, message)
    io_problems: list[tuple[str, str]] = field(default_factory=list)  # (display path, message)
    # Files whose analysis raised (rules/internal_error.py): (display path, message)
    internal_problems: list[tuple[str, str]] = field(default_factory=list)
    # Scripts a target runs directly (sh_test sources, genrule command words) through an interpreter
    # other than a shell: what their shebang runs and the labels running them. Only the first line
    # is kept: these facts cross between shards, and whole scripts made them tens of MB at 20k files.
    script_runners: dict[str, tuple[ScriptHead, set[str]]] = field(default_factory=dict)

    def merge(self, other: WorkspaceFacts) -> None:
        self.merge_all([other])

    def merge_all(self, others: Iterable[WorkspaceFacts]) -> None:
        """Merge many at once: the problems are deduplicated in one pass, not once per merge (a scan
        that reuses 16,000 packages' facts spent 15 s rebuilding the lists one merge at a time)."""
        load = dict.fromkeys(self.load_problems)
        io = dict.fromkeys(self.io_problems)
        internal = dict.fromkeys(self.internal_problems)
        for other in others:
            self.known_mnemonics |= other.known_mnemonics
            self.dynamic_mnemonics |= other.dynamic_mnemonics
            load.update(dict.fromkeys(other.load_problems))
            io.update(dict.fromkeys(other.io_problems))
            internal.update(dict.fromkeys(other.internal_problems))
            for path, (head, labels) in other.script_runners.items():
                self.script_runners.setdefault(path, (head, set()))[1].update(labels)
        self.load_problems, self.io_problems, self.internal_problems = list(load), list(io), list(internal)


@dataclass(eq=False)
class WorkspaceModel:
    workspace: Workspace
    loader: Loader
    build_modules: list[ModuleModel] = field(default_factory=list)
    bzl_modules: list[ModuleModel] = field(default_factory=list)
    other_modules: list[ModuleModel] = field(default_factory=list)
    rules: dict[str, RuleClass] = field(default_factory=dict)
    implementations: dict[str, ImplementationModel] = field(default_factory=dict)
    helpers: list[ImplementationModel] = field(default_factory=list)
    targets: list[TargetModel] = field(default_factory=list)
    script_files: dict[str, SourceFile] = field(default_factory=dict)
    rc: RcFiles = field(default_factory=RcFiles)
    template_files: dict[str, SourceFile] = field(default_factory=dict)
    _by_label: dict[str, TargetModel] = field(default_factory=dict, repr=False)
    _owners_by_function: dict[int, set[str]] = field(default_factory=dict, repr=False)
    # `owned_functions` of a record of the analysis, when its rules were not analyzed in this scan.
    recorded_owners: dict[tuple[str, str], frozenset[str]] | None = field(default=None, repr=False)
    # Packages evaluated before their turn or outside this model's share of the BUILD files (another
    # package's genrule named one of their targets): BUILD display path -> targets by label.
    _packages: OrderedDict[str, dict[str, TargetModel]] = field(default_factory=OrderedDict, repr=False)
    _evaluate: Callable[[ModuleModel], list[TargetModel]] | None = field(default=None, repr=False)
    _evaluated: set[str] = field(
        default_factory=set, repr=False
    )  # BUILD files whose targets are in `targets`
    _build_modules: dict[tuple[str, str], ModuleModel | None] = field(default_factory=dict, repr=False)
    # Toolchain types configured from the fetching machine, and the .bzl files already read for them.
    _host_toolchains: dict[TypeKey, HostToolchain] = field(default_factory=dict, repr=False)
    _host_scanned: set[str] = field(default_factory=set, repr=False)
    # Targets of the BUILD files being evaluated, by label: a target may name one defined below it.
    _defining: dict[str, dict[str, Target]] = field(default_factory=dict, repr=False)
    # BUILD files whose targets were evaluated in turn and then released (`release`), and the loader's
    # key of every BUILD module read for evaluation or lookup (display path -> path), to forget them.
    _released: set[str] = field(default_factory=set, repr=False)
    loaded_sources: dict[str, SourceFile] | None = field(default=None, repr=False)  # engine._loaded_sources
    _loaded_builds: dict[str, Path] = field(default_factory=dict, repr=False)
    # BUILD file (display path) -> its keys in _build_modules (`//p` and `@main//p` are two keys of one).
    _build_keys: dict[str, set[tuple[str, str]]] = field(default_factory=dict, repr=False)
    # Files sourced by shell scripts -> the functions they define (None: unreadable or not a library).
    _library_functions: dict[str, frozenset[str] | None] = field(default_factory=dict, repr=False)
    # The package being evaluated and checked, and what it touched besides itself (`PackageWatch`).
    watch: PackageWatch | None = field(default=None, repr=False)
    # BUILD file (display path) -> what its targets depend on (`package_graph`); None when not known.
    _graph: dict[str, tuple[frozenset[str], frozenset[str]] | None] = field(default_factory=dict, repr=False)
    # BUILD file -> the top-level names of each .bzl file (real path) its targets read (`reads_of`).
    _reads: dict[str, dict[str, frozenset[str]] | None] = field(default_factory=dict, repr=False)
    _displays: dict[str, str] = field(default_factory=dict, repr=False)  # real path -> display path
    _read_names: dict[frozenset[str], frozenset[str]] = field(default_factory=dict, repr=False)
    # BUILD file -> the problems met when it was evaluated during another package's turn (`PackageWatch`).
    _before_turn: dict[str, WorkspaceFacts | None] = field(default_factory=dict, repr=False)
    _real_paths: dict[Path, str] = field(default_factory=dict, repr=False)
    # id of a loaded module -> (the module, its load closure): `_load_closure`.
    _closures: dict[int, tuple[ModuleModel, frozenset[str] | None]] = field(default_factory=dict, repr=False)
    # The rules the .bzl files define (`prepare_model`), and those of them whose implementation is
    # analyzed only when a target of theirs is evaluated (`analyze_bzl_files` was skipped).
    bzl_rules: frozenset[str] = frozenset()
    deferred: set[str] = field(default_factory=set, repr=False)
    # Prepared from a record (`prepare_recorded`): the workspace's .bzl files (display path -> where),
    # and, once the packages are done, their sources (`read_recorded_sources`), parsed or not.
    recorded_sources: dict[str, str] | None = field(default=None, repr=False)
    bzl_sources: dict[str, SourceFile] = field(default_factory=dict, repr=False)
    # What deferred analyses added to the loader and the model (modules parsed, implementations,
    # templates): not counted against the package evaluated then (`_shared_state`).
    _deferred_counts: list[int] = field(default_factory=lambda: [0, 0, 0], repr=False)

    @property
    def knowledge(self) -> KnowledgeBase:
        """The bundled knowledge of rulesets, with the team's files (read when first needed)."""
        return self.loader.knowledge

    def known_rule(self, callee: UnresolvedSymbol) -> tuple[str, KnownRule | None] | None:
        """For a rule loaded from an unavailable repository: (the ruleset's name, what the knowledge
        says of this symbol, None when the ruleset is known but the symbol is not); None when the
        repository is not a known ruleset."""
        ruleset = self.loader.known_ruleset(callee.label)
        return (ruleset.name, ruleset.rules.get(callee.symbol)) if ruleset is not None else None

    def host_toolchain(self, rule: RuleClass, toolchain_type: str) -> HostToolchain | None:
        """The repository rule that configures a toolchain type `rule` asks for from the fetching
        machine (`which()`), when one is in sight: in a .bzl file already read, or beside the type."""
        key = type_key(self.loader, toolchain_type, rule.module.repo, rule.module.package)
        if key is None:
            return None
        candidates = [m for m in list(self.loader.modules.values()) if m.rel_path.endswith(".bzl")]
        if key not in self._host_toolchains:
            candidates += package_modules(self.loader, key)
        _scan_for_host_toolchains(self.loader, candidates, self._host_toolchains, self._host_scanned)
        return self._host_toolchains.get(key)

    def host_link(self, repository: str) -> HostLink | None:
        """What the repository rule that makes `@repository` links from the fetching machine, when
        MODULE.bazel (`use_repo_rule`) or WORKSPACE calls it and its .bzl file is in sight."""
        made_by = self.loader.module_deps.repo_rules.get(repository)
        if made_by is None:
            return None
        label_text, rule_name = made_by
        try:
            label = parse_label(label_text)
        except LabelError:
            return None
        resolved = self.loader.resolve(label, self.workspace.main)
        if resolved is None:
            return None
        repo, _path = resolved
        module = self.loader.module(repo, label.path)
        if module is None:
            return None
        if self.watch is not None:  # read through the functions of the file, not its globals
            self.watch.read_whole(module, self)
        return linking_rules(module).get(rule_name)

    def sources(self) -> dict[str, SourceFile]:
        """Every file the model read, by the path findings use."""
        out = {m.source.path: m.source for m in self.build_modules + self.bzl_modules}
        out.update(self.bzl_sources)
        out.update({m.source.path: m.source for m in self.other_modules})
        out.update(self.script_files)
        out.update(self.template_files)
        out.update({f.path: f for f in self.rc.files})
        return out

    def known_mnemonics(self) -> set[str]:
        """Mnemonics some action of this workspace has (Bazel's own rules' included)."""
        return self.targets_facts(self.targets).known_mnemonics

    def facts(self) -> WorkspaceFacts:
        facts = self.targets_facts(self.targets)
        facts.merge(self.loader_facts())
        return facts

    def targets_facts(self, targets: list[TargetModel], with_rules: bool = True) -> WorkspaceFacts:
        """The facts `targets` contribute (their actions' mnemonics and the scripts they run), and
        `with_rules` those of the rule implementations and helpers."""
        runners: dict[str, tuple[ScriptHead, set[str]]] = {}
        heads: dict[str, ScriptHead | None] = {}
        for tm in targets:
            target = tm.target
            scripts: list[SourceFile] = []
            if target.kind == "sh_test":
                scripts = [site.text.source for site in tm.sites if site.text.source is not None]
            elif target.kind == "genrule":
                scripts = self.genrule_scripts(tm)
            for source in scripts:
                if source.path not in heads:
                    heads[source.path] = ScriptHead.of(source)
                head = heads[source.path]
                if head is not None:
                    runners.setdefault(source.path, (head, set()))[1].add(target.text)
        actions = (self.rule_actions() if with_rules else []) + [a for tm in targets for a in tm.actions]
        facts = actions_facts(actions)
        if any(t.target.kind == "genrule" for t in targets):
            facts.known_mnemonics.add("Genrule")
        if any(t.target.is_test for t in targets):
            facts.known_mnemonics.add("TestRunner")
        facts.script_runners = runners
        return facts

    def loader_facts(self) -> WorkspaceFacts:
        """The problems of reading and loading files, once every file is read."""
        return WorkspaceFacts(
            load_problems=[(p.kind, p.span, p.message) for p in self.loader.problems],
            io_problems=list(self.loader.io_problems),
            internal_problems=list(self.loader.internal_problems),
        )

    @property
    def modules(self) -> list[ModuleModel]:
        return self.build_modules + self.bzl_modules + self.other_modules

    def all_actions(self) -> list[ActionModel]:
        return self.rule_actions() + [a for t in self.targets for a in t.actions]

    def rule_actions(self) -> list[ActionModel]:
        """The actions of rule implementations and helpers (not of native rules' targets)."""
        out = [a for impl in self.implementations.values() for a in impl.actions]
        out += [a for impl in self.helpers for a in impl.actions]
        return out

    def all_sites(self) -> list[ShellSite]:
        out = [s for impl in self.implementations.values() for s in impl.sites]
        out += [s for impl in self.helpers for s in impl.sites]
        out += [s for t in self.targets for s in t.sites]
        return out

    def target_by_label(self, label: str) -> TargetModel | None:
        return self._by_label.get(label)

    def find_target(
        self, label: Label, current: ModuleModel | None = None, context: Repository | None = None
    ) -> TargetModel | None:
        """The target a label names, evaluating its package if no target of it is known yet; the
        label is written in a file of `context` (or `current`'s repository; the main one without).

        Independent of the order BUILD files are evaluated in, and of how they are split between
        processes, except within `current` (the BUILD file being evaluated), where only the targets
        above are known.
        """
        label = self.labelled(label, current.repo if current is not None else context)
        watch = (
            self.watch
            if self.watch is not None and (label.repo, label.package) != self.watch.package
            else None
        )
        found = self._by_label.get(str(label))
        if found is not None or self._evaluate is None:
            if watch is not None:
                watch.looked_up(self, found.target.build.display_path if found is not None else None)
            return found
        build = self._build_module(label)
        key = build.display_path if build is not None else ""
        if build is None and watch is not None and self._no_package(label):
            return None  # and never will be, while the cache's key holds (`PackageWatch.looked_up`)
        if build is None or build is current or (key in self._evaluated and key not in self._released):
            if watch is not None:
                watch.looked_up(self, key or None)
            return None
        if key not in self._packages:
            self._packages[key] = {}  # a package reached again while it is evaluated sees none
            targets: dict[str, TargetModel] = {}
            for tm in self._evaluate(build):
                targets.setdefault(tm.target.text, tm)
            self._packages[key] = targets
            while len(self._packages) > PACKAGES_KEPT:
                self._packages.popitem(last=False)
        else:
            self._packages.move_to_end(key)
        if watch is not None:
            watch.looked_up(self, key)
        return self._packages[key].get(str(label))

    def definition(self, label: Label, current: ModuleModel) -> Target | None:
        """The target a label names, from a BUILD file evaluated while `current` is (its own targets
        included, wherever they are defined in it)."""
        label = self.labelled(label, current.repo)
        defining = self._defining.get(current.display_path)
        if defining is not None and self._build_module(label) is current:
            return defining.get(str(label))
        found = self.find_target(label, current)
        return found.target if found is not None else None

    def labelled(self, label: Label, context: Repository | None = None) -> Label:
        """A label written in a file of `context` (the main repository without) as the model labels
        targets: `@rules_x//pkg:t` written inside rules_x itself is `//pkg:t`, `@other_module//pkg:t`
        the label of the nested repository it names (docs/architecture.md, "Nested repositories")."""
        if not label.repo:
            return label
        repo = self.loader.repository(label.repo, context or self.workspace.main)
        if repo is None or repo.external or repo.name == label.repo:
            return label
        return Label(repo.name, label.package, label.name)

    def package_targets(self, current: ModuleModel) -> list[Target]:
        """The targets of the BUILD file being evaluated."""
        return list(self._defining.get(current.display_path, {}).values())

    def _build_module(self, label: Label) -> ModuleModel | None:
        key = (label.repo, label.package)
        if key not in self._build_modules:
            module = self._build_modules[key] = self._find_build_module(label)
            if module is not None:  # `//p` and `@main//p` are two keys of one module
                self._build_keys.setdefault(module.display_path, set()).add(key)
        return self._build_modules[key]

    def _no_package(self, label: Label) -> bool:
        """Whether the label's package does not exist: its repository is not available, or no BUILD
        file was found there by the walk. Either holds until a BUILD file is added (the walk lists
        their names) or what says where repositories are changes (MODULE.bazel, WORKSPACE,
        `--repo`/`--external` directories): both run a whole scan (cache.py). A BUILD file found
        but not read is not this (a later fix to it is a BUILD edit the lookup depends on)."""
        repo = self.loader.repository(label.repo, self.workspace.main)
        return repo is None or label.package not in repo.packages

    def _find_build_module(self, label: Label) -> ModuleModel | None:
        repo = self.loader.repository(label.repo, self.workspace.main)
        if repo is None or label.package not in repo.packages:
            return None
        for name in ("BUILD.bazel", "BUILD"):
            rel = f"{label.package}/{name}" if label.package else name
            if is_file(repo.root / rel):
                module = self.loader.module(repo, rel, label.package)
                if module is not None:
                    self.loaded_build(module, repo.root / rel)
                return module
        return None

    def evaluated(self, build: ModuleModel, watch: PackageWatch) -> None:
        """Note what the targets of a package just evaluated (or checked) depend on (`package_graph`)."""
        display = build.display_path
        before = self._graph.get(display, (frozenset(), frozenset()))
        closure = self._load_closure(build) if watch.isolated and before is not None else None
        if closure is None or before is None:
            self._graph[display] = None
            return
        self._graph[display] = (closure | before[0] | watch.whole, frozenset(watch.names) | before[1])
        known = self._reads.get(display, {})
        now = self.reads_by_file(watch.reads) if watch.reads is not None else None
        self._reads[display] = (
            self._merged_reads(known, now) if known is not None and now is not None else None
        )

    def reads_of(self, build: str, watch: PackageWatch | None = None) -> dict[str, frozenset[str]] | None:
        """The top-level names of each .bzl file (by real path) that evaluating and checking a
        package read (`evaluate.ReadSet`), the analyses of its targets' rules included, and with
        `watch`, what its turn read so far; None when not known. An edit to a .bzl file that
        changes none of them leaves the package's part of the scan as it was (`cache.still_valid`)."""
        known = self._reads.get(build)
        if watch is None or known is None:
            return known
        now = self.reads_by_file(watch.reads) if watch.reads is not None else None
        return self._merged_reads(known, now) if now is not None else None

    def reads_by_file(self, read: ReadSet) -> dict[str, frozenset[str]] | None:
        """The names of .bzl files in `read`, by real path; None when a file's place is not known."""
        by_file: dict[str, set[str]] = {}
        for module, name in read.names:
            if not module.rel_path.endswith(".bzl"):
                continue  # a BUILD file's own globals: its own file, in `depends`
            real = self._real_path(module)
            if real is None:
                return None
            self._displays[real] = module.display_path
            by_file.setdefault(real, set()).add(sys.intern(name))  # one string each, kept per package
        # Most packages read the same few names of a file: one set each, shared.
        return {
            real: self._read_names.setdefault(key := frozenset(names), key) for real, names in by_file.items()
        }

    def _merged_reads(
        self, one: dict[str, frozenset[str]], other: dict[str, frozenset[str]]
    ) -> dict[str, frozenset[str]]:
        merged = dict(one)
        for real, names in other.items():
            known = merged.get(real)
            if known is None:
                merged[real] = names
            elif not names <= known:
                union = known | names
                merged[real] = self._read_names.setdefault(union, union)
        return merged

    def placed_in(self, record: bytes, read: Mapping[str, frozenset[str]]) -> frozenset[str]:
        """The files of `read` (real paths) whose places a package's pickled record may hold: every
        place is held with the path reports show for its file (a finding's span, an action's key, a
        rule's key), so a record without that path holds none."""
        return frozenset(
            real
            for real in read
            if (display := self._displays.get(real)) is None
            or display.encode("utf-8", "surrogatepass") in record
        )

    def edges_of(self, build: str) -> tuple[frozenset[str], frozenset[str]] | None:
        """What the targets of a package (by its BUILD file) depend on (`package_graph`); None unless
        it is known: it was evaluated, and every package it named a target of is known in turn
        (`PackageWatch.isolated`)."""
        return self._graph.get(build)

    def package_graph(self) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
        """BUILD file (display path) -> the real paths of it and of every file it loads, directly or
        not, and the BUILD files of the packages it named targets of: what its targets are a function
        of, for each package evaluated whose dependencies are known (`edges_of`)."""
        return {build: edges for build, edges in self._graph.items() if edges is not None}

    def _load_closure(self, build: ModuleModel) -> frozenset[str] | None:
        """Where a BUILD file and every file it loads, directly or not, were read (as the read log
        names them: real paths); None when a load of one of them is not resolved. The closure of
        each loaded module is computed once (`_closures`): thousands of packages load the same few."""
        real = self._real_path(build)
        if real is None or len(build.loads) != len(build.load_nodes):
            return None
        parts = [frozenset((real,))]
        for load in build.loads:
            if load.module is None:
                continue
            closure = self._walk_closure(load.module, {})[0]
            if closure is None:
                return None
            parts.append(closure)
        return frozenset().union(*parts)

    def _walk_closure(
        self, module: ModuleModel, walking: dict[int, int]
    ) -> tuple[frozenset[str] | None, int]:
        """A loaded module's closure (`_load_closure`), kept once it is whole, and the depth of the
        shallowest module on the walk's path that a load in it led back to. The loader leaves a load
        that closes a cycle unresolved (load-cycle reports it), so this is a guard: a closure that led
        back above its own module would be partial (that module's walk is not done) and is not kept."""
        known = self._closures.get(id(module))
        if known is not None and known[0] is module:
            return known[1], len(walking)
        real = self._real_path(module)
        if real is None or len(module.loads) != len(module.load_nodes):
            closure = None
        elif id(module) in walking:
            return frozenset((real,)), walking[id(module)]
        else:
            depth = walking[id(module)] = len(walking)
            parts, low = [frozenset((real,))], depth
            for load in module.loads:
                if load.module is None:
                    continue
                inner, inner_low = self._walk_closure(load.module, walking)
                low = min(low, inner_low)
                if inner is None:
                    parts = []
                    break
                parts.append(inner)
            del walking[id(module)]
            closure = frozenset().union(*parts) if parts else None
            if low < depth:
                return closure, low
        self._closures[id(module)] = (module, closure)  # the module is kept: its id stays its own
        return closure, len(walking)

    def _real_path(self, module: ModuleModel) -> str | None:
        origin = module.source.origin
        if origin is None:
            return None
        real = self._real_paths.get(origin)
        if real is None:
            real = self._real_paths[origin] = os.path.realpath(origin)
        return real

    def loaded_build(self, module: ModuleModel, path: Path) -> None:
        """Note a BUILD module the loader read (`path` is its key there), for `release` to forget it."""
        self._loaded_builds[module.display_path] = path

    def add_target(self, tm: TargetModel) -> bool:
        label = tm.target.text
        if label in self._by_label:
            return False  # both branches of an undecidable `if` named the same target: keep the first
        self.targets.append(tm)
        self._by_label[label] = tm
        return True

    def release(self, builds: list[ModuleModel], targets: list[TargetModel]) -> None:
        """Forget packages whose rules ran: their targets move to the packages kept for lookups
        (`_packages`, the least recently used beyond `PACKAGES_KEPT` dropped), and the syntax trees of
        every BUILD file not kept there are let go. A label of a package no longer kept is answered by
        evaluating it again (`find_target`), which gives the same targets."""
        self._released.update(build.display_path for build in builds)
        for tm in targets:
            del self._by_label[tm.target.text]
            # Kept for lookups like a package evaluated for one: neighbours name each other's targets.
            package = self._packages.setdefault(tm.target.build.display_path, {})
            package.setdefault(tm.target.text, tm)
            self._packages.move_to_end(tm.target.build.display_path)
        gone = {id(tm) for tm in targets}
        self.targets = [tm for tm in self.targets if id(tm) not in gone]
        self.build_modules = []
        self._keep_packages(PACKAGES_KEPT)

    def forget_packages(self) -> None:
        """Let go of the packages kept for lookups, once every BUILD file was evaluated: no lookup
        comes after, and the end of a scan, where findings and reports are built, is where its
        memory peaks."""
        self._keep_packages(0)

    def _keep_packages(self, count: int) -> None:
        """Keep the `count` packages used last, and the syntax trees of their BUILD files alone."""
        while len(self._packages) > count:
            self._packages.popitem(last=False)
        kept = self._packages.keys()
        for display, path in list(self._loaded_builds.items()):
            if display not in kept:
                self.loader.modules.pop(path, None)
                del self._loaded_builds[display]
        for display, keys in list(self._build_keys.items()):
            if display not in kept:
                for key in keys:
                    del self._build_modules[key]
                del self._build_keys[display]

    def package_file(self, target: Target, label_text: str) -> SourceFile | None:
        """A source file named by a label, if it exists (not a rule): of the target's repository, or
        of another one the scan can read (a nested repository, an external one it found)."""
        try:
            label = parse_label(label_text, target.label.repo, target.label.package)
        except LabelError:
            return None
        return _script_file(self, target, label, unless_a_target=True)

    def genrule_scripts(self, tm: TargetModel) -> list[SourceFile]:
        """Source scripts a genrule runs as a command (`$(location gen.sh) ...`)."""
        if tm.run_scripts is None:
            found = (self.package_file(tm.target, label_text) for label_text in command_labels(tm))
            tm.run_scripts = [source for source in found if source is not None]
        return tm.run_scripts

    def owners_of(self, module: ModuleModel, node: Node) -> set[str]:
        """Rule keys whose implementation analysis went through the top-level function around `node`
        (from `recorded_owners` when set). Functions are matched through `module.functions`: the
        analysis records the id() of those stored nodes, and tree-sitter makes a new Node object on
        every step to a parent."""
        scope: Node | None = node
        while scope is not None:
            if scope.type == "function_definition":
                name = scope.child_by_field_name("name")
                text = module.text(name) if name is not None else ""
                stored = module.functions.get(text)
                if stored is not None and stored.start_byte == scope.start_byte:
                    if self.recorded_owners is not None:
                        return set(self.recorded_owners.get((module.display_path, text), ()))
                    return set(self._owners().get(id(stored), set()))
            scope = scope.parent
        return set()

    def _owners(self) -> dict[int, set[str]]:
        if not self._owners_by_function:
            for key, impl in self.implementations.items():
                for function_id in impl.function_ids:
                    self._owners_by_function.setdefault(function_id, set()).add(key)
        return self._owners_by_function

    def owned_functions(self) -> dict[tuple[str, str], frozenset[str]]:
        """`owners_of` for each function of the .bzl files some rule's analysis went through, by
        (display path, name): what a record of the analysis keeps (`recorded_owners`)."""
        owners = self._owners()
        return {
            (module.display_path, name): frozenset(owners[id(node)])
            for module in self.bzl_modules
            for name, node in module.functions.items()
            if id(node) in owners
        }


@dataclass(eq=False)
class PreparedModel:
    """A model whose .bzl files are parsed and analyzed (rule classes, their implementations,
    helpers) and whose BUILD files are not evaluated yet. A scan in shards prepares it once, before
    forking: every shard would otherwise analyze every .bzl file again, and the forked shards share
    its pages (syntax trees above all) instead of each holding a copy."""

    model: WorkspaceModel
    interpreter: Interpreter
    analyzer: ActionAnalyzer
    templates: TemplateReader
    # The problems met while analyzing the rules and helpers (`analyze_bzl_files`), and the
    # templates read then; None until they are analyzed.
    bzl_problems: WorkspaceFacts | None = None
    bzl_templates: dict[str, str] | None = None
    bzl_depends: frozenset[str] = frozenset()  # real paths of the Starlark files read by then
    # What reading the .bzl files gave, before any analysis (`Preparation`); None for a model that
    # a record of it stands in for (`prepare_recorded`).
    preparation: Preparation | None = None
    # The names of .bzl files that finding the rules, analyzing them and the helpers read, when
    # reads are recorded (`evaluate.ReadSet`): the record of that analysis holds while none of them
    # changes (cache.py).
    bzl_reads: ReadSet | None = None


@dataclass
class Preparation:
    """What `prepare_model` read before analyzing anything, kept by the cache with the record of the
    analysis (engine.BzlRecord) so that a BUILD edit need not read the .bzl files again: it parses
    only those the packages it evaluates load (`prepare_recorded`). Valid while the record is: after
    no .bzl edit, or one that changed none of its load statements, no file that may configure a
    toolchain, and no name the analysis read (`cache._bzl_carried`, which gives it the edited
    files' `names` as they are now)."""

    loaded: tuple[str, ...]  # the .bzl modules it parsed (the loader's keys), in order
    sources: dict[str, str]  # display path -> where it is, of each .bzl file of the workspace read
    facts: WorkspaceFacts  # the problems met reading them and resolving their loads
    # Toolchain types the modules it parsed configure from the fetching machine, and their display
    # paths (`WorkspaceModel.host_toolchain` looks in every .bzl file already read).
    host_toolchains: dict[TypeKey, HostToolchain] = field(default_factory=dict)
    host_scanned: frozenset[str] = frozenset()
    # Real path -> `modules.name_digests` of each .bzl module it parsed: against the file as it reads
    # after an edit, which names the edit changed (`cache.still_valid`).
    names: dict[str, dict[str, bytes]] = field(default_factory=dict)
    shapes: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)
    displays: dict[str, str] = field(default_factory=dict)  # real path -> display path
    configuring: frozenset[str] = frozenset()  # real paths of those that may (`may_configure_hosts`)

    @staticmethod
    def of(model: WorkspaceModel) -> Preparation:
        loader = model.loader
        loaded = tuple(str(path) for path, m in loader.modules.items() if m.rel_path.endswith(".bzl"))
        return Preparation(
            loaded,
            {m.display_path: str(m.source.origin) for m in model.bzl_modules if m.source.origin is not None},
            model.loader_facts(),
        )

    def with_host_toolchains(self, loader: Loader) -> Preparation:
        """With the toolchain types the parsed modules configure, found as `host_toolchain` does."""
        found: dict[TypeKey, HostToolchain] = {}
        scanned: set[str] = set()
        modules = [m for path in self.loaded if (m := loader.modules.get(Path(path))) is not None]
        _scan_for_host_toolchains(loader, modules, found, scanned)
        return replace(self, host_toolchains=found, host_scanned=frozenset(scanned))

    def with_names(self, model: WorkspaceModel) -> Preparation:
        """With the digests of the top-level names of every .bzl module parsed by now, what of each
        decides what the analysis reads (`modules.analysis_shape`), and which may configure a
        toolchain from the fetching machine."""
        names, shapes, displays, configuring = {}, {}, {}, set()
        for module in list(model.loader.modules.values()):
            real = model._real_path(module) if module.rel_path.endswith(".bzl") else None
            if real is not None:
                found = (module.functions, module.assignments, module.unpacked, module.load_nodes)
                names[real] = name_digests(found, module.source.data)
                shapes[real] = analysis_shape(found, module.source.data)
                displays[real] = module.display_path
                if may_configure_hosts(module.source.data):
                    configuring.add(real)
        return replace(
            self, names=names, shapes=shapes, displays=displays, configuring=frozenset(configuring)
        )

    @property
    def has_cycles(self) -> bool:
        """Whether a load cycle was met: which load is cut depends on the order modules are read."""
        return any(kind == "cycle" for kind, _span, _message in self.facts.load_problems)


def build_model(
    workspace: Workspace, only: set[str] | None = None, claim: Callable[[], list[str]] | None = None
) -> WorkspaceModel:
    """The model of the workspace, or, with `only`, of those files (root-relative paths) and
    what they load: the language server analyzes the open documents this way.

    With `claim`, the BUILD files to evaluate are not taken from `only` but asked for, a few at a
    time, until `claim` returns none: processes sharing a scan take work as they become free.
    """
    return evaluate_packages(prepare_model(workspace, only, with_build_files=claim is None), claim)


def prepare_model(
    workspace: Workspace, only: set[str] | None = None, with_build_files: bool = True, analyzed: bool = True
) -> PreparedModel:
    """Read the Starlark files (all, or those in `only`), BUILD files only `with_build_files`, find the
    rules the .bzl files among them define and, when `analyzed`, analyze those rules' implementations
    and the helpers (`analyze_bzl_files`). Not `analyzed`: a rule is analyzed when a target of it is
    evaluated (a scan whose cached entry holds what the analysis reported, `engine.BzlRecord`)."""
    loader = Loader(workspace)
    model = WorkspaceModel(workspace, loader)
    interpreter = _interpreter(loader)
    templates = TemplateReader(loader)
    analyzer = ActionAnalyzer(interpreter, templates)

    def wanted(repo: Repository, rel: str) -> bool:
        return only is None or repo.display(rel) in only

    for repo in workspace.repositories:
        for rel in repo.bzl_files:
            if not wanted(repo, rel):
                continue
            module = loader.module(repo, rel)
            if module is not None:
                model.bzl_modules.append(module)
        for rel in repo.build_files if with_build_files else ():
            if not wanted(repo, rel):
                continue
            module = read_build_file(loader, repo, rel)
            if module is not None:
                model.build_modules.append(module)
        for rel in repo.other_starlark:
            if not wanted(repo, rel):
                continue
            module = loader.module(repo, rel, "")
            if module is not None:
                model.other_modules.append(module)

    # What finding the rules reads, for the record of the analysis (`PreparedModel.bzl_reads`).
    outside, discovery = interpreter.tracked, ReadSet() if interpreter.tracked is not None else None
    interpreter.tracked = discovery
    for module in list(model.bzl_modules):
        loader.resolve_loads(module)
        for name, node in module.assignments.items():
            if not may_define_a_rule(node, module.source.data):
                continue
            value = guarded(
                loader.internal_problems, module.display_path, None, interpreter.global_value, module, name
            )
            if isinstance(value, RuleClass):
                model.rules[value.key] = value
    interpreter.tracked = outside
    model.bzl_rules = frozenset(model.rules)
    prepared = PreparedModel(
        model, interpreter, analyzer, templates, preparation=Preparation.of(model), bzl_reads=discovery
    )
    if analyzed:
        analyze_bzl_files(prepared)
    else:
        model.deferred = set(model.rules)
    return prepared


def _interpreter(loader: Loader) -> Interpreter:
    """An interpreter that records what packages read (`PackageWatch.reads`) when the scan is kept
    by the cache (`reads.recording`), from the first global on: a global's value is computed once."""
    interpreter = Interpreter(loader)
    if reads.current() is not None:
        interpreter.tracking()
    return interpreter


def _scan_for_host_toolchains(
    loader: Loader, modules: Iterable[ModuleModel], found: dict[TypeKey, HostToolchain], scanned: set[str]
) -> None:
    """Add to `found` the toolchain types the modules not `scanned` yet configure from the fetching
    machine (the first module to configure one wins), and note them scanned."""
    for module in modules:
        if module.display_path not in scanned:
            scanned.add(module.display_path)
            for key, configured in configured_in(loader, module).items():
                found.setdefault(key, configured)


def prepare_recorded(
    workspace: Workspace,
    only: set[str] | None,
    rules: frozenset[str],
    preparation: Preparation,
    preload: frozenset[str] = frozenset(),
) -> PreparedModel:
    """A model prepared as `prepare_model` would prepare it without analyzing (`analyzed` False),
    from the record of an earlier preparation of the same .bzl files, without reading them: a
    module is parsed when a package loads it, its load problems are the record's (`Loader.recorded`),
    and the files themselves are read for the report at the end (`read_recorded_sources`). The files
    that are neither .bzl nor BUILD files (WORKSPACE, MODULE.bazel) are read as `prepare_model` does.
    The workspace's .bzl files in `preload` (real paths) are parsed now: a scan about to fork
    parses those its packages will load once, for every process to share."""
    loader = Loader(workspace)
    loader.recorded = frozenset(Path(path) for path in preparation.loaded)
    model = WorkspaceModel(workspace, loader)
    model.bzl_rules = rules
    model.deferred = set(rules)
    model._host_toolchains = dict(preparation.host_toolchains)
    model._host_scanned = set(preparation.host_scanned)
    model.recorded_sources = dict(preparation.sources)
    interpreter = _interpreter(loader)
    templates = TemplateReader(loader)
    for repo in workspace.repositories:
        for rel in repo.other_starlark:
            if only is None or repo.display(rel) in only:
                module = loader.module(repo, rel, "")
                if module is not None:
                    model.other_modules.append(module)
        real_root = os.path.realpath(repo.root) if preload else ""
        for rel in repo.bzl_files if preload else ():
            if str(repo.root / rel) in preload or os.path.join(real_root, rel) in preload:
                loader.module(repo, rel)
    return PreparedModel(model, interpreter, ActionAnalyzer(interpreter, templates), templates)


def read_recorded_sources(model: WorkspaceModel) -> None:
    """The .bzl files of the workspace that a model prepared from a record did not parse, read for
    the report (findings and suppressions in them), as a model that read them all would hold them."""
    if model.recorded_sources is None:
        return
    parsed = {m.display_path: m.source for m in model.loader.modules.values()}
    for display, where in model.recorded_sources.items():
        source = parsed.get(display)
        if source is None:
            try:
                source = SourceFile(display, model.workspace.read(Path(where)), origin=Path(where))
            except OSError:
                continue
        model.bzl_sources[display] = source


def analyze_bzl_files(prepared: PreparedModel) -> None:
    """Analyze the implementations of the rules the .bzl files define, then every other top-level
    function that takes `ctx` or `actions` (a helper), for what they run; note the problems met and
    the templates read meanwhile (a cached entry keeps them, `engine.BzlRecord`)."""
    model, loader, analyzer = prepared.model, prepared.model.loader, prepared.analyzer
    before = len(loader.problems), len(loader.internal_problems), len(loader.io_problems)
    seen_functions: set[int] = set()
    for key, rule in model.rules.items():
        model.implementations[key] = _analyze_rule(loader, analyzer, rule)
        seen_functions |= _function_ids(rule)
    model.deferred.clear()
    seen_functions |= _seen(prepared.interpreter)

    read = prepared.bzl_reads if prepared.interpreter.tracked is not None else None
    for key in model.rules:
        if read is not None:
            read.add_all(prepared.interpreter.rule_reads.get(key, frozenset()))
    for module in model.bzl_modules:
        for name, node in module.functions.items():
            if id(node) in seen_functions:
                continue
            helper = guarded(
                loader.internal_problems,
                module.display_path,
                None,
                _analyze_helper,
                analyzer,
                Function(module, node, name),
                read,
            )
            if helper is not None and (helper.actions or helper.sites):
                model.helpers.append(helper)
    prepared.bzl_problems = WorkspaceFacts(
        load_problems=[(p.kind, p.span, p.message) for p in loader.problems[before[0] :]],
        io_problems=list(loader.io_problems[before[2] :]),
        internal_problems=list(loader.internal_problems[before[1] :]),
    )
    prepared.bzl_templates = {
        path: str(source.origin) for path, source in prepared.templates.sources.items() if source.origin
    }
    prepared.bzl_depends = frozenset(
        real for module in loader.modules.values() if (real := model._real_path(module)) is not None
    )


def add_other_modules(prepared: PreparedModel, wanted: set[str]) -> None:
    """Read the Starlark files that are neither .bzl nor BUILD files (WORKSPACE, MODULE.bazel, ...)
    among `wanted` (display paths) into a prepared model: one shard of a scan reads them."""
    model = prepared.model
    for repo in model.workspace.repositories:
        for rel in repo.other_starlark:
            if repo.display(rel) in wanted:
                module = model.loader.module(repo, rel, "")
                if module is not None:
                    model.other_modules.append(module)


def evaluate_packages(
    prepared: PreparedModel,
    claim: Callable[[], list[str]] | None = None,
    on_chunk: Callable[[list[ModuleModel], list[TargetModel]], None] | None = None,
    watched: bool = False,
) -> WorkspaceModel:
    """Evaluate the BUILD files of a prepared model (those it read, or, with `claim`, those `claim`
    hands out) into targets, and link what targets run to the scripts and tools behind them.

    With `on_chunk`, each handful of BUILD files `claim` hands out is given to it with its targets,
    which are then released (`WorkspaceModel.release`): the model ends with no targets, and memory
    holds one handful of packages at a time instead of every syntax tree of the workspace. With
    `watched`, what each package depends on is noted (`PackageWatch`, `package_graph`) for the
    cache to record it: a scan that records nothing does not pay for it."""
    model, interpreter, analyzer = prepared.model, prepared.interpreter, prepared.analyzer
    loader, workspace = model.loader, model.workspace

    def evaluate(build: ModuleModel) -> list[TargetModel]:
        """Its targets; with a package watched, what they depend on is noted (`PackageWatch`)."""
        outer = model.watch
        if outer is None:
            return evaluate_targets(build)
        inner = model.watch = PackageWatch.of(build, model, interpreter)
        reading = interpreter.tracked
        if inner.reads is not None:
            interpreter.tracked = inner.reads
        try:
            return evaluate_targets(build)
        finally:
            model.watch = outer
            interpreter.tracked = reading
            model.evaluated(build, inner)
            outer.evaluated_here(inner, model)

    def evaluate_targets(build: ModuleModel) -> list[TargetModel]:
        out = []
        targets = guarded(
            loader.internal_problems, build.display_path, [], targets_of_build_file, interpreter, build
        )
        model._defining[build.display_path] = {t.text: t for t in targets}
        for target in targets:
            callee = target.callee
            if isinstance(callee, RuleClass) and callee.key in model.deferred:
                _analyze_deferred(model, analyzer, callee)
            elif isinstance(callee, RuleClass) and callee.key not in model.implementations:
                # A rule from an external repository (or a .bzl outside the scanned tree).
                model.rules[callee.key] = callee
                model.implementations[callee.key] = _analyze_rule(loader, analyzer, callee)
            if isinstance(callee, RuleClass) and interpreter.tracked is not None:
                analysis_read = interpreter.rule_reads.get(callee.key)
                if analysis_read is None:  # analyzed while nothing recorded: its whole file counts
                    analysis_read = frozenset({(callee.module, EVERY_NAME)})
                interpreter.tracked.add_all(analysis_read)
            made = guarded(loader.internal_problems, build.display_path, None, _target_model, model, target)
            if made is not None:
                out.append(made)
        del model._defining[build.display_path]
        return out

    model._evaluate = evaluate
    # Read first: what keeps actions local (Pins) is asked while packages are released one by one.
    model.rc = load_bazelrc(workspace.root, workspace.bazelrc, workspace.read)
    model.template_files = prepared.templates.sources
    chunks = [list(model.build_modules)] if claim is None else _claimed(workspace, loader, model, claim)
    for chunk in chunks:
        targets: list[TargetModel] = []
        for build in chunk:
            # One package at a time, so that what each one touched besides itself is known
            # (`PackageWatch`): the cache reuses the results of those that touched nothing.
            watch = model.watch = PackageWatch.of(build, model, interpreter) if watched else None
            reading = interpreter.tracked
            if watch is not None and watch.reads is not None:
                interpreter.tracked = watch.reads
            mine: list[TargetModel] = []
            model._evaluated.add(build.display_path)
            early = model._packages.get(build.display_path)
            if early and watch is not None:
                watch.before_turn = model._before_turn.get(build.display_path)
            for tm in early.values() if early else evaluate(build):
                if model.add_target(tm):
                    mine.append(tm)
            _link_tool_binaries(model, mine)
            _read_sourced_libraries(model, [s for tm in mine for s in tm.sites], mine)
            if on_chunk is not None:
                on_chunk([build], mine)
            model.watch = None
            interpreter.tracked = reading
            if watch is not None:
                model.evaluated(build, watch)  # its targets as linked: what later lookups see
            targets += mine
        if on_chunk is not None:
            model.release(chunk, targets)
    helpers = list(model.implementations.values()) + model.helpers
    _read_sourced_libraries(model, [s for impl in helpers for s in impl.sites], [])
    return model


@dataclass
class PackageWatch:
    """What evaluating and checking one package touched besides its own BUILD file and the files it
    loads. Its findings, verdict inputs and facts are a function of those files, of the packages it
    named targets of (their BUILD files and loads, and what those named in turn: `names`, and
    `WorkspaceModel.package_graph`), of the scripts it used and of the files every scan reads alike;
    the cache reuses them when none of those changed (engine.StreamedAnalysis). Unless it is
    *isolated*, they are not: it named a target of a package that has no BUILD file or is being
    evaluated, or of one whose dependencies are not known (`WorkspaceModel.edges_of`). Nor are its
    problems its own (`own_problems`) when it loads a module no package loaded before it (only the
    first records that module's problems), analyzes a rule first seen in it, reads a template, or
    meets a problem in a file other than its BUILD file; but for the problems of a package evaluated
    during its turn (`evaluated_here`), which are that package's own (`before_turn`)."""

    build: str  # display path of the BUILD file
    package: tuple[str, str]  # (repository name, package) of its labels
    before: tuple[int, int, int, int, int, int]  # `_shared_state` when it began
    isolated: bool = True
    names: set[str] = field(default_factory=set)  # BUILD files of the other packages it named targets of
    scripts: dict[str, str] = field(default_factory=dict)  # display path -> where it is, of scripts used
    # The problems met while it was evaluated during another package's turn, before its own; None
    # when that evaluation touched anything else.
    before_turn: WorkspaceFacts | None = field(default_factory=lambda: WorkspaceFacts())
    # Where, among the loader's problems (load, internal: start and end), other packages evaluated
    # during its turn met theirs.
    excused: list[tuple[int, int, int, int]] = field(default_factory=list)
    # The names it read of .bzl files (`evaluate.ReadSet`); None when the interpreter records none.
    reads: ReadSet | None = None
    whole: frozenset[str] = frozenset()  # real paths of files it read other than through their names

    @staticmethod
    def of(build: ModuleModel, model: WorkspaceModel, interpreter: Interpreter) -> PackageWatch:
        return PackageWatch(
            build.display_path,
            (build.repo.name, build.package),
            _shared_state(model),
            reads=ReadSet() if interpreter.tracked is not None else None,
        )

    def read_whole(self, module: ModuleModel, model: WorkspaceModel) -> None:
        """It read `module` otherwise than by its names (`WorkspaceModel.host_link`): it depends on
        the whole file, loaded or not."""
        real = model._real_path(module)
        if real is not None:
            self.whole |= {real}
        if self.reads is not None:
            self.reads.names.add((module, EVERY_NAME))

    def looked_up(self, model: WorkspaceModel, build: str | None) -> None:
        """It named a target of the package of BUILD file `build` (None: one whose BUILD file could not
        be read, or an unknown target of a package no longer evaluated). A label of a package that does
        not exist is not noted (`WorkspaceModel._no_package`)."""
        if build == self.build:
            return
        if build is None or model.edges_of(build) is None:
            self.isolated = False
        else:
            self.names.add(build)

    def evaluated_here(self, inner: PackageWatch, model: WorkspaceModel) -> None:
        """A package evaluated during this one's turn, watched by `inner`: its lookups, when it is
        this package; its scripts, which this one's findings may quote; and its problems, which are
        its own, kept for its turn (`WorkspaceModel._before_turn`), and not this package's."""
        self.scripts.update(inner.scripts)
        if inner.build == self.build:
            self.isolated = self.isolated and inner.isolated
            self.names |= inner.names
            self.whole |= inner.whole
            if self.reads is not None and inner.reads is not None:
                self.reads.names |= inner.reads.names
            return
        own = inner.own_problems(model)
        if own is not None:
            now = _shared_state(model)
            self.excused.append((inner.before[0], now[0], inner.before[1], now[1]))
        if model._before_turn.get(inner.build, own) is not None:  # once None (not its own), None
            model._before_turn[inner.build] = own

    def own_problems(self, model: WorkspaceModel) -> WorkspaceFacts | None:
        """The problems found in its BUILD file since it began (and before, `before_turn`), or None
        when it touched anything else."""
        now = _shared_state(model)
        loader = model.loader
        if not self.isolated or self.before_turn is None or now[2:] != self.before[2:]:
            return None
        load = [
            p
            for i, p in enumerate(loader.problems[self.before[0] : now[0]], self.before[0])
            if not any(start <= i < end for start, end, _, _ in self.excused)
        ]
        internal = [
            p
            for i, p in enumerate(loader.internal_problems[self.before[1] : now[1]], self.before[1])
            if not any(start <= i < end for _, _, start, end in self.excused)
        ]
        if any(p.path != self.build for p in load) or any(path != self.build for path, _ in internal):
            return None
        own = WorkspaceFacts(
            load_problems=[(p.kind, p.span, p.message) for p in load], internal_problems=list(internal)
        )
        own.merge(self.before_turn)
        return own


def _shared_state(model: WorkspaceModel) -> tuple[int, int, int, int, int, int]:
    loader = model.loader
    parsed, implementations, templates = model._deferred_counts
    return (
        len(loader.problems),
        len(loader.internal_problems),
        len(loader.io_problems),
        loader.parsed - parsed,
        len(model.implementations) - implementations,
        len(model.template_files) - templates,
    )


def _analyze_deferred(model: WorkspaceModel, analyzer: ActionAnalyzer, rule: RuleClass) -> None:
    """Analyze a rule of the .bzl files whose analysis was deferred (`prepare_model`), for the target
    being evaluated. What a scan analyzing every rule first would have found meanwhile (problems,
    templates) is in the record that stands in for that analysis (`engine.BzlRecord`): it is neither
    reported twice nor held against the package evaluated now (`PackageWatch`)."""
    loader = model.loader
    problems, internal, io = len(loader.problems), len(loader.internal_problems), len(loader.io_problems)
    parsed, templates = loader.parsed, len(model.template_files)
    model.deferred.discard(rule.key)
    model.implementations[rule.key] = _analyze_rule(loader, analyzer, rule)
    del loader.problems[problems:], loader.internal_problems[internal:], loader.io_problems[io:]
    counts = model._deferred_counts
    counts[0] += loader.parsed - parsed
    counts[1] += 1
    counts[2] += len(model.template_files) - templates


def actions_facts(actions: Iterable[ActionModel]) -> WorkspaceFacts:
    """The mnemonics `actions` have (Bazel's own rules' included), and whether one is not literal."""
    names = set(BAZEL_MNEMONICS)
    dynamic = False
    for action in actions:
        if action.mnemonic_source == "dynamic":
            dynamic = True
        else:
            names.add(action.effective_mnemonic)
    names.discard("")
    return WorkspaceFacts(names, dynamic)


def _analyze_helper(
    analyzer: ActionAnalyzer, function: Function, read: ReadSet | None
) -> ImplementationModel:
    """A helper's analysis; with `read`, what a helper's analysis reads is added there, its own
    statement first (a function without a context parameter is not one: nothing is read)."""
    interpreter = analyzer.interpreter
    if read is None or not context_parameters(function.node, function.module.source.data):
        return analyzer.analyze_free_function(function)
    read.names.add((function.module, function.name))
    outer, interpreter.tracked = interpreter.tracked, read
    try:
        return analyzer.analyze_free_function(function)
    finally:
        interpreter.tracked = outer


def _analyze_rule(loader: Loader, analyzer: ActionAnalyzer, rule: RuleClass) -> ImplementationModel:
    return analyzer.interpreter.analyzing(  # type: ignore[no-any-return]
        rule.key,
        lambda: guarded(
            loader.internal_problems,
            rule.module.display_path,
            ImplementationModel(rule.key),
            analyzer.analyze_rule,
            rule,
        ),
    )


def build_files(workspace: Workspace) -> dict[str, tuple[Repository, str]]:
    """Every BUILD file of the workspace: display path -> (repository, path in it)."""
    return {repo.display(rel): (repo, rel) for repo in workspace.repositories for rel in repo.build_files}


def read_build_file(loader: Loader, repo: Repository, rel: str) -> ModuleModel | None:
    """A BUILD file's module (its package is its directory)."""
    return loader.module(repo, rel, _package_of(rel))


def _package_of(build_file: str) -> str:
    return build_file.rsplit("/", 1)[0] if "/" in build_file else ""


def _claimed(
    workspace: Workspace, loader: Loader, model: WorkspaceModel, claim: Callable[[], list[str]]
) -> Iterator[list[ModuleModel]]:
    """BUILD files as `claim` hands them out (display paths), parsed as they come, a handful at a time."""
    by_display = build_files(workspace)
    while chunk := claim():
        modules = []
        for display in chunk:
            repo, rel = by_display[display]
            module = read_build_file(loader, repo, rel)
            if module is not None:
                model.loaded_build(module, repo.root / rel)
                model.build_modules.append(module)
                modules.append(module)
        yield modules


# Packages kept with their targets and syntax trees for lookups (evaluated for one, or released after
# their turn); the least recently used beyond these are evaluated again if a label names them. Taken
# in path order, packages mostly name their neighbours: on a generated 1,600-package workspace, 256
# kept means no package is evaluated twice (128: 1,800 evaluations; in size order, 4,105).
PACKAGES_KEPT = 256

MAKE_LOCATION = re.compile(r"\$\((?:location|execpath|rootpath)\s+([^)\s]+)\s*\)")

# Mnemonics of actions Bazel's built-in rules register (seen in `bazel aquery` output).
BAZEL_MNEMONICS = frozenset(
    """CppCompile CppLink CppArchive CppModuleMap ObjcCompile ObjcLink Javac JavaIjar Turbine JavaSourceJar
    JavaDeployJar FileWrite TemplateExpand Symlink SolibSymlink SymlinkTree SourceSymlinkManifest Middleman
    ExecutableSymlink TestRunner Genrule CopyFile PyZip PythonZipper GenProto GenProtoDescriptorSet
    CoverageReport TestResults BazelWorkspaceStatusAction Fail""".split()
)


def command_labels(tm: TargetModel) -> list[str]:
    """Labels a genrule (or an extra_action) runs as programs: `$(location X)` / `$(execpath X)` in
    command position."""
    if tm.run_labels is None:
        commands = tm.target.genrule_commands if tm.target.kind in ("genrule", "extra_action") else []
        tm.run_labels = [label for command in commands for label in _command_labels(tm, command.text)]
    return tm.run_labels


def _command_labels(tm: TargetModel, command: MappedText) -> list[str]:
    if DECLARED_TOKEN not in command.text:
        return []
    module = tm.target.call_module
    labels = []
    for found in shell.analyze(command.text).commands:
        bare = found.name.removeprefix("./")  # `./$(location :tool)` too
        if not shell.DECLARED_WORD.fullmatch(bare):
            continue
        origin = command.origin(found.start + len(found.name) - len(bare))
        match = MAKE_LOCATION.match(
            module.source.data[origin : origin + 400].decode("utf-8", errors="replace")
        )
        if match is not None:
            labels.append(match.group(1))
    return labels


# `ctx.executable.tool`, `ctx.attr.tool.files_to_run`, `ctx.file._tool`: the attribute an action runs.
_ATTRIBUTE_RUN = re.compile(r"^ctx\.(?:executable|attr|file|files)\.(\w+)")


def attribute_tools(model: WorkspaceModel, tm: TargetModel) -> Iterator[tuple[TargetModel, ActionModel]]:
    """The targets a custom rule's actions run as their executable, named by an attribute of the rule
    (set by the target's call, or the attribute's default), with the action that runs each."""
    if tm.rule is None or tm.implementation is None:
        return
    for action in tm.implementation.actions:
        found = _ATTRIBUTE_RUN.match(action.executable_name or "")
        if found is None or found.group(1) not in tm.rule.attrs:
            continue
        label = _attribute_label(tm, found.group(1))
        tool = model.find_target(label, context=tm.target.build.repo) if label is not None else None
        if tool is not None:
            yield tool, action


def _attribute_label(tm: TargetModel, name: str) -> Label | None:
    assert tm.rule is not None
    value = tm.target.attr(name)
    if isinstance(value, Str):
        repo, package = tm.target.label.repo, tm.target.label.package
    else:  # not set by the call: the attribute's default, relative to the .bzl file that defines the rule
        value = tm.rule.attrs[name].default
        module = tm.rule.module
        repo, package = module.repo.name, module.package  # "" for the main repository
    if not isinstance(value, Str) or not value.static:
        return None
    try:
        return parse_label(value.text.text, repo, package)
    except LabelError:
        return None


def tools_run(model: WorkspaceModel, tm: TargetModel) -> list[tuple[TargetModel, ActionModel | None]]:
    """Targets whose executable this target runs in a build action: a genrule's `$(location X)`
    command words and the `runs` attributes of a rule known from the knowledge base (no action model
    for either), a custom rule's executable attributes (with the action that runs each)."""
    if tm.tools is None:
        tm.tools = _tools_run(model, tm)
    return tm.tools


def _tools_run(model: WorkspaceModel, tm: TargetModel) -> list[tuple[TargetModel, ActionModel | None]]:
    found: list[tuple[TargetModel, ActionModel | None]] = list(attribute_tools(model, tm))
    for label_text in [*command_labels(tm), *_known_rule_tools(model, tm)]:
        try:
            label = parse_label(label_text, tm.target.label.repo, tm.target.label.package)
        except LabelError:
            continue
        tool = model.find_target(label, context=tm.target.build.repo)
        if tool is not None:
            found.append((tool, None))
    return found


def _known_rule_tools(model: WorkspaceModel, tm: TargetModel) -> list[str]:
    """Labels of the executables a rule known only from the knowledge base runs (`runs = ["tool"]`)."""
    callee = tm.target.callee
    known = model.known_rule(callee) if isinstance(callee, UnresolvedSymbol) else None
    if known is None or known[1] is None:
        return []
    values = [tm.target.attr(name) for name in known[1].runs]
    return [value.text.text for value in values if isinstance(value, Str) and value.static]


def _link_tool_binaries(model: WorkspaceModel, targets: list[TargetModel]) -> None:
    """A genrule running an sh_binary (`$(location :tool) ...`) runs its script inside the action, as
    does a custom rule's action whose executable attribute names one, and likewise the executable
    scripts a tool's rule writes without running them; an sh_test with an sh_binary in its `data`
    runs it too (a test driver and the program it tests). A tool whose rule the model cannot see
    leaves the target that runs it unknown: it may run anything."""
    for tm in targets:
        if tm.target.kind == "sh_test":
            _link_argument_programs(model, tm)  # before the data's scripts join the test's own
            _link_data_binaries(model, tm)
        for tool, action in tools_run(model, tm):
            unseen = _unseen_rule(model, tool)
            if unseen is not None:
                tm.unresolved.append(f"it runs {tool.target.label}, {unseen}")
            else:
                tm.sites.extend(
                    ShellSite(site.text, "action", tm.target.key, action, site.language)
                    for site in _what_running_runs(tool)
                )


def _what_running_runs(program: TargetModel) -> list[ShellSite]:
    """The shell a target's executable runs when another target runs it: an sh_binary's script; a
    custom rule's launcher (rules_oci's oci_load: `docker load`) and the scripts it writes for
    whoever runs it (rules_js' `.bin` shims)."""
    if program.target.kind == "sh_binary":
        return program.sites
    implementation = program.implementation
    if implementation is None:
        return []
    return [*implementation.written, *(s for s in implementation.sites if s.context == "launcher")]


def _unseen_rule(model: WorkspaceModel, tm: TargetModel) -> str | None:
    """Why what a target does when run cannot be known: its rule comes from a repository that is not
    available and the knowledge base does not cover it. None when the model or the knowledge can tell."""
    callee = tm.target.callee
    if not isinstance(callee, UnresolvedSymbol):
        return None
    known = model.known_rule(callee)
    if known is not None and known[1] is not None:
        return None
    return f"a {tm.target.kind} that comes from {callee.label}, which is not available"


def _link_data_binaries(model: WorkspaceModel, tm: TargetModel) -> None:
    data = tm.target.attr("data")
    for item in data.items if isinstance(data, ListV) else ():
        if not isinstance(item, Str) or not item.static:
            continue
        try:
            label = parse_label(item.text.text, tm.target.label.repo, tm.target.label.package)
        except LabelError:
            continue
        binary = model.find_target(label, context=tm.target.build.repo)
        if binary is None or not binary.target.kind.endswith("_binary"):
            continue
        unseen = _unseen_rule(model, binary)
        if unseen is not None:
            tm.unresolved.append(f"its data holds {label}, {unseen}: the test may run it")
        elif binary.target.kind == "sh_binary":
            for site in binary.sites:
                tm.sites.append(ShellSite(site.text, "test", tm.target.key, None, site.language))


# A positional parameter run as a command: `$1 --flag`, `"$@"`, `output=$($1)`.
_RUN_POSITIONAL = re.compile(
    r'(?:^|[;&|(]\s*|\b(?:then|do|else|exec)\s+)"?\$\{?(?P<n>[1-9@*])\}?"?(?=[\s)]|$)', re.M
)
_LOCATION_ARGUMENT = re.compile(r"^\$\((?:location|rootpath|execpath|rlocationpath)\s+([^)\s]+)\s*\)$")


def _link_argument_programs(model: WorkspaceModel, tm: TargetModel) -> None:
    """An sh_test whose script runs a positional parameter (`$1`, `"$@"`) runs the program its `args`
    name there (`args = ["$(location :image_load)"]`, rules_oci's tests of oci_load): what that program
    runs, the test runs (https://bazel.build/reference/be/common-definitions#test.args)."""
    args = tm.target.attr("args")
    if not isinstance(args, ListV) or not tm.sites:
        return
    run: set[str] = set()
    for site in tm.sites:
        run.update(match.group("n") for match in _RUN_POSITIONAL.finditer(site.text.text))
    if not run:
        return
    for position, item in enumerate(args.items, start=1):
        if not (run & {str(position), "@", "*"}) or not isinstance(item, Str):
            continue
        named = _LOCATION_ARGUMENT.match(item.text.text.strip())
        if named is None:
            continue
        try:
            label = parse_label(named.group(1), tm.target.label.repo, tm.target.label.package)
        except LabelError:
            continue
        program = model.find_target(label, context=tm.target.build.repo)
        if program is None or program is tm:
            continue
        unseen = _unseen_rule(model, program)
        if unseen is not None:
            tm.unresolved.append(f"its args name {label}, {unseen}: the test runs it")
            continue
        for site in _what_running_runs(program):
            tm.sites.append(ShellSite(site.text, "test", tm.target.key, None, site.language))


# `source "$TEST_SRCDIR/_main/pkg/lib.sh"`, `. "${RUNFILES_DIR}/_main/pkg/lib.sh"`: a file of the main
# repository in the runfiles tree (https://bazel.build/reference/test-encyclopedia#initial-conditions).
_RUNFILES_PATH = re.compile(r"^\$\{?(?:TEST_SRCDIR|RUNFILES_DIR)\}?/(?:_main|__main__)/(?P<path>[\w./+-]+)$")
# `source "$(dirname "$0")/lib.sh"`, `source "${BASH_SOURCE%/*}/lib.sh"`: next to the script.
_BESIDE_SCRIPT = re.compile(
    r"^(?:\$\(dirname \"?\$(?:0|\{?BASH_SOURCE(?:\[0\])?\}?)\"?\)|\$\{BASH_SOURCE(?:\[0\])?%/\*\})/(?P<path>[\w./+-]+)$"
)


def _read_sourced_libraries(
    model: WorkspaceModel, sites: list[ShellSite], targets: list[TargetModel]
) -> None:
    """Gives each shell script (of `sites`, and those `targets` source) that sources files of the
    workspace the functions those files define, so that a function from a helper library is not
    taken for a program from the host; a test runs what the files it sources run (their commands
    become sites of the test, two levels deep)."""
    functions_of = model._library_functions
    for tm in targets:
        if tm.target.kind == "sh_test":
            sites.extend(_sourced_sites(model, tm))
    for site in sites:
        if not site.is_shell:
            continue
        facts = shell.analyze(site.text.text)
        if not facts.sources_unknown:
            continue
        found: set[str] = set()
        for command in facts.commands:
            if command.name not in shell.SOURCE_COMMANDS or not command.args:
                continue
            path = _sourced_path(command.args[0].text.strip("\"'"), site)
            if path is not None and path not in functions_of:
                functions_of[path] = _functions_in(model, path)
            library = functions_of.get(path) if path is not None else None
            if library is None:
                if not any(lib in command.args[0].text for lib in shell.KNOWN_LIBRARIES):
                    break
                continue
            found |= library
        else:
            site.library_functions = frozenset(found)


def _sourced_path(text: str, site: ShellSite) -> str | None:
    match = _RUNFILES_PATH.match(text)
    if match is not None:
        return match.group("path")
    relative = text.removeprefix("./")
    if site.context == "test" and re.fullmatch(r"\w[\w./+-]*", relative) and ".." not in relative.split("/"):
        return relative  # a test runs in the main repository's runfiles tree: workspace-relative paths
    match = _BESIDE_SCRIPT.match(text)
    source = site.text.source
    if match is not None and source is not None and site.text.text == source.text:
        directory = os.path.dirname(source.path)
        return os.path.normpath(os.path.join(directory, match.group("path")))
    return None


def _sourced_sites(model: WorkspaceModel, tm: TargetModel) -> list[ShellSite]:
    """Workspace scripts an sh_test's script sources (and those they source), as sites of the test."""
    added: list[ShellSite] = []
    seen = {site.text.source.path for site in tm.sites if site.text.source is not None}
    pending = [site for site in tm.sites if site.is_shell and site.context == "test"]
    for _depth in range(2):
        found = []
        for site in pending:
            facts = shell.analyze(site.text.text)
            for command in facts.commands:
                if command.name not in shell.SOURCE_COMMANDS or not command.args:
                    continue
                text = command.args[0].text.strip("\"'")
                path = _sourced_path(text, site)
                if path is None or path in seen or any(lib in text for lib in shell.KNOWN_LIBRARIES):
                    continue
                seen.add(path)
                source = _workspace_script(model, path)
                if source is not None:
                    preset = site.preset | {name for name, _ in facts.assigned}
                    found.append(
                        ShellSite(
                            MappedText.from_file(source),
                            "test",
                            tm.target.key,
                            None,
                            script_language(source.text),
                            preset=frozenset(preset),
                        )
                    )
        tm.sites.extend(found)
        added.extend(found)
        pending = found
    return added


def _workspace_script(model: WorkspaceModel, path: str) -> SourceFile | None:
    if model.watch is not None:
        model.watch.scripts[path] = str(model.workspace.root / path)
    if path in model.script_files:
        return model.script_files[path]
    file = model.workspace.root / path
    if path.startswith("..") or not is_file(file):
        return None
    try:
        data = model.workspace.read(file)
    except OSError:
        return None
    source = model.script_files[path] = SourceFile(path, data, origin=file)
    return source


def _functions_in(model: WorkspaceModel, path: str) -> frozenset[str] | None:
    file = model.workspace.root / path
    if path.startswith("..") or not is_file(file):
        return None
    try:
        text = model.workspace.read(file).decode("utf-8", errors="replace")
    except OSError:
        return None
    return shell.analyze(text).functions


def _function_ids(rule: RuleClass) -> set[int]:
    impl = rule.implementation
    return {id(impl.node)} if isinstance(impl, Function) else set()


def _seen(interpreter: Interpreter) -> set[int]:
    return set(interpreter.seen_function_nodes)


def _target_model(model: WorkspaceModel, target: Target) -> TargetModel:
    tm = _target_model_of_rule(model, target)
    if target.call.alternatives:
        tm.unresolved.append(
            f"its rule is one of {', '.join(target.call.alternatives)}, chosen by a value the model cannot read"
        )
    return tm


def _target_model_of_rule(model: WorkspaceModel, target: Target) -> TargetModel:
    callee = target.callee
    if isinstance(callee, RuleClass):
        return TargetModel(target, callee, model.implementations.get(callee.key))
    tm = TargetModel(target, None, None)
    if target.kind == "extra_action":  # its `cmd` is a genrule's, with $(EXTRA_ACTION_FILE) beside
        tm.sites.extend(
            ShellSite(command.text, "action", target.key, None) for command in target.genrule_commands
        )
    elif target.kind == "genrule":
        for command in target.genrule_commands:
            tm.sites.append(ShellSite(command.text, "action", target.key, None))
        if target.genrule_commands:
            for source in model.genrule_scripts(tm):
                tm.sites.append(
                    ShellSite(
                        MappedText.from_file(source), "action", target.key, None, script_language(source.text)
                    )
                )
    elif target.kind in ("sh_test", "sh_binary"):
        context = "test" if target.kind == "sh_test" else "launcher"
        labels = script_labels(target)
        if labels:
            label, _node = labels[0]
            source = _script_file(model, target, label) or _script_behind(model, target, label)
            written = (
                _heredoc_script(model, target, label) or _written_file_script(model, target, label)
                if source is None
                else None
            )
            if written is not None:
                text, runs = written
                tm.sites.append(ShellSite(text, context, target.key, None, script_language(text.text)))
                for ran in runs:  # scripts the written script runs (`$(location test.sh) 3.0.0`)
                    tm.sites.append(
                        ShellSite(
                            MappedText.from_file(ran), context, target.key, None, script_language(ran.text)
                        )
                    )
            elif source is None:
                tm.unresolved.append(f"script {label} not found")
            else:
                tm.sites.append(
                    ShellSite(
                        MappedText.from_file(source), context, target.key, None, script_language(source.text)
                    )
                )
        else:
            tm.unresolved.append("no script in srcs")
    return tm


def _script_behind(model: WorkspaceModel, target: Target, label: Label, depth: int = 0) -> SourceFile | None:
    """The script a filegroup or alias named in `srcs` stands for (its first file, as Bazel's sh_* rules
    take the first file of `srcs`: https://bazel.build/reference/be/shell#sh_binary.srcs)."""
    inner = model.definition(label, target.build)
    if inner is None or depth > 4:
        return None
    labels = (
        script_labels(inner)
        if inner.kind == "filegroup"
        else _labels_of(inner, "actual")
        if inner.kind == "alias"
        else []
    )
    if not labels:
        return None
    first = labels[0][0]
    return _script_file(model, inner, first) or _script_behind(model, inner, first, depth + 1)


def _heredoc_script(
    model: WorkspaceModel, target: Target, label: Label
) -> tuple[MappedText, list[SourceFile]] | None:
    """The script a genrule writes with a here-document (`cat <<'EOF' > $@`), when `label` names that
    genrule or its output in the same package (macros write test scripts this way), and the source
    scripts it runs by `$(location ...)` or appends to it."""
    generator = _writer_of(model, target, label, "genrule", _outs)
    if generator is None:
        return None
    writes = [
        (command, write)
        for command in generator.genrule_commands
        for write in shell.heredoc_writes(command.text.text)
    ]
    if len(writes) > 1:  # several files written: the one whose name the redirect spells out
        writes = [(c, w) for c, w in writes if w.destination.endswith(label.name)]
    if len(writes) != 1:
        return None
    command, write = writes[0]
    return command.text.slice(write.start, write.end), _scripts_run_by_heredoc(model, generator, label)


def _written_file_script(
    model: WorkspaceModel, target: Target, label: Label
) -> tuple[MappedText, list[SourceFile]] | None:
    """The script a `write_file` target of the same package writes (bazel_skylib's, which
    aspect_bazel_lib re-exports), when `label` names it or its `out`: its `content` lines, joined by
    newlines (https://github.com/bazelbuild/bazel-skylib/blob/main/docs/write_file_doc.md), when the
    model knows every line. bazel_lib's `assert_contains` writes its test script this way."""
    writer = _writer_of(model, target, label, "write_file", _written_out)
    content = writer.attr("content") if writer is not None else None
    if not isinstance(content, ListV) or not content.complete or not content.items:
        return None
    lines = [item.text for item in content.items if isinstance(item, Str)]
    if len(lines) != len(content.items):
        return None
    pieces: list[MappedText] = []
    for line in lines:
        if pieces:
            pieces.append(MappedText("\n", (None,), line.source, line.origin(0)))
        pieces.append(line)
    return MappedText.join(pieces, lines[0].source, lines[0].anchor), []


def _written_out(target: Target) -> list[str]:
    out = target.attr("out")
    return [out.text.text] if isinstance(out, Str) else []


def _writer_of(
    model: WorkspaceModel, target: Target, label: Label, kind: str, outputs: Callable[[Target], list[str]]
) -> Target | None:
    """The target of rule `kind` in `target`'s package that `label` names, or one of whose
    `outputs` it names (a test's script written by a genrule or a write_file of its macro)."""
    named = model.definition(label, target.build)
    if named is not None:
        return named if named.kind == kind else None
    return next(
        (
            t
            for t in model.package_targets(target.build)
            if t.kind == kind and label.package == t.label.package and label.name in outputs(t)
        ),
        None,
    )


# `$(location test.sh) args` where a command starts: at a line start or after `;`, `&&`, `||`, `|`.
_RUN_LOCATION = re.compile(
    r"(?:^|[;&|]\s*|\b(?:then|do|else)\s+)(?:\./)?\$\((?:location|execpath|rootpath)\s+([^)\s]+)\s*\)",
    re.M,
)


# `cat >>$@ "$(location body.sh)"`, `cat "$(location body.sh)" >> $(OUTS)`: a file appended to the script.
_APPENDED_LOCATION = re.compile(
    r'\bcat\s+(?=[^\n]*>>\s*(?:\$@|\$\(OUTS\)))(?:>>\s*\S+\s+)?"?\$\((?:location|execpath|rootpath)\s+([^)\s]+)\s*\)'
)


def _scripts_run_by_heredoc(model: WorkspaceModel, generator: Target, label: Label) -> list[SourceFile]:
    """Source scripts a here-document script runs, read from the genrule's `cmd` as written (the make
    variables name them; the analyzed text has them masked)."""
    raw = generator.attr("cmd")
    if not isinstance(raw, Str):
        return []
    writes = shell.heredoc_writes(raw.text.text)
    if len(writes) > 1:
        writes = tuple(w for w in writes if label.name in w.destination)
    if len(writes) != 1:
        return []
    body = raw.text.text[writes[0].start : writes[0].end]
    out = []
    named = [*_RUN_LOCATION.finditer(body), *_APPENDED_LOCATION.finditer(raw.text.text)]
    for found in named:
        try:
            ran = parse_label(found.group(1), generator.label.repo, generator.label.package)
        except LabelError:
            continue
        source = _script_file(model, generator, ran, unless_a_target=True)
        if source is not None and source not in out:
            out.append(source)
    return out


def _outs(target: Target) -> list[str]:
    outs = target.attr("outs")
    if not isinstance(outs, ListV):
        return []
    return [item.text.text for item in outs.items if isinstance(item, Str)]


def _labels_of(target: Target, attribute: str) -> list[tuple[Label, Node | None]]:
    value = target.attr(attribute)
    if isinstance(value, Str) and value.static:
        try:
            return [(parse_label(value.text.text, target.label.repo, target.label.package), None)]
        except LabelError:
            return []
    return []


def _script_file(
    model: WorkspaceModel, target: Target, label: Label, unless_a_target: bool = False
) -> SourceFile | None:
    """The source file a label names, in the target's repository or in another one the scan can read;
    with `unless_a_target`, None when a target has that name (Bazel's label then means the target)."""
    repo = target.build.repo
    if label.repo:  # a script of another repository (a macro's `Label("//x")`), when it can be read
        found = model.loader.repository(label.repo, repo)
        if found is None:
            return None
        repo = found
    display = repo.display(label.path)
    path: Path = repo.root / label.path
    if model.watch is not None:
        model.watch.scripts[display] = str(path)
    if display not in model.script_files and not is_file(path):
        return None
    if unless_a_target and model.find_target(label, target.build) is not None:
        return None
    if display in model.script_files:
        return model.script_files[display]
    try:
        data = model.workspace.read(path)
    except OSError as error:
        model.loader.io_problems.append((display, error.strerror or str(error)))
        return None
    source = SourceFile(display, data, origin=path)
    model.script_files[display] = source
    return source
