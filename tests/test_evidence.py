"""Rollout evidence: execution logs and console output joined with the inventory.

The fixtures are in tests/fixtures/evidence/ (README.md there says which logs Bazel 4.2.3 recorded and
which are hand-written); each log has a golden report in tests/fixtures/evidence/golden/. After an
intended change: HERMETIC_SCAN_UPDATE_GOLDEN=1 pytest tests/test_evidence.py, and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from helpers import run_cli, write_tree

from hermetic_scan.bazel.console import parse_console
from hermetic_scan.bazel.execlog import ExecLogError, parse_json_log, read_exec_log, runner_class
from hermetic_scan.crosscheck.evidence import (
    EvidenceError,
    EvidenceReport,
    analyze_wrapper,
    evaluate,
    run_evidence,
    static_checks,
)
from hermetic_scan.labels import PatternError, parse_pattern
from hermetic_scan.render.evidence import document, render
from hermetic_scan.runner import scan

FIXTURES = ROOT / "tests" / "fixtures" / "evidence"
WS = FIXTURES / "ws"
GOLDEN = FIXTURES / "golden"

# name -> (--targets, --wrapper, --require-distinct-executor)
CASES: dict[str, tuple[list[str], str | None, bool]] = {
    "sandboxed": ([], None, False),
    "disk-cache": ([], None, False),
    "bazel7-disk-cache": ([], None, False),
    "remote": (["//app/...", "//lib:gen"], "wrapper.sh", True),
    "tag-ignored": (["//infra/..."], None, False),
    "fallback": ([], None, False),
}


def _report(name: str) -> EvidenceReport:
    targets, wrapper, distinct = CASES[name]
    return run_evidence(
        WS,
        FIXTURES / f"{name}.json",
        FIXTURES / f"{name}.console",
        targets,
        FIXTURES / wrapper if wrapper else None,
        distinct,
    )


def _document(name: str) -> dict[str, Any]:
    doc = document(_report(name))
    doc["root"] = "ws"  # machine-independent
    doc["exec_log"] = f"{name}.json"
    doc["build_log"] = f"{name}.console"
    return doc


def _targets(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["label"]: t for t in doc["targets"]}


def _counts(doc: dict[str, Any], label: str) -> dict[str, int]:
    return {k: v for k, v in _targets(doc)[label]["counts"].items() if v}


def _flags(doc: dict[str, Any]) -> set[tuple[str | None, str, str]]:
    return {(f["target"], f["id"], f["severity"]) for f in doc["flags"]}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    text = json.dumps(_document(name), indent=2) + "\n"
    golden = GOLDEN / f"{name}.evidence.json"
    if os.environ.get("HERMETIC_SCAN_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), f"no golden file; run with HERMETIC_SCAN_UPDATE_GOLDEN=1 and review {golden}"
    assert text == golden.read_text(), f"evidence for {name} differs from {golden.name}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_spawn_attributed_and_console_agrees(name: str) -> None:
    doc = _document(name)
    assert doc["totals"]["unattributed"] == 0
    assert all(s["target"] for s in doc["spawns"])
    assert not [n for n in doc["notes"] if "same invocation" in n], doc["notes"]


def test_sandboxed_build_recorded_by_bazel_4() -> None:
    doc = _document("sandboxed")
    assert doc["log_format"] == "json" and doc["totals"]["spawns"] == 8
    assert {k: v for k, v in doc["totals"].items() if v} == {"local": 8, "spawns": 8}
    assert doc["console"]["runners"] == {"internal": 3, "linux-sandbox": 8}
    assert doc["remote_in_effect"] is False and doc["proven"] == [] and doc["ok"] is False
    assert doc["verdict"] == "remote execution NOT proven: no spawn executed remotely (8 local / sandboxed)"
    assert _counts(doc, "//app:unit_tests") == {"local": 2}  # the test and its test.xml generation
    # Bazel 4.2.3 logs the tagged Starlark target's action as remotable: the tag did not reach it.
    assert _flags(doc) == {("//infra:lint", "tag-not-effective", "warning")}
    attributions = {s["target"]: s["attribution"] for s in doc["spawns"]}
    assert attributions["//app:unit_tests"] == "testlogs"
    assert attributions["//app:version"] == "declared-output"
    assert attributions["//lib/sub:deep"] == "declared-output"  # longest package, not //lib
    assert attributions["//app:build"] == "progress-message"


def test_disk_cache_hits_recorded_by_bazel_4() -> None:
    doc = _document("disk-cache")
    # Bazel 4.2.3 names a --disk_cache hit "remote cache hit" (runner and remoteCacheHit alike).
    assert {k: v for k, v in doc["totals"].items() if v} == {"remote_cache_hit": 8, "spawns": 8}
    assert doc["remote_in_effect"] is False
    assert _flags(doc) == {("//infra:lint", "tag-not-effective", "warning")}  # remotable, even as a cache hit
    assert any("disk cache hits" in n for n in doc["notes"])


def test_bazel7_format_uses_target_label_and_disk_cache_hits() -> None:
    doc = _document("bazel7-disk-cache")
    assert {s["attribution"] for s in doc["spawns"]} == {"target-label"}
    assert _counts(doc, "//app:build") == {"disk_cache_hit": 1}
    assert _counts(doc, "//lib:gen") == {"local": 1}
    assert doc["console"]["classes"]["disk_cache_hit"] == 3


def test_remote_build_proves_remote_execution() -> None:
    doc = _document("remote")
    assert doc["verdict"] == "remote execution proven for 3 targets (of 4 selected by --targets)"
    assert doc["proven"] == ["//app:build", "//app:unit_tests", "//lib:gen"]
    assert doc["ok"] is True and doc["blockers"] == []
    assert _counts(doc, "//app:build") == {"remote_execution": 1}
    assert _counts(doc, "//app:unit_tests") == {"remote_execution": 2}
    assert _counts(doc, "//app:version") == {"remote_cache_hit": 1}
    assert _counts(doc, "//infra:lint") == {"local": 1}  # kept local by --modify_execution_info
    assert _flags(doc) == {
        ("//app:version", "not-executed-remotely", "warning"),
        ("//lib/sub:deep", "not-executed-remotely", "warning"),
    }
    why = {f["target"]: f["why"] for f in doc["flags"]}
    assert why["//app:version"] == ["cache-hit"]
    patterns = {p["pattern"]: p for p in doc["patterns"]}
    assert patterns["//app/..."]["counts"]["remote_execution"] == 3
    assert patterns["//app/..."]["executed_remotely"] == ["//app:build", "//app:unit_tests"]
    assert patterns["//lib:gen"]["targets"] == ["//lib:gen"]
    assert {c["id"]: c["status"] for c in doc["checks"]} == {
        "remote-executor-explicit": "pass",
        "remote-cache-explicit": "pass",
        "wrapper-passes-executor": "pass",
        "executor-distinct": "pass",
    }


def test_tagged_starlark_target_that_ran_remotely_is_flagged() -> None:
    doc = _document("tag-ignored")
    flags = {f["target"]: f for f in doc["flags"]}
    lint = flags["//infra:lint"]
    assert (lint["id"], lint["severity"], lint["why"]) == (
        "local-only-ran-remotely",
        "error",
        ["tag-not-propagated"],
    )
    assert "--incompatible_allow_tags_propagation" in lint["message"]
    report = flags["//infra:report"]
    assert (report["id"], report["why"]) == ("local-only-ran-remotely", ["not-tagged"])
    assert doc["proven"] == [] and doc["ok"] is False
    assert doc["verdict"].startswith("remote execution NOT proven (of 2 selected by --targets)")


def test_remote_failure_with_local_fallback() -> None:
    doc = _document("fallback")
    spawns = doc["spawns"]
    assert [(s["index"], s["fallback"], s["fallback_of"]) for s in spawns if s["fallback"]] == [
        (0, "probable", None),
        (3, "retry", 2),
    ]
    assert doc["totals"]["failed"] == 1 and doc["totals"]["fallbacks"] == 2
    gen = _targets(doc)["//lib:gen"]
    assert (
        gen["counts"]["remote_execution"],
        gen["counts"]["local"],
        gen["failed"],
        gen["fallbacks"],
        gen["executed_remotely"],
    ) == (1, 1, 1, 1, 0)
    assert ("//lib:gen", "remote-fallback", "warning") in _flags(doc)
    assert ("//app:build", "remote-fallback", "warning") in _flags(doc)
    assert doc["console"]["fallback_enabled"] is True
    assert doc["proven"] == ["//app:unit_tests", "//app:version"]


# --------------------------------------------------------------------------------------------------
# Reading the logs


def _encode_varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _encode_spawn(obj: dict[str, Any]) -> bytes:
    """A SpawnExec message with the fields evidence reads (plus an unknown fixed64 and a nested File)."""
    body = bytearray()

    def string(number: int, text: str) -> None:
        data = text.encode()
        body.extend(_encode_varint(number << 3 | 2) + _encode_varint(len(data)) + data)

    def varint(number: int, value: int) -> None:
        body.extend(_encode_varint(number << 3) + _encode_varint(value))

    for path in obj.get("listedOutputs", []):
        string(5, path)
    varint(6, int(obj.get("remotable", False)))
    varint(7, int(obj.get("cacheable", False)))
    body.extend(_encode_varint(8 << 3 | 1) + b"\0" * 8)  # timeout_millis as fixed64: skipped
    string(9, obj.get("progressMessage", ""))
    string(10, obj.get("mnemonic", ""))
    string(11, "nested File message: skipped")
    string(12, obj.get("runner", ""))
    varint(13, int(obj.get("remoteCacheHit", False)))
    string(14, obj.get("status", ""))
    varint(15, int(obj.get("exitCode", 0)))
    return _encode_varint(len(body)) + bytes(body)


def _objects(path: Path) -> list[dict[str, Any]]:
    decoder = json.JSONDecoder()
    text = path.read_text()
    out, position = [], 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        obj, position = decoder.raw_decode(text, position)
        out.append(obj)
    return out


def test_binary_log_reads_like_the_json_log(tmp_path: Path) -> None:
    objects = _objects(FIXTURES / "fallback.json")
    binary = tmp_path / "exec.log"
    binary.write_bytes(b"".join(_encode_spawn(o) for o in objects))
    spawns, fmt = read_exec_log(binary)
    assert fmt == "binary"
    assert spawns == parse_json_log((FIXTURES / "fallback.json").read_text())


def test_one_object_per_line_is_accepted() -> None:
    text = '{"runner": "remote", "mnemonic": "A"}\n{"runner": "worker", "mnemonic": "B", "exitCode": 1}\n'
    spawns = parse_json_log(text)
    assert [(s.klass, s.failed) for s in spawns] == [("remote_execution", False), ("worker", True)]


@pytest.mark.parametrize(
    "content, message",
    [
        (b'{"runner": "remote"}{"runner": ', "invalid JSON at line 1"),
        (b"[1, 2]", "binary"),
        (b"\x28\xb5\x2f\xfd\x00\x01", "compact execution log"),
        (b"\x28\xb5\x2f\xfd\x04\x00\x41\x00\x00", "compact execution log"),
        (b"\x05\x0a\x03ab", "truncated"),
    ],
)
def test_bad_logs_are_reported(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.log"
    path.write_bytes(content)
    with pytest.raises(ExecLogError, match=message):
        read_exec_log(path)


def test_missing_inputs_are_evidence_errors(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="missing.json"):
        run_evidence(WS, tmp_path / "missing.json", None, [], None, False)
    with pytest.raises(EvidenceError, match="--targets"):
        run_evidence(WS, FIXTURES / "remote.json", None, ["app:build"], None, False)


@pytest.mark.parametrize(
    "runner, hit, expected",
    [
        ("remote", False, "remote_execution"),
        ("remote", True, "remote_cache_hit"),  # a cache hit found while executing remotely
        ("remote cache hit", True, "remote_cache_hit"),
        ("disk cache hit", True, "disk_cache_hit"),
        ("linux-sandbox", False, "local"),
        ("processwrapper-sandbox", False, "local"),
        ("darwin-sandbox", False, "local"),
        ("local", False, "local"),
        ("worker", False, "worker"),
        ("multiplex-worker", False, "worker"),
        ("internal", False, "internal"),
    ],
)
def test_runner_classes(runner: str, hit: bool, expected: str) -> None:
    assert runner_class(runner, hit) == expected


def test_console_summaries() -> None:
    console = parse_console(
        "\x1b[32mINFO: \x1b[0m1 process: 1 internal.\r\n"
        "INFO: 42 processes: 7 remote cache hit, 20 remote, 15 linux-sandbox.\n"
        "INFO: 9 processes: 2 disk cache hit, 1 action cache hit, 3 internal, 1 worker, 2 processwrapper-sandbox.\n"
    )
    assert [s.processes for s in console.summaries] == [1, 42, 9]
    assert console.summaries[1].classes() == {
        "remote_execution": 20,
        "remote_cache_hit": 7,
        "disk_cache_hit": 0,
        "local": 15,
        "worker": 0,
        "internal": 0,
    }
    last = console.summary
    assert last is not None and last.runners["action cache hit"] == 1
    assert (
        last.classes()["disk_cache_hit"] == 2
        and last.classes()["worker"] == 1
        and last.classes()["local"] == 2
    )


def test_capabilities_failure_means_the_whole_build_fell_back() -> None:
    inventory = scan(WS).inventory
    spawns = parse_json_log((FIXTURES / "sandboxed.json").read_text())
    console = parse_console(
        "WARNING: Failed to query remote execution capabilities: UNAVAILABLE: io exception\n"
        "INFO: 11 processes: 3 internal, 8 linux-sandbox.\n"
    )
    report = evaluate(inventory, spawns, console=console)
    assert report.remote_in_effect
    assert ("build-fell-back", "error") in {(f.id, f.severity) for f in report.flags}
    build = {f.id: f for f in report.flags if f.target == "//app:build"}
    assert build["not-executed-remotely"].why == ("fell-back-to-local",)
    assert not report.ok


def test_failed_remote_spawn_without_retry_is_an_error() -> None:
    inventory = scan(WS).inventory
    log = (
        '{"runner": "remote", "mnemonic": "Stamp", "status": "EXECUTION_FAILED", "exitCode": 34,'
        ' "listedOutputs": ["bazel-out/k8-fastbuild/bin/app/build.txt"], "remotable": true}'
    )
    report = evaluate(inventory, parse_json_log(log))
    assert [(f.id, f.target) for f in report.flags if f.severity == "error"] == [
        ("remote-failure", "//app:build")
    ]
    assert report.proven == [] and report.verdict_line().startswith("remote execution NOT proven")


# --------------------------------------------------------------------------------------------------
# Attribution


def _attribute(objects: list[dict[str, Any]]) -> list[tuple[str | None, str | None, str | None]]:
    inventory = scan(WS).inventory
    text = "".join(json.dumps(o) for o in objects)
    report = evaluate(inventory, parse_json_log(text))
    return [(e.attribution.label, e.attribution.how, e.attribution.reason) for e in report.spawns]


def test_attribution_edge_cases() -> None:
    out = "bazel-out/k8-fastbuild/bin/"
    got = _attribute(
        [
            {"runner": "remote", "targetLabel": "@@//app:build"},
            {"runner": "remote", "targetLabel": "@rules_x//foo:bar"},
            {"runner": "remote", "listedOutputs": [out + "external/bazel_tools/tools/x.sh"]},
            {"runner": "remote", "listedOutputs": [out + "infra/other.txt"]},
            {"runner": "remote", "listedOutputs": [out + "infra/report.lint.stderr"]},
            {"runner": "remote", "listedOutputs": [out + "nowhere/x.txt"]},
            {"runner": "remote", "listedOutputs": ["bazel-out/k8-opt-exec-2B5CBBC6/bin/app/version.txt"]},
            {"runner": "remote", "listedOutputs": [out + "app/unit_tests.runfiles_manifest"]},
            {"runner": "remote", "progressMessage": "Executing genrule //lib:gen"},
            {"runner": "remote"},
        ]
    )
    assert got[0] == ("//app:build", "target-label", None)
    assert got[1] == (None, None, "target @rules_x//foo:bar is not in the inventory")
    assert got[2][0] is None and "external repository @bazel_tools" in (got[2][2] or "")
    assert got[3][0] is None and "package //infra but fits none of its targets" in (got[3][2] or "")
    assert got[4][:2] == ("//infra:report", "name-prefix")
    assert got[5][0] is None and "no package of the inventory" in (got[5][2] or "")
    assert got[6][:2] == ("//app:version", "declared-output")  # any configuration, exec included
    assert got[7][:2] == ("//app:unit_tests", "name-prefix")
    assert got[8][:2] == ("//lib:gen", "progress-message")
    assert got[9] == (None, None, "no targetLabel and no listed outputs")


def test_unattributed_spawns_are_reported(tmp_path: Path) -> None:
    log = tmp_path / "exec.json"
    log.write_text(
        json.dumps(
            {
                "runner": "remote",
                "mnemonic": "Zip",
                "listedOutputs": ["bazel-out/k8-fastbuild/bin/external/bazel_tools/tools/zip.out"],
            }
        )
    )
    report = run_evidence(WS, log, None, [], None, False)
    assert len(report.unattributed) == 1 and report.proven == []
    assert any("could not be attributed" in n and "prove nothing" in n for n in report.notes)
    text = render(report, "text")
    assert "unattributed spawns:" in text and "external repository @bazel_tools" in text


# --------------------------------------------------------------------------------------------------
# --targets patterns


@pytest.mark.parametrize(
    "patterns, expected",
    [
        (
            ["//..."],
            [
                "//app:build",
                "//app:unit_tests",
                "//app:version",
                "//infra:lint",
                "//infra:report",
                "//lib/sub:deep",
                "//lib:gen",
            ],
        ),
        (["//lib/..."], ["//lib/sub:deep", "//lib:gen"]),
        (["//lib:all"], ["//lib:gen"]),
        (["//app:*", "-//app:version"], ["//app:build", "//app:unit_tests"]),
        (["//app:build", "//app:build"], ["//app:build"]),
        (["@//infra:lint"], ["//infra:lint"]),
        (["//nothing/..."], []),
    ],
)
def test_target_patterns(patterns: list[str], expected: list[str]) -> None:
    report = evaluate(scan(WS).inventory, [], patterns=patterns)
    assert sorted(report.selected or []) == expected


@pytest.mark.parametrize("text", ["app:build", "//app:", "@repo", "//a/../b:c"])
def test_bad_target_patterns(text: str) -> None:
    with pytest.raises(PatternError):
        parse_pattern(text)


def test_pattern_matching_nothing_is_noted() -> None:
    report = evaluate(scan(WS).inventory, [], patterns=["//nothing/..."])
    assert "--targets //nothing/... matches no target of the inventory" in report.notes


# --------------------------------------------------------------------------------------------------
# Static checks: .bazelrc and wrapper


def _rc_checks(
    tmp_path: Path, rc: str, wrapper: str | None = None, distinct: bool = False
) -> dict[str, tuple[str, str]]:
    root = write_tree(tmp_path / "ws", {"MODULE.bazel": "", ".bazelrc": rc, "BUILD": ""})
    options = scan(root).require_model().rc.options
    facts = analyze_wrapper(wrapper, "ci.sh") if wrapper is not None else None
    return {c.id: (c.status, c.message) for c in static_checks(options, facts, distinct)}


def test_rc_placeholders_fail(tmp_path: Path) -> None:
    checks = _rc_checks(
        tmp_path, "build:rbe --remote_executor=${BAZEL_REMOTE_EXECUTOR}\nbuild:rbe --remote_cache=$CACHE\n"
    )
    assert (
        checks["remote-executor-explicit"][0] == "fail"
        and "${BAZEL_REMOTE_EXECUTOR}" in checks["remote-executor-explicit"][1]
    )
    assert checks["remote-cache-explicit"][0] == "fail"


def test_rc_without_executor_fails_and_missing_cache_is_info(tmp_path: Path) -> None:
    checks = _rc_checks(tmp_path, "build --disk_cache=/tmp/cache\n")
    assert checks["remote-executor-explicit"][0] == "fail"
    assert checks["remote-cache-explicit"][0] == "info"


def test_rc_value_as_separate_word(tmp_path: Path) -> None:
    checks = _rc_checks(
        tmp_path,
        "build:rbe --remote_executor grpc://exec:8980 --remote_cache grpc://exec:8980/\n",
        distinct=True,
    )
    assert (
        checks["remote-executor-explicit"][0] == "pass"
        and "grpc://exec:8980" in checks["remote-executor-explicit"][1]
    )
    assert checks["executor-distinct"][0] == "fail"


def test_wrapper_overrides_rc_placeholder(tmp_path: Path) -> None:
    wrapper = 'bazel build --remote_executor="$EXEC" --remote_cache="$CACHE" //...\n'
    checks = _rc_checks(tmp_path, "build --remote_executor=${EXEC}\n", wrapper, distinct=True)
    assert (
        checks["remote-executor-explicit"][0] == "pass"
        and "overrides" in checks["remote-executor-explicit"][1]
    )
    assert (
        checks["wrapper-passes-executor"][0] == "pass"
        and "$EXEC is not checked" in checks["wrapper-passes-executor"][1]
    )
    assert (
        checks["executor-distinct"][0] == "pass"
        and "nothing in the wrapper" in checks["executor-distinct"][1]
    )


def test_wrapper_without_executor_fails(tmp_path: Path) -> None:
    checks = _rc_checks(tmp_path, "", 'set -e\nbazel build --remote_cache="$BAZEL_REMOTE_CACHE" //...\n')
    assert checks["wrapper-passes-executor"][0] == "fail"
    assert _rc_checks(tmp_path, "", "echo hello\n")["wrapper-passes-executor"][0] == "fail"


def test_wrapper_through_config(tmp_path: Path) -> None:
    checks = _rc_checks(
        tmp_path, "build:rbe --remote_executor=grpcs://rbe:443\n", 'exec bazelisk test --config=rbe "$@"\n'
    )
    assert checks["wrapper-passes-executor"] == (
        "pass",
        "the wrapper passes --config=rbe, which sets --remote_executor=grpcs://rbe:443",
    )


def test_wrapper_same_variable_for_both_fails(tmp_path: Path) -> None:
    wrapper = "bazel build --remote_executor=$EP --remote_cache=${EP} //...\n"
    assert _rc_checks(tmp_path, "", wrapper, distinct=True)["executor-distinct"][0] == "fail"


def test_fixture_wrapper_is_validated() -> None:
    facts = analyze_wrapper((FIXTURES / "wrapper.sh").read_text(), "wrapper.sh")
    assert facts.bazel_calls == 1 and facts.configs == ["rbe"]
    assert facts.validated == {"BAZEL_REMOTE_EXECUTOR", "BAZEL_REMOTE_CACHE"}
    assert facts.compared_variables("BAZEL_REMOTE_EXECUTOR", "BAZEL_REMOTE_CACHE")


# --------------------------------------------------------------------------------------------------
# Renderers


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_format_renders(name: str, fmt: str) -> None:
    report = _report(name)
    out = render(report, fmt)
    assert report.verdict_line() in out
    for target in report.targets:
        if target.total:
            assert target.label in out
    if fmt == "json":
        assert json.loads(out)["verdict"] == report.verdict_line()


def test_unknown_format() -> None:
    with pytest.raises(ValueError):
        render(_report("remote"), "sarif")


def test_text_report_of_the_remote_proof() -> None:
    out = render(_report("remote"), "text")
    assert (
        "remote execution proven for 3 targets (of 4 selected by --targets): //app:build, //app:unit_tests, //lib:gen\n"
        in out
    )
    assert "proof: countable\n" in out


# --------------------------------------------------------------------------------------------------
# Real Bazel (optional): the recorded sandboxed log is what Bazel 4.2.3 writes for the workspace.


@pytest.mark.bazel
def test_real_bazel_sandboxed_log_matches_the_recorded_one(tmp_path: Path) -> None:
    setup = ROOT / "tests" / "bazel" / "setup.sh"
    if (
        shutil.which("bazel") is None
        or not Path("/usr/share/bazel/rules/java").is_dir()
        or not setup.exists()
    ):
        pytest.skip("Bazel 4.2.3 (bazel-bootstrap, bazel-rules-java) is not installed")
    fragment = (
        subprocess.run(
            ["bash", str(setup), str(tmp_path / "offline")],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    workspace = tmp_path / "ws"
    shutil.copytree(WS, workspace)
    (
        workspace / ".bazelversion"
    ).unlink()  # Debian's bazel wrapper looks for a binary named after the version
    log = tmp_path / "exec.json"
    proc = subprocess.run(
        [
            "bazel",
            "--batch",
            f"--output_user_root={tmp_path / 'root'}",
            f"--bazelrc={fragment}",
            "test",
            "--color=no",
            "--curses=no",
            f"--execution_log_json_file={log}",
            "//...",
        ],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    fresh = run_evidence(workspace, log, None, [], None, False)
    recorded = _report("sandboxed")
    assert {t.label: t.counts for t in fresh.targets} == {t.label: t.counts for t in recorded.targets}
    assert [(f.id, f.target) for f in fresh.flags] == [(f.id, f.target) for f in recorded.flags]


@pytest.mark.parametrize(
    "record, message",
    [
        ("{}", "entry 2 is not a spawn: no runner"),
        ('{"runner": ""}', "entry 2 is not a spawn: no runner"),
        ('{"runner": "remote", "exitCode": "boom"}', "exitCode: expected an integer"),
        ('{"runner": "remote", "remotable": 3}', "remotable: expected true or false"),
        ('{"runner": "remote", "listedOutputs": "bazel-out/x"}', "listedOutputs: expected a list"),
        ('{"runner": ["remote"]}', "no runner"),
        ('{"totalMillis": 5, "actionCount": 2}', "no runner"),  # another log's record
    ],
)
def test_malformed_spawn_records_are_rejected_by_the_cli(tmp_path: Path, record: str, message: str) -> None:
    log = tmp_path / "exec.json"
    log.write_text('{"runner": "remote", "mnemonic": "Genrule"}\n' + record + "\n", encoding="utf-8")
    out = run_cli("evidence", str(WS), "--exec-log", str(log))
    assert out.returncode == 2, out.stdout
    assert message in out.stderr, out.stderr
    assert "remote execution proven" not in out.stdout


def _field_bytes(number: int, data: bytes) -> bytes:
    return _encode_varint(number << 3 | 2) + _encode_varint(len(data)) + data


def _field_varint(number: int, value: int) -> bytes:
    return _encode_varint(number << 3) + _encode_varint(value)


def _compact_log(objects: list[dict[str, Any]]) -> bytes:
    """A compact execution log written from spawn.proto's ExecLogEntry layout (Bazel 7.1+ is not
    installable here to record one): an Invocation, then for each spawn its output files as File
    entries with IDs, then the Spawn entry naming them, each entry length-delimited, all zstd-compressed."""
    import zstandard

    entries: list[bytes] = [_field_bytes(2, _field_bytes(1, b"SHA-256"))]
    next_id = 1
    for obj in objects:
        outputs = b""
        for path in obj.get("listedOutputs", []):
            entries.append(_field_varint(1, next_id) + _field_bytes(3, _field_bytes(1, path.encode())))
            outputs += _field_bytes(6, _field_varint(5, next_id))
            next_id += 1
        spawn = _field_bytes(1, b"/bin/bash") + outputs  # args, then outputs
        for number, key in ((7, "targetLabel"), (8, "mnemonic"), (10, "status"), (11, "runner")):
            if obj.get(key):
                spawn += _field_bytes(number, obj[key].encode())
        if obj.get("exitCode"):
            spawn += _field_varint(9, int(obj["exitCode"]) & ((1 << 64) - 1))
        for number, key in ((12, "remoteCacheHit"), (13, "remotable"), (14, "cacheable")):
            if obj.get(key) or (key == "remoteCacheHit" and obj.get("cacheHit")):
                spawn += _field_varint(number, 1)
        entries.append(_field_bytes(7, spawn))
    stream = b"".join(_encode_varint(len(entry)) + entry for entry in entries)
    return zstandard.ZstdCompressor().compress(stream)


@pytest.mark.parametrize("name", ["fallback", "remote", "sandboxed"])
def test_compact_log_reads_as_the_json_log(name: str, tmp_path: Path) -> None:
    objects = _objects(FIXTURES / f"{name}.json")
    compact = tmp_path / "exec.log.zst"
    compact.write_bytes(_compact_log(objects))
    spawns, fmt = read_exec_log(compact)
    assert fmt == "compact"
    # The compact format has no progress message (Bazel 7 logs the target label instead).
    expected = [
        dataclasses.replace(s, progress="") for s in parse_json_log((FIXTURES / f"{name}.json").read_text())
    ]
    assert spawns == expected
    assert any(s.outputs for s in spawns)


def test_compact_log_with_a_dangling_output_is_rejected(tmp_path: Path) -> None:
    import zstandard

    spawn = _field_bytes(7, _field_bytes(6, _field_varint(5, 42)) + _field_bytes(11, b"remote"))
    path = tmp_path / "exec.log.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(_encode_varint(len(spawn)) + spawn))
    with pytest.raises(ExecLogError, match="output entry 42"):
        read_exec_log(path)
    empty_spawn = _field_bytes(7, _field_bytes(1, b"/bin/true"))
    path.write_bytes(zstandard.ZstdCompressor().compress(_encode_varint(len(empty_spawn)) + empty_spawn))
    with pytest.raises(ExecLogError, match="compact entry 1 is not a spawn: no runner"):
        read_exec_log(path)
