"""The analysis cache: cached results equal fresh ones, every change a scan can see misses (a file
added or removed, an edit to any file it read, in this process or in a shard) while an edit to a file
it never read hits, a damaged or concurrently written cache is never trusted, and --no-cache neither
reads nor writes it."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import CORPUS

from hermetic_scan import cache, reads, shards
from hermetic_scan.diagnostics import Diagnostic, Severity, Span
from hermetic_scan.engine import BzlRecord, PackageEdges, PackageRecord, Result, StreamedAnalysis, merge
from hermetic_scan.model import WorkspaceFacts
from hermetic_scan.model.actions import ActionAnalyzer, ImplementationModel
from hermetic_scan.model.modules import Loader
from hermetic_scan.model.values import Function, RuleClass
from hermetic_scan.options import Options, load_options
from hermetic_scan.render import inventory_json
from hermetic_scan.render import json as json_render
from hermetic_scan.runner import scan
from hermetic_scan.workspace import MAX_FILE_BYTES, discover

WORKSPACES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
BUILD_NAMES = {"BUILD", "BUILD.bazel"}


def _options(workspace: Path, cache_dir: Path | None) -> Options:
    options = load_options(workspace)
    options.cache_dir = cache_dir
    return options


def _reports(result: Result) -> tuple[object, object]:
    return json.loads(json_render.render(result)), json.loads(inventory_json.render(result.inventory))


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.glob("??/*.pickle") if not p.name.startswith(".tmp-"))


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_cached_reports_equal_fresh_ones(workspace: Path, tmp_path: Path) -> None:
    fresh = _reports(scan(workspace, _options(workspace, None)))
    assert not tmp_path.joinpath("cache").exists()
    first = scan(workspace, _options(workspace, tmp_path / "cache"))  # a miss: scanned and stored
    assert len(_entries(tmp_path / "cache")) == 1
    second = scan(workspace, _options(workspace, tmp_path / "cache"))  # a hit
    assert second.model is None and first is not second
    assert _reports(first) == fresh
    assert _reports(second) == fresh
    assert (second.files_scanned, second.targets_scanned) == (first.files_scanned, first.targets_scanned)


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# A BUILD file loads a macro file that loads the rule's file, which loads a helper: the helper is two
# loads away from the package that uses it.
LOAD_CHAIN = {
    "MODULE.bazel": 'module(name = "chain")\n',
    "tools/helper.bzl": (
        "def stamp(ctx, out):\n"
        "    ctx.actions.run_shell(\n"
        "        outputs = [out],\n"
        '        command = "date > %s" % out.path,\n'
        '        mnemonic = "Stamp",\n'
        "    )\n"
    ),
    "tools/rule.bzl": (
        'load(":helper.bzl", "stamp")\n\n'
        "def _impl(ctx):\n"
        "    out = ctx.actions.declare_file(ctx.label.name)\n"
        "    stamp(ctx, out)\n"
        "    return [DefaultInfo(files = depset([out]))]\n\n"
        "stamped = rule(implementation = _impl)\n"
    ),
    "tools/macros.bzl": 'load(":rule.bzl", "stamped")\n\ndef make(name):\n    stamped(name = name)\n',
    "tools/BUILD.bazel": "",
    "app/BUILD.bazel": 'load("//tools:macros.bzl", "make")\n\nmake(name = "stamp")\n',
}


def test_editing_a_bzl_two_loads_away_reanalyses_the_package(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, LOAD_CHAIN)
    before = scan(root, _options(root, cache_dir))
    assert _reports(before) == _reports(scan(root, _options(root, None)))
    assert [v.verdict for v in before.inventory.verdicts] == ["remote-ok"]
    # The helper now runs a tool the executor does not have: the target using it must change.
    _write(root, {"tools/helper.bzl": LOAD_CHAIN["tools/helper.bzl"].replace("date >", "terraform output >")})
    after = scan(root, _options(root, cache_dir))
    assert after.model is not None  # a miss: scanned again
    assert [v.verdict for v in after.inventory.verdicts] != ["remote-ok"]
    assert _reports(after) == _reports(scan(root, _options(root, None)))
    assert _reports(after) != _reports(before)
    assert any(d.span.path == "tools/helper.bzl" for d in after.diagnostics)
    # Undoing the edit finds the first entry again.
    _write(root, {"tools/helper.bzl": LOAD_CHAIN["tools/helper.bzl"]})
    again = scan(root, _options(root, cache_dir))
    assert again.model is None and _reports(again) == _reports(before)


def test_new_source_file_hits_and_new_starlark_file_misses(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, {"MODULE.bazel": "", "BUILD.bazel": 'filegroup(name = "all", srcs = glob(["*.txt"]))\n'})
    scan(root, _options(root, cache_dir))
    assert scan(root, _options(root, cache_dir)).model is None
    # `glob` is not evaluated: no report depends on which files it would match.
    _write(root, {"notes.txt": "x"})
    assert scan(root, _options(root, cache_dir)).model is None
    _write(root, {"defs.bzl": "def noop():\n    pass\n"})
    assert scan(root, _options(root, cache_dir)).model is not None
    _write(root, {"sub/BUILD.bazel": 'genrule(name = "g", outs = ["o"], cmd = "curl -o $@ https://x")\n'})
    added = scan(root, _options(root, cache_dir))
    assert added.model is not None
    assert _reports(added) == _reports(scan(root, _options(root, None)))


def test_a_script_a_label_names_appearing_misses(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, {name: text for name, text in SCRIPT_RUNNER.items() if name != "tools/deploy.sh"})
    before = scan(root, _options(root, cache_dir))
    assert scan(root, _options(root, cache_dir)).model is None
    _write(root, {"tools/deploy.sh": LOUD_SCRIPT})  # looked for, not there, now there
    after = scan(root, _options(root, cache_dir))
    assert after.model is not None
    assert _reports(after) == _reports(scan(root, _options(root, None)))
    assert _reports(after) != _reports(before)


def test_an_edit_to_a_file_the_scan_never_read_hits(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, {**LOAD_CHAIN, "app/main.go": "package main\n", "README.md": "# chain\n"})
    first = scan(root, _options(root, cache_dir))
    assert first.model is not None
    _write(root, {"app/main.go": "package main\n\nfunc main() {}\n", "README.md": "# chain, edited\n"})
    again = scan(root, _options(root, cache_dir))
    assert again.model is None  # neither file is in the log: the stored result holds
    assert _reports(again) == _reports(scan(root, _options(root, None))) == _reports(first)
    assert len(_entries(cache_dir)) == 1


SCRIPT_RUNNER = {
    "MODULE.bazel": 'module(name = "scripts")\n',
    "tools/BUILD.bazel": 'sh_binary(name = "deploy", srcs = ["deploy.sh"])\n',
    "tools/deploy.sh": "#!/bin/bash\nset -eu\necho deploying\n",
}


LOUD_SCRIPT = '#!/bin/bash\nset -eu\ncd "$BUILD_WORKSPACE_DIRECTORY"\nterraform apply\n'


def test_an_edit_to_a_script_a_target_runs_misses(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, SCRIPT_RUNNER)
    before = scan(root, _options(root, cache_dir))
    assert scan(root, _options(root, cache_dir)).model is None
    _write(
        root, {"tools/deploy.sh": '#!/bin/bash\nset -eu\ncd "$BUILD_WORKSPACE_DIRECTORY"\nterraform apply\n'}
    )
    after = scan(root, _options(root, cache_dir))
    assert after.model is not None
    assert _reports(after) == _reports(scan(root, _options(root, None)))
    assert _reports(after) != _reports(before)


def test_a_retargeted_link_misses(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(
        root,
        {
            **SCRIPT_RUNNER,
            "tools/quiet.sh": "#!/bin/bash\necho hi\n",
            "tools/loud.sh": LOUD_SCRIPT,
        },
    )
    (root / "tools/deploy.sh").unlink()
    (root / "tools/deploy.sh").symlink_to("quiet.sh")
    before = scan(root, _options(root, cache_dir))
    (root / "tools/deploy.sh").unlink()
    (root / "tools/deploy.sh").symlink_to("loud.sh")
    after = scan(root, _options(root, cache_dir))
    assert after.model is not None
    assert _reports(after) == _reports(scan(root, _options(root, None)))
    assert _reports(after) != _reports(before)


def test_a_file_that_could_not_be_read_is_checked_as_such(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, SCRIPT_RUNNER)
    (root / "tools/deploy.sh").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    too_big = scan(root, _options(root, cache_dir))
    assert any(d.rule == "io-error" and d.span.path == "tools/deploy.sh" for d in too_big.diagnostics)
    assert scan(root, _options(root, cache_dir)).model is None  # still too big: the failure holds
    _write(root, {"tools/deploy.sh": SCRIPT_RUNNER["tools/deploy.sh"]})
    after = scan(root, _options(root, cache_dir))
    assert after.model is not None
    assert not any(d.rule == "io-error" for d in after.diagnostics)


def test_shards_send_back_what_they_read(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    packages = {
        f"p{n}/BUILD.bazel": f'genrule(name = "g{n}", outs = ["o{n}"], cmd = "touch $@")\n' for n in range(4)
    }
    _write(root, {"MODULE.bazel": "", **packages})
    if not shards.can_fork():
        pytest.skip("shards are forked")
    workspace = discover(root)
    options = _options(root, None)
    options.keep_model = False
    with reads.recording() as log:
        shards.analyze_in_shards(
            workspace,
            options,
            2,
            [{"p0/BUILD.bazel", "p1/BUILD.bazel"}, {"p2/BUILD.bazel", "p3/BUILD.bazel"}],
        )
    read = {
        Path(path).relative_to(root.resolve()).as_posix()
        for path in log.files
        if path.startswith(str(root.resolve()))
    }
    assert set(packages) <= read  # the second group was read in the forked process only
    assert log.complete


def test_edit_that_keeps_size_and_modification_time_misses(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, LOAD_CHAIN)
    helper = root / "tools/helper.bzl"
    past = helper.stat().st_mtime_ns - 10_000_000_000
    os.utime(helper, ns=(past, past))
    time.sleep(0.05)
    scan(root, _options(root, cache_dir))
    assert scan(root, _options(root, cache_dir)).model is None  # unchanged: a hit
    edited = LOAD_CHAIN["tools/helper.bzl"].replace("date >", "true >")
    assert len(edited) == len(LOAD_CHAIN["tools/helper.bzl"])
    helper.write_text(edited, encoding="utf-8")
    os.utime(helper, ns=(past, past))  # same size, same modification time: only the ctime moved
    after = scan(root, _options(root, cache_dir))
    assert after.model is not None
    assert _reports(after) == _reports(scan(root, _options(root, None)))


def test_a_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, LOAD_CHAIN)
    first = _reports(scan(root, _options(root, cache_dir)))
    (index,) = (cache_dir / "index").iterdir()
    index.write_bytes(index.read_bytes()[:40])
    again = scan(root, _options(root, cache_dir))
    assert again.model is None and _reports(again) == first  # same key: the files were read again
    assert isinstance(cache.load(cache_dir, _entries(cache_dir)[0].stem, cache.Entry), cache.Entry)


def test_options_are_part_of_the_key(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, LOAD_CHAIN)
    strict = _options(root, cache_dir)
    strict.strict = True
    scan(root, _options(root, cache_dir))
    assert scan(root, strict).model is not None
    parallel = _options(root, cache_dir)
    parallel.jobs = 2  # cannot change a report: the same entry
    assert scan(root, parallel).model is None


def _damage(entry: Path, how: str) -> None:
    blob = entry.read_bytes()
    if how == "truncated":
        entry.write_bytes(blob[: len(blob) // 2])
    elif how == "flipped":
        entry.write_bytes(blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:])
    elif how == "empty":
        entry.write_bytes(b"")
    elif how == "wrong-type":
        # A well-formed entry whose payload is not a Result (e.g. written by another layout).
        cache.store(entry.parent.parent, entry.stem, {"not": "a result"})
    else:
        entry.write_bytes(b"\x80\x05garbage" * 100)


@pytest.mark.parametrize("how", ["truncated", "flipped", "empty", "wrong-type", "garbage"])
def test_damaged_entry_is_ignored_and_rewritten(tmp_path: Path, how: str) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, LOAD_CHAIN)
    fresh = _reports(scan(root, _options(root, None)))
    scan(root, _options(root, cache_dir))
    (entry,) = _entries(cache_dir)
    _damage(entry, how)
    rebuilt = scan(root, _options(root, cache_dir))
    assert rebuilt.model is not None and _reports(rebuilt) == fresh
    trusted = scan(root, _options(root, cache_dir))  # the entry was written again, whole
    assert trusted.model is None and _reports(trusted) == fresh


def test_a_tampered_payload_with_a_stale_digest_is_not_trusted(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, LOAD_CHAIN)
    first = scan(root, _options(root, cache_dir))
    (entry,) = _entries(cache_dir)
    blob = entry.read_bytes()
    start = len(cache.ENTRY_FORMAT)
    log_end = start + 8 + 32 + int.from_bytes(blob[start : start + 8], "big")
    forged = pickle.dumps((pickle.dumps(replace(first, model=None, diagnostics=[])), b"", b""))
    entry.write_bytes(blob[: log_end + 32] + forged)  # the log, its digest and the old digest of the rest
    again = scan(root, _options(root, cache_dir))
    assert again.model is not None and again.diagnostics == first.diagnostics


def _cli(root: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hermetic_scan",
            "check",
            str(root),
            "--format",
            "json",
            "--fail-on",
            "never",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_runs_share_a_cache_safely(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    shutil.copytree(CORPUS / "ambient-tool", root)
    expected = _cli(root, "--no-cache").communicate()[0]
    for _ in range(2):  # a cold cache (both write), then a warm one (both read, perhaps while one writes)
        runs = [_cli(root, "--cache-dir", str(cache_dir)) for _ in range(4)]
        outputs = [run.communicate() for run in runs]
        assert all(run.returncode == 0 for run in runs), [err for _, err in outputs]
        assert [out for out, _ in outputs] == [expected] * 4
    assert len(_entries(cache_dir)) == 1
    assert not list(cache_dir.glob("??/.tmp-*"))
    assert isinstance(cache.load(cache_dir, _entries(cache_dir)[0].stem, cache.Entry), cache.Entry)


def test_no_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, LOAD_CHAIN)
    _write(root, {"tools/helper.bzl": LOAD_CHAIN["tools/helper.bzl"].replace("date >", "terraform output >")})
    out, _ = _cli(root, "--no-cache", "--cache-dir", str(cache_dir)).communicate()
    assert not cache_dir.exists()
    assert json.loads(out)["findings"]
    # Plant a well-formed entry, with the log of the `check` command, that claims there are no findings.
    real = scan(root, _options(root, None))
    name, entry = _cli_entry(root, cache_dir)
    entry.result = pickle.dumps(replace(real, model=None, diagnostics=[]))
    cache.store(cache_dir, name, entry)
    assert json.loads(_cli(root, "--no-cache", "--cache-dir", str(cache_dir)).communicate()[0]) == json.loads(
        out
    )
    planted = json.loads(_cli(root, "--cache-dir", str(cache_dir)).communicate()[0])
    assert planted["findings"] == []  # without --no-cache the same entry is read


def _cli_entry(root: Path, cache_dir: Path) -> tuple[str, cache.Entry]:
    """The entry the `check` command stores: run it once with a fresh cache and read it."""
    probe = cache_dir.parent / "probe"
    _cli(root, "--cache-dir", str(probe)).communicate()
    (entry,) = _entries(probe)
    loaded = cache.load(probe, entry.stem, cache.Entry)
    assert isinstance(loaded, cache.Entry)
    return entry.stem, loaded


def test_default_directory_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_dir() == tmp_path / "xdg" / "hermetic-scan"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # the specification says to ignore it
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.default_dir() == tmp_path / "home" / ".cache" / "hermetic-scan"


def test_old_entries_are_pruned(tmp_path: Path) -> None:
    for number in range(cache.MAX_ENTRIES + 5):
        cache.store(tmp_path, f"{number:064x}", number)
    assert len(_entries(tmp_path)) == cache.MAX_ENTRIES


def test_entries_are_pruned_to_a_size(tmp_path: Path) -> None:
    """The newest entries that fit the budget are kept, and the newest one whatever its size."""
    for number in range(5):
        cache.store(tmp_path, f"{number:064x}", bytes(1000))
        os.utime(cache._entry(tmp_path, f"{number:064x}"), (number, number))
    size = cache._entry(tmp_path, f"{0:064x}").stat().st_size
    cache.prune(tmp_path, budget=3 * size + size // 2)
    assert sorted(p.name[:64] for p in _entries(tmp_path)) == [f"{n:064x}" for n in (2, 3, 4)]
    cache.prune(tmp_path, budget=size // 2)
    assert [p.name[:64] for p in _entries(tmp_path)] == [f"{4:064x}"]


def test_an_entry_that_answers_is_kept_as_recent(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, RULES_AND_HELPER)
    scan(root, _streamed_options(root, cache_dir, 1))
    (first,) = _entries(cache_dir)
    time.sleep(0.01)
    _write(root, {"a/BUILD.bazel": RULES_AND_HELPER["a/BUILD.bazel"] + 'fetched(name = "a2")\n'})
    scan(root, _streamed_options(root, cache_dir, 1))
    time.sleep(0.01)
    _write(root, {"a/BUILD.bazel": RULES_AND_HELPER["a/BUILD.bazel"]})
    scan(root, _streamed_options(root, cache_dir, 1))  # answered by the first entry
    cache.prune(cache_dir, keep=1)
    assert _entries(cache_dir) == [first]


# -- packages reused from an entry whose BUILD or .bzl files changed (engine.PackageRecord) ----------


def _streamed_options(root: Path, cache_dir: Path | None, jobs: int) -> Options:
    options = _options(root, cache_dir)
    options.keep_model = False  # as `check` and `inventory` run: streamed, package by package
    options.jobs = jobs
    return options


def _count_reused(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reused: list[str] = []
    original = StreamedAnalysis._reuse

    def counting(self: StreamedAnalysis, record: PackageRecord, stands: object, model: object) -> None:
        reused.append(record.build)
        original(self, record, stands, model)  # type: ignore[arg-type]

    monkeypatch.setattr(StreamedAnalysis, "_reuse", counting)
    return reused


def _count_reused_in_shards(monkeypatch: pytest.MonkeyPatch, log: Path) -> Callable[[], list[str]]:
    """The packages the scans reuse, in this process or a forked one (noted in `log`), sorted."""
    original = StreamedAnalysis._reuse

    def counting(self: StreamedAnalysis, record: PackageRecord, stands: object, model: object) -> None:
        with log.open("a", encoding="utf-8") as out:
            out.write(record.build + "\n")
        original(self, record, stands, model)  # type: ignore[arg-type]

    def taken() -> list[str]:
        names = sorted(log.read_text(encoding="utf-8").split()) if log.exists() else []
        log.unlink(missing_ok=True)
        return names

    monkeypatch.setattr(StreamedAnalysis, "_reuse", counting)
    return taken


STARLARK_EDITS = {
    "add": '\ngenrule(name = "zz_reused", outs = ["zz.txt"], cmd = "curl -o $@ https://example.com/x")\n',
    "bzl": '\nZZ_REUSED = "x"\n',
    # Statements left where they were: the records stand, and the suppressions are the new ones.
    "bzl-comment": "\n# hermetic-scan: disable-file=ambient-tool,network-access,workspace-dir\n",
}


MIDDLE = b"middle"


def _inserted_in_the_middle(text: bytes) -> bytes:
    """A global inserted above the middle top-level `def`: what follows it moves."""
    lines = text.splitlines(keepends=True)
    functions = [i for i, line in enumerate(lines) if line.startswith(b"def ")]
    at = functions[len(functions) // 2] if functions else 0
    return b"".join([*lines[:at], b"_ZZ_MIDDLE = 1\n\n", *lines[at:]])


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_packages_reused_after_a_starlark_edit_give_the_fresh_report(workspace: Path, tmp_path: Path) -> None:
    """Every BUILD file edited (a target added, or emptied) and every .bzl file (a global appended, a
    suppression comment appended, a global inserted above its middle function, emptied), one at a
    time: the scan that reuses the other packages' records reports what a scan without the cache
    reports."""
    root = tmp_path / "ws"
    shutil.copytree(workspace, root, symlinks=True)
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and (p.name in BUILD_NAMES or p.suffix == ".bzl")
    )
    for jobs in (1, 2):
        cache_dir = tmp_path / f"cache-{jobs}"
        scan(root, _streamed_options(root, cache_dir, jobs))
        for path in files:
            original = path.read_bytes()
            edits = (
                [STARLARK_EDITS["bzl"].encode(), STARLARK_EDITS["bzl-comment"].encode(), MIDDLE, None]
                if path.suffix == ".bzl"
                else [STARLARK_EDITS["add"].encode(), None]
            )
            for edit in edits:
                if edit is MIDDLE:
                    path.write_bytes(_inserted_in_the_middle(original))
                else:
                    path.write_bytes(original + edit if edit is not None else b"")
                cached = scan(root, _streamed_options(root, cache_dir, jobs))
                fresh = scan(root, _streamed_options(root, None, jobs))
                assert _reports(cached) == _reports(fresh), (path.relative_to(root), edit, jobs)
                path.write_bytes(original)


def test_only_the_edited_package_and_those_loading_an_edited_bzl_are_evaluated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    packages = {
        f"p{n}/BUILD.bazel": f'genrule(name = "g{n}", outs = ["o{n}"], cmd = "touch $@")\n' for n in range(4)
    }
    _write(root, {**LOAD_CHAIN, **packages})
    reused = _count_reused(monkeypatch)
    scan(root, _streamed_options(root, cache_dir, 1))
    assert reused == []
    _write(
        root,
        {
            "p1/BUILD.bazel": packages["p1/BUILD.bazel"]
            + 'genrule(name = "x", outs = ["x"], cmd = "curl -o $@ u")\n'
        },
    )
    edited = scan(root, _streamed_options(root, cache_dir, 1))
    assert sorted(reused) == [
        "app/BUILD.bazel",
        "p0/BUILD.bazel",
        "p2/BUILD.bazel",
        "p3/BUILD.bazel",
        "tools/BUILD.bazel",
    ]
    assert _reports(edited) == _reports(scan(root, _streamed_options(root, None, 1)))
    reused.clear()
    # The helper two loads away from app/BUILD.bazel: only app is evaluated again.
    _write(root, {"tools/helper.bzl": LOAD_CHAIN["tools/helper.bzl"].replace("date >", "terraform output >")})
    after = scan(root, _streamed_options(root, cache_dir, 1))
    assert "app/BUILD.bazel" not in reused and len(reused) == 5
    assert _reports(after) == _reports(scan(root, _streamed_options(root, None, 1)))


def test_an_edit_to_a_package_that_was_reused_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan that reused a package did not read its BUILD file; its entry's log must still name it,
    or the next edit to that file would find the entry valid and answer the report before it."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    packages = {
        f"p{n}/BUILD.bazel": f'genrule(name = "g{n}", outs = ["o{n}"], cmd = "touch $@")\n' for n in range(2)
    }
    _write(root, {"MODULE.bazel": "", **packages})
    reused = _count_reused(monkeypatch)
    scan(root, _streamed_options(root, cache_dir, 1))
    _write(root, {"p0/BUILD.bazel": packages["p0/BUILD.bazel"] + "# a comment\n"})
    scan(root, _streamed_options(root, cache_dir, 1))
    assert reused == ["p1/BUILD.bazel"]
    _write(
        root,
        {"p1/BUILD.bazel": 'genrule(name = "g1", outs = ["o1"], cmd = "curl -o $@ https://example.com")\n'},
    )
    after = scan(root, _streamed_options(root, cache_dir, 1))
    assert _reports(after) == _reports(scan(root, _streamed_options(root, None, 1)))
    assert any(d.span.path == "p1/BUILD.bazel" for d in after.diagnostics)


def test_runs_naming_other_files_share_the_entry_of_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check FILE...` (a pre-commit hook names the files of each commit) reports a view of the whole
    workspace's findings: a run naming other files is a hit, and after an edit it reuses packages
    like a run of the whole, each reporting what a run without the cache reports for those files."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    packages = {
        f"p{n}/BUILD.bazel": f'genrule(name = "g{n}", outs = ["o{n}"], cmd = "curl -o $@ https://example.com/{n}")\n'
        for n in range(3)
    }
    _write(root, {"MODULE.bazel": "", **packages})
    reused = _count_reused(monkeypatch)

    def named(paths: list[str], cache: Path | None) -> Options:
        options = _streamed_options(root, cache, 1)
        options.only_paths = paths
        return options

    def findings(result: Result) -> list[str]:
        return sorted(f"{d.rule} {d.span.path}:{d.span.start_line}" for d in result.diagnostics)

    first = scan(root, named(["p0/BUILD.bazel"], cache_dir))  # a miss: the whole is scanned and stored
    assert {d.span.path for d in first.diagnostics} == {"p0/BUILD.bazel"}
    for paths in (["p1/BUILD.bazel"], ["p0/BUILD.bazel", "p2/BUILD.bazel"], ["p2"]):
        hit = scan(root, named(paths, cache_dir))
        assert len(_entries(cache_dir)) == 1 and not reused, paths  # answered by the entry of the whole
        assert findings(hit) == findings(scan(root, named(paths, None))) != [], paths

    _write(
        root,
        {
            "p1/BUILD.bazel": packages["p1/BUILD.bazel"]
            + 'genrule(name = "h", outs = ["h"], cmd = "nix build")\n'
        },
    )
    edited = scan(root, named(["p1/BUILD.bazel"], cache_dir))
    assert sorted(reused) == ["p0/BUILD.bazel", "p2/BUILD.bazel"]
    assert findings(edited) == findings(scan(root, named(["p1/BUILD.bazel"], None)))
    assert {d.span.path for d in edited.diagnostics} == {"p1/BUILD.bazel"} and len(edited.diagnostics) >= 2


def test_a_plain_check_and_the_hooks_check_share_an_entry(tmp_path: Path) -> None:
    """`check` keeps the index of targets that `check FILE...` narrows with: after a plain `check`,
    the pre-commit hook's run is answered by its entry (no second entry is written), and reports
    what it reports without the cache, the finding of a rule in its .bzl file shown at the named
    BUILD file's target."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, RULES_AND_HELPER)
    _, err = _cli(root, "--cache-dir", str(cache_dir)).communicate()
    assert err == ""
    assert len(_entries(cache_dir)) == 1
    out, err = _cli(root / "b" / "BUILD.bazel", "--cache-dir", str(cache_dir)).communicate()
    assert err == "" and len(_entries(cache_dir)) == 1
    fresh, _ = _cli(root / "b" / "BUILD.bazel", "--no-cache").communicate()
    assert json.loads(out) == json.loads(fresh)
    shown = {(f["rule"], f["path"]) for f in json.loads(out)["findings"]}
    assert ("default-shell-env", "b/BUILD.bazel") in shown


# Packages that name each other's targets: the genrules of a and z run //q:tool, whose script is the
# first file of a filegroup in r. a is evaluated first and evaluates q during its turn; z comes after
# q's turn and finds its targets evaluated.
NAMED_ACROSS = {
    "MODULE.bazel": 'module(name = "across")\n',
    "a/BUILD.bazel": 'genrule(name = "a", outs = ["a.txt"], tools = ["//q:tool"], cmd = "$(location //q:tool) > $@")\n',
    "z/BUILD.bazel": 'genrule(name = "z", outs = ["z.txt"], tools = ["//q:tool"], cmd = "$(location //q:tool) > $@")\n',
    "q/BUILD.bazel": 'sh_binary(name = "tool", srcs = ["//r:scripts"])\n',
    "r/BUILD.bazel": 'filegroup(name = "scripts", srcs = ["fetch.sh"])\n',
    "r/fetch.sh": "#!/bin/sh\ncurl -s https://example.com/data\n",
    "r/quiet.sh": "#!/bin/sh\necho quiet\n",
    "p/BUILD.bazel": 'genrule(name = "p", outs = ["p.txt"], cmd = "touch $@")\n',
}


def test_packages_naming_others_are_reused_until_a_package_they_reach_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, NAMED_ACROSS)
    reused = _count_reused(monkeypatch)
    first = scan(root, _streamed_options(root, cache_dir, 1))
    assert {d.span.path for d in first.diagnostics} == {"r/fetch.sh"}
    _write(root, {"p/BUILD.bazel": NAMED_ACROSS["p/BUILD.bazel"] + "# edited\n"})
    scan(root, _streamed_options(root, cache_dir, 1))
    assert sorted(reused) == ["a/BUILD.bazel", "q/BUILD.bazel", "r/BUILD.bazel", "z/BUILD.bazel"]
    reused.clear()
    # r is two lookups away from a and z: the script their tool runs is now another one.
    _write(root, {"r/BUILD.bazel": NAMED_ACROSS["r/BUILD.bazel"].replace("fetch.sh", "quiet.sh")})
    edited = scan(root, _streamed_options(root, cache_dir, 1))
    assert reused == ["p/BUILD.bazel"]
    assert edited.diagnostics == []
    assert _reports(edited) == _reports(scan(root, _streamed_options(root, None, 1)))


def test_a_package_evaluated_during_another_ones_turn_keeps_its_problems(tmp_path: Path) -> None:
    """q is evaluated while a names its tool, and its unresolved load is met then: q's record must hold
    that problem, or a scan that reuses q once a names it no more would lose the finding."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    broken = {"q/BUILD.bazel": 'load("//missing:defs.bzl", "x")\n' + NAMED_ACROSS["q/BUILD.bazel"]}
    _write(root, {**NAMED_ACROSS, **broken})
    scan(root, _streamed_options(root, cache_dir, 1))
    _write(root, {"a/BUILD.bazel": NAMED_ACROSS["p/BUILD.bazel"].replace('"p', '"a')})
    edited = scan(root, _streamed_options(root, cache_dir, 1))
    assert "unresolved-load" in {d.rule for d in edited.diagnostics}
    assert _reports(edited) == _reports(scan(root, _streamed_options(root, None, 1)))


def test_a_record_that_does_not_unpickle_is_evaluated_again_not_trusted() -> None:
    edges = PackageEdges(
        "p/BUILD.bazel", frozenset({"/ws/p/BUILD.bazel"}), frozenset(), b"\x80\x05not a pickle"
    )
    assert edges.unpickled() is None
    assert PackageEdges("p/BUILD.bazel", frozenset(), frozenset(), pickle.dumps({"a": 1})).unpickled() is None


# Two rules, each with a hazard in its implementation, and a helper no rule calls with one of its own:
# a BUILD edit to the package using `fetched` analyzes `fetched` alone, and the record of the earlier
# analysis gives the findings of the rest.
RULES_AND_HELPER = {
    "MODULE.bazel": 'module(name = "deferred")\n',
    "rules/defs.bzl": (
        "def _fetched(ctx):\n"
        "    out = ctx.actions.declare_file(ctx.label.name)\n"
        '    ctx.actions.run_shell(outputs = [out], command = "curl -o %s https://example.com" % out.path,'
        ' mnemonic = "Fetch")\n'
        "    return [DefaultInfo(files = depset([out]))]\n\n"
        "fetched = rule(implementation = _fetched)\n\n"
        "def _leaky(ctx):\n"
        "    out = ctx.actions.declare_file(ctx.label.name)\n"
        '    ctx.actions.run_shell(outputs = [out], command = "touch %s" % out.path, mnemonic = "Leak",'
        " use_default_shell_env = True)\n"
        "    return [DefaultInfo(files = depset([out]))]\n\n"
        "leaky = rule(implementation = _leaky)\n\n"
        "def unused_helper(ctx, out):\n"
        '    ctx.actions.run_shell(outputs = [out], command = "cd $BUILD_WORKSPACE_DIRECTORY && touch x",'
        ' mnemonic = "Helper")\n'
    ),
    "a/BUILD.bazel": 'load("//rules:defs.bzl", "fetched")\n\nfetched(name = "a")\n',
    "b/BUILD.bazel": 'load("//rules:defs.bzl", "leaky")\n\nleaky(name = "b")\n',
}


def _count_analyses(monkeypatch: pytest.MonkeyPatch, log: Path) -> Callable[[], set[str]]:
    """What rules and helpers the scans analyze, in this process or a forked one: noted in `log`."""
    rule, helper = ActionAnalyzer.analyze_rule, ActionAnalyzer.analyze_free_function

    def note(name: str) -> None:
        with log.open("a", encoding="utf-8") as out:
            out.write(name + "\n")

    def counting_rule(self: ActionAnalyzer, value: RuleClass) -> ImplementationModel:
        note(value.name)
        return rule(self, value)

    def counting_helper(self: ActionAnalyzer, function: Function) -> ImplementationModel:
        note(function.name)
        return helper(self, function)

    def taken() -> set[str]:
        names = set(log.read_text(encoding="utf-8").split()) if log.exists() else set()
        log.unlink(missing_ok=True)
        return names

    monkeypatch.setattr(ActionAnalyzer, "analyze_rule", counting_rule)
    monkeypatch.setattr(ActionAnalyzer, "analyze_free_function", counting_helper)
    return taken


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_edit_analyzes_only_the_rules_of_the_packages_evaluated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, RULES_AND_HELPER)
    analyzed = _count_analyses(monkeypatch, tmp_path / "analyzed")
    first = scan(root, _streamed_options(root, cache_dir, jobs))
    assert analyzed() == {"fetched", "leaky", "unused_helper"}
    assert {d.rule for d in first.diagnostics} >= {"network-access", "default-shell-env", "workspace-dir"}
    _write(root, {"a/BUILD.bazel": RULES_AND_HELPER["a/BUILD.bazel"] + 'fetched(name = "a2")\n'})
    edited = scan(root, _streamed_options(root, cache_dir, jobs))
    assert analyzed() == {"fetched"}
    # The findings of leaky and of the helper come from the record of the first scan's analysis.
    assert {d.rule for d in edited.diagnostics} == {d.rule for d in first.diagnostics}
    assert _reports(scan(root, _streamed_options(root, None, jobs))) == _reports(edited)
    analyzed()  # the scan without the cache analyzed everything
    # The package evaluated with a deferred analysis was recorded: the next BUILD edit reuses it.
    reused = _count_reused(monkeypatch)
    _write(root, {"b/BUILD.bazel": RULES_AND_HELPER["b/BUILD.bazel"] + 'leaky(name = "b2")\n'})
    scan(root, _streamed_options(root, cache_dir, 1))
    assert reused == ["a/BUILD.bazel"]
    assert analyzed() == {"leaky"}
    # A .bzl edit: every rule and helper is analyzed again.
    _write(root, {"rules/defs.bzl": RULES_AND_HELPER["rules/defs.bzl"].replace("touch x", "date > x")})
    scan(root, _streamed_options(root, cache_dir, jobs))
    assert analyzed() == {"fetched", "leaky", "unused_helper"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_comment_edit_to_a_bzl_file_reuses_everything_and_reads_its_suppressions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """A .bzl edit that leaves its statements where they were (a comment after the last, or a file
    suppression) analyzes nothing again and evaluates no package, and the new suppression applies;
    a comment inside a rule's implementation is an edit of its code."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, RULES_AND_HELPER)
    defs = root / "rules/defs.bzl"
    analyzed = _count_analyses(monkeypatch, tmp_path / "analyzed")
    reused = _count_reused_in_shards(monkeypatch, tmp_path / "reused")
    first = scan(root, _streamed_options(root, cache_dir, jobs))
    assert analyzed() == {"fetched", "leaky", "unused_helper"} and reused() == []
    assert "workspace-dir" in {d.rule for d in first.diagnostics}

    def edited(text: bytes) -> tuple[Result, set[str], list[str]]:
        """The cached scan after the edit, what it analyzed and the packages it reused."""
        defs.write_bytes(text)
        cached = scan(root, _streamed_options(root, cache_dir, jobs))
        what = analyzed(), reused()
        assert _reports(cached) == _reports(scan(root, _streamed_options(root, None, jobs)))
        analyzed()  # the scan without the cache analyzed everything
        return cached, *what

    original = defs.read_bytes()
    both = ["a/BUILD.bazel", "b/BUILD.bazel"]
    assert edited(original + b"\n# rules above, helpers below\n")[1:] == (set(), both)
    suppressed, *work = edited(original + b"# hermetic-scan: disable-file=workspace-dir\n")
    assert work == [set(), both]
    assert "workspace-dir" not in {d.rule for d in suppressed.diagnostics}
    # Edits that move or change statements analyze every rule again; a package is evaluated again
    # only if it read a name whose statement moved or changed (b's `leaky`, below the edit).
    everything = {"fetched", "leaky", "unused_helper"}
    inside = original.replace(b"def _leaky(ctx):\n", b"def _leaky(ctx):\n    # why it leaks\n")
    assert edited(inside)[1:] == (everything, both[:1])
    # Not UTF-8 (in a comment): the names and what the analysis read are as they were, so the
    # record of the analysis holds, and the file's own findings are made again from its text.
    not_text, *work = edited(inside + b"# caf\xe9\n")
    assert work == [set(), both]
    assert "parse-error" in {d.rule for d in not_text.diagnostics}


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_edit_no_analysis_read_keeps_the_record_of_the_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """A macro the rules' analyses never read, below what they read, edited, analyzes no rule or
    helper again; a function that becomes a helper, a new rule, an edit to what a rule reads, or one
    that moves it, analyzes all."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    macro = 'def make(name):\n    native.genrule(name = name, outs = [name + ".txt"], cmd = "touch $@")\n'
    files = {
        **RULES_AND_HELPER,
        "rules/defs.bzl": RULES_AND_HELPER["rules/defs.bzl"] + "\n" + macro,  # below what the rules read
        "m/BUILD.bazel": 'load("//rules:defs.bzl", "make")\n\nmake(name = "m")\n',
    }
    _write(root, files)
    analyzed = _count_analyses(monkeypatch, tmp_path / "analyzed")
    scan(root, _streamed_options(root, cache_dir, jobs))
    everything = {"fetched", "leaky", "unused_helper", "make"}  # every function no rule went through
    assert analyzed() == everything

    def edited(text: str) -> set[str]:
        _write(root, {"rules/defs.bzl": text})
        cached = scan(root, _streamed_options(root, cache_dir, jobs))
        names = analyzed()
        assert _reports(cached) == _reports(scan(root, _streamed_options(root, None, jobs)))
        analyzed()
        return names

    defs = files["rules/defs.bzl"]
    assert edited(defs.replace("touch $@", "curl -o $@ https://example.com/m")) == set()
    assert edited(defs + "\ndef later(name):\n    make(name = name)\n") == set()  # not a helper: no ctx
    assert edited(defs.replace("def make(name):", "def make(name, ctx = None):")) == everything
    assert edited(defs + "\nlate = rule(implementation = _leaky)\n") == everything | {"late"}
    assert edited(defs.replace('mnemonic = "Fetch"', 'mnemonic = "Fetched"')) == everything
    assert edited("# moved\n" + defs) == everything


def test_the_edited_bzl_files_are_logged_as_they_were_compared(tmp_path: Path) -> None:
    """The records carried past a .bzl edit were judged against the file as `reusable` read it: the
    carried log notes those bytes, so a scan that reads others (an edit meanwhile) is not stored,
    and a file no package loads, which the scan may not read again, still counts for the entry."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, RULES_AND_HELPER)
    options = _streamed_options(root, cache_dir, 1)
    scan(root, options)
    defs = root / "rules/defs.bzl"
    for edit in (b"# a comment\n", b"LATER = 1\n"):
        defs.write_bytes(RULES_AND_HELPER["rules/defs.bzl"].encode() + edit)
        carried = cache.reusable(cache.survey(root, options, [], cache_dir))
        assert carried is not None and carried.bzl is not None
        real = os.path.realpath(defs)
        assert carried.log.files[real] == hashlib.sha256(defs.read_bytes()).digest()
        assert carried.log.complete


def test_the_record_of_the_bzl_analysis_holds_only_while_what_it_read_is_unchanged() -> None:
    record = cache._unpickled_bzl(
        pickle.dumps(
            BzlRecord(
                frozenset(),
                frozenset({"/ws/rules/defs.bzl", "/ws/tools/BUILD"}),
                [],
                WorkspaceFacts(),
                [],
                {},
            )
        )
    )
    assert isinstance(record, BzlRecord)
    nothing_renamed = cache.NameChanges({}, {})
    assert cache._bzl_carried(record, {"/ws/a/BUILD.bazel"}, nothing_renamed, {}) is record
    assert cache._bzl_carried(record, {"/ws/a/BUILD.bazel", "/ws/tools/BUILD"}, nothing_renamed, {}) is None
    # A .bzl file edited, with no record of what the analysis read: analyzed again.
    assert cache._bzl_carried(record, {"/ws/other/new.bzl"}, nothing_renamed, {}) is None
    assert cache._unpickled_bzl(b"\x80\x05not a pickle") is None
    assert cache._unpickled_bzl(b"") is None


def test_a_package_naming_one_that_does_not_exist_is_reused_until_it_appears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lookup of a package with no BUILD file, or of an unavailable repository, keeps the naming
    package recordable: adding that BUILD file changes the cache's key, and the whole scan runs."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    files = {
        "MODULE.bazel": 'module(name = "absent")\n',
        "a/BUILD.bazel": (
            'genrule(name = "a", outs = ["a.txt"], tools = ["//tools:gen", "@nowhere//:tool"],'
            ' cmd = "$(location //tools:gen) > $@")\n'
        ),
        "p/BUILD.bazel": 'genrule(name = "p", outs = ["p.txt"], cmd = "touch $@")\n',
        "tools/gen.sh": "#!/bin/sh\ncurl -s https://example.com/data\n",
    }
    _write(root, files)
    reused = _count_reused(monkeypatch)
    scan(root, _streamed_options(root, cache_dir, 1))
    _write(root, {"p/BUILD.bazel": files["p/BUILD.bazel"] + "# edited\n"})
    scan(root, _streamed_options(root, cache_dir, 1))
    assert reused == ["a/BUILD.bazel"]
    reused.clear()
    _write(root, {"tools/BUILD.bazel": 'sh_binary(name = "gen", srcs = ["gen.sh"])\n'})
    appeared = scan(root, _streamed_options(root, cache_dir, 1))
    assert reused == []
    assert "network-access" in {d.rule for d in appeared.diagnostics}
    assert _reports(appeared) == _reports(scan(root, _streamed_options(root, None, 1)))


def test_load_closures_kept_per_module_reach_what_each_package_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """x.bzl and y.bzl both load common.bzl, which loads deep.bzl: the closure of common.bzl, computed
    for the first package and kept (`WorkspaceModel._load_closure`), makes the second depend on
    deep.bzl too, and an edit there to the name both read, through X and Y, evaluates both again;
    a name added there, which neither reads, evaluates neither."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    files = {
        "MODULE.bazel": 'module(name = "shared")\n',
        "lib/deep.bzl": "DEEP = 1\n",
        "lib/common.bzl": 'load("//lib:deep.bzl", "DEEP")\nCOMMON = DEEP\n',
        "lib/x.bzl": 'load("//lib:common.bzl", "COMMON")\nX = COMMON\n',
        "lib/y.bzl": 'load("//lib:common.bzl", "COMMON")\nY = COMMON\n',
        "a/BUILD.bazel": 'load("//lib:x.bzl", "X")\ngenrule(name = "a", outs = ["a"], cmd = "echo %s > $@" % X)\n',
        "b/BUILD.bazel": 'load("//lib:y.bzl", "Y")\ngenrule(name = "b", outs = ["b"], cmd = "echo %s > $@" % Y)\n',
        "d/BUILD.bazel": 'genrule(name = "d", outs = ["d"], cmd = "touch $@")\n',
    }
    _write(root, files)
    reused = _count_reused(monkeypatch)
    scan(root, _streamed_options(root, cache_dir, 1))
    _write(root, {"lib/deep.bzl": "DEEP = 2\n"})
    edited = scan(root, _streamed_options(root, cache_dir, 1))
    assert reused == ["d/BUILD.bazel"]
    assert _reports(edited) == _reports(scan(root, _streamed_options(root, None, 1)))
    reused.clear()
    _write(root, {"lib/deep.bzl": 'DEEP = 2\nMORE = "x"\n'})
    added = scan(root, _streamed_options(root, cache_dir, 1))
    assert sorted(reused) == ["a/BUILD.bazel", "b/BUILD.bazel", "d/BUILD.bazel"]
    assert _reports(added) == _reports(scan(root, _streamed_options(root, None, 1)))


def test_a_package_whose_record_holds_no_place_in_an_edited_bzl_is_reused_when_what_it_read_only_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """defs.bzl re-exports two macros of impl.bzl. A global inserted at its top moves both names:
    the packages using them are reused, since their records hold places in impl.bzl (their
    genrules' commands), none in defs.bzl. A re-export that now names the other macro is evaluated
    again. The same insertion in impl.bzl evaluates both again: their records hold places there."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    defs = 'load(":impl.bzl", _loud = "loud", _quiet = "quiet")\n\nquiet = _quiet\n\nloud = _loud\n'
    impl = (
        "def quiet(name):\n"
        '    native.genrule(name = name, outs = [name + ".txt"], cmd = "date > $@")\n\n'
        "def loud(name):\n"
        '    native.genrule(name = name, outs = [name + ".txt"], cmd = "curl -o $@ https://example.com/x")\n'
    )
    _write(
        root,
        {
            "MODULE.bazel": 'module(name = "moved")\n',
            "tools/defs.bzl": defs,
            "tools/impl.bzl": impl,
            "q/BUILD.bazel": 'load("//tools:defs.bzl", "quiet")\n\nquiet(name = "q")\n',
            "l/BUILD.bazel": 'load("//tools:defs.bzl", "loud")\n\nloud(name = "l")\n',
        },
    )
    reused = _count_reused(monkeypatch)
    scan(root, _streamed_options(root, cache_dir, 1))

    def edited(rel: str, text: str) -> list[str]:
        _write(root, {rel: text})
        reused.clear()
        cached = scan(root, _streamed_options(root, cache_dir, 1))
        assert _reports(cached) == _reports(scan(root, _streamed_options(root, None, 1)))
        return sorted(reused)

    moved = defs.replace("quiet = _quiet", "VERSION = 2\n\nquiet = _quiet")
    assert edited("tools/defs.bzl", moved) == ["l/BUILD.bazel", "q/BUILD.bazel"]
    assert edited("tools/defs.bzl", moved.replace("loud = _loud", "loud = _quiet")) == ["q/BUILD.bazel"]
    assert edited("tools/impl.bzl", "VERSION = 2\n\n" + impl) == []


# A workspace whose .bzl files no package loads hold a finding, a suppression, a load problem and
# a helper: a BUILD edit must not parse them, and must report them all the same.
UNLOADED_BZL = {
    **RULES_AND_HELPER,
    "deploy/push.bzl": (
        'load("@nowhere//:defs.bzl", "missing")\n\n'
        "def push(ctx, out):\n"
        '    ctx.actions.run_shell(outputs = [out], command = "cd $BUILD_WORKSPACE_DIRECTORY && touch x",\n'
        '        mnemonic = "Push", use_default_shell_env = True)  # hermetic-scan: disable=default-shell-env\n'
        "\n"
        "def quiet(ctx, out):\n"
        '    ctx.actions.run_shell(outputs = [out], command = "touch x", mnemonic = "Quiet")'
        "  # hermetic-scan: disable=network-access\n"
    ),
}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_edit_parses_only_the_bzl_files_its_packages_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, UNLOADED_BZL)
    parsed_log = tmp_path / "parsed"
    original = Loader._parse

    def noting(self: Loader, path: Path, data: bytes) -> object:
        with parsed_log.open("a", encoding="utf-8") as out:
            out.write(path.relative_to(root).as_posix() + "\n")
        return original(self, path, data)

    def parsed_in_order() -> list[str]:
        names = parsed_log.read_text(encoding="utf-8").split() if parsed_log.exists() else []
        parsed_log.unlink(missing_ok=True)
        return names

    def parsed() -> set[str]:
        return set(parsed_in_order())

    monkeypatch.setattr(Loader, "_parse", noting)
    first = scan(root, _streamed_options(root, cache_dir, jobs))
    assert {"rules/defs.bzl", "deploy/push.bzl"} <= parsed()
    rules = {d.rule for d in first.diagnostics}
    assert {"workspace-dir", "unresolved-load", "unused-suppression"} <= rules
    assert "default-shell-env" in {d.rule for d in first.diagnostics if d.span.path == "rules/defs.bzl"}
    _write(root, {"a/BUILD.bazel": UNLOADED_BZL["a/BUILD.bazel"] + 'fetched(name = "a2")\n'})
    edited = scan(root, _streamed_options(root, cache_dir, jobs))
    # Only MODULE.bazel, the edited package and the file it loads are parsed; deploy/push.bzl is read
    # for the report (its findings and suppressions) without being parsed. In shards, the file the
    # package loaded when the entry was made is parsed before forking, before any BUILD file.
    order = parsed_in_order()
    assert set(order) == {"MODULE.bazel", "a/BUILD.bazel", "rules/defs.bzl"}
    if jobs > 1:
        assert order.index("rules/defs.bzl") < order.index("a/BUILD.bazel")
    assert edited.files_scanned == first.files_scanned
    fresh = scan(root, _streamed_options(root, None, jobs))
    assert _reports(edited) == _reports(fresh)
    parsed()
    # With a load cycle among the .bzl files, which load is cut depends on the order they are read
    # in: every .bzl file is read again, in the order a scan without the record reads them.
    _write(
        root,
        {
            "cycle/one.bzl": 'load(":two.bzl", "T")\nO = 1\n',
            "cycle/two.bzl": 'load(":one.bzl", "O")\nT = 2\n',
        },
    )
    scan(root, _streamed_options(root, cache_dir, jobs))
    parsed()
    _write(root, {"a/BUILD.bazel": UNLOADED_BZL["a/BUILD.bazel"] + 'fetched(name = "a3")\n'})
    cut = scan(root, _streamed_options(root, cache_dir, jobs))
    assert {"rules/defs.bzl", "deploy/push.bzl", "cycle/one.bzl", "cycle/two.bzl"} <= parsed()
    assert _reports(cut) == _reports(scan(root, _streamed_options(root, None, jobs)))


def test_after_a_bzl_edit_is_undone_the_entry_made_before_it_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest entry was made with the .bzl edit; once it is undone, the entry made before it has
    no .bzl file changed, so its record of the analysis stands in: a BUILD edit then analyzes only
    the rules of the packages it evaluates, as it would have before the .bzl edit."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, RULES_AND_HELPER)
    analyzed = _count_analyses(monkeypatch, tmp_path / "analyzed")
    scan(root, _streamed_options(root, cache_dir, 1))
    bzl = RULES_AND_HELPER["rules/defs.bzl"]
    _write(root, {"rules/defs.bzl": bzl.replace("touch x", "date > x")})
    scan(root, _streamed_options(root, cache_dir, 1))
    assert analyzed() == {"fetched", "leaky", "unused_helper"}
    time.sleep(0.01)  # the entries are told apart by their modification times
    _write(
        root,
        {
            "rules/defs.bzl": bzl,
            "a/BUILD.bazel": RULES_AND_HELPER["a/BUILD.bazel"] + 'fetched(name = "a2")\n',
        },
    )
    edited = scan(root, _streamed_options(root, cache_dir, 1))
    assert analyzed() == {"fetched"}
    assert _reports(edited) == _reports(scan(root, _streamed_options(root, None, 1)))


def test_a_miss_reads_the_logs_of_the_entries_not_their_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries keep their log apart (`cache.ENTRY_FORMAT`): a lookup that finds no entry whose log
    holds reads only logs, and then one whole entry, the one whose records are reused."""
    root, cache_dir = tmp_path / "ws", tmp_path / "cache"
    _write(root, RULES_AND_HELPER)
    for n in range(3):
        _write(root, {"a/BUILD.bazel": RULES_AND_HELPER["a/BUILD.bazel"] + f'fetched(name = "a{n}")\n'})
        scan(root, _streamed_options(root, cache_dir, 1))
    whole: list[Path] = []
    original = cache._read_entry

    def counting(path: Path) -> object:
        whole.append(path)
        return original(path)

    monkeypatch.setattr(cache, "_read_entry", counting)
    _write(root, {"a/BUILD.bazel": RULES_AND_HELPER["a/BUILD.bazel"] + 'fetched(name = "a9")\n'})
    edited = scan(root, _streamed_options(root, cache_dir, 1))
    assert len(_entries(cache_dir)) == 4 and len(whole) == 1
    assert _reports(edited) == _reports(scan(root, _streamed_options(root, None, 1)))


def test_findings_sharing_place_rule_and_message_are_ordered_whichever_was_found_first() -> None:
    # rules_swift: two targets of one macro call, each with a default-shell-env finding at the call.
    # A cached scan evaluates that package after the others, and the report came out in another order.
    def finding(target: str, end_col: int) -> Diagnostic:
        span = Span("app/BUILD", 4, 0, 4, end_col)
        return Diagnostic("default-shell-env", Severity.WARNING, span, "inherits PATH", target=target)

    found = [finding("//app:lib_swift", 9), finding("//app:lib", 5), finding("//app:lib_test", 7)]
    orders = [[d.target for d in merge(ordering)] for ordering in (found, found[::-1], found[1:] + found[:1])]
    assert orders == [["//app:lib", "//app:lib_test", "//app:lib_swift"]] * 3
