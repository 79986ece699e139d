"""Read Bazel's console output: process summaries and the traces of remote failures and fallbacks.

`INFO: 42 processes: 7 remote cache hit, 20 remote, 15 linux-sandbox.` and friends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hermetic_scan.bazel.execlog import CLASSES, runner_class

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_SUMMARY = re.compile(r"^(?:INFO:\s*)?(\d+) process(?:es)?(?::\s*(.*?))?\.?\s*$")
_SUMMARY_PART = re.compile(r"^(\d+)\s+(.+)$")


@dataclass
class ProcessSummary:
    line: str
    processes: int
    runners: dict[str, int]

    def classes(self) -> dict[str, int]:
        out = dict.fromkeys(CLASSES, 0)
        for runner, count in self.runners.items():
            out[runner_class(runner)] += count
        return out


@dataclass
class Console:
    summaries: list[ProcessSummary] = field(default_factory=list)
    fallback_enabled: bool = False  # --remote_local_fallback appears (e.g. --announce_rc output)
    capabilities_failed: list[str] = field(default_factory=list)  # executor unreachable: whole build local
    remote_failures: list[str] = field(default_factory=list)  # "remote spawn failed" and friends
    fallback_traces: list[str] = field(default_factory=list)  # "falling back to local" messages

    @property
    def summary(self) -> ProcessSummary | None:
        """The last summary line: a console holding several builds reports the last one."""
        return self.summaries[-1] if self.summaries else None


def parse_console(text: str) -> Console:
    console = Console()
    for raw in re.split(r"[\r\n]+", _ANSI.sub("", text)):
        line = raw.strip()
        if not line:
            continue
        match = _SUMMARY.match(line)
        if match and ("process" in line):
            runners: dict[str, int] = {}
            parts = [p.strip() for p in (match.group(2) or "").split(",") if p.strip()]
            if all(_SUMMARY_PART.match(p) for p in parts):
                for part in parts:
                    part_match = _SUMMARY_PART.match(part)
                    assert part_match is not None
                    name = part_match.group(2).strip()
                    runners[name] = runners.get(name, 0) + int(part_match.group(1))
                console.summaries.append(ProcessSummary(line, int(match.group(1)), runners))
                continue
        if "--remote_local_fallback" in line and "--noremote_local_fallback" not in line:
            console.fallback_enabled = True
        lowered = line.lower()
        if "failed to query remote execution capabilities" in lowered:
            console.capabilities_failed.append(line)
        elif "remote spawn failed" in lowered or "remote execution failed" in lowered:
            console.remote_failures.append(line)
        if re.search(r"fall(?:ing)?\s*back to local", lowered):
            console.fallback_traces.append(line)
    return console
