"""Read Bazel's execution logs (JSON and binary `SpawnExec` streams) into Spawns.

- `--execution_log_json_file`: one JSON object per spawn, concatenated;
- `--execution_log_binary_file`: length-delimited `SpawnExec` protos (src/main/protobuf/spawn.proto);
- `--execution_log_compact_file` (Bazel 7.1+): a zstd-compressed stream of length-delimited
  `ExecLogEntry` protos (same file); files are entries of their own, referenced by ID from the spawns
  that output them, and always written before them. Needs the `zstandard` package (`pip install
  'hermetic-scan[zstd]'`). Bazel 7 is not installable where this was written: the reader follows the
  documented message layout and is tested on logs encoded from it, not on a log Bazel wrote.

Fields used: `runner`, `remoteCacheHit` (Bazel < 7) / `cacheHit`, `remotable`, `mnemonic`,
`listedOutputs`, `progressMessage` (Bazel < 7), `status`, `exitCode`, `targetLabel` (newer Bazel).
No policy here: `hermetic_scan.crosscheck.evidence` joins spawns with the inventory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hermetic_scan.bazel import wire
from hermetic_scan.shape import (
    ShapeError,
    describe,
    expect_integer,
    expect_list,
    expect_object,
    expect_string,
    expect_strings,
    json_values,
    member,
    mismatch,
)


class ExecLogError(ValueError):
    """An execution log this module cannot read."""


# Where a spawn ran, in the order reports list them.
CLASSES = ("remote_execution", "remote_cache_hit", "disk_cache_hit", "local", "worker", "internal")
FORMAT_JSON = "json"
FORMAT_BINARY = "binary"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


# --------------------------------------------------------------------------------------------------
# Spawns and runner classes


def runner_class(runner: str, cache_hit: bool = False) -> str:
    """One of CLASSES for a spawn runner name (as logged, or as in the console summary).

    Bazel 4.2.3 logs a cache hit as runner "remote cache hit" even when --disk_cache served it;
    Bazel 5 and later say "disk cache hit" for those.
    """
    name = runner.strip().lower()
    if name.endswith("cache hit") or cache_hit:
        if "disk" in name:
            return "disk_cache_hit"
        if name == "action cache hit":  # Bazel 7's console: served by the local action cache, never logged
            return "internal"
        return "remote_cache_hit"
    if name == "remote":
        return "remote_execution"
    if "worker" in name:
        return "worker"
    if name in ("", "internal"):
        return "internal"
    return "local"


@dataclass(frozen=True)
class Spawn:
    index: int  # position in the log, from 0
    runner: str
    cache_hit: bool
    remotable: bool | None
    mnemonic: str
    outputs: tuple[str, ...]  # listedOutputs, exec-root relative
    progress: str
    status: str
    exit_code: int
    target_label: str | None = None

    @property
    def klass(self) -> str:
        return runner_class(self.runner, self.cache_hit)

    @property
    def failed(self) -> bool:
        return bool(self.status and self.status.upper() != "SUCCESS") or self.exit_code != 0

    @property
    def executed_remotely(self) -> bool:
        """Really executed on a remote executor, and succeeded there."""
        return self.klass == "remote_execution" and not self.failed


def _bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


# What a record must look like to be a spawn. Bazel writes `runner` for every spawn it ran (protobuf's
# JSON leaves out only default values: false, 0, ""); int64 fields come as strings, int32 as numbers.
_STRING_FIELDS = ("runner", "mnemonic", "progressMessage", "status", "targetLabel", "label")
_BOOL_FIELDS = ("remotable", "cacheable", "cacheHit", "remoteCacheHit")


def validate_spawn(obj: dict[str, Any]) -> str | None:
    """Why `obj` is not a spawn record, or None. `{}` and records of another log are rejected."""
    runner = obj.get("runner")
    if not isinstance(runner, str) or not runner.strip():
        return "no runner (every spawn Bazel logs names the runner that ran it)"
    try:
        for name in _STRING_FIELDS:
            if name in obj:
                expect_string(obj[name], name)
        for name in _BOOL_FIELDS:
            if name in obj and not isinstance(obj[name], bool | str):
                raise mismatch(name, "true or false", obj[name])
        if "exitCode" in obj:
            _exit_code(obj["exitCode"])
        if "listedOutputs" in obj:
            expect_strings(obj["listedOutputs"], "listedOutputs")
        for index, output in enumerate(expect_list(obj.get("actualOutputs", []), "actualOutputs")):
            where = member("actualOutputs", index)
            if "path" in expect_object(output, where):
                expect_string(output["path"], member(where, "path"))
    except ShapeError as error:
        return str(error)
    return None


INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def _exit_code(value: object) -> int:
    """exit_code is int32 in spawn.proto (a JSON number), int64 in some writers (a decimal string)."""
    if isinstance(value, str) and len(value) <= 20 and value.lstrip("-").isdecimal() and value.isascii():
        return int(value)
    return expect_integer(value, "exitCode", INT64_MIN, INT64_MAX)


def spawn_from_json(index: int, obj: dict[str, Any]) -> Spawn:
    outputs = obj.get("listedOutputs") or []
    if not outputs:  # some writers only fill actualOutputs
        outputs = [o.get("path", "") for o in obj.get("actualOutputs") or [] if isinstance(o, dict)]
    cache_hit = _bool(obj.get("cacheHit", obj.get("remoteCacheHit"))) or False
    label = obj.get("targetLabel") or obj.get("label") or None
    return Spawn(
        index=index,
        runner=str(obj.get("runner") or ""),
        cache_hit=cache_hit,
        remotable=_bool(obj.get("remotable")),
        mnemonic=str(obj.get("mnemonic") or ""),
        outputs=tuple(str(o) for o in outputs if o),
        progress=str(obj.get("progressMessage") or ""),
        status=str(obj.get("status") or ""),
        exit_code=_exit_code(obj["exitCode"]) if "exitCode" in obj else 0,
        target_label=str(label) if label else None,
    )


def _append_spawn(spawns: list[Spawn], obj: dict[str, Any], entry: str) -> None:
    """`obj` as the next spawn of `spawns`; ExecLogError naming `entry` when it is not a spawn record."""
    problem = validate_spawn(obj)
    if problem is not None:
        raise ExecLogError(f"execution log: {entry} is not a spawn: {problem}")
    spawns.append(spawn_from_json(len(spawns), obj))


def parse_json_log(text: str) -> list[Spawn]:
    """A stream of JSON objects: Bazel's pretty-printed `}{`-concatenated form, or one per line."""
    spawns: list[Spawn] = []
    try:
        for obj in json_values(text):
            if not isinstance(obj, dict):
                raise ExecLogError(
                    f"execution log: entry {len(spawns) + 1}: expected an object, got {describe(obj)}"
                )
            _append_spawn(spawns, obj, f"entry {len(spawns) + 1}")
    except json.JSONDecodeError as error:
        raise ExecLogError(
            f"execution log: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    except ShapeError as error:
        raise ExecLogError(f"execution log: entry {len(spawns) + 1}: {error}") from None
    return spawns


# SpawnExec field numbers (src/main/protobuf/spawn.proto): the ones evidence needs.
_PB_STRINGS = {
    5: "listedOutputs",
    9: "progressMessage",
    10: "mnemonic",
    12: "runner",
    14: "status",
    18: "targetLabel",
}
_PB_BOOLS = {6: "remotable", 13: "cacheHit"}
_PB_INTS = {15: "exitCode"}


def _spawn_message(data: memoryview) -> dict[str, Any]:
    obj: dict[str, Any] = {"listedOutputs": []}
    for item in wire.fields(data):
        if item.value is not None:
            if item.number in _PB_BOOLS:
                obj[_PB_BOOLS[item.number]] = bool(item.value)
            elif item.number in _PB_INTS:
                value = item.value
                obj[_PB_INTS[item.number]] = value - (1 << 64) if value >= 1 << 63 else value
        elif item.chunk is not None and item.number in _PB_STRINGS:
            text = bytes(item.chunk).decode("utf-8", errors="replace")
            if item.number == 5:
                obj["listedOutputs"].append(text)
            else:
                obj[_PB_STRINGS[item.number]] = text
    return obj


def parse_binary_log(data: bytes) -> list[Spawn]:
    """`--execution_log_binary_file`: varint-length-delimited SpawnExec messages."""
    spawns: list[Spawn] = []
    try:
        for chunk in wire.delimited(data):
            _append_spawn(spawns, _spawn_message(chunk), f"binary entry {len(spawns) + 1}")
    except wire.WireError as error:
        raise ExecLogError(
            f"execution log: not a binary execution log (entry {len(spawns) + 1}: {error})"
        ) from error
    return spawns


# ExecLogEntry (spawn.proto): id = 1; file = 3, directory = 4, unresolved_symlink = 5 (each with
# path = 1); spawn = 7. ExecLogEntry.Spawn: outputs = 6 (Output: output_id = 5, invalid_output_path = 4),
# target_label = 7, mnemonic = 8, exit_code = 9, status = 10, runner = 11, cache_hit = 12,
# remotable = 13.
_COMPACT_STRINGS = {7: "targetLabel", 8: "mnemonic", 10: "status", 11: "runner"}
_COMPACT_BOOLS = {12: "cacheHit", 13: "remotable"}
_COMPACT_PATHS = (3, 4, 5)
FORMAT_COMPACT = "compact"


def _first_string(data: memoryview, number: int) -> str | None:
    for item in wire.fields(data):
        if item.number == number and item.chunk is not None:
            return bytes(item.chunk).decode("utf-8", errors="replace")
    return None


def _compact_spawn(data: memoryview, paths: dict[int, str]) -> dict[str, Any]:
    # proto3 leaves false out: an absent bool of a compact log is false, not unknown.
    obj: dict[str, Any] = {"listedOutputs": [], "cacheHit": False, "remotable": False}
    for item in wire.fields(data):
        if item.value is not None:
            if item.number in _COMPACT_BOOLS:
                obj[_COMPACT_BOOLS[item.number]] = bool(item.value)
            elif item.number == 9:
                value = item.value
                obj["exitCode"] = value - (1 << 64) if value >= 1 << 63 else value
        elif item.chunk is not None:
            if item.number in _COMPACT_STRINGS:
                obj[_COMPACT_STRINGS[item.number]] = bytes(item.chunk).decode("utf-8", errors="replace")
            elif item.number == 6:
                for output in wire.fields(item.chunk):
                    if output.number == 5 and output.value is not None:
                        if output.value not in paths:
                            raise ExecLogError(
                                f"execution log: a spawn names output entry {output.value}, which no earlier entry defines"
                            )
                        obj["listedOutputs"].append(paths[output.value])
                    elif output.number == 4 and output.chunk is not None:
                        obj["listedOutputs"].append(bytes(output.chunk).decode("utf-8", errors="replace"))
    return obj


def parse_compact_log(data: bytes) -> list[Spawn]:
    """`--execution_log_compact_file`: zstd, then varint-length-delimited ExecLogEntry messages."""
    try:
        import zstandard  # optional: only compact logs need it
    except ImportError as error:
        raise ExecLogError(
            "execution log: a compact execution log (zstd) needs the zstandard package: "
            "pip install 'hermetic-scan[zstd]' (or record the build with --execution_log_json_file)"
        ) from error
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    try:
        raw = decompressor.decompress(data)
    except zstandard.ZstdError as error:
        raise ExecLogError(f"execution log: not a valid compact execution log (zstd: {error})") from error
    if not decompressor.eof:
        raise ExecLogError("execution log: a truncated compact execution log (the zstd frame does not end)")
    spawns: list[Spawn] = []
    paths: dict[int, str] = {}
    number = 1
    try:
        for number, chunk in enumerate(wire.delimited(raw), 1):
            entry_id = 0
            spawn: memoryview | None = None
            for item in wire.fields(chunk):
                if item.number == 1 and item.value is not None:
                    entry_id = item.value
                elif item.number in _COMPACT_PATHS and item.chunk is not None:
                    path = _first_string(item.chunk, 1)
                    if path is not None and entry_id:
                        paths[entry_id] = path
                elif item.number == 7 and item.chunk is not None:
                    spawn = item.chunk
            if spawn is None:
                continue
            _append_spawn(spawns, _compact_spawn(spawn, paths), f"compact entry {number}")
    except wire.WireError as error:
        raise ExecLogError(f"execution log: not a compact execution log (entry {number}: {error})") from error
    return spawns


def read_exec_log(path: Path) -> tuple[list[Spawn], str]:
    """The spawns of a log in any of the three formats; every ExecLogError names the file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExecLogError(f"{path}: {error.strerror or error}") from error
    try:
        head = data.lstrip()[:1]
        if head in (b"{", b""):
            return parse_json_log(data.decode("utf-8", errors="replace")), FORMAT_JSON
        if data.startswith(ZSTD_MAGIC):
            return parse_compact_log(data), FORMAT_COMPACT
        return parse_binary_log(data), FORMAT_BINARY
    except ExecLogError as error:
        raise ExecLogError(f"{path}: {error}") from None
