"""The engine: one process runs the rules over a model of the workspace (or of a share of its BUILD files) and returns a Result."""

from __future__ import annotations

import pickle
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from hermetic_scan import guard, suppressions
from hermetic_scan.diagnostics import Diagnostic, Severity, Span
from hermetic_scan.externals import find_output_base
from hermetic_scan.inventory import (
    ActionSummary,
    Inventory,
    Pins,
    RcCoverage,
    TargetInfo,
    TargetPlace,
    VerdictInputs,
    Verdicts,
    action_hazards,
    assemble,
    build_inventory,
    findings_by_owner,
)
from hermetic_scan.model import (
    Preparation,
    PreparedModel,
    TargetModel,
    WorkspaceFacts,
    WorkspaceModel,
    actions_facts,
    analyze_bzl_files,
    build_files,
    build_model,
    evaluate_packages,
    prepare_model,
    prepare_recorded,
    read_build_file,
    read_recorded_sources,
)
from hermetic_scan.model.actions import ActionModel, ImplementationModel
from hermetic_scan.model.modules import ModuleModel
from hermetic_scan.model.values import RuleClass
from hermetic_scan.options import Options
from hermetic_scan.readback import FileRef, ReadBack
from hermetic_scan.rules import RULE_MODULES, internal_error, rule_meta, unused_suppression
from hermetic_scan.rules.base import Context
from hermetic_scan.source import SourceFile
from hermetic_scan.workspace import Workspace, is_file


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
    # At least every file a finding or a suppression is in; read back from disk for a streamed scan.
    sources: Mapping[str, SourceFile]
    baselined: int = 0
    # Each package's part of a streamed scan that can stand in for it in a later one (the cache
    # keeps them beside the result); None unless asked for (`record`).
    package_records: dict[str, PackageEdges] | None = None
    # And the part of the analysis of the .bzl files (`BzlRecord`), likewise.
    bzl_record: BzlRecord | None = None
    # Every target, where it is and what owns its findings (`Options.target_index`), for `narrow`.
    target_index: list[TargetPlace] | None = None

    @property
    def inventory(self) -> Inventory:
        if self.built_inventory is None:
            raise RuntimeError("this scan ran with Options.inventory off")
        return self.built_inventory

    def targets(self) -> list[TargetPlace]:
        """Every target's place and owners (`narrow`), by label; none without `Options.target_index`."""
        return sorted(self.target_index or [], key=lambda place: place[0])

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
        if needs_first_inventory(ctx, options):
            first = build_inventory(self.model, diagnostics, options.bazel_version)
            diagnostics = self.settle([*diagnostics, *run_rules(ctx, options, first)])
        return diagnostics

    def every_suppression(self) -> list[suppressions.Suppression]:
        return [s for found in self.comments.values() for s in found]

    def facts(self) -> WorkspaceFacts:
        return self.model.facts()

    def inventory(self, diagnostics: list[Diagnostic]) -> Inventory:
        return build_inventory(self.model, diagnostics, self.options.bazel_version)

    @property
    def read(self) -> set[str]:
        """Paths of every file this analysis read."""
        return set(self.sources)

    def source(self, path: str) -> SourceFile | None:
        """A file this analysis read (a .bzl file loaded from outside the scanned tree included)."""
        return self.sources.get(path) or _loaded_sources(self.model).get(path)

    def report_sources(self, paths: Iterable[str], held: set[str]) -> ReadBack:
        return report_sources(paths, held, self.source)

    @property
    def module_paths(self) -> set[str]:
        return {m.source.path for m in self.model.modules}

    @property
    def target_count(self) -> int:
        return len(self.model.targets)

    @property
    def target_index(self) -> list[TargetPlace]:
        return [TargetInfo.place_of(tm) for tm in self.model.targets]


def streams(options: Options) -> bool:
    """Whether a scan with these options goes package by package (`StreamedAnalysis`): unless
    `Options.stream` is off. Rules of scope "inventory" read verdicts as plain data, which a streamed
    scan decides at the end too."""
    return options.stream


def needs_first_inventory(ctx: Context, options: Options) -> bool:
    """Whether a rule of scope "inventory" runs, over the verdicts of a first pass."""
    return any(
        options.runs(r.META.id) and "inventory" in r.META.scopes and r.needs_inventory(ctx)
        for r in RULE_MODULES
    )


class StreamedAnalysis:
    """The rules run package by package: each handful of BUILD files is evaluated, the rules of its
    targets, their actions and shell sites run, what their verdicts need is kept as plain data
    (`VerdictInputs`), and the targets and syntax trees are released before the next handful. Memory
    then holds the .bzl files' model and one handful of packages, not every tree of the workspace.

    What only the whole workspace knows comes at the end: the rules of .bzl files, rule
    implementations and helpers (a rule first seen in a BUILD file is analyzed then), the workspace
    rules (over the facts of all shards), suppressions, and the verdicts. The report is the one
    `Analysis` gives (tests compare them over the corpus), except that a rule of scope "inventory"
    needs every target's model: `streams` says when this class is used."""

    def __init__(
        self,
        workspace: Workspace,
        options: Options,
        prepared: PreparedModel,
        claim: Callable[[], list[str]],
        reuse: Mapping[str, PackageEdges] | None = None,
        records: dict[str, PackageEdges] | None = None,
        bzl: BzlRecord | None = None,
        record_bzl: bool = False,
        bzl_later: Callable[[], BzlRecord] | None = None,
    ) -> None:
        """With `reuse`, the packages it has records of are not evaluated: their records stand in
        (`_reuse`). With `records`, what each package evaluated or reused depends on is noted there
        when it is known (`PackageEdges`), with its record when its results can be reused later
        (`PackageRecord`), and so are the packages of `reuse`. With `bzl`, the model's rules were
        not analyzed (`model.prepare_model`): the record stands in for that analysis. With
        `record_bzl`, what the analysis contributed is kept as a record too (`bzl_record`). With
        `bzl_later`, the record is being made while the packages are evaluated (by the first shard,
        `shards.analyze_in_shards`): it is asked for once they are."""
        self.options = options
        self.workspace = workspace
        model = prepared.model
        self.ctx = Context(model, options.profile, options.strict, options.bazel_version)
        # Rules of scope "inventory" run over the verdicts of a first pass (`findings`): they are
        # decided from the targets' verdict inputs, kept even when no inventory is reported.
        self.first_inventory = needs_first_inventory(self.ctx, options)
        self.found: list[Diagnostic] = []
        self.inputs: list[VerdictInputs] = []
        self.summaries: list[ActionSummary] = []
        self.target_index: list[TargetPlace] = []  # with Options.target_index
        self.target_facts: list[WorkspaceFacts] = []  # of each package, merged at the end (`facts`)
        self.comments: dict[str, list[suppressions.Suppression]] = {}
        # BUILD files a finding, a suppression or a problem is in, by reference: read back for reports.
        self.kept = ReadBack()
        self.build_read: set[str] = set()
        self.target_count = 0
        self.verdicts: Verdicts | None = None
        self.records = records
        self.bzl = bzl
        self.bzl_record: BzlRecord | None = bzl if record_bzl else None
        self._record_bzl_of = prepared if record_bzl and bzl is None else None
        stored = reuse or {}

        def claim_not_reused() -> list[str]:
            while paths := claim():
                fresh = []
                for path in paths:
                    stands = stored.get(path)
                    if stands is not None and (record := stands.unpickled()) is not None:
                        self._reuse(record, stands, model)
                    else:
                        fresh.append(path)
                if fresh:
                    return fresh
            return []

        self.model = evaluate_packages(
            prepared, claim_not_reused if stored else claim, self._chunk, watched=records is not None
        )
        if records is not None:
            for build, (depends, names) in self.model.package_graph().items():
                records.setdefault(
                    build, PackageEdges(build, depends, names, reads=self.model.reads_of(build))
                )
            for build, stands in stored.items():
                records.setdefault(build, replace(stands, record=None))
        self.model.forget_packages()
        if bzl_later is not None:
            self.bzl = bzl = bzl_later()
        for display, where in bzl.templates.items() if bzl is not None else ():
            if display not in self.model.template_files and (template := self._read_again(display, where)):
                self.model.template_files[display] = template
        read_recorded_sources(self.model)
        self.sources = self.model.sources()
        self.comments.update(suppressions.collect(self.sources))

    def _chunk(self, builds: list[ModuleModel], targets: list[TargetModel]) -> None:
        ctx, options, model = self.ctx, self.options, self.ctx.model
        problems = len(model.loader.problems), len(model.loader.internal_problems)
        starts = len(self.found), len(self.inputs), len(self.summaries), len(self.target_index)
        subjects: dict[str, Sequence[object]] = {
            "module": builds,
            "target": targets,
            "action": [a for tm in targets for a in tm.actions],
            "site": [s for tm in targets for s in tm.sites],
        }
        start = len(self.found)
        self.found.extend(run_rules(ctx, options, subjects=subjects, workspace=False))
        if options.inventory or self.first_inventory:
            if self.verdicts is None:
                self.verdicts = Verdicts({}, Pins(RcCoverage(model.rc)), model, attach=False)
            self.inputs.extend(self.verdicts.prepare(tm) for tm in targets)
        facts = model.targets_facts(targets, with_rules=False)
        self.target_facts.append(facts)
        self.summaries.extend(ActionSummary.of(a) for tm in targets for a in tm.actions)
        if options.target_index:
            self.target_index.extend(TargetInfo.place_of(tm) for tm in targets)
        self.target_count += len(targets)
        wanted = {d.span.path for d in self.found[start:]}
        wanted.update(p.span.path for p in model.loader.problems[problems[0] :])
        wanted.update(path for path, _ in model.loader.internal_problems[problems[1] :])
        for build in builds:
            source = build.source
            self.build_read.add(source.path)
            found = suppressions.find(source)
            if found:
                self.comments[source.path] = found
            if found or source.path in wanted:
                self.kept.add(source, hold=bool(found))
        if self.records is not None and len(builds) == 1:
            recorded = self._record(builds[0], len(targets), facts, starts)
            if recorded is not None:
                record, depends, names = recorded
                # Pickled now, while its findings are at hand: the parent and the cache get bytes.
                pickled = pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
                read = model.reads_of(record.build, model.watch)
                self.records[record.build] = PackageEdges(
                    record.build,
                    depends,
                    names,
                    pickled,
                    read,
                    model.placed_in(pickled, read) if read is not None else None,
                )

    def _record(
        self, build: ModuleModel, targets: int, facts: WorkspaceFacts, starts: tuple[int, int, int, int]
    ) -> tuple[PackageRecord, frozenset[str], frozenset[str]] | None:
        """This package's part of the scan, if it touched nothing but its own files (`PackageWatch`),
        and its edges (`PackageEdges`)."""
        model = self.ctx.model
        watch = model.watch
        own = watch.own_problems(model) if watch is not None and watch.build == build.display_path else None
        # Its closure, and its lookups when it was evaluated during another package's turn.
        edges = model.edges_of(build.display_path)
        if own is None or edges is None:
            return None
        assert watch is not None
        facts_too = WorkspaceFacts()
        facts_too.merge(facts)
        facts_too.merge(own)
        path = build.display_path
        record = PackageRecord(
            path,
            self.found[starts[0] :],
            self.inputs[starts[1] :],
            self.summaries[starts[2] :],
            facts_too,
            targets,
            self.comments.get(path, []),
            self.kept.refs.get(path)
            or (FileRef.of(self.kept.held[path]) if path in self.kept.held else None),
            path in self.kept.held,
            dict(watch.scripts),
            self.target_index[starts[3] :],
        )
        return record, edges[0] | watch.whole, edges[1] | watch.names

    def _reuse(self, record: PackageRecord, stands: PackageEdges, model: WorkspaceModel) -> None:
        """A package's recorded part stands in for evaluating and checking it again."""
        self.found.extend(record.found)
        self.inputs.extend(record.inputs)
        self.summaries.extend(record.summaries)
        self.target_index.extend(record.target_index)
        self.target_facts.append(record.facts)
        self.target_count += record.targets
        self.build_read.add(record.build)
        if record.comments:  # unused until a finding of this scan is suppressed by one
            self.comments[record.build] = [replace(c, used=False) for c in record.comments]
        if record.kept is not None and not record.held:
            self.kept.refer(record.build, record.kept)
        elif record.kept is not None and (source := self._read_again(record.build, record.kept.origin)):
            self.kept.add(source, hold=True)
        for display, where in record.scripts.items():
            if display not in model.script_files and is_file(where):
                if (script := self._read_again(display, where)) is not None:
                    model.script_files[display] = script
        if self.records is not None:
            self.records[record.build] = stands

    def _read_again(self, path: str, where: str) -> SourceFile | None:
        """A file a reused package's scan read (unchanged, or the cache would not reuse it); None if
        it went away since: its findings are then reported without it, as for any unreadable file."""
        try:
            return SourceFile(path, self.workspace.read(Path(where)), origin=Path(where))
        except OSError:
            return None

    def facts(self) -> WorkspaceFacts:
        facts = WorkspaceFacts()
        facts.merge_all(self.target_facts)
        facts.merge(self.model.targets_facts([]))
        facts.merge(self.model.loader_facts())
        if self.bzl is not None:
            facts.merge(self.bzl.facts)
            if self.model.recorded_sources is not None and self.bzl.preparation is not None:
                facts.merge(self.bzl.preparation.facts)  # the problems of the .bzl files not read again
        return facts

    def findings(self) -> list[Diagnostic]:
        """Every rule's findings, suppressions applied, except unused-suppression."""
        model = self.model
        if self.ctx.shared_facts is None:  # in one process: the facts of this scan are the workspace's
            self.ctx.shared_facts = self.facts()
        other_rules = [rule for key, rule in model.rules.items() if key not in model.bzl_rules]
        if self.bzl is None:
            prepared = self._record_bzl_of
            if prepared is not None and prepared.bzl_problems is not None:
                self.bzl_record = bzl_record_of(prepared, self.ctx, self.options)
                self._record_bzl_of = None
                bzl_found = self.bzl_record.findings()
            else:
                found, module_found = _bzl_findings(model, self.ctx, self.options)
                bzl_found = [*found, *(d for m in module_found.values() for d in m)]
        else:
            self.bzl = self._restudied(self.bzl)
            if self.bzl_record is not None:
                self.bzl_record = self.bzl
            bzl_found = self.bzl.findings()
        subjects = _implementation_subjects(model.other_modules, other_rules, self._other_implementations())
        found = [*self.found, *bzl_found, *run_rules(self.ctx, self.options, subjects=subjects)]
        modules = _ReadAgain(self.workspace, model, self.build_read)
        diagnostics = suppressions.apply(merge(_override(found, self.options)), self.comments, modules)
        if self.first_inventory:  # as `Analysis.findings`: over the verdicts of a first pass
            first = self.inventory(diagnostics)
            found = [*diagnostics, *run_rules(self.ctx, self.options, first)]
            diagnostics = suppressions.apply(merge(_override(found, self.options)), self.comments, modules)
        return diagnostics

    def _restudied(self, bzl: BzlRecord) -> BzlRecord:
        """The record, with the module-scope findings of the .bzl files edited since it was made
        (`BzlRecord.restudy`) made again from their text now."""
        if not bzl.restudy:
            return bzl
        modules = [m for display in sorted(bzl.restudy) if (m := self._bzl_module(display)) is not None]
        self.model.recorded_owners = bzl.owners
        try:
            module_found = {**bzl.module_found, **module_findings(modules, self.ctx, self.options)}
        finally:
            self.model.recorded_owners = None
        return replace(bzl, module_found=module_found, restudy=frozenset())

    def _bzl_module(self, display: str) -> ModuleModel | None:
        """The parsed module of a .bzl file of the workspace, by display path."""
        for repo in self.workspace.repositories:
            for rel in repo.bzl_files:
                if repo.display(rel) == display:
                    return self.model.loader.module(repo, rel)
        return None

    def _other_implementations(self) -> list[ImplementationModel]:
        """The implementations of rules first seen in BUILD files (of other repositories)."""
        rules = self.model.bzl_rules
        return [impl for key, impl in self.model.implementations.items() if key not in rules]

    def every_suppression(self) -> list[suppressions.Suppression]:
        return [s for found in self.comments.values() for s in found]

    def inventory(self, diagnostics: list[Diagnostic]) -> Inventory:
        model = self.model
        coverage = RcCoverage(model.rc)
        verdicts = self.verdicts or Verdicts({}, Pins(coverage), model, attach=False)
        verdicts.by_owner = findings_by_owner(diagnostics)
        targets = [verdicts.decide(inputs) for inputs in self.inputs]
        actions: list[ActionModel | ActionSummary] = [*self.summaries]
        if self.bzl is None:
            actions += model.rule_actions()
        else:
            actions += [a for impl in self._other_implementations() for a in impl.actions]
            actions += self.bzl.summaries
        hazards = action_hazards(actions, coverage, diagnostics)
        return assemble(str(model.workspace.root), self.options.bazel_version, targets, hazards, diagnostics)

    @property
    def read(self) -> set[str]:
        return self.build_read | set(self.sources)

    def report_sources(self, paths: Iterable[str], held: set[str]) -> ReadBack:
        return report_sources(paths, held, self.source, self.kept)

    def source(self, path: str) -> SourceFile | None:
        """A file this analysis read; a released BUILD file read again (a finding of a later package,
        or a load problem found before its turn, can be in it)."""
        found = self.sources.get(path) or _loaded_sources(self.model).get(path) or self.kept.held.get(path)
        if found is None and path in self.build_read:
            repo, rel = build_files(self.workspace)[path]
            try:
                where = repo.root / rel
                found = self.sources[path] = SourceFile(path, self.workspace.read(where), origin=where)
            except OSError:
                return None
        return found

    @property
    def module_paths(self) -> set[str]:
        return self.build_read | {m.source.path for m in self.model.modules} | set(self.model.bzl_sources)


@dataclass(frozen=True)
class PackageEdges:
    """What a package's targets depend on (`model.WorkspaceModel.package_graph`): the cache follows
    these edges to find which packages an edit reaches (cache.still_valid). With `record`, the
    package's part of the scan (`PackageRecord`), pickled: entries of the cache, and the reuse of
    one by the processes of a scan, hold bytes, which forked processes share, not objects, whose
    pages each process copies once it touches them."""

    build: str  # display path of the BUILD file
    depends: frozenset[str]  # real paths of the BUILD file and every .bzl file it loads, transitively
    names: frozenset[str]  # BUILD files of the other packages it named targets of
    record: bytes | None = None
    # The top-level names of each .bzl file of `depends` (real path) it read, directly or through
    # its targets' rules (`model.WorkspaceModel.reads_of`); None when not known.
    reads: Mapping[str, frozenset[str]] | None = None
    # Those of these .bzl files whose places its record holds (a finding, an action's key); None:
    # every one (no record). An edit that only moves what it read of another one leaves it valid.
    placed: frozenset[str] | None = None

    def unpickled(self) -> PackageRecord | None:
        """Its record, or None when it has none or it does not unpickle (an older layout)."""
        if self.record is None:
            return None
        try:
            record = pickle.loads(self.record)
        except Exception:  # an entry of an older layout of the classes: evaluated again, never a crash
            return None
        return record if isinstance(record, PackageRecord) else None


@dataclass
class PackageRecord:
    """One package's part of a streamed scan, kept by the cache (cache.py) to stand in for evaluating
    and checking the package again when none of the files it depends on changed, nor those of the
    packages it names, transitively (its `PackageEdges`), and nothing but BUILD and .bzl files did.
    Only a package whose dependencies are known is recorded (`model.PackageWatch`): then its part is
    a function of those files, of the scripts it used and of what every scan reads alike (options,
    .bazelrc, MODULE.bazel), whose change runs the whole scan. It holds no path of the files it
    depends on but those of places in them (`WorkspaceModel.placed_in` looks for them)."""

    build: str  # display path of the BUILD file
    found: list[Diagnostic]  # its targets', actions' and shell sites' findings, and its BUILD file's
    inputs: list[VerdictInputs]
    summaries: list[ActionSummary]
    facts: WorkspaceFacts  # of its targets, and the problems found in its BUILD file
    targets: int
    comments: list[suppressions.Suppression]  # in its BUILD file
    kept: FileRef | None  # its BUILD file, when a finding, problem or suppression is in it
    held: bool  # kept whole (suppressions), not by reference
    scripts: dict[str, str]  # display path -> where it is, of each script its targets use
    target_index: list[TargetPlace]  # its targets (with Options.target_index, which is in the key)


@dataclass
class BzlRecord:
    """What analyzing the rules and helpers of the .bzl files (`model.analyze_bzl_files`) gave a
    streamed scan's report, kept by the cache beside the packages' records. A scan whose changes
    are BUILD files that analysis did not read takes it instead of analyzing every rule: it
    analyzes a rule's implementation only for a package it evaluates (`model._analyze_deferred`).
    That analysis is a function of the .bzl files and of what they read (`depends`), and of the
    options and knowledge in the cache key; none of it reads a BUILD file."""

    rules: frozenset[str]  # the rules the .bzl files define: a scan finding others analyzes them all
    depends: frozenset[str]  # real paths of the Starlark files read by the end of the analysis
    # Findings of the rules and of the rules' and helpers' actions and shell sites, before
    # suppressions (which are applied with the rest of the scan's); those of each .bzl file's own
    # text are in `module_found`.
    found: list[Diagnostic]
    facts: WorkspaceFacts  # those actions' mnemonics, and the problems met analyzing them
    summaries: list[ActionSummary]  # those actions, for the inventory's hazards
    templates: dict[str, str]  # display path -> where, of the templates the rules expand
    # What reading the .bzl files gave before the analysis: with it, a scan that takes this record
    # parses only the .bzl files its packages load (`model.prepare_recorded`).
    preparation: Preparation | None = None
    # The findings of the module scope, by .bzl file (display path): a function of its text alone.
    module_found: dict[str, list[Diagnostic]] = field(default_factory=dict)
    # The names of .bzl files (real path) that finding the rules and analyzing them and the helpers
    # read (`model.PreparedModel.bzl_reads`); None when not recorded. The record holds after an
    # edit that changes none of them (and moves none: the findings hold places) nor what decides
    # which globals are read (`modules.analysis_shape`): cache.py.
    reads: dict[str, frozenset[str]] | None = None
    # .bzl files (display paths) edited since, whose module-scope findings are to be made again
    # (set by the cache, which leaves them out of `module_found`).
    restudy: frozenset[str] = frozenset()
    # The rules whose analysis went through each function (`WorkspaceModel.owned_functions`): the
    # owners of the findings made again, without analyzing the rules.
    owners: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def findings(self) -> list[Diagnostic]:
        return [*self.found, *(d for found in self.module_found.values() for d in found)]


def bzl_record_of(prepared: PreparedModel, ctx: Context, options: Options) -> BzlRecord:
    """The record of what analyzing the .bzl files (`model.analyze_bzl_files`, done on `prepared`)
    gives the report. It reads no BUILD file, so it can be made before any package is evaluated."""
    model = prepared.model
    analyzed = _bzl_analyzed(model)
    facts = actions_facts(a for impl in analyzed for a in impl.actions)
    if prepared.bzl_problems is not None:
        facts.merge(prepared.bzl_problems)
    preparation = prepared.preparation
    if preparation is not None:
        preparation = preparation.with_host_toolchains(model.loader)
    found, module_found = _bzl_findings(model, ctx, options)
    # What its reuse after a .bzl edit needs (cache.py), made only for a scan the cache keeps: in
    # a scan without it, the record only goes to the other shards.
    reads = prepared.bzl_reads if prepared.interpreter.tracked is not None else None
    if reads is not None and preparation is not None:
        preparation = preparation.with_names(model)
    return BzlRecord(
        model.bzl_rules,
        prepared.bzl_depends,
        found,
        facts,
        [ActionSummary.of(a) for impl in analyzed for a in impl.actions],
        dict(prepared.bzl_templates or {}),
        preparation,
        module_found,
        model.reads_by_file(reads) if reads is not None else None,
        owners=model.owned_functions() if reads is not None else {},
    )


def _bzl_analyzed(model: WorkspaceModel) -> list[ImplementationModel]:
    """The implementations of the rules the .bzl files define, and the helpers (`BzlRecord`)."""
    rules = model.bzl_rules
    return [*(impl for key, impl in model.implementations.items() if key in rules), *model.helpers]


def _bzl_findings(
    model: WorkspaceModel, ctx: Context, options: Options
) -> tuple[list[Diagnostic], dict[str, list[Diagnostic]]]:
    """The findings of the rules the .bzl files define and of what the rules and helpers run, and
    those of each .bzl file's text (`module_findings`). Rules of these scopes read no workspace
    facts: they may run before the packages are evaluated."""
    rules = [rule for key, rule in model.rules.items() if key in model.bzl_rules]
    subjects = _implementation_subjects([], rules, _bzl_analyzed(model))
    return list(run_rules(ctx, options, subjects=subjects, workspace=False)), module_findings(
        model.bzl_modules, ctx, options
    )


def module_findings(
    modules: Iterable[ModuleModel], ctx: Context, options: Options
) -> dict[str, list[Diagnostic]]:
    """The module-scope findings of each module that has some, by display path (a module's checks
    report in the module itself)."""
    found: dict[str, list[Diagnostic]] = {}
    for diagnostic in run_rules(ctx, options, subjects={"module": list(modules)}, workspace=False):
        found.setdefault(diagnostic.span.path, []).append(diagnostic)
    return found


def _implementation_subjects(
    modules: list[ModuleModel], rules: list[RuleClass], implementations: list[ImplementationModel]
) -> dict[str, Sequence[object]]:
    return {
        "module": modules,
        "rule": rules,
        "action": [a for impl in implementations for a in impl.actions],
        "site": [s for impl in implementations for s in impl.sites],
    }


def report_sources(
    paths: Iterable[str],
    held: set[str],
    source: Callable[[str], SourceFile | None],
    kept: ReadBack | None = None,
) -> ReadBack:
    """The files of these paths for reports, by reference (read back when quoted) but those in `held`
    (suppressions' files: unused-suppression reads them after the shards are merged). A file `kept`
    refers to already (a released BUILD file) is referred to as it was read."""
    out = ReadBack()
    for path in sorted(paths):
        ref = kept.refs.get(path) if kept is not None else None
        if ref is not None and path not in held:
            out.refer(path, ref)
        elif (found := source(path)) is not None:
            out.add(found, hold=path in held)
    return out


def _loaded_sources(model: WorkspaceModel) -> dict[str, SourceFile]:
    """The Starlark files the loader holds, by the path findings use (computed once the scan is done)."""
    if model.loaded_sources is None:
        model.loaded_sources = {m.source.path: m.source for m in model.loader.modules.values()}
    return model.loaded_sources


class _ReadAgain(Mapping[str, ModuleModel]):
    """The modules suppressions look into (the calls around a finding), for a scan that released its
    BUILD files: a released one is parsed again when a suppression asks for it, and not kept; so is
    a .bzl file that a model prepared from a record did not parse (`model.prepare_recorded`)."""

    def __init__(self, workspace: Workspace, model: WorkspaceModel, builds: set[str]) -> None:
        self.model = model
        self.live = {m.source.path: m for m in model.modules}
        self.unparsed = {path: where for path, where in build_files(workspace).items() if path in builds}
        if model.recorded_sources is not None:
            parsed = {
                m.source.path: m for m in model.loader.modules.values() if m.source.path in model.bzl_sources
            }
            self.live.update(parsed)
            self.unparsed.update(
                (display, (repo, rel))
                for repo in workspace.repositories
                for rel in repo.bzl_files
                if (display := repo.display(rel)) in model.bzl_sources and display not in parsed
            )

    def __getitem__(self, path: str) -> ModuleModel:
        if path in self.live:
            return self.live[path]
        repo, rel = self.unparsed[path]
        loader = self.model.loader
        key = repo.root / rel
        known = key in loader.modules
        module = loader.module(repo, rel) if rel.endswith(".bzl") else read_build_file(loader, repo, rel)
        if module is None:
            raise KeyError(path)
        if not known:
            del loader.modules[key]
        return module

    def __contains__(self, path: object) -> bool:
        return path in self.live or path in self.unparsed

    def __iter__(self) -> Iterator[str]:
        yield from self.live
        yield from self.unparsed

    def __len__(self) -> int:
        return len(self.live) + len(self.unparsed)


def analyze(workspace: Workspace, options: Options, only: set[str] | None = None) -> Result:
    analysis = Analysis(workspace, options, only)
    diagnostics = finish(analysis.findings(), analysis.every_suppression(), analysis.sources, options)
    model = analysis.model
    inventory = build_inventory(model, diagnostics, options.bazel_version) if options.inventory else None
    return Result(
        workspace.root,
        model,
        diagnostics,
        inventory,
        len(model.modules),
        len(model.targets),
        analysis.sources,
        target_index=analysis.target_index if options.target_index else None,
    )


def prepare(
    workspace: Workspace,
    options: Options,
    only: set[str] | None,
    bzl: BzlRecord | None,
    preload: frozenset[str] = frozenset(),
    analyze: bool = True,
) -> tuple[PreparedModel, BzlRecord | None]:
    """The model of the Starlark files (`model.prepare_model`, BUILD files aside), with the rules of
    its .bzl files analyzed, unless `bzl` stands in for that: it is returned when it does (the scan
    streams and the .bzl files define the rules they defined when it was made). A record that kept
    what reading the .bzl files gave stands in for reading them too (`model.prepare_recorded`), unless
    a load cycle was met: which load of a cycle is cut depends on the order the files are read in.
    The .bzl files in `preload` (real paths) are parsed all the same. Not `analyze`: when no record
    stands in, the rules are left for the caller to analyze (`analyze_bzl_files`)."""
    preparation = bzl.preparation if bzl is not None and streams(options) else None
    if bzl is not None and preparation is not None and not preparation.has_cycles:
        return prepare_recorded(workspace, only, bzl.rules, preparation, preload), bzl
    prepared = prepare_model(workspace, only, with_build_files=False, analyzed=bzl is None and analyze)
    if bzl is not None and (bzl.rules != prepared.model.bzl_rules or not streams(options)):
        if analyze:
            analyze_bzl_files(prepared)
        return prepared, None
    return prepared, bzl


def analyze_streamed(
    workspace: Workspace,
    options: Options,
    reuse: Mapping[str, PackageEdges] | None = None,
    record: bool = False,
    bzl: BzlRecord | None = None,
) -> Result | None:
    """`analyze` package by package in this process (`StreamedAnalysis`), for a result that needs no
    model; None when these options cannot stream (`streams`). `reuse`, `record` and `bzl` are
    StreamedAnalysis's: the result then carries the records."""
    if not streams(options):
        return None
    prepared, bzl = prepare(workspace, options, None, bzl)
    files = build_files_in_order(workspace)
    chunks = iter([files[i : i + CHUNK_SIZE] for i in range(0, len(files), CHUNK_SIZE)])
    records: dict[str, PackageEdges] | None = {} if record else None
    analysis = StreamedAnalysis(
        workspace, options, prepared, lambda: next(chunks, []), reuse, records, bzl, record_bzl=record
    )
    every = analysis.every_suppression()
    wanted: set[str] = {s.path for s in every}
    found = analysis.findings()
    wanted.update(d.span.path for d in found)
    sources = analysis.report_sources(wanted, {s.path for s in every})
    diagnostics = finish(found, every, sources, options)
    inventory = analysis.inventory(diagnostics) if options.inventory else None
    return Result(
        workspace.root,
        None,
        diagnostics,
        inventory,
        len(analysis.module_paths),
        analysis.target_count,
        sources,
        package_records=records,
        bzl_record=analysis.bzl_record,
        target_index=analysis.target_index if options.target_index else None,
    )


def build_files_in_order(workspace: Workspace) -> list[str]:
    """BUILD files (display paths) in the order a streamed scan takes them: by path, so that a handful
    taken together are neighbours, which name each other's targets (kept for lookups,
    `model.PACKAGES_KEPT`)."""
    return sorted(build_files(workspace))


# BUILD files evaluated, checked and released at a time: small enough that a handful of packages is
# all the syntax trees a scan holds, and for shards taking them as they go to finish within a file or
# two of each other; large enough that asking for them costs nothing (a lock and a shared integer).
CHUNK_SIZE = 8


def finish(
    diagnostics: list[Diagnostic],
    every: list[suppressions.Suppression],
    sources: Mapping[str, SourceFile],
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
    diagnostics: list[Diagnostic], options: Options, targets: Iterable[TargetPlace] = ()
) -> list[Diagnostic]:
    """The findings `check FILE...` reports: those in the files named, and those of every target a
    named BUILD file defines, wherever the hazard lives (a rule's .bzl that did not change)."""
    if options.only_paths is None:
        return diagnostics
    wanted = [p.rstrip("/") for p in options.only_paths]

    def named(path: str) -> bool:
        return any(p in ("", ".") or path == p or path.startswith(p + "/") for p in wanted)

    return narrow(diagnostics, targets, named)


def narrow(
    diagnostics: list[Diagnostic], every: Iterable[TargetPlace], named: Callable[[str], bool]
) -> list[Diagnostic]:
    """The findings of the named files, and those of every target a named BUILD file defines, shown
    at that target's line (`check FILE...`, `--changed-since`); `every` is every target
    (`Result.targets`)."""
    targets: dict[str, list[TargetPlace]] = defaultdict(list)  # owner key -> named targets it belongs to
    for place in every:
        _text, key, rule_key, path, _line = place
        if named(path):
            targets[key].append(place)
            if rule_key is not None:
                targets[rule_key].append(place)
    out = []
    for d in diagnostics:
        if named(d.span.path):
            out.append(d)
            continue
        concerned = {place[1]: place for owner in d.owners for place in targets.get(owner, ())}
        out.extend(_anchored(d, place) for place in concerned.values())
    return sorted(out, key=lambda d: d.sort_key)


def _anchored(d: Diagnostic, target: TargetPlace) -> Diagnostic:
    """A finding of a file that was not named, shown at the line of a named BUILD file's target it
    concerns (where a pre-commit hook or a CI annotation looks), pointing at where the hazard is."""
    text, key, _rule_key, path, line = target
    return Diagnostic(
        d.rule,
        d.severity,
        Span(path, line - 1, 0, line - 1, 0),
        d.message,
        text,
        d.subject,
        frozenset({key}),
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


def run_rules(
    ctx: Context,
    options: Options,
    inventory: Inventory | None = None,
    subjects: Mapping[str, Sequence[object]] | None = None,
    workspace: bool = True,
) -> Iterable[Diagnostic]:
    """Without an inventory: every scope but "inventory" (over the model's subjects, or over
    `subjects`; the "workspace" scope only with `workspace`); with one: only the "inventory" scope."""
    if subjects is None:
        model = ctx.model
        subjects = {
            "module": model.modules,
            "action": model.all_actions(),
            "site": model.all_sites(),
            "target": model.targets,
            "rule": list(model.rules.values()),
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
                if workspace:
                    yield from _guarded(rule.META.id, check, None, ctx)
            else:
                for subject in subjects.get(scope, ()):
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
