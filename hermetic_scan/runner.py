"""`scan`: a workspace's Result, from the cache, from forked shards or from one process (what the CLI and crosscheck call)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from hermetic_scan import cache, reads, shards
from hermetic_scan.engine import (
    BzlRecord,
    PackageEdges,
    Result,
    analyze,
    analyze_streamed,
    attach_externals,
    only_paths,
    with_discovered_externals,
)
from hermetic_scan.options import Options, read_bazelversion
from hermetic_scan.workspace import Workspace, discover


def scan(root: Path, options: Options | None = None) -> Result:
    """Scan the workspace at root; with `Options.cache_dir`, answer from the cache when no file was
    added, removed or renamed and none of the files the stored scan read has changed (the result
    then carries no model)."""
    options = options or Options()
    if options.bazel_version is None:
        options.bazel_version = read_bazelversion(root)
    options = with_discovered_externals(root, options)
    # `check FILE...` reports a view of the whole workspace's findings (`only_paths`), taken here from
    # the result of the whole, scanned or cached: runs naming other files share one cache entry (a
    # pre-commit hook names the files of each commit: with the names in the key, every commit missed).
    whole = replace(
        options, only_paths=None, target_index=options.target_index or options.only_paths is not None
    )
    result = _scan(root, whole) if options.cache_dir is None else _cached_scan(root, whole)
    if options.only_paths is None:
        return result
    return replace(result, diagnostics=only_paths(result.diagnostics, options, result.targets()))


def _cached_scan(root: Path, options: Options) -> Result:
    survey = cache.survey(root, options, [*options.external_dirs, *options.repos.values()], options.cache_dir)
    cached = cache.lookup(survey, Result)
    if isinstance(cached, Result):
        survey.save_index()
        return cached
    carried = cache.reusable(survey)
    with reads.recording() as log:
        if carried is not None:
            log.merge(carried.log)  # what the reused packages read: a later edit to it must miss
        bzl = carried.bzl if carried is not None and isinstance(carried.bzl, BzlRecord) else None
        reuse = carried.records if carried is not None else {}
        loads = carried.loads if carried is not None else frozenset()
        result = _scan(root, options, reuse, record=True, bzl=bzl, loads=loads)
    records, bzl_record = result.package_records, result.bzl_record
    result = replace(result, package_records=None, bzl_record=None)
    cache.remember(survey, log, replace(result, model=None), records or {}, bzl_record)
    survey.save_index()
    return result


def _scan(
    root: Path,
    options: Options,
    reuse: Mapping[str, PackageEdges] | None = None,
    record: bool = False,
    bzl: BzlRecord | None = None,
    loads: frozenset[str] = frozenset(),
) -> Result:
    """The scan; a streamed one takes `reuse`'s packages as they were and `bzl` for the analysis of
    the .bzl files and, with `record`, returns the records of its packages and of that analysis
    (engine.StreamedAnalysis). In shards, the .bzl files in `loads` are read before forking
    (`cache.Carried.loads`)."""
    workspace = discover(root, options.exclude)
    attach_externals(workspace, options)
    if options.keep_model:
        return analyze(workspace, options)
    # With --jobs, the workspace's BUILD files are split as they always were, records or not.
    count = shard_count(options.jobs, *_work(workspace, reuse if options.jobs is None else None, bzl))
    if count > 1:
        try:
            return shards.analyze_in_shards(
                workspace, options, count, reuse=reuse, record=record, bzl=bzl, loads=loads
            )
        except (OSError, RuntimeError) as error:
            # The report must not depend on the machine: one process gives the same one, only slower.
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            print(f"hermetic-scan: {first_line}; scanning in one process", file=sys.stderr)
    if options.stream:
        streamed = analyze_streamed(workspace, options, reuse, record, bzl)
        if streamed is not None:
            return streamed
    return analyze(workspace, options)


def _work(
    workspace: Workspace, reuse: Mapping[str, PackageEdges] | None, bzl: BzlRecord | None
) -> tuple[int, int]:
    """The BUILD files to evaluate (those the cache has no record of) and the .bzl files whose rules
    to analyze (none when a record of that analysis is carried)."""
    recorded = sum(1 for edges in (reuse or {}).values() if edges.record is not None)
    builds = sum(len(repo.build_files) for repo in workspace.repositories)
    bzl_files = 0 if bzl is not None else sum(len(repo.bzl_files) for repo in workspace.repositories)
    return max(builds - recorded, 0), bzl_files


# With `jobs` unset, one process per this many Starlark files, BUILD and .bzl (up to the CPUs there
# are): below it, a second process costs more (forking, sending results back, merging) than it saves.
# The .bzl files count since a streamed scan forks before analyzing their rules (`shards`). Measured
# (docs/performance.md, "The .bzl files are analyzed after forking"), 2 processes against one: 0.57
# against 0.66 s on rules_python (173 BUILD and 279 .bzl files), 0.52 against 0.58 s on rules_js (59
# and 83), 0.27 against 0.29 s on bazel-examples (114 and 30); the same on bazel-skylib (24 and 95),
# rules_pkg (47 and 48) and rules_oci (36 and 28); 0.01 s more on rules_shell (9 and 12). Measured
# on 2 CPUs: with more, a share of 60 files is a guess.
STARLARK_FILES_PER_JOB = 60


def shard_count(jobs: int | None, build_files: int, bzl_files: int = 0) -> int:
    """How many processes scan `build_files` BUILD files and analyze the rules of `bzl_files` .bzl
    files: `jobs`, if given, else as many as the work pays for (up to the CPUs there are)."""
    if not shards.can_fork() or build_files < 2:
        return 1
    if jobs is None:
        return max(1, min(shards.usable_cpus(), (build_files + bzl_files) // STARLARK_FILES_PER_JOB))
    return max(1, min(jobs, build_files))
