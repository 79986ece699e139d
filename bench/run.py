#!/usr/bin/env python3
"""Time hermetic-scan against buildifier's linter on a synthetic Bazel workspace.

Usage:
    python bench/run.py [--files N] [--seed S] [--runs R] [--workdir DIR] [--json FILE]

Steps:
1. generate (or reuse from DIR) the workspace of bench/generate.py for N and S;
2. find buildifier 8.2.1: $BUILDIFIER, else the native binary that
   `npm install --prefix bench @bazel/buildifier@8.2.1` puts in
   bench/node_modules/@bazel/buildifier/ (installed here if missing);
3. run each command once untimed (warm-up, exit-status check), then R timed
   runs of each, interleaved:
     buildifier  buildifier --lint=warn --mode=check -r WS
     check       python -m hermetic_scan check WS --format json --output /dev/null
     check-j1    the same with --jobs 1 (one process; check uses one per CPU by default)
     inventory   python -m hermetic_scan inventory WS --format json --output /dev/null
     parse       python -m hermetic_scan parse WS
4. print median wall times, the ratios and whether check <= 0.5 x buildifier.

The exit status is 0 whether or not the target is met; it is 1 when a command
cannot be run or fails (for instance when a hermetic-scan subcommand errors).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

try:
    import resource
except ImportError:  # not on Windows
    resource = None  # type: ignore[assignment]

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
GENERATOR = BENCH_DIR / "generate.py"
DEFAULT_WORKDIR = BENCH_DIR / "work"

BUILDIFIER_VERSION = "8.2.1"
BUILDIFIER_PACKAGE = f"@bazel/buildifier@{BUILDIFIER_VERSION}"
BUILDIFIER_PKG_DIR = BENCH_DIR / "node_modules" / "@bazel" / "buildifier"

TARGET_RATIO = 0.5
ALL_COMMANDS = ("buildifier", "check", "check-j1", "inventory", "parse")


class BenchError(Exception):
    """A step of the benchmark could not be carried out."""


@dataclass
class Command:
    key: str
    title: str
    argv: list[str]
    ok_codes: tuple[int, ...]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "argv": self.argv,
            "wall_seconds": self.wall,
            "median_wall_seconds": statistics.median(self.wall) if self.wall else None,
            "min_wall_seconds": min(self.wall) if self.wall else None,
            "max_wall_seconds": max(self.wall) if self.wall else None,
            "median_cpu_seconds": statistics.median(self.cpu) if self.cpu else None,
        }


# ---------------------------------------------------------------------------
# Workspace
# ---------------------------------------------------------------------------


def generator_digest() -> str:
    return hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:10]


def ensure_workspace(workdir: Path, files: int, seed: int) -> Path:
    """Return the cached workspace for (files, seed, generator), generating it if needed."""
    workdir.mkdir(parents=True, exist_ok=True)
    ws = workdir / f"ws-files{files}-seed{seed}-{generator_digest()}"
    if ws.is_dir():
        print(f"workspace: reusing {ws}", flush=True)
        return ws
    # Drop what an older generate.py or an interrupted run left for this N and seed.
    for stale in workdir.glob(f"ws-files{files}-seed{seed}-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    # Generate next to the final place and rename, so that an interrupted run
    # never leaves a half-written workspace that looks complete.
    tmp = Path(tempfile.mkdtemp(prefix=ws.name + ".tmp-", dir=workdir))
    print(f"workspace: generating {files} Starlark files (seed {seed}) ...", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(GENERATOR), str(tmp / "ws"), "--files", str(files), "--seed", str(seed)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BenchError(f"bench/generate.py failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    (tmp / "ws").rename(ws)
    shutil.rmtree(tmp, ignore_errors=True)
    summary = proc.stderr.strip().replace(str(tmp / "ws"), str(ws))
    print(f"workspace: {summary} in {time.perf_counter() - start:.1f}s", flush=True)
    return ws


def workspace_stats(ws: Path) -> dict[str, int]:
    starlark = bzl = build = other = lines = 0
    for dirpath, _dirs, names in os.walk(ws):
        for name in names:
            if name.endswith(".bzl"):
                bzl += 1
            elif name in ("BUILD.bazel", "BUILD"):
                build += 1
            elif name not in ("MODULE.bazel", "WORKSPACE", "WORKSPACE.bazel"):
                other += 1
                continue
            starlark += 1
            with open(os.path.join(dirpath, name), "rb") as f:
                lines += f.read().count(b"\n")
    return {
        "starlark_files": starlark,
        "build_files": build,
        "bzl_files": bzl,
        "other_files": other,
        "starlark_lines": lines,
    }


# ---------------------------------------------------------------------------
# buildifier
# ---------------------------------------------------------------------------


def native_binary_name() -> str:
    system = {"linux": "linux", "darwin": "darwin", "win32": "windows"}.get(sys.platform)
    machine = platform.machine().lower()
    arch = {
        "x86_64": "amd64",
        "amd64": "amd64",
        "aarch64": "arm64",
        "arm64": "arm64",
        "riscv64": "riscv64",
        "s390x": "s390x",
    }.get(machine)
    if system is None or arch is None:
        raise BenchError(
            f"no buildifier binary is packaged for {sys.platform}/{machine}; set BUILDIFIER=/path/to/buildifier"
        )
    return f"buildifier-{system}_{arch}" + (".exe" if system == "windows" else "")


def buildifier_version(binary: str) -> str:
    try:
        proc = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    except OSError as error:
        raise BenchError(f"cannot run buildifier at {binary}: {error}") from error
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.startswith("buildifier version:"):
            return line.split(":", 1)[1].strip()
    raise BenchError(f"{binary} --version printed no version:\n{proc.stdout}{proc.stderr}")


def npm_install() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise BenchError(
            "buildifier is not installed and npm is not on PATH; install Node.js/npm, or set "
            "BUILDIFIER=/path/to/buildifier"
        )
    argv = [npm, "install", "--prefix", str(BENCH_DIR), BUILDIFIER_PACKAGE]
    print("buildifier: " + " ".join(argv), flush=True)
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(f"npm install failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")


def find_buildifier() -> tuple[str, str]:
    """Return (path, version) of the buildifier to time."""
    env = os.environ.get("BUILDIFIER")
    if env:
        path = shutil.which(env) or env
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            raise BenchError(f"BUILDIFIER={env} is not an executable file")
        version = buildifier_version(path)
        if version != BUILDIFIER_VERSION:
            print(
                f"warning: BUILDIFIER is version {version}, the benchmark's reference is {BUILDIFIER_VERSION}",
                file=sys.stderr,
            )
        return path, version
    # The npm package ships a native binary per platform next to a node
    # wrapper (buildifier.js); time the native binary, not node.
    binary = BUILDIFIER_PKG_DIR / native_binary_name()
    if not binary.is_file() or installed_package_version() != BUILDIFIER_VERSION:
        npm_install()
    if not binary.is_file():
        raise BenchError(
            f"{BUILDIFIER_PACKAGE} is installed but has no {binary.name} in {BUILDIFIER_PKG_DIR}"
        )
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | 0o111)
    version = buildifier_version(str(binary))
    if version != BUILDIFIER_VERSION:
        raise BenchError(f"{binary} reports version {version}, expected {BUILDIFIER_VERSION}")
    return str(binary), version


def installed_package_version() -> str | None:
    try:
        manifest = json.loads((BUILDIFIER_PKG_DIR / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = manifest.get("version")
    return version if isinstance(version, str) else None


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def children_cpu() -> float:
    if resource is None:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


TRACEBACK = "Traceback (most recent call last)"


def scan_hint(cwd: Path) -> str:
    return (
        f"\n\nThe benchmark runs `{sys.executable} -m hermetic_scan ...` (from {cwd}). Check that "
        "hermetic-scan and its dependencies are installed for that interpreter (`pip install -e .` "
        "in the repository, or run bench/run.py with the virtualenv's python) and that the "
        "subcommand exists."
    )


def byte_compile(cwd: Path) -> None:
    """Compile the installed package to .pyc, as `pip install` of a wheel does.

    An editable install (or PYTHONDONTWRITEBYTECODE in the environment) leaves no .pyc files, and
    every timed run would then compile the package from source first (about 0.15 s): a cost users
    of an installed hermetic-scan never pay.
    """
    code = "import hermetic_scan, os; print(os.path.dirname(hermetic_scan.__file__))"
    found = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    package = found.stdout.strip()
    if found.returncode != 0 or not package:
        return  # preflight_scan says what is wrong
    compiled = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", package], capture_output=True, text=True
    )
    if compiled.returncode != 0:
        print(f"note: could not byte-compile {package}; timed runs include compiling it", flush=True)


def preflight_scan(cwd: Path) -> str:
    """Fail clearly when `python -m hermetic_scan` cannot even start."""
    byte_compile(cwd)
    argv = [sys.executable, "-m", "hermetic_scan", "--version"]
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        output = tail(proc.stderr) or tail(proc.stdout) or "(no output)"
        raise BenchError(
            f"hermetic-scan does not start (exit {proc.returncode}):\n$ {' '.join(argv)}\n{output}"
            + scan_hint(cwd)
        )
    return (proc.stdout or proc.stderr).strip()


def warm_up(cmd: Command, cwd: Path) -> None:
    """Run cmd once, untimed, and fail clearly if it does not work.

    JSON output goes to a real file here (it goes to /dev/null in timed runs)
    so that it can be checked to be JSON.
    """
    print(f"warm-up: {cmd.title} ...", flush=True)
    argv = list(cmd.argv)
    out_file: Path | None = None
    if "--output" in argv:
        out_file = cwd / f"warmup-{cmd.key}.json"
        argv[argv.index("--output") + 1] = str(out_file)
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, errors="replace")
    except OSError as error:
        raise BenchError(f"{cmd.title}: cannot run {argv[0]}: {error}") from error
    problem = ""
    if proc.returncode not in cmd.ok_codes:
        problem = f"exited {proc.returncode} (accepted: {', '.join(map(str, cmd.ok_codes))})"
    elif TRACEBACK in proc.stderr:
        problem = f"crashed (exit {proc.returncode}, Python traceback)"
    elif out_file is not None:
        try:
            json.loads(out_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            problem = f"exited {proc.returncode} but did not write JSON to --output: {error}"
    if out_file is not None:
        out_file.unlink(missing_ok=True)
    if not problem:
        return
    hint = ""
    if cmd.key != "buildifier":
        hint = scan_hint(cwd)
    elif proc.returncode == 1:
        hint = "\n\nbuildifier exit 1 means a syntax error: bench/generate.py wrote invalid Starlark."
    output = tail(proc.stderr) or tail(proc.stdout) or "(no output)"
    raise BenchError(f"{cmd.title} {problem}:\n$ {' '.join(argv)}\n{output}{hint}")


def timed_run(cmd: Command, cwd: Path) -> None:
    with tempfile.TemporaryFile(mode="w+b") as err:
        cpu0 = children_cpu()
        start = time.perf_counter()
        code = subprocess.call(cmd.argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        wall = time.perf_counter() - start
        cpu = children_cpu() - cpu0
        crashed = False
        if code != 0 and cmd.key != "buildifier":
            err.seek(0)
            crashed = TRACEBACK.encode() in err.read()
    if code not in cmd.ok_codes or crashed:
        raise BenchError(
            f"{cmd.title} {'crashed' if crashed else 'failed'} (exit {code}) during a timed run: "
            f"$ {' '.join(cmd.argv)}"
        )
    cmd.wall.append(wall)
    cmd.cpu.append(cpu)


def cpu_count() -> int:
    """What `nproc` prints: the CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def ratio(a: Command | None, b: Command | None) -> float | None:
    if a is None or b is None or not a.wall or not b.wall:
        return None
    return statistics.median(a.wall) / statistics.median(b.wall)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time hermetic-scan against buildifier --lint=warn.")
    parser.add_argument("--files", type=int, default=5000, help="Starlark files to generate (default 5000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"where generated workspaces are cached (default {DEFAULT_WORKDIR.relative_to(REPO_ROOT)})",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE as JSON")
    parser.add_argument(
        "--only",
        default=",".join(ALL_COMMANDS),
        help="comma-separated subset of " + ",".join(ALL_COMMANDS) + " (default: all)",
    )
    args = parser.parse_args(argv)
    if args.files < 1 or args.runs < 1:
        parser.error("--files and --runs must be positive")
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = sorted(set(only) - set(ALL_COMMANDS))
    if unknown or not only:
        parser.error(f"--only takes some of {','.join(ALL_COMMANDS)}; got {args.only!r}")
    args.only = only
    return args


def build_commands(only: list[str], ws: Path, buildifier: str | None) -> list[Command]:
    scan = [sys.executable, "-m", "hermetic_scan"]
    table = {
        "buildifier": lambda: Command(
            "buildifier",
            "buildifier lint",
            [str(buildifier), "--lint=warn", "--mode=check", "-r", str(ws)],
            # 0: clean; 4: files need reformatting or have lint warnings.
            (0, 4),
        ),
        "check": lambda: Command(
            "check",
            "hermetic-scan check",
            [*scan, "check", str(ws), "--format", "json", "--output", os.devnull],
            # 0: no finding at warning or above; 1: findings.
            (0, 1),
        ),
        # The same check in one process: what the default (one process per CPU) gains.
        "check-j1": lambda: Command(
            "check-j1",
            "hermetic-scan check -j1",
            [*scan, "check", str(ws), "--jobs", "1", "--format", "json", "--output", os.devnull],
            (0, 1),
        ),
        "inventory": lambda: Command(
            "inventory",
            "hermetic-scan inventory",
            [*scan, "inventory", str(ws), "--format", "json", "--output", os.devnull],
            (0,),
        ),
        "parse": lambda: Command("parse", "parse-only", [*scan, "parse", str(ws)], (0,)),
    }
    return [table[key]() for key in ALL_COMMANDS if key in only]


def report(
    args: argparse.Namespace,
    ws: Path,
    stats: dict[str, int],
    bf_version: str | None,
    scan_version: str | None,
    commands: list[Command],
) -> dict[str, object]:
    by_key = {c.key: c for c in commands}
    nproc = cpu_count()
    print()
    print("hermetic-scan benchmark")
    print(f"  workspace   {ws}")
    print(
        f"              {stats['starlark_files']} Starlark files ({stats['build_files']} BUILD, "
        f"{stats['bzl_files']} .bzl), {stats['starlark_lines']} lines, {stats['other_files']} other files"
    )
    print(f"  nproc       {nproc}")
    print(f"  python      {platform.python_version()} ({sys.executable})")
    if bf_version:
        print(f"  buildifier  {bf_version} ({by_key['buildifier'].argv[0]})")
    if scan_version:
        print(f"  scanner     {scan_version}")
    print(f"  runs        {args.runs} per command, interleaved, after one untimed warm-up run each")
    print()
    print(f"  {'command':<26}{'median s':>10}{'min s':>10}{'max s':>10}{'cpu s':>10}")
    for c in commands:
        s = c.summary()
        print(
            f"  {c.title:<26}{s['median_wall_seconds']:>10.2f}{s['min_wall_seconds']:>10.2f}"
            f"{s['max_wall_seconds']:>10.2f}{s['median_cpu_seconds']:>10.2f}"
        )
    ratios = {
        "check/buildifier": ratio(by_key.get("check"), by_key.get("buildifier")),
        "check -j1/buildifier": ratio(by_key.get("check-j1"), by_key.get("buildifier")),
        "inventory/buildifier": ratio(by_key.get("inventory"), by_key.get("buildifier")),
        "check/parse-only": ratio(by_key.get("check"), by_key.get("parse")),
    }
    print()
    print("  ratios of median wall times")
    for name, value in ratios.items():
        print(f"    {name:<24}{'n/a' if value is None else f'{value:.3f}':>8}")
    # Issue #2's target is check's ratio, issue #3's is inventory's: the same bound for both.
    met: dict[str, bool | None] = {}
    print()
    for name in ("check/buildifier", "inventory/buildifier"):
        value = ratios[name]
        met[name] = None if value is None else value <= TARGET_RATIO
        if value is None:
            print(f"TARGET NOT MEASURED (needs both commands): {name} <= {TARGET_RATIO}")
        else:
            print(
                f"{'TARGET MET' if met[name] else 'TARGET MISSED'}: {name.replace('/', ' / ')} = {value:.3f} (target <= {TARGET_RATIO})"
            )
    return {
        "workspace": str(ws),
        "files": args.files,
        "seed": args.seed,
        "generator_digest": generator_digest(),
        "workspace_stats": stats,
        "nproc": nproc,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "buildifier_version": bf_version,
        "hermetic_scan_version": scan_version,
        "runs": args.runs,
        "commands": {c.key: c.summary() for c in commands},
        "ratios": ratios,
        "target_ratio": TARGET_RATIO,
        "target_met": met,  # per ratio name: true, false, or null when not measured
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        ws = ensure_workspace(args.workdir.resolve(), args.files, args.seed)
        stats = workspace_stats(ws)
        buildifier: str | None = None
        bf_version: str | None = None
        if "buildifier" in args.only:
            buildifier, bf_version = find_buildifier()
            print(f"buildifier: {buildifier} (version {bf_version})", flush=True)
        commands = build_commands(args.only, ws, buildifier)
        # Run from the work directory, not the repository root, so that
        # `-m hermetic_scan` imports the installed package (an editable install
        # is the working tree) rather than a bare checkout that is not built.
        cwd = args.workdir.resolve()
        scan_version = None
        if any(c.key != "buildifier" for c in commands):
            scan_version = preflight_scan(cwd)
            print(f"hermetic-scan: {scan_version}", flush=True)
        for cmd in commands:
            warm_up(cmd, cwd)
        for run in range(args.runs):
            # Rotate the order each round so that no command always runs
            # right after the same neighbour.
            shift = run % len(commands)
            for cmd in commands[shift:] + commands[:shift]:
                timed_run(cmd, cwd)
            done = ", ".join(f"{c.key} {c.wall[-1]:.2f}s" for c in commands)
            print(f"run {run + 1}/{args.runs}: {done}", flush=True)
    except BenchError as error:
        print(f"\nbench/run.py: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    figures = report(args, ws, stats, bf_version, scan_version, commands)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
