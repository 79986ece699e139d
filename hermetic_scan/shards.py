"""A scan split across processes: each analyzes a share of the BUILD files, the parent merges.

The parent parses every .bzl file once, then forks the other shards and is the first shard itself:
each starts from that prepared model (sharing its pages with the others until it writes to them).
When the scan streams, the parent then analyzes the rules and helpers of the .bzl files while the
others start on their packages, analyzing a rule when one of their targets needs it, and hands them
the record of its analysis (`engine.BzlRecord`), which they take as a scan with a cached entry would.
Otherwise it analyzes them before forking, so that rule implementations come out the same in each
shard and their findings merge into one. Each shard evaluates only its own BUILD files, and, unless a
rule needs every target's model (`engine.streams`), releases each handful of them once checked
(`engine.StreamedAnalysis`). Which BUILD files are its own is decided as it goes: shards take them
from a shared list, in path order (neighbours name each other's targets), a run of them at a time,
shorter as fewer are left (`_SharedClaims`), so that a shard slowed down (by heavier files, or by a
busy machine) takes fewer and all finish together. The result must not depend on the split: tests
compare it with a single-process scan on every corpus workspace, split as it happens and split in
fixed groups.

Two rounds per shard:
1. evaluate its BUILD files (then receive the record of the .bzl files' analysis, when the parent
   made it meanwhile), send back its `WorkspaceFacts` (known mnemonics, load problems, scripts and
   the targets running them);
2. receive the facts of all shards merged, run the rules that need them, apply suppressions, decide
   the verdicts of its own targets, send back findings, suppressions (used or not) and verdicts.
A finding can only be suppressed by the shard that read its file; a shard marks the findings in files
it did not read as foreign, and the parent keeps those only when no shard read that file.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

from hermetic_scan import guard, reads
from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.engine import (
    CHUNK_SIZE,
    Analysis,
    BzlRecord,
    PackageEdges,
    Result,
    StreamedAnalysis,
    build_files_in_order,
    bzl_record_of,
    finish,
    merge,
    prepare,
    streams,
)
from hermetic_scan.inventory import (
    ActionHazards,
    EncodedVerdicts,
    TargetPlace,
    TargetVerdict,
    assemble,
    assemble_encoded,
    inventory_findings,
)
from hermetic_scan.model import PreparedModel, add_other_modules, analyze_bzl_files
from hermetic_scan.options import Options
from hermetic_scan.parse import compile_queries
from hermetic_scan.readback import ReadBack
from hermetic_scan.reads import ReadLog
from hermetic_scan.rules.base import Context
from hermetic_scan.suppressions import Suppression
from hermetic_scan.workspace import Workspace


def can_fork() -> bool:
    """Shards are forked: they inherit the discovered workspace and the compiled queries."""
    return "fork" in multiprocessing.get_all_start_methods()


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass
class ShardOutput:
    owned: list[Diagnostic]  # in files this shard read, suppressions applied
    foreign: list[
        Diagnostic
    ]  # in files it did not read (a package evaluated for a lookup, a script of another shard)
    read: set[str]  # paths of the files it read
    modules: set[str]  # paths of its Starlark files
    suppressions: list[Suppression]
    sources: ReadBack  # files its findings and suppressions are in
    targets: int
    verdicts: list[
        TargetVerdict
    ]  # of its own targets (none unless Options.inventory), detached from the model
    encoded: (
        EncodedVerdicts | None
    )  # the same verdicts as JSON entries instead, with Options.verdicts_as_json
    hazards: ActionHazards
    log: ReadLog | None = None  # what a forked shard read, for the cache (`reads`)
    target_index: list[TargetPlace] | None = None  # of its own targets, with Options.target_index
    records: list[PackageEdges] | None = None  # its packages' records, when asked for (`record`)
    bzl: BzlRecord | None = None  # the first shard's record of the .bzl files' analysis, likewise


def _by_size(workspace: Workspace) -> list[tuple[int, str]]:
    """BUILD files (display paths) with their sizes, largest first."""
    files: list[tuple[int, str]] = []
    for repo in workspace.repositories:
        root = str(repo.root)
        for rel in repo.build_files:
            try:
                size = os.stat(os.path.join(root, rel)).st_size
            except OSError:
                size = 0
            files.append((size, repo.display(rel)))
    return sorted(files, key=lambda f: (-f[0], f[1]))


def split(workspace: Workspace, shards: int) -> list[set[str]]:
    """BUILD files (display paths) in `shards` fixed groups of about equal size."""
    groups: list[set[str]] = [set() for _ in range(shards)]
    loads = [0] * shards
    for size, path in _by_size(workspace):
        smallest = loads.index(min(loads))
        groups[smallest].add(path)
        loads[smallest] += size + 1
    return groups


# BUILD files a shard checks at a time, and releases at once after checking them (engine.CHUNK_SIZE);
# the fewest it takes from the shared list at a time.
CLAIM_SIZE = CHUNK_SIZE
# A shard takes 1/(GUIDED_SHARE x shards) of the BUILD files left (guided self-scheduling).
GUIDED_SHARE = 2


class _SharedClaims:
    """The BUILD files not taken yet, shared by the forked shards. A shard takes a run of them, in
    path order: a share of those left, shrinking to CLAIM_SIZE towards the end so that the shards
    finish together. Neighbours name each other's targets, and a package another shard took is
    evaluated again for a lookup: runs keep most neighbours in one shard. (Handing out CLAIM_SIZE at
    a time alternated them between shards: on a 20,000-file workspace, runs cut CPU and wall time
    by a third, docs/performance.md.)"""

    def __init__(self, context: Any, files: list[str], shards: int = 1) -> None:
        self.files = files
        self.shards = shards
        self.taken = context.Value("q", 0)

    def __call__(self) -> list[str]:
        with self.taken.get_lock():
            start = self.taken.value
            size = max(CLAIM_SIZE, (len(self.files) - start) // (GUIDED_SHARE * self.shards))
            self.taken.value = start + size
        return self.files[start : start + size]


class _InHandfuls:
    """A shard's claims, CLAIM_SIZE files at a time: what it checks and releases together."""

    def __init__(self, claim: Callable[[], list[str]]) -> None:
        self.claim = claim
        self.pending: list[str] = []

    def __call__(self) -> list[str]:
        if not self.pending:
            self.pending = self.claim()
        handful, self.pending = self.pending[:CLAIM_SIZE], self.pending[CLAIM_SIZE:]
        return handful


class _WhileAllAlive:
    """The parent's claims, as long as no other shard has ended: before the facts are exchanged, a
    shard ends only by failing, and the scan then runs again in one process (runner.py), which is
    better started at once than after the parent's whole share."""

    def __init__(self, claim: Callable[[], list[str]], workers: list[tuple[Any, Connection]]) -> None:
        self.claim = claim
        self.workers = workers

    def __call__(self) -> list[str]:
        for process, connection in self.workers:
            if process.exitcode is not None:
                _receive(connection)  # raises with the shard's traceback
                raise RuntimeError(f"a scan process ended early (exit status {process.exitcode})")
        return self.claim()


class _FixedClaim:
    """One group of BUILD files, handed out once."""

    def __init__(self, files: set[str]) -> None:
        self.files: list[str] | None = sorted(files)

    def __call__(self) -> list[str]:
        files, self.files = self.files or [], None
        return files


def analyze_in_shards(
    workspace: Workspace,
    options: Options,
    shards: int,
    groups: list[set[str]] | None = None,
    reuse: Mapping[str, PackageEdges] | None = None,
    record: bool = False,
    bzl: BzlRecord | None = None,
    loads: frozenset[str] = frozenset(),
) -> Result:
    """The scan in `shards` processes taking BUILD files as they go, or, with `groups`, one process
    per group of BUILD files. `reuse`, `record` and `bzl` are StreamedAnalysis's. When `bzl` stands
    in for reading the .bzl files, those in `loads` (real paths) are read before forking all the same:
    the shards share them instead of each reading those its packages load (`engine.prepare`)."""
    common = {repo.display(rel) for repo in workspace.repositories for rel in repo.bzl_files}
    others = {repo.display(rel) for repo in workspace.repositories for rel in repo.other_starlark}
    streamed = streams(options)
    prepared, bzl = prepare(workspace, options, common, bzl, preload=loads, analyze=not streamed)
    # A streamed scan forks before the rules of the .bzl files are analyzed: this process analyzes
    # them while the others evaluate packages, analyzing a rule when a target of theirs needs it,
    # and then hands them the record of that analysis (`_hand_out`) as a cached entry would.
    later = streamed and bzl is None
    task = _Task(reuse or {}, record, bzl, bzl_later=later)
    compile_queries()
    context = multiprocessing.get_context("fork")
    shared = _SharedClaims(context, build_files_in_order(workspace), shards) if groups is None else None
    claims: list[Callable[[], list[str]]] = [
        _InHandfuls(shared) if shared else _FixedClaim(group) for group in (groups or [set()] * shards)
    ]
    workers: list[tuple[Any, Connection]] = []
    try:
        # This process is the first shard: the prepared model it forked the others from is its own.
        for claim in claims[1:]:
            parent_end, child_end = context.Pipe()
            # The parent's ends of the pipes, which the forked process holds copies of: it closes
            # them, so that its reads end when the parent goes away (a failure) instead of waiting.
            parent_ends = [parent_end, *(end for _process, end in workers)]
            process = context.Process(
                target=_shard,
                args=(child_end, parent_ends, workspace, options, prepared, claim, task),
                daemon=True,
            )
            process.start()
            child_end.close()
            workers.append((process, parent_end))
        senders: list[threading.Thread] = []
        if later:
            task.bzl = _analyzed_first(prepared, options)
            senders = [_hand_out(connection, task.bzl) for _process, connection in workers]
        own = _own_share(
            workspace,
            options,
            prepared,
            others,
            _WhileAllAlive(claims[0], workers),
            replace(task, first=True),
        )
        facts = own.facts()
        for _process, connection in workers:
            facts.merge(_receive(connection))
        for sender in senders:  # a shard reads the record before it sends its facts
            sender.join()
        for _process, connection in workers:
            connection.send(facts)
        own.ctx.shared_facts = facts
        outputs: list[ShardOutput] = [_output(own)]
        del own, prepared  # freed while the other shards finish, not after
        outputs += [_receive_output(connection) for _process, connection in workers]
        return _combine(
            workspace, options, outputs
        )  # while the shards exit (freeing their memory takes a while)
    finally:
        for process, connection in workers:
            connection.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


def _own_share(
    workspace: Workspace,
    options: Options,
    prepared: PreparedModel,
    others: set[str],
    claim: Callable[[], list[str]],
    task: _Task,
) -> Analysis | StreamedAnalysis:
    """The first shard's analysis, in this process: it reads the Starlark files that are neither .bzl
    nor BUILD files (WORKSPACE, MODULE.bazel) besides its BUILD files."""
    with _failing_as_a_shard():
        add_other_modules(prepared, others)
        return _analysis(workspace, options, prepared, claim, task)


def _analyzed_first(prepared: PreparedModel, options: Options) -> BzlRecord:
    """Analyze the rules and helpers of the .bzl files in this process, for the record of it."""
    with _failing_as_a_shard():
        analyze_bzl_files(prepared)
        ctx = Context(prepared.model, options.profile, options.strict, options.bazel_version)
        return bzl_record_of(prepared, ctx, options)


@contextmanager
def _failing_as_a_shard() -> Iterator[None]:
    """This process's share of the work fails as a forked shard does (RuntimeError, with the
    traceback), for the caller to scan in one process."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - reported as a forked shard's failure is
        if guard.interrupted(error):
            raise KeyboardInterrupt from error
        raise RuntimeError(f"a scan process failed:\n{traceback.format_exc()}") from error


def _hand_out(connection: Connection, bzl: BzlRecord) -> threading.Thread:
    """Send a shard the record while this process goes on: the shard reads it only once its
    packages are evaluated, and a pipe holds far less than a record."""
    sender = threading.Thread(target=_send_quietly, args=(connection, bzl), daemon=True)
    sender.start()
    return sender


def _send_quietly(connection: Connection, message: object) -> None:
    try:
        connection.send(message)
    except OSError:
        pass  # the shard is gone: receiving its facts reports that


@dataclass
class _Task:
    reuse: Mapping[str, PackageEdges]
    record: bool
    bzl: BzlRecord | None = None
    first: bool = False  # the shard that records the .bzl files' analysis, when `record`
    bzl_later: bool = False  # the other shards receive the record from the first (`_hand_out`)


def _analysis(
    workspace: Workspace,
    options: Options,
    prepared: PreparedModel,
    claim: Callable[[], list[str]],
    task: _Task,
    bzl_later: Callable[[], BzlRecord] | None = None,
) -> Analysis | StreamedAnalysis:
    if streams(options):
        records = {} if task.record else None
        record_bzl = task.record and task.first
        return StreamedAnalysis(
            workspace, options, prepared, claim, task.reuse, records, task.bzl, record_bzl, bzl_later
        )
    return Analysis(workspace, options, claim=claim, prepared=prepared)


def _receive(connection: Connection) -> Any:
    try:
        message = connection.recv()
    except EOFError as error:
        raise RuntimeError("a scan process ended without a result") from error
    if isinstance(message, _Failure):
        raise RuntimeError(f"a scan process failed:\n{message.trace}")
    return message


@dataclass
class _Failure:
    trace: str


def _shard(
    connection: Connection,
    parent_ends: list[Connection],
    workspace: Workspace,
    options: Options,
    prepared: PreparedModel,
    claim: Callable[[], list[str]],
    task: _Task,
) -> None:
    for end in parent_ends:
        end.close()
    try:
        reads.start_over()
        later = (lambda: _receive(connection)) if task.bzl_later else None
        analysis = _analysis(workspace, options, prepared, claim, task, later)
        connection.send(analysis.facts())
        analysis.ctx.shared_facts = connection.recv()
        output = _output(analysis)
        output.log = reads.current()
        _send_output(connection, output)
    except BaseException:  # the parent must hear about it, whatever it is
        try:
            connection.send(_Failure(traceback.format_exc()))
        except OSError:
            pass  # the parent gave up already (another shard failed)
    finally:
        connection.close()


# Findings, verdicts or JSON entries per message from a shard: a message is pickled whole in memory
# on both ends, and a 20,000-file workspace's shard sent 73 MB in one.
BATCH = 5_000


def _send_output(connection: Connection, output: ShardOutput) -> None:
    """Send `output`: its long lists in batches of `BATCH` after the rest (`_receive_output`)."""
    encoded = output.encoded
    parts: list[list[Any]] = [output.owned, output.foreign, output.verdicts, output.records or []]
    parts += [encoded.labels, encoded.entries] if encoded is not None else [[], []]
    parts.append(output.target_index or [])
    bare = replace(
        output,
        owned=[],
        foreign=[],
        verdicts=[],
        records=None if output.records is None else [],
        target_index=None if output.target_index is None else [],
    )
    if encoded is not None:
        bare.encoded = replace(encoded, labels=[], entries=[])
    connection.send((bare, [len(part) for part in parts]))
    for part in parts:
        for start in range(0, len(part), BATCH):
            connection.send(part[start : start + BATCH])


def _receive_output(connection: Connection) -> ShardOutput:
    bare, counts = _receive(connection)
    parts: list[list[Any]] = []
    for count in counts:
        items: list[Any] = []
        while len(items) < count:
            items.extend(_receive(connection))
        parts.append(items)
    owned, foreign, verdicts, records, labels, entries, index = parts
    encoded = None if bare.encoded is None else replace(bare.encoded, labels=labels, entries=entries)
    records_or_none = None if bare.records is None else records
    return replace(
        bare,
        owned=owned,
        foreign=foreign,
        verdicts=verdicts,
        encoded=encoded,
        records=records_or_none,
        target_index=None if bare.target_index is None else index,
    )


def _output(analysis: Analysis | StreamedAnalysis) -> ShardOutput:
    diagnostics = analysis.findings()
    read = analysis.read
    owned = [d for d in diagnostics if d.span.path in read]
    foreign = [d for d in diagnostics if d.span.path not in read]
    every = analysis.every_suppression()
    if analysis.options.report_findings:
        held = {s.path for s in every}
        sources = analysis.report_sources({d.span.path for d in diagnostics} | held, held)
    else:  # only the inventory is reported: of the findings, it shows fetch hazards and rc findings
        owned, foreign, every, sources = (
            inventory_findings(owned),
            inventory_findings(foreign),
            [],
            ReadBack(),
        )
    verdicts: list[TargetVerdict] = []
    encoded = None
    hazards = ActionHazards({}, set())
    if analysis.options.inventory:
        inventory = analysis.inventory(diagnostics)
        hazards = inventory.action_hazards
        if (
            analysis.options.verdicts_as_json
        ):  # encoded here, in parallel, not one after the other in the parent
            encoded = EncodedVerdicts.of(inventory)
        else:  # for reports that read verdict objects: their JSON entries are not needed
            verdicts = inventory.targets
    records = analysis.records if isinstance(analysis, StreamedAnalysis) else None
    bzl = analysis.bzl_record if isinstance(analysis, StreamedAnalysis) else None
    return ShardOutput(
        owned,
        foreign,
        read,
        analysis.module_paths,
        every,
        sources,
        analysis.target_count,
        verdicts,
        encoded,
        hazards,
        records=None if records is None else list(records.values()),
        bzl=bzl,
        target_index=analysis.target_index if analysis.options.target_index else None,
    )


def _combine(workspace: Workspace, options: Options, outputs: list[ShardOutput]) -> Result:
    log = reads.current()
    for o in outputs:
        if log is not None and o.log is not None:
            log.merge(o.log)
    read = set().union(*(o.read for o in outputs))
    found = [d for o in outputs for d in o.owned]
    found += [d for o in outputs for d in o.foreign if d.span.path not in read]
    # The same suppression comment, read by several shards, is used when any of them used it.
    by_place: dict[tuple[str, int, str, bool], Suppression] = {}
    for o in outputs:
        for s in o.suppressions:
            kept = by_place.setdefault((s.path, s.byte, s.rule, s.whole_file), s)
            kept.used = kept.used or s.used
    sources = ReadBack()
    for o in outputs:
        sources.update(o.sources)
    diagnostics = finish(merge(found), list(by_place.values()), sources, options)
    hazards = ActionHazards({}, set())
    for o in outputs:
        hazards.merge(o.hazards)
    inventory = None
    if options.inventory and options.verdicts_as_json:
        parts = [o.encoded for o in outputs if o.encoded is not None]
        inventory = assemble_encoded(str(workspace.root), options.bazel_version, parts, hazards, diagnostics)
    elif options.inventory:
        verdicts = [v for o in outputs for v in o.verdicts]
        inventory = assemble(str(workspace.root), options.bazel_version, verdicts, hazards, diagnostics)
    files = len(set().union(*(o.modules for o in outputs)))
    targets = sum(o.targets for o in outputs)
    records = None
    if all(o.records is not None for o in outputs):
        # Each shard notes the packages it evaluated on the side by their edges alone: a record wins.
        records = {r.build: r for o in outputs for r in o.records or [] if r.record is None}
        records.update((r.build, r) for o in outputs for r in o.records or [] if r.record is not None)
    return Result(
        workspace.root,
        None,
        diagnostics,
        inventory,
        files,
        targets,
        sources,
        package_records=records,
        bzl_record=next((o.bzl for o in outputs if o.bzl is not None), None),
        target_index=[place for o in outputs for place in o.target_index or []]
        if options.target_index
        else None,
    )
