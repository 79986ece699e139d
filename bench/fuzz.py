"""Fuzz the analysis with mutated Starlark, shell, .bazelrc and MODULE.bazel files (issue 16).

Each case copies one corpus workspace into a temporary directory, mutates one or two of its files
(seeded from corpus/), and runs what `check` and `inventory` run: `runner.scan`, then the text, JSON
and SARIF renderers and the inventory's JSON and text. Outcomes:

  clean      no finding
  findings   findings, none of them internal-error
  internal   an internal-error finding: the tool guarded an exception (its type is counted)
  crash      an exception escaped (the case is saved under --save for reproduction)
  hang       the case ran over --timeout seconds (saved as well)

Every case runs in a forked child, so a hang can be killed, a crash in a C extension is seen, and
one case's caches cannot change the next. Case i of seed S is a pure function of (S, i): rerun one
with `--first i --cases 1`.

    python bench/fuzz.py --cases 2000 --seed 1 --save bench/work/fuzz
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hermetic_scan.options import Options
from hermetic_scan.render import json as json_render
from hermetic_scan.render import render_inventory, sarif
from hermetic_scan.render import text as text_render
from hermetic_scan.runner import scan

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

# File kinds the harness mutates, by how their name looks.
KINDS: dict[str, Callable[[str], bool]] = {
    "build": lambda name: name in ("BUILD", "BUILD.bazel"),
    "bzl": lambda name: name.endswith(".bzl"),
    "shell": lambda name: name.endswith((".sh", ".tpl")),
    "bazelrc": lambda name: name.endswith(".bazelrc") or name == ".bazelrc",
    "module": lambda name: name in ("MODULE.bazel", "WORKSPACE", "WORKSPACE.bazel"),
}

INTERNAL_TYPE = re.compile(r"internal error while analyzing this file \((\w+)\)")
MEMORY_LIMIT = 2 * 1024**3  # per case: a runaway case must not take the shared machine down


@dataclass
class Case:
    index: int
    workspace: str  # corpus directory name
    path: str  # the mutated file, relative to the workspace
    kind: str
    mutations: list[str]
    data: bytes
    extra: dict[str, bytes] = field(default_factory=dict)  # further mutated files (path -> bytes)


@dataclass
class Summary:
    seed: int
    cases: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    internal_types: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)  # one line per crash
    hangs: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [
            f"fuzz: {self.cases} cases, seed {self.seed}, {self.seconds:.0f} s",
            "outcomes: "
            + ", ".join(
                f"{k} {self.outcomes[k]}" for k in ("clean", "findings", "internal", "crash", "hang")
            ),
        ]
        if self.internal_types:
            out.append(
                "internal-error types: "
                + ", ".join(f"{name} {count}" for name, count in self.internal_types.most_common())
            )
        out += [f"crash: {line}" for line in self.crashes]
        out += [f"hang: {line}" for line in self.hangs]
        return out


def seed_files() -> dict[str, list[tuple[str, str]]]:
    """(workspace, relative path) of every corpus file of each kind."""
    found: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    for workspace in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for path in sorted(workspace.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            for kind, matches in KINDS.items():
                if matches(path.name):
                    found[kind].append((workspace.name, path.relative_to(workspace).as_posix()))
                    break
    return found


# --- mutations: each takes the file's bytes, the case's random source and a second seed file ---


def flip_bytes(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    out = bytearray(data or b" ")
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(256)
    return bytes(out)


def truncate(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def splice(data: bytes, rng: random.Random, other: bytes) -> bytes:
    return data[: rng.randint(0, len(data))] + other[rng.randint(0, len(other)) :]


NESTINGS = [
    (b"[", b"]"),
    (b"(", b")"),
    (b"f(", b")"),
    (b"{", b"}"),
    (b"-", b"1"),
    (b"not ", b"x"),
    (b"x + ", b"x"),
    (b"$(", b")"),
    (b"`", b"`"),
    (b"\"$(echo '", b"')\""),
    (b"if x:\n" + b" ", b"pass\n"),
    (b"[x for x in ", b"]"),
    (b"lambda: ", b"0"),
]


def deep_nesting(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    opener, closer = rng.choice(NESTINGS)
    depth = rng.choice([50, 150, 300, 1000, 5000])
    if opener.startswith(b"if x:"):
        # Indentation nesting: each level one more space.
        nested = b"".join(b" " * i + b"if x:\n" for i in range(depth)) + b" " * depth + b"pass\n"
    else:
        nested = opener * depth + closer * depth
    where = _line_boundary(data, rng)
    prefix = rng.choice([b"", b"X = ", b"genrule(name = 'g', cmd = ", b"echo "])
    suffix = b")" if prefix.startswith(b"genrule") else b""
    return data[:where] + prefix + nested + suffix + b"\n" + data[where:]


ESCAPES = [
    b"\\",
    b"\\x",
    b"\\xZZ",
    b"\\u12",
    b"\\ud800",
    b"\\udfff",
    b"\\UFFFFFFFF",
    b"\\U0010FFFF",
    b"\\777",
    b"\\0",
    b"\\N{BOGUS}",
    b"\\N{",
    b"\\\n",
    b"\\$",
    b"$$",
    b"$(location",
    b"$(",
    b"${",
    b"\\'",
    b'\\"',
    b'"""',
    b"'''",
    b"%s",
    b"{",
    b"}",
    b"{0}",
    b"{x!r:>{y}}",
]


def string_escapes(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    quotes = [m.end() for m in re.finditer(rb"[\"']", data)]
    out = data
    for _ in range(rng.randint(1, 6)):
        where = rng.choice(quotes) if quotes and rng.random() < 0.8 else rng.randint(0, len(out))
        where = min(where, len(out))
        out = out[:where] + rng.choice(ESCAPES) + out[where:]
    return out


def non_utf8(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    out = data
    for _ in range(rng.randint(1, 6)):
        where = rng.randint(0, len(out))
        junk = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80\x80"])
        out = out[:where] + junk + out[where:]
    return out


def nuls(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    out = data
    for _ in range(rng.randint(1, 4)):
        where = rng.randint(0, len(out))
        out = out[:where] + b"\0" * rng.randint(1, 3) + out[where:]
    return out


HUGE = [b"a", b"x ", b"echo ", b"'a' + ", b"\\", b"$x", b"--x=y ", b'"', b"# ", b"\t", b"[", b"\r"]


def huge_line(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    unit = rng.choice(HUGE)
    line = unit * (rng.choice([10_000, 100_000, 500_000]) // len(unit))
    where = _line_boundary(data, rng)
    prefix = rng.choice([b"", b"X = '", b"build --copt=", b'cmd = "'])
    return data[:where] + prefix + line + b"\n" + data[where:]


def line_shuffle(data: bytes, rng: random.Random, other: bytes) -> bytes:
    lines = data.split(b"\n")
    other_lines = other.split(b"\n")
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(lines))
        choice = rng.random()
        if choice < 0.3:
            del lines[i]
            if not lines:
                lines = [b""]
        elif choice < 0.6:
            lines.insert(i, rng.choice(lines))
        else:
            lines.insert(i, rng.choice(other_lines))
    return b"\n".join(lines)


MUTATIONS: dict[str, Callable[[bytes, random.Random, bytes], bytes]] = {
    "flip": flip_bytes,
    "truncate": truncate,
    "splice": splice,
    "nesting": deep_nesting,
    "escapes": string_escapes,
    "non-utf8": non_utf8,
    "nul": nuls,
    "huge-line": huge_line,
    "lines": line_shuffle,
}
# Weights: the cheap structural mutations more often, the costly huge lines and deep nesting less.
WEIGHTS = {
    "flip": 3,
    "truncate": 2,
    "splice": 3,
    "nesting": 1,
    "escapes": 3,
    "non-utf8": 2,
    "nul": 1,
    "huge-line": 1,
    "lines": 3,
}


def _line_boundary(data: bytes, rng: random.Random) -> int:
    starts = [0, *(m.end() for m in re.finditer(rb"\n", data))]
    return rng.choice(starts)


def make_case(seed: int, index: int, seeds: dict[str, list[tuple[str, str]]]) -> Case:
    rng = random.Random(f"{seed}:{index}")
    kind = rng.choice([k for k in KINDS if seeds[k]])
    workspace, path = rng.choice(seeds[kind])
    data = (CORPUS / workspace / path).read_bytes()
    names = list(MUTATIONS)
    applied = rng.choices(names, weights=[WEIGHTS[n] for n in names], k=rng.choice([1, 1, 2, 3]))
    for name in applied:
        other_kind = kind if rng.random() < 0.7 else rng.choice([k for k in KINDS if seeds[k]])
        other_ws, other_path = rng.choice(seeds[other_kind])
        data = MUTATIONS[name](data, rng, (CORPUS / other_ws / other_path).read_bytes())
    case = Case(index, workspace, path, kind, applied, data)
    # Sometimes a second file of the same workspace too: a .bzl and the BUILD file loading it.
    same = [p for k in KINDS for ws, p in seeds[k] if ws == workspace and p != path]
    if same and rng.random() < 0.2:
        second = rng.choice(same)
        name = rng.choice(names)
        other = (CORPUS / workspace / rng.choice(same)).read_bytes()
        case.extra[second] = MUTATIONS[name]((CORPUS / workspace / second).read_bytes(), rng, other)
        case.mutations.append(f"{name}@{second}")
    return case


def write_case(case: Case, directory: Path) -> Path:
    root = directory / case.workspace
    shutil.copytree(CORPUS / case.workspace, root, symlinks=True)
    for path, data in [(case.path, case.data), *case.extra.items()]:
        target = root / path
        target.unlink(missing_ok=True)
        target.write_bytes(data)
    return root


def analyze(root: Path) -> dict[str, object]:
    """What `check` and `inventory` run on root, in this process: findings (with the exception types
    of internal-error ones), or the exception that escaped."""
    try:
        result = scan(root, Options(jobs=1, cache_dir=None, auto_external=False))
        text_render.render(result, root, False)
        json_render.render(result)
        sarif.render(result)
        render_inventory(result.inventory, "json")
        render_inventory(result.inventory, "text")
    except Exception as error:  # noqa: BLE001 - the crash is what the harness reports
        return {
            "outcome": "crash",
            "type": type(error).__name__,
            "message": str(error).splitlines()[0][:200] if str(error) else "",
            "traceback": traceback.format_exc(),
        }
    internal = []
    for d in result.diagnostics:
        if d.rule == "internal-error":
            match = INTERNAL_TYPE.search(d.message)
            internal.append(match.group(1) if match else "RecursionError")
    if internal:
        return {"outcome": "internal", "types": internal}
    return {"outcome": "findings" if result.diagnostics else "clean"}


def run_case(case: Case, timeout: float) -> dict[str, object]:
    """`analyze` in a forked child, killed after `timeout` seconds."""
    with tempfile.TemporaryDirectory(prefix="hs-fuzz-") as tmp:
        root = write_case(case, Path(tmp))
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code (pytest, the loop)
            os.close(read_end)
            status = 0
            try:
                resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
                report = analyze(root)
                with os.fdopen(write_end, "w") as out:
                    json.dump(report, out)
            except BaseException:  # noqa: BLE001 - whatever happens, the child must exit here
                status = 1
            finally:
                os._exit(status)
        os.close(write_end)
        chunks: list[bytes] = []
        deadline = time.monotonic() + timeout
        with os.fdopen(read_end, "rb") as pipe:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    return {"outcome": "hang"}
                ready, _, _ = select.select([pipe], [], [], left)
                if ready:
                    chunk = os.read(pipe.fileno(), 1 << 16)
                    if not chunk:
                        break
                    chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        if chunks:
            try:
                return dict(json.loads(b"".join(chunks)))
            except ValueError:
                pass
        how = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit {os.waitstatus_to_exitcode(status)}"
        )
        return {"outcome": "crash", "type": f"child died ({how})", "message": "", "traceback": ""}


def save(case: Case, report: dict[str, object], directory: Path, seed: int) -> Path:
    target = directory / f"seed{seed}-case{case.index}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    root = write_case(case, target)
    about = {
        "seed": seed,
        "case": case.index,
        "workspace": root.name,
        "mutated": [case.path, *case.extra],
        "mutations": case.mutations,
        "report": report,
        "reproduce": f"python bench/fuzz.py --seed {seed} --first {case.index} --cases 1",
    }
    (target / "case.json").write_text(json.dumps(about, indent=2) + "\n")
    return target


def run(
    cases: int,
    seed: int,
    save_dir: Path | None = None,
    timeout: float = 10.0,
    first: int = 0,
    progress: bool = False,
) -> Summary:
    seeds = seed_files()
    summary = Summary(seed)
    saved_internal: Counter[str] = Counter()
    started = time.monotonic()
    for index in range(first, first + cases):
        case = make_case(seed, index, seeds)
        try:
            report = run_case(case, timeout)
        except KeyboardInterrupt:
            # Ctrl-C (or SIGINT) ends a long run early with the figures so far.
            print(f"fuzz: interrupted before case {index}", file=sys.stderr)
            break
        outcome = str(report["outcome"])
        summary.cases += 1
        summary.outcomes[outcome] += 1
        types = [str(t) for t in report.get("types", [])]  # type: ignore[union-attr]
        summary.internal_types.update(types)
        where = f"case {index} ({case.workspace}/{case.path}, {'+'.join(case.mutations)})"
        keep = outcome in ("crash", "hang")
        if outcome == "internal" and save_dir is not None:
            # A few examples of each guarded exception, to find its cause.
            keep = any(saved_internal[t] < 3 for t in set(types))
            saved_internal.update(set(types))
        if keep and save_dir is not None:
            where += f" -> {save(case, report, save_dir, seed)}"
        if outcome == "crash":
            summary.crashes.append(f"{where}: {report.get('type')}: {report.get('message')}")
        elif outcome == "hang":
            summary.hangs.append(f"{where}: over {timeout:g} s")
        if progress and (summary.cases % 100 == 0 or outcome in ("crash", "hang")):
            print(f"[{summary.cases}/{cases}] {dict(summary.outcomes)}", file=sys.stderr, flush=True)
    summary.seconds = time.monotonic() - started
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200, help="number of cases (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="seed; the cases are a pure function of it")
    parser.add_argument("--first", type=int, default=0, help="index of the first case (to rerun one)")
    parser.add_argument("--save", type=Path, help="directory for crashing and hanging cases")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case before a hang")
    parser.add_argument("--json", type=Path, help="also write the summary as JSON")
    parser.add_argument("--progress", action="store_true", help="print counts every 100 cases")
    args = parser.parse_args(argv)
    summary = run(args.cases, args.seed, args.save, args.timeout, args.first, args.progress)
    print("\n".join(summary.lines()))
    if args.json:
        figures = {
            "seed": summary.seed,
            "cases": summary.cases,
            "seconds": round(summary.seconds, 1),
            "outcomes": dict(summary.outcomes),
            "internal_types": dict(summary.internal_types),
            "crashes": summary.crashes,
            "hangs": summary.hangs,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if summary.crashes or summary.hangs else 0


if __name__ == "__main__":
    sys.exit(main())
