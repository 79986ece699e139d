#!/usr/bin/env python3
"""Where a scan's memory peaks: the memory of each process of `hermetic-scan check`, over time.

Usage:
    python bench/memory_timeline.py WORKSPACE [--every 0.1] [--print-every 5] [CHECK OPTIONS...]

Runs `python -m hermetic_scan check WORKSPACE --format json --output /dev/null --fail-on never
--no-cache` (plus any option this script does not know, e.g. `--jobs 1`; with `--cache-dir DIR`, the
cache instead of `--no-cache`) with the interpreter running this script, samples
/proc/PID/smaps_rollup of the scanner and each process it forked every --every seconds, and prints
a line per --print-every seconds: the summed PSS of the tree, then for each process its PSS, the
pages it shares with the others (Shared_Clean + Shared_Dirty) and its private dirty pages. The last
line is the peak of the summed PSS and the wall time. `bench/realrepo.py` records the peak only;
this says when it happens and which process holds it (docs/performance.md, "What reports quote,
what shards exchange, and findings").
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from realrepo import process_memory, tree_pids

MB = 2**20


def _describe(pid: int, root: int, memory: dict[str, int]) -> str:
    shared = memory.get("Shared_Clean", 0) + memory.get("Shared_Dirty", 0)
    who = "scanner" if pid == root else f"shard {pid}"
    return (
        f"{who}: PSS {memory.get('Pss', 0) // MB} shared {shared // MB} "
        f"private {memory.get('Private_Dirty', 0) // MB}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--every", type=float, default=0.1, help="seconds between samples")
    parser.add_argument("--print-every", type=float, default=5.0, help="seconds between printed lines")
    args, check_options = parser.parse_known_args(argv)
    command = [
        sys.executable,
        "-m",
        "hermetic_scan",
        "check",
        str(args.workspace),
        "--format",
        "json",
        "--output",
        "/dev/null",
        "--fail-on",
        "never",
        *([] if any(o.startswith("--cache-dir") for o in check_options) else ["--no-cache"]),
        *check_options,
    ]
    start = time.perf_counter()
    scanner = subprocess.Popen(command)
    peak = 0
    printed = -args.print_every
    while scanner.poll() is None:
        now = time.perf_counter() - start
        memory = {pid: process_memory(pid) for pid in sorted(tree_pids(scanner.pid))}
        total = sum(m.get("Pss", 0) for m in memory.values())
        peak = max(peak, total)
        if now - printed >= args.print_every:
            printed = now
            parts = [_describe(pid, scanner.pid, m) for pid, m in memory.items() if m]
            print(f"{now:7.1f} s  tree PSS {total // MB} MB  |  " + "  |  ".join(parts), flush=True)
        time.sleep(args.every)
    wall = time.perf_counter() - start
    print(f"peak tree PSS {peak // MB} MB, wall {wall:.1f} s, exit {scanner.returncode}")
    return 0 if scanner.returncode in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
