#!/usr/bin/env python3
"""Run hermetic-scan over a directory of real repository snapshots and summarise what it says.

Usage:
    python bench/realworld.py SNAPSHOTS [--save DIR] [--compare DIR] [--only a,b] [--jobs N]

SNAPSHOTS holds one checked-out repository per subdirectory (see bench/realworld.toml for the list
and commits of the sweep recorded in docs/realworld.md, and bench/README.md for how to check them
out with the tool library's `fetch`). For each repository it runs `check --format json` and
`inventory --format json` and prints: Starlark files, targets, verdict counts, the unknown share,
findings per rule, wall time, and crashes (an exit status other than 0 or 1, or a traceback).

--save DIR   keeps every report as DIR/<repo>.check.json and DIR/<repo>.inventory.json, for review
             and for --compare.
--compare D  prints, per repository, the findings and verdicts that differ from the reports saved in D
             (a sweep before a change against one after it), and, at the end, the repositories
             SLOWER than the sweep as a whole: their time grew 1.3 times more than the median
             repository's did, and by 0.3 s more (D/times.tsv, written by --save). A change to the
             model can make it walk a loop far more often while every report stays the same
             (a6f9537 made rules_js 0.56 -> 0.90 s a run that way). Against the median, a machine
             busier for one sweep than for the other slows every repository alike, and flags none.

The exit status is 1 when any repository crashed, else 0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

STARLARK_NAMES = {"BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel"}


@dataclass
class RepoFigures:
    name: str
    starlark_files: int = 0
    targets: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    crashes: list[str] = field(default_factory=list)

    @property
    def unknown_share(self) -> float:
        return self.verdicts["unknown"] / self.targets if self.targets else 0.0


def count_starlark(root: Path) -> int:
    return sum(
        1
        for path in root.rglob("*")
        if path.is_file() and (path.name in STARLARK_NAMES or path.suffix == ".bzl")
    )


def run_json(command: list[str], figures: RepoFigures, what: str) -> dict | None:
    completed = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=1800)
    if completed.returncode not in (0, 1) or "Traceback (most recent call last)" in completed.stderr:
        tail = completed.stderr.strip().splitlines()[-3:]
        figures.crashes.append(f"{what}: exit {completed.returncode}: {' | '.join(tail)}")
        return None
    try:
        return json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        figures.crashes.append(f"{what}: output is not JSON ({error})")
        return None


def sweep_one(root: Path, jobs: int | None, save: Path | None) -> RepoFigures:
    figures = RepoFigures(root.name, starlark_files=count_starlark(root))
    base = [sys.executable, "-m", "hermetic_scan"]
    extra = ["--jobs", str(jobs)] if jobs else []
    started = time.perf_counter()
    check = run_json(
        [*base, "check", str(root), "--format", "json", "--fail-on", "never", "--no-cache", *extra],
        figures,
        "check",
    )
    inventory = run_json(
        [*base, "inventory", str(root), "--format", "json", "--no-cache", *extra], figures, "inventory"
    )
    figures.seconds = time.perf_counter() - started
    if check is not None:
        figures.findings.update(finding["rule"] for finding in check["findings"])
    if inventory is not None:
        figures.targets = len(inventory["targets"])
        figures.verdicts.update(target["verdict"] for target in inventory["targets"])
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        for kind, report in (("check", check), ("inventory", inventory)):
            if report is not None:
                (save / f"{root.name}.{kind}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return figures


def finding_keys(report: dict) -> set[tuple[str, str, int, str]]:
    return {(f["rule"], f["path"], f["line"], f["message"]) for f in report["findings"]}


def verdict_map(report: dict) -> dict[str, str]:
    return {target["label"]: target["verdict"] for target in report["targets"]}


def compare(name: str, before_dir: Path, after_dir: Path) -> list[str]:
    lines: list[str] = []
    for kind in ("check", "inventory"):
        before_path, after_path = before_dir / f"{name}.{kind}.json", after_dir / f"{name}.{kind}.json"
        if not before_path.is_file() or not after_path.is_file():
            continue
        before = json.loads(before_path.read_text(encoding="utf-8"))
        after = json.loads(after_path.read_text(encoding="utf-8"))
        if kind == "check":
            old, new = finding_keys(before), finding_keys(after)
            lines += [
                f"  - {rule} {path}:{line} {message}" for rule, path, line, message in sorted(old - new)
            ]
            lines += [
                f"  + {rule} {path}:{line} {message}" for rule, path, line, message in sorted(new - old)
            ]
        else:
            old_verdicts, new_verdicts = verdict_map(before), verdict_map(after)
            for label in sorted(old_verdicts.keys() | new_verdicts.keys()):
                was, now = old_verdicts.get(label, "absent"), new_verdicts.get(label, "absent")
                if was != now:
                    lines.append(f"  {label}: {was} -> {now}")
    return lines


TIMES = "times.tsv"  # repository, seconds: not a report, so not *.json
SLOWER_RATIO, SLOWER_SECONDS = 1.3, 0.3


def saved_times(directory: Path) -> dict[str, float]:
    path = directory / TIMES
    if not path.is_file():
        return {}
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {name: float(seconds) for name, seconds in rows}


def slower_than_the_sweep(before: dict[str, float], after: dict[str, float]) -> tuple[float, list[str]]:
    """The median of after/before over the repositories timed in both, and those whose own ratio is
    SLOWER_RATIO times that and who took SLOWER_SECONDS more than the median predicts."""
    both = sorted(name for name in after if before.get(name))
    if not both:
        return 1.0, []
    median = statistics.median(after[name] / before[name] for name in both)
    return median, [
        name
        for name in both
        if after[name] > before[name] * median * SLOWER_RATIO
        and after[name] - before[name] * median > SLOWER_SECONDS
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshots", type=Path)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--only", help="comma-separated repository directory names")
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    roots = sorted(p for p in args.snapshots.iterdir() if p.is_dir() and (only is None or p.name in only))
    if args.compare and not args.save:
        parser.error("--compare needs --save (the new reports to compare with)")
    all_figures = []
    times_before = saved_times(args.compare) if args.compare else {}
    header = f"{'repository':<22} {'files':>6} {'targets':>7} {'ok':>6} {'no-rex':>6} {'unknown':>7} {'unk%':>5} {'time':>6}"
    print(header)
    for root in roots:
        figures = sweep_one(root, args.jobs, args.save)
        all_figures.append(figures)
        v = figures.verdicts
        print(
            f"{figures.name:<22} {figures.starlark_files:>6} {figures.targets:>7} {v['remote-ok']:>6} "
            f"{v['no-remote-exec']:>6} {v['unknown']:>7} {figures.unknown_share:>5.0%} {figures.seconds:>5.1f}s",
            flush=True,
        )
        for crash in figures.crashes:
            print(f"  CRASH {crash}")
        if args.compare:
            for line in compare(root.name, args.compare, args.save):
                print(line)
    total = RepoFigures("total")
    for figures in all_figures:
        total.starlark_files += figures.starlark_files
        total.targets += figures.targets
        total.verdicts.update(figures.verdicts)
        total.findings.update(figures.findings)
        total.seconds += figures.seconds
        total.crashes += figures.crashes
    v = total.verdicts
    print(
        f"{'TOTAL':<22} {total.starlark_files:>6} {total.targets:>7} {v['remote-ok']:>6} "
        f"{v['no-remote-exec']:>6} {v['unknown']:>7} {total.unknown_share:>5.0%} {total.seconds:>5.1f}s"
    )
    print("findings per rule: " + ", ".join(f"{rule} {n}" for rule, n in total.findings.most_common()))
    print(f"crashes: {len(total.crashes)}")
    if times_before:
        after = {figures.name: figures.seconds for figures in all_figures}
        median, flagged = slower_than_the_sweep(times_before, after)
        print(f"time against {args.compare}: the median repository took {median:.2f} times as long")
        for name in flagged:
            print(f"  SLOWER {name}: {times_before[name]:.1f}s -> {after[name]:.1f}s")
    if args.save:
        times = "".join(f"{figures.name}\t{figures.seconds:.3f}\n" for figures in all_figures)
        (args.save / TIMES).write_text(times, encoding="utf-8")
    return 1 if total.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
