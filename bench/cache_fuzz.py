#!/usr/bin/env python3
"""Random .bzl edits on real repository snapshots: every cached report must be the report.

Usage:
    python bench/cache_fuzz.py SNAPSHOTS [--only a,b] [--rounds 30] [--seed 1] [--workdir DIR]

`bench/cache_sweep.py` makes the same few edits everywhere. The cache reuses a package, and the
record of the .bzl files' analysis, after a .bzl edit that changes or moves none of the names they
read (docs/performance.md, "Tenth session"), so what matters is where an edit falls. For each
repository (copied once under --workdir; the snapshot is never written) this makes --rounds edits
to .bzl files chosen at random, each one of: a global inserted above a top-level statement, a
comment line inserted, a string's text changed (a download added to it), a line's code replaced,
a helper appended; after each, `check --format json` with the cache must print what `check
--no-cache` prints. Half the edits are undone after their check, so that others pile up. A file
whose edit differs is copied beside the work directory, with its round and kind. Exit status 1 on
any difference.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cache_sweep import check  # noqa: E402

KINDS = ("insert", "comment", "string", "code", "helper")
DEFAULT_WORKDIR = Path(__file__).resolve().parent / "work" / "fuzz"


def edited(text: str, kind: str, rng: random.Random, round_no: int) -> str:
    """`text` with one edit of `kind` at a place chosen with `rng` (unchanged when it has none)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    tops = [i for i, line in enumerate(lines) if line[:1].isalpha() or line.startswith("_")]
    if kind == "insert" and tops:
        lines.insert(rng.choice(tops), f"_FUZZ_{round_no} = {round_no}\n\n")
    elif kind == "comment":
        # Between lines that do not continue a bracket: a comment there is no statement's text.
        places = [
            i
            for i in range(len(lines) + 1)
            if i == 0 or not lines[i - 1].rstrip().endswith(("(", "[", "{", ",", "\\"))
        ]
        lines.insert(rng.choice(places), f"# fuzz {round_no}\n")
    elif kind == "string":
        quoted = [i for i, line in enumerate(lines) if line.count('"') >= 2]
        if quoted:
            at = rng.choice(quoted)
            lines[at] = lines[at].replace('"', '"curl https://fuzz.example/ ', 1)
    elif kind == "code":
        simple = [
            i
            for i, line in enumerate(lines)
            if line.startswith("    ")
            and line.strip()
            and not line.rstrip().endswith((":", "(", "[", "{", ",", "\\"))
        ]
        if simple:
            at = rng.choice(simple)
            lines[at] = re.sub(r"\S.*", "pass", lines[at], count=1)
    elif kind == "helper":
        lines.append(
            f'\ndef _fuzz_{round_no}(ctx):\n    ctx.actions.run_shell(outputs = [], command = "curl -o x https://fuzz.example")\n'
        )
    return "".join(lines)


def fuzz_one(snapshot: Path, workdir: Path, rounds: int, seed: int) -> int:
    """The number of rounds whose cached report differed."""
    rng = random.Random(f"{snapshot.name}:{seed}")
    root = workdir / snapshot.name
    cache_dir = workdir / f"cache-{snapshot.name}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(cache_dir, ignore_errors=True)
    shutil.copytree(snapshot, root, symlinks=True)
    files = sorted(
        p
        for p in root.rglob("*.bzl")
        if p.is_file() and not p.is_symlink() and not p.relative_to(root).parts[0].startswith("bazel-")
    )
    if not files:
        return 0
    check(root, cache_dir)  # the entry the edits start from
    bad = 0
    for round_no in range(rounds):
        path = rng.choice(files)
        original = path.read_bytes()
        kind = rng.choice(KINDS)
        path.write_bytes(
            edited(original.decode("utf-8", "surrogateescape"), kind, rng, round_no).encode(
                "utf-8", "surrogateescape"
            )
        )
        same = check(root, cache_dir)[0] == check(root, None)[0]
        print(
            f"  {snapshot.name} {round_no} {kind} {path.relative_to(root)}: {'OK' if same else 'BAD'}",
            flush=True,
        )
        if not same:
            bad += 1
            shutil.copy(path, workdir / f"bad-{snapshot.name}-{round_no}-{kind}-{path.name}")
        if rng.random() < 0.5:
            path.write_bytes(original)
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshots", type=Path)
    parser.add_argument("--only", help="comma-separated repository names (default: every snapshot)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args(argv)
    snapshots = sorted(p for p in args.snapshots.resolve().iterdir() if p.is_dir())
    if args.only:
        snapshots = [p for p in snapshots if p.name in args.only.split(",")]
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for snapshot in snapshots:
        bad = fuzz_one(snapshot, workdir, args.rounds, args.seed)
        print(
            f"{'OK ' if not bad else 'BAD'} {snapshot.name}: {bad} of {args.rounds} edits differ", flush=True
        )
        failed += bool(bad)
    print(f"{failed} repositories with a cached report that is not the report")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
