#!/usr/bin/env python3
"""Time hermetic-scan on real repository snapshots against buildifier --lint=warn, in one run.

Usage:
    python bench/realrepo.py SNAPSHOTS [--only a,b] [--runs 3] [--json FILE] [--workdir DIR]

For each repository (default: the six rulesets of issue 17) it copies the snapshot to a writable
directory under --workdir (the snapshot itself is never written), then runs R rounds, interleaved
across repositories, each round timing:

- buildifier   `buildifier --lint=warn --mode=check -r REPO`
- cold         `check REPO --format json --no-cache` (no cache read or written)
- warm         `check` with the cache, nothing changed since the previous cached run
- build-edit   `check` with the cache, after appending a comment line to one BUILD file (the largest)
- bzl-edit     `check` with the cache, after appending a comment line to the .bzl file that most
               files of the repository load (directly)
- bzl-code-edit  `check` with the cache, after the same .bzl file gains a statement: a global
               assigned above its middle top-level `def` (bzl-edit's comment leaves every statement
               where it was, which the cache takes as no change to the model: this is the edit
               that changes code, and moves what follows it)
- src-edit     `check` with the cache, after appending a comment line to the largest source file
               (.go, .py, .rs, .js, .ts, .proto, .java, .cc, .c, .h): what most commits change; the
               three edits are undone after their run
- named-edit   the pre-commit hook's run: `check BUILDFILE` (the file named, as the hook names the
               files of a commit) with the cache, after an edit like build-edit's (another line:
               `check` and `check FILE...` share entries, and build-edit's would be a hit), naming with it
               another BUILD file each round (each commit names other files); its untimed run
               before names the .bzl file of bzl-edit, as the commit before would
- lsp-build-edit, lsp-bzl-edit   the same two edits made in the language server (`hermetic-scan
               lsp`, the process that stays up): the file is opened (untimed), then changed
               EDITS_PER_RUN times in the buffer, each time appending another comment line; a run's
               time is the median from didChange to the publishDiagnostics that follows, its CPU
               the server's CPU time per edit, its memory the server's RSS and PSS after the edits

When the scanner has no cache (`--cache-dir` is not among its options) warm and the edits are
plain cold runs. For every run it records the wall time, the CPU time of the children (user + sys)
and the peak memory of the whole process tree (the scanner and every process it forked, sampled
every 20 ms from /proc): RSS summed, which counts a page shared by forked processes once in each,
and PSS summed (proportional set size: a shared page split between the processes sharing it), which
is what the tree really holds. It prints per-repository medians, the totals over the
repositories (sum of medians) and the ratios to buildifier's median, and with --json writes every
figure. See docs/performance.md for the figures taken with it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# The language-server client is test code (tests/lsp_client.py), not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from lsp_client import LspClient  # noqa: E402

from hermetic_scan.workspace import discover  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_WORKDIR = HERE / "work" / "real"
DEFAULT_REPOS = ["rules_go", "rules_python", "rules_rust", "rules_js", "googleapis", "protobuf"]
BUILD_NAMES = {"BUILD", "BUILD.bazel"}
KINDS = [
    "buildifier",
    "cold",
    "warm",
    "build-edit",
    "bzl-edit",
    "bzl-code-edit",
    "src-edit",
    "named-edit",
    "lsp-build-edit",
    "lsp-bzl-edit",
]
SOURCE_SUFFIXES = {".go", ".py", ".rs", ".js", ".ts", ".proto", ".java", ".cc", ".c", ".h"}
EDITS_PER_RUN = 3
LOAD = re.compile(r"""load\(\s*["']([^"']+\.bzl)["']""")


@dataclass
class Runs:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    pss_mb: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "median_wall_seconds": statistics.median(self.wall) if self.wall else None,
            "median_cpu_seconds": statistics.median(self.cpu) if self.cpu else None,
            "max_peak_rss_mb": max(self.rss_mb) if self.rss_mb else None,
            "max_peak_pss_mb": max(self.pss_mb) if self.pss_mb else None,
            "wall": self.wall,
            "cpu": self.cpu,
            "peak_rss_mb": self.rss_mb,
            "peak_pss_mb": self.pss_mb,
        }


def tree_pids(root_pid: int) -> set[int]:
    """root_pid and all its live descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: fields follow the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    tree = {root_pid}
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    return tree


def process_memory(pid: int) -> dict[str, int]:
    """Bytes of one process by /proc/PID/smaps_rollup field (Rss, Pss, Shared_Clean, Private_Dirty,
    ...); empty once it has exited."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                name, _, rest = line.partition(b":")
                words = rest.split()
                if len(words) == 2 and words[1] == b"kB":
                    found[name.decode()] = int(words[0]) * 1024
    except (OSError, ValueError):
        return {}
    return found


def tree_memory(root_pid: int) -> tuple[int, int]:
    """Resident and proportional bytes (RSS, PSS) of root_pid and all its descendants, summed."""
    rss = pss = 0
    for pid in tree_pids(root_pid):
        memory = process_memory(pid)
        rss += memory.get("Rss", 0)
        pss += memory.get("Pss", 0)
    return rss, pss


def measured(argv: list[str], ok: tuple[int, ...]) -> tuple[float, float, float, float]:
    """Run argv; return (wall seconds, children CPU seconds, peak tree RSS and PSS in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = peak_pss = 0
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            rss, pss = tree_memory(proc.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in ok or b"Traceback (most recent call last)" in err:
        tail = err.decode(errors="replace").strip().splitlines()[-5:]
        raise SystemExit(f"failed (exit {proc.returncode}): {' '.join(argv)}\n" + "\n".join(tail))
    return wall, cpu, peak / 2**20, peak_pss / 2**20


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        stat = handle.read()
    fields = stat[stat.rfind(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def editor_latency(root: Path, path: Path, round_no: int) -> tuple[float, float, float, float]:
    """Open `path` in `hermetic-scan lsp` started at root, then change it EDITS_PER_RUN times; return
    (median seconds from didChange to publishDiagnostics, server CPU seconds per edit, its RSS and PSS
    in MB after the edits)."""
    client = LspClient(cwd=str(root), stderr=subprocess.DEVNULL)
    try:
        client.start(root.as_uri())
        uri, text = path.as_uri(), path.read_text(encoding="utf-8")
        client.open(uri, text)
        client.diagnostics(uri, timeout=600)
        latencies = []
        cpu_before = _cpu_seconds(client.process.pid)
        for edit in range(EDITS_PER_RUN):
            text += f"\n# bench edit {round_no}.{edit}\n"
            client.drain()
            sent = time.perf_counter()
            client.change(uri, edit + 2, text)
            client.diagnostics(uri, timeout=600)
            latencies.append(time.perf_counter() - sent)
        cpu = (_cpu_seconds(client.process.pid) - cpu_before) / EDITS_PER_RUN
        rss, pss = tree_memory(client.process.pid)
    finally:
        client.close()
    return statistics.median(latencies), cpu, rss / 2**20, pss / 2**20


def most_loaded_bzl(root: Path) -> Path | None:
    """The .bzl file that the most Starlark files of the repository load by a main-repository label."""
    counts: dict[Path, int] = {}
    for path in root.rglob("*"):
        if not path.is_file() or not (path.name in BUILD_NAMES or path.suffix == ".bzl"):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        package = path.parent.relative_to(root).as_posix()
        for label in set(LOAD.findall(text)):
            if label.startswith("@") and not label.startswith("@//"):
                continue
            label = label.removeprefix("@")
            if label.startswith("//"):
                pkg, _, name = label[2:].partition(":")
                rel = f"{pkg}/{name}" if pkg else name
            elif label.startswith(":"):
                rel = f"{package}/{label[1:]}" if package not in ("", ".") else label[1:]
            else:
                continue
            target = root / rel
            if target.is_file():
                counts[target] = counts.get(target, 0) + 1
    return max(sorted(counts), key=lambda p: counts[p]) if counts else None


def largest_build(root: Path) -> Path | None:
    """The largest BUILD file the scan reads: not one under .bazelignore or in a nested workspace,
    whose edit a cached run rightly ignores (rules_rust's largest is a vendored crate's)."""
    found = [root / rel for rel in discover(root).main.build_files]
    return max(sorted(found), key=lambda p: p.stat().st_size) if found else None


def largest_source(root: Path) -> Path | None:
    found = [p for p in root.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file() and not p.is_symlink()]
    return max(sorted(found), key=lambda p: p.stat().st_size) if found else None


class Edit:
    """Append one comment line to a file for the duration of a run (a real content change)."""

    def __init__(self, path: Path, round_no: int, what: str = "bench edit") -> None:
        self.path, self.round_no, self.what = path, round_no, what
        self.original = path.read_bytes()

    def __enter__(self) -> None:
        comment = "#" if self.path.suffix in (".py", ".bzl", ".bazel", "") else "//"
        self.path.write_bytes(self.original + f"\n{comment} {self.what} {self.round_no}\n".encode())

    def __exit__(self, *exc: object) -> None:
        self.path.write_bytes(self.original)


class CodeEdit(Edit):
    """Insert a global assignment above the middle top-level `def` of a .bzl file (at its end when it
    has none) for the duration of a run: the statements below it move, and the file has a new one."""

    def __enter__(self) -> None:
        lines = self.original.splitlines(keepends=True)
        functions = [i for i, line in enumerate(lines) if line.startswith(b"def ")]
        at = functions[len(functions) // 2] if functions else len(lines)
        if at == len(lines) and lines and not lines[-1].endswith(b"\n"):
            lines[-1] += b"\n"
        lines.insert(at, f"_bench_code_edit = {self.round_no}\n\n".encode())
        self.path.write_bytes(b"".join(lines))


def find_buildifier(explicit: str | None) -> str:
    for candidate in (
        explicit,
        os.environ.get("BUILDIFIER"),
        str(HERE.parent / "tests" / "tools" / "buildifier-bin"),
        str(HERE / "node_modules" / "@bazel" / "buildifier" / "buildifier-linux_amd64"),
    ):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit(
        "no buildifier: pass --buildifier, set $BUILDIFIER, or run bench/run.py --only buildifier"
    )


def byte_compile() -> None:
    """Compile the hermetic_scan package the children import to .pyc, as installing a wheel does: with
    an editable install and PYTHONDONTWRITEBYTECODE set, every run would first compile it from source."""
    code = "import hermetic_scan, os; print(os.path.dirname(hermetic_scan.__file__))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    package = found.stdout.strip()
    if found.returncode != 0 or not package:
        raise SystemExit(f"cannot import hermetic_scan with {sys.executable}: {found.stderr.strip()}")
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=False, capture_output=True)
    print(f"hermetic_scan: {package} (byte-compiled)")


def has_cache_option() -> bool:
    helped = subprocess.run(
        [sys.executable, "-m", "hermetic_scan", "check", "--help"], capture_output=True, text=True
    )
    return "--cache-dir" in helped.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshots", type=Path)
    parser.add_argument("--only", help="comma-separated repository names (default: the six of issue 17)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--buildifier")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="comma-separated subset of " + ",".join(KINDS)
    )
    parser.add_argument("--jobs", type=int, help="pass --jobs N to check")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else DEFAULT_REPOS
    kinds = [k for k in KINDS if k in args.kinds.split(",")]
    buildifier = os.path.abspath(find_buildifier(args.buildifier))
    workdir = args.workdir.resolve()
    args.snapshots = args.snapshots.resolve()
    args.json = args.json.resolve() if args.json else None
    workdir.mkdir(parents=True, exist_ok=True)
    # `python -m` puts the working directory first on the children's path: started in a checkout,
    # they would import its package whatever PYTHONPATH names (a comparison of two versions then
    # measures one twice). They run from the work directory instead.
    os.chdir(workdir)
    byte_compile()
    cached = has_cache_option()
    cache_dir = workdir / "cache"
    scan = [sys.executable, "-m", "hermetic_scan", "check"]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    repos: dict[str, Path] = {}
    edits: dict[str, tuple[Path | None, Path | None, Path | None]] = {}
    for name in names:
        source = args.snapshots / name
        if not source.is_dir():
            raise SystemExit(f"{source}: no such snapshot")
        copy = workdir / name
        if not copy.is_dir():
            shutil.copytree(source, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        repos[name] = copy
        edits[name] = (largest_build(copy), most_loaded_bzl(copy), largest_source(copy))
        build, bzl, source_file = edits[name]
        print(
            f"{name}: BUILD edit {build and build.relative_to(copy)}, .bzl edit {bzl and bzl.relative_to(copy)},"
            f" source edit {source_file and source_file.relative_to(copy)}"
        )
    figures: dict[str, dict[str, Runs]] = {n: {k: Runs() for k in kinds} for n in names}

    def check_argv(root: Path, use_cache: bool, *more: Path) -> list[str]:
        out = [
            *scan,
            str(root),
            *map(str, more),
            "--format",
            "json",
            "--output",
            os.devnull,
            "--fail-on",
            "never",
            *jobs,
        ]
        if not use_cache or not cached:
            return [*out, "--no-cache"]
        return [*out, "--cache-dir", str(cache_dir)]

    for root in repos.values():  # untimed: fill the cache and check that every command works
        measured(check_argv(root, True), (0, 1))
    for round_no in range(args.runs):
        for offset in range(len(names)):
            name = names[(offset + round_no) % len(names)]
            root = repos[name]
            build, bzl, source_file = edits[name]
            order = kinds if round_no % 2 == 0 else list(reversed(kinds))
            for kind in order:
                if kind == "buildifier":
                    result = measured([buildifier, "--lint=warn", "--mode=check", "-r", str(root)], (0, 4))
                elif kind == "cold":
                    result = measured(check_argv(root, False), (0, 1))
                elif kind == "warm":
                    measured(check_argv(root, True), (0, 1))  # untimed: the cache holds this state
                    result = measured(check_argv(root, True), (0, 1))
                elif kind == "named-edit":
                    if build is None:
                        continue
                    measured(check_argv(bzl or root, True), (0, 1))  # untimed: the commit before
                    # Each commit names other files: with them, another BUILD file each round.
                    others = sorted(
                        root / rel for rel in discover(root).main.build_files if root / rel != build
                    )
                    more = [others[round_no % len(others)]] if others else []
                    # Not build-edit's line: `check` and `check FILE...` share entries, and the same
                    # bytes again would be a hit of the entry build-edit stored.
                    with Edit(build, round_no, "named edit"):
                        result = measured(check_argv(build, True, *more), (0, 1))
                elif kind.startswith("lsp-"):
                    target = build if kind == "lsp-build-edit" else bzl
                    if target is None:
                        continue
                    result = editor_latency(root, target, round_no)
                else:
                    target = {
                        "build-edit": build,
                        "bzl-edit": bzl,
                        "bzl-code-edit": bzl,
                        "src-edit": source_file,
                    }[kind]
                    if target is None:
                        continue
                    measured(check_argv(root, True), (0, 1))  # untimed: the cache holds the state before
                    with (CodeEdit if kind == "bzl-code-edit" else Edit)(target, round_no):
                        result = measured(check_argv(root, True), (0, 1))
                runs = figures[name][kind]
                runs.wall.append(result[0])
                runs.cpu.append(result[1])
                runs.rss_mb.append(result[2])
                runs.pss_mb.append(result[3])
            print(
                f"round {round_no + 1} {name}: "
                + ", ".join(f"{k} {figures[name][k].wall[-1]:.2f}s" for k in kinds if figures[name][k].wall),
                flush=True,
            )
    print(
        f"\ncache: {'yes (--cache-dir)' if cached else 'none (every run is cold)'}; nproc {len(os.sched_getaffinity(0))}"
    )
    header = (
        f"{'repository':<14}"
        + "".join(f"{k:>15}" for k in kinds)
        + f"{'cold/bf':>9}{'cold cpu/bf':>12}{'RSS MB':>8}{'PSS MB':>8}"
    )
    print(header)
    totals = {k: 0.0 for k in kinds}
    total_cpu = {k: 0.0 for k in kinds}
    for name in names:
        row = figures[name]
        med = {k: statistics.median(row[k].wall) for k in kinds if row[k].wall}
        cpu = {k: statistics.median(row[k].cpu) for k in kinds if row[k].cpu}
        for k in med:
            totals[k] += med[k]
            total_cpu[k] += cpu[k]
        # Peak memory of the command-line scans (the server's, after its edits, is in the JSON).
        scans = [row[k] for k in kinds if row[k].rss_mb and k != "buildifier" and not k.startswith("lsp-")]
        peak = max((max(r.rss_mb) for r in scans), default=0)
        peak_pss = max((max(r.pss_mb) for r in scans), default=0)
        ratio = (
            med.get("cold", 0) / med["buildifier"] if "buildifier" in med and "cold" in med else float("nan")
        )
        cratio = (
            cpu.get("cold", 0) / cpu["buildifier"] if "buildifier" in cpu and "cold" in cpu else float("nan")
        )
        print(
            f"{name:<14}"
            + "".join(f"{med.get(k, float('nan')):>14.3f}s" for k in kinds)
            + f"{ratio:>9.3f}{cratio:>12.3f}{peak:>8.0f}{peak_pss:>8.0f}"
        )
    print(f"{'TOTAL':<14}" + "".join(f"{totals[k]:>14.3f}s" for k in kinds))
    print(f"{'TOTAL cpu':<14}" + "".join(f"{total_cpu[k]:>14.3f}s" for k in kinds))
    ratios: dict[str, float] = {}
    if totals.get("buildifier"):
        for k in kinds:
            if k != "buildifier":
                ratios[k] = totals[k] / totals["buildifier"]
        print(
            "ratios to buildifier (sum of medians): " + ", ".join(f"{k} {v:.3f}" for k, v in ratios.items())
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "cache": cached,
                    "buildifier": buildifier,
                    "runs": args.runs,
                    "repositories": {n: {k: r.summary() for k, r in figures[n].items()} for n in names},
                    "edits": {
                        n: [str(p.relative_to(repos[n])) if p else None for p in edits[n]] for n in names
                    },
                    "total_median_wall_seconds": totals,
                    "total_median_cpu_seconds": total_cpu,
                    "ratios_to_buildifier": ratios,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
