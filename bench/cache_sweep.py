#!/usr/bin/env python3
"""Check the result cache on real repository snapshots: every cached report must be the report.

Usage:
    python bench/cache_sweep.py SNAPSHOTS [--only a,b] [--workdir DIR]

For each repository (a subdirectory of SNAPSHOTS, copied once under --workdir: the snapshot itself
is never written) it runs `check --format json` and compares, byte for byte:

- a scan with a fresh cache (a miss, which stores the result) and the same scan again (a hit) with
  a `--no-cache` scan;
- after appending a comment to the largest source file (`realrepo.largest_source`): a cached scan
  (a hit: the scan never reads it) with a `--no-cache` scan of the edited tree;
- after appending a genrule that downloads to the largest BUILD file the scan reads
  (`realrepo.largest_build`): a cached scan (a miss that reuses the other packages) with a
  `--no-cache` scan of the edited tree, and the report must name the new target;
- after undoing that edit: a cached scan (a hit on the first entry) with the first report;
- after emptying the BUILD file whose package most other BUILD files name a target of
  (`most_named_build`): a cached scan (the packages naming it are evaluated again) with a
  `--no-cache` scan;
- after appending a global to the .bzl file most files load (`realrepo.most_loaded_bzl`): a cached
  scan (a miss that evaluates the packages loading it again) with a `--no-cache` scan;
- after appending a comment that suppresses the common rules for the whole of that .bzl file: a
  cached scan (every statement where it was: the records stand, the suppression is read) with a
  `--no-cache` scan;
- after inserting a global above the middle top-level `def` of that .bzl file
  (`realrepo.CodeEdit`): a cached scan (the packages that read a name at or below it are evaluated
  again, the others reused) with a `--no-cache` scan;
- as the pre-commit hook runs, `check FILE` naming one file: naming that .bzl file (or the largest
  BUILD file), cached and `--no-cache`; then, with the genrule appended to the largest BUILD file
  again, naming that BUILD file (a run naming other files reuses the entry of the first), and the
  report must name the new target.

It prints one line per repository with the wall times and OK or BAD; the exit status is 1 when any
comparison failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realrepo import CodeEdit, discover, largest_build, largest_source, most_loaded_bzl  # noqa: E402

ADDED = b'\ngenrule(name = "zz_cache_sweep", outs = ["zz.txt"], cmd = "curl -o $@ https://example.com/x")\n'


def check(root: Path, cache_dir: Path | None) -> tuple[str, float]:
    """`check ROOT`, or `check FILE` when root is a file (the files named, as the pre-commit hook does)."""
    argv = [
        sys.executable,
        "-m",
        "hermetic_scan",
        "check",
        str(root),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]
    argv += ["--cache-dir", str(cache_dir)] if cache_dir else ["--no-cache"]
    start = time.perf_counter()
    # From the root directory: `python -m` puts the working directory first on the path, and a
    # checkout there would shadow the package PYTHONPATH names.
    out = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=os.sep).stdout
    return out, time.perf_counter() - start


# A comment and nothing else: a file suppression of the rules that report in .bzl files most.
SUPPRESSED = (
    b"\n# hermetic-scan: disable-file=ambient-tool,default-shell-env,missing-mnemonic,network-access,"
    b"workspace-dir,host-env,host-path\n"
)


def edited(root: Path, path: Path, text: bytes | None, cache_dir: Path) -> tuple[str, bool, float]:
    """With `text` appended to `path` (None: with `path` emptied): the cached report, whether it is
    the `--no-cache` one, and the cached scan's wall time. The file is restored after."""
    original = path.read_bytes()
    path.write_bytes(original + text if text is not None else b"")
    try:
        cached, seconds = check(root, cache_dir)
        return cached, cached == check(root, None)[0], seconds
    finally:
        path.write_bytes(original)


def most_named_build(root: Path) -> Path | None:
    """The BUILD file the scan reads whose package the most other BUILD files name a target of
    (`"//pkg:`): emptied, the packages naming it must be evaluated again, not reused."""
    builds = discover(root).main.build_files
    texts: dict[str, str] = {}
    for rel in builds:
        try:
            texts[rel] = (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    counts: dict[str, int] = {}
    for rel in texts:
        package = rel.rpartition("/")[0]
        needle = f'"//{package}:'
        counts[rel] = sum(1 for other, text in texts.items() if other != rel and needle in text)
    best = max(sorted(counts), key=lambda rel: counts[rel]) if counts else None
    return root / best if best is not None and counts[best] > 0 else None


def sweep_one(root: Path, cache_dir: Path) -> tuple[bool, str]:
    fresh, fresh_s = check(root, None)
    miss, miss_s = check(root, cache_dir)
    hit, hit_s = check(root, cache_dir)
    checks = {"miss": miss == fresh, "hit": hit == fresh}
    times = [f"fresh {fresh_s:.2f}s", f"miss {miss_s:.2f}s", f"hit {hit_s:.2f}s"]
    source = largest_source(root)
    if source is not None:
        _, checks["src-edit"], seconds = edited(root, source, b"\n// cache sweep\n", cache_dir)
        times.append(f"src-edit {seconds:.2f}s")
    build = largest_build(root)
    if build is not None:
        report, same, seconds = edited(root, build, ADDED, cache_dir)
        checks["build-edit"] = same and "zz_cache_sweep" in report
        undone, undo_s = check(root, cache_dir)
        checks["undo"] = undone == fresh
        times += [f"build-edit {seconds:.2f}s", f"undo {undo_s:.2f}s"]
    named = most_named_build(root)
    if named is not None:
        _, checks["named-empty"], seconds = edited(root, named, None, cache_dir)
        times.append(f"named-empty {seconds:.2f}s")
    bzl = most_loaded_bzl(root)
    if bzl is not None:
        _, checks["bzl-edit"], seconds = edited(root, bzl, b'\nZZ_CACHE_SWEEP = "x"\n', cache_dir)
        times.append(f"bzl-edit {seconds:.2f}s")
        _, checks["bzl-comment"], seconds = edited(root, bzl, SUPPRESSED, cache_dir)
        times.append(f"bzl-comment {seconds:.2f}s")
        with CodeEdit(bzl, 0):
            cached, seconds = check(root, cache_dir)
            checks["bzl-middle"] = cached == check(root, None)[0]
        times.append(f"bzl-middle {seconds:.2f}s")
    first = bzl or build
    if first is not None and build is not None:
        named_first, _ = check(first, cache_dir)
        checks["named"] = named_first == check(first, None)[0]
        # Not the bytes build-edit appended: `check` and `check FILE` share entries, and those
        # would be a hit, not a BUILD edit.
        report, same, seconds = edited(build, build, ADDED.replace(b"zz.txt", b"zz_named.txt"), cache_dir)
        checks["named-edit"] = same and "zz_cache_sweep" in report
        times.append(f"named-edit {seconds:.2f}s")
    failed = [name for name, ok in checks.items() if not ok]
    return not failed, " ".join(times) + (f"  failed: {', '.join(failed)}" if failed else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshots", type=Path)
    parser.add_argument("--only", default="", help="comma-separated repository names")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where copies are made (default: a temporary one)"
    )
    args = parser.parse_args(argv)
    wanted = {n for n in args.only.split(",") if n}
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="cache-sweep-"))).resolve()
    bad = 0
    for snapshot in sorted(p for p in args.snapshots.iterdir() if p.is_dir()):
        if wanted and snapshot.name not in wanted:
            continue
        root = workdir / snapshot.name
        if not root.exists():
            shutil.copytree(snapshot, root, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        cache_dir = workdir / "cache" / snapshot.name
        shutil.rmtree(cache_dir, ignore_errors=True)
        ok, line = sweep_one(root, cache_dir)
        bad += not ok
        print(f"{'OK ' if ok else 'BAD'} {snapshot.name}: {line}", flush=True)
    print(f"{bad} repositories with a cached report that is not the report")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
