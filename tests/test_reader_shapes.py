"""Malformed outside input (issue 16): every reader names the file and the field, the CLI exits 2, and no
exception escapes as a traceback. Readers: aquery (JSON and proto), execution logs (JSON and binary),
the protobuf wire decoder, evidence inputs, `.hermetic-scan.toml` and baselines."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import run_cli, write_tree

from hermetic_scan.baseline import BaselineError, read_baseline
from hermetic_scan.bazel import aquery, wire
from hermetic_scan.bazel.execlog import ExecLogError, parse_binary_log, parse_json_log, read_exec_log
from hermetic_scan.config import ConfigError, load_config
from hermetic_scan.crosscheck.evidence import EvidenceError, run_evidence
from hermetic_scan.shape import ShapeError, describe, expect_integer, json_document

DEEP = "[" * 10_000 + "]" * 10_000
HUGE = str(10**400)
TOO_MANY_DIGITS = "9" * 5000  # over Python's int() limit of 4300 digits
SPAWN = '{"runner": "remote", "mnemonic": "Genrule"}\n'


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes_field(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | wire.LENGTH_DELIMITED) + _varint(len(data)) + data


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3 | wire.VARINT) + _varint(value)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("ws"), {"MODULE.bazel": "", "app/BUILD.bazel": ""})


def _rejected(out: subprocess.CompletedProcess[str], file: Path, *fragments: str) -> None:
    """Exit 2, one clear line naming the file and each fragment (the field path), no traceback."""
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("hermetic-scan: "), out.stderr
    assert file.name in out.stderr, out.stderr
    for fragment in fragments:
        assert fragment in out.stderr, out.stderr


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


# --------------------------------------------------------------------------------------------------
# aquery: jsonproto, streamed jsonproto, binary proto

AQUERY_JSON = [
    (
        '{"actions": [{}, {}, {}, {"arguments": {"a": 1}}]}',
        "actions[3].arguments: expected a list of strings, got an object",
    ),
    (
        '{"actions": [{"arguments": ["bash", ["-c"]]}]}',
        "actions[0].arguments[1]: expected a string, got a list",
    ),
    ('{"actions": [null]}', "actions[0]: expected an object, got null"),
    ('{"actions": "all of them"}', "actions: expected a list of objects, got a string"),
    ('{"actions": [{"mnemonic": 7}]}', "actions[0].mnemonic: expected a string, got the number 7"),
    (
        '{"actions": [{"environmentVariables": [{"key": "PATH", "value": ["/bin"]}]}]}',
        "actions[0].environmentVariables[0].value: expected a string, got a list",
    ),
    (
        '{"actions": [{"executionInfo": {"no-remote": {}}}]}',
        "actions[0].executionInfo.no-remote: expected a string, got an object",
    ),
    ('{"actions": [{"outputIds": [1, null]}]}', "actions[0].outputIds[1]: expected an integer, got null"),
    ('{"actions": [{"input_dep_set_ids": "1"}]}', "actions[0].input_dep_set_ids: expected a list of ids"),
    ('{"targets": [{"id": 1, "label": ["//a"]}]}', "targets[0].label: expected a string, got a list"),
    (
        '{"pathFragments": [{"id": 1, "label": "a"}, {"id": 2, "parentId": {"id": 1}}]}',
        "pathFragments[1].parentId: expected an integer, got an object",
    ),
    ('{"depSetOfFiles": [{"id": 1, "directArtifactIds": true}]}', "depSetOfFiles[0].directArtifactIds"),
    ('{"artifacts": [{"id": 1, "execPath": null, "pathFragmentId": -1}]}', "artifacts[0].pathFragmentId"),
    ('{"actions": [{"targetId": ' + HUGE + "}]}", "actions[0].targetId: expected an integer from 0 to"),
    ('{"actions": [{"targetId": ' + TOO_MANY_DIGITS + "}]}", "a JSON number of over 4300 digits"),
    ('{"actions": ' + DEEP + "}", "nested too deeply"),
    (DEEP, "nested too deeply"),
    ('{"action": {"mnemonic": "A"}}\n{"action": {"mnemonic": false}}\n', "actions[1].mnemonic"),
    ('{"action": {"mnemonic": "A"}}\n' + DEEP + "\n", "record 2: JSON nested too deeply"),
    ('{"action": {"mnemonic": "A"}}\n[1]\n', "record 2: expected an object, got a list"),
    ('{"actions": [{"mnemonic": "\x00"}]}', "Invalid control character at: line 1 column 28"),
    (b'{"actions": [{"mnemonic": "caf\xe9"}]}', "not UTF-8 text (byte 30)"),
]


@pytest.mark.parametrize("content, message", AQUERY_JSON)
def test_malformed_aquery_json(workspace: Path, tmp_path: Path, content: str | bytes, message: str) -> None:
    path = _write(tmp_path / "aquery.json", content)
    _rejected(run_cli("check", str(workspace), "--no-cache", "--aquery", str(path)), path, message)
    with pytest.raises(aquery.AqueryError, match="aquery.json: ") as raised:
        aquery.load_file(path)
    assert message in str(raised.value)


ACTION_OK = _bytes_field(4, b"Genrule") + _bytes_field(6, b"bash")
AQUERY_PROTO = [
    (_bytes_field(2, ACTION_OK)[:-3], "top level: truncated field 2 at byte 0"),
    (_bytes_field(2, ACTION_OK) + b"\x12" + b"\xff" * 11, "top level: varint longer than 10 bytes at byte"),
    (b"\x12" + _varint(2**32 - 1) + b"\x0a\x00", "length 4294967295, only 2 left"),
    (_bytes_field(2, _bytes_field(4, b"\xff\xfe")), "actions[0].mnemonic: not UTF-8 text"),
    (_bytes_field(2, _varint_field(4, 3)), "actions[0].mnemonic: expected a length-delimited field"),
    (_bytes_field(2, _bytes_field(8, b"\x01\x80")), "actions[0].inputDepSetIds[0]: truncated varint"),
    (_bytes_field(2, _bytes_field(1, b"")), "actions[0].targetId: expected a varint"),
    (_bytes_field(2, ACTION_OK) + b"\x10" + b"\xff" * 9 + b"\x7f", "varint over 64 bits"),
    (
        _bytes_field(2, ACTION_OK + _bytes_field(7, _bytes_field(1, b"K")[:-1])),
        "actions[0].environmentVariables[0]",
    ),
    (b"\x00\x01", "field number 0 at byte 0"),
]


@pytest.mark.parametrize("content, message", AQUERY_PROTO)
def test_malformed_aquery_proto(workspace: Path, tmp_path: Path, content: bytes, message: str) -> None:
    path = _write(tmp_path / "aquery.pb", content)
    _rejected(run_cli("check", str(workspace), "--no-cache", "--aquery", str(path)), path, message)
    with pytest.raises(aquery.AqueryError, match="not aquery --output=proto data") as raised:
        aquery.load_file(path)
    assert message in str(raised.value)


def test_deeply_nested_proto_bytes_are_not_followed() -> None:
    """Nesting in the bytes is only read as deep as the schema goes (Container > Action > Pair)."""
    nested = b""
    for _ in range(2000):
        nested = _bytes_field(1, nested)
    graph = aquery.load(_bytes_field(2, ACTION_OK + _bytes_field(7, _bytes_field(3, nested))))
    assert [a.mnemonic for a in graph.actions] == ["Genrule"]


def test_well_formed_variants_still_load() -> None:
    doc = {
        "targets": [{"id": 1, "label": "//a:b", "ruleClassId": 1}],
        "ruleClasses": [{"id": 1, "name": "genrule"}],
        "actions": [
            {
                "targetId": 1,
                "mnemonic": "Genrule",
                "arguments": ["/bin/bash", "-c", "true"],
                "environmentVariables": {"PATH": "/bin", "EMPTY": None},
                "execution_info": [{"key": "no-remote"}],
            }
        ],
    }
    (action,) = aquery.load(json.dumps(doc)).actions
    assert action.label == "//a:b" and action.rule_class == "genrule"
    assert action.env == (("PATH", "/bin"), ("EMPTY", "")) and action.execution_info == (("no-remote", ""),)
    v1 = {"actions": [{"targetId": "0", "outputIds": ["0"]}], "artifacts": [{"id": "0", "execPath": "o"}]}
    assert aquery.load(json.dumps(v1)).actions[0].outputs == ("o",)


# --------------------------------------------------------------------------------------------------
# Execution logs (evidence --exec-log)

EXEC_JSON = [
    (
        '{"runner": "remote", "exitCode": ' + HUGE + "}",
        "entry 2 is not a spawn: exitCode: expected an integer",
    ),
    (
        '{"runner": "remote", "exitCode": "' + TOO_MANY_DIGITS + '"}',
        "exitCode: expected an integer, got a string",
    ),
    ('{"runner": "remote", "exitCode": 1.5}', "exitCode: expected an integer, got the number 1.5"),
    ('{"runner": "remote", "listedOutputs": "bazel-out/x"}', "listedOutputs: expected a list of strings"),
    ('{"runner": "remote", "listedOutputs": ["a", 3]}', "listedOutputs[1]: expected a string"),
    ('{"runner": "remote", "actualOutputs": [null]}', "actualOutputs[0]: expected an object, got null"),
    ('{"runner": "remote", "actualOutputs": [{"path": "a"}, {"path": 3}]}', "actualOutputs[1].path"),
    ('{"runner": "remote", "actualOutputs": {"path": "a"}}', "actualOutputs: expected a list, got an object"),
    ('{"runner": "remote", "mnemonic": null}', "mnemonic: expected a string, got null"),
    ('{"runner": "remote", "remotable": [true]}', "remotable: expected true or false, got a list"),
    ('{"mnemonic": "Genrule"}', "entry 2 is not a spawn: no runner"),
    ("[1, 2]", "entry 2: expected an object, got a list"),
    (DEEP, "entry 2: JSON nested too deeply"),
    ('{"runner": ' + DEEP + "}", "entry 2: JSON nested too deeply"),
    (
        '{"runner": "remote", "exitCode": ' + TOO_MANY_DIGITS + "}",
        "entry 2: a JSON number of over 4300 digits",
    ),
    ('{"runner": "re\x00mote"}', "invalid JSON at line 2"),
]


@pytest.mark.parametrize("record, message", EXEC_JSON)
def test_malformed_json_execution_log(workspace: Path, tmp_path: Path, record: str, message: str) -> None:
    path = _write(tmp_path / "exec.json", SPAWN + record + "\n")
    _rejected(run_cli("evidence", str(workspace), "--exec-log", str(path)), path, message)
    with pytest.raises(ExecLogError, match="exec.json: execution log: ") as raised:
        read_exec_log(path)
    assert message in str(raised.value)


SPAWN_OK = _bytes_field(12, b"remote") + _bytes_field(10, b"Genrule")
EXEC_BINARY = [
    (_varint(len(SPAWN_OK)) + SPAWN_OK + b"\x05\x0a\x03ab", "entry 2: truncated message at byte"),
    (b"\xff" * 11, "entry 1: varint longer than 10 bytes at byte 0"),
    (_varint(2**40) + SPAWN_OK, "length 1099511627776"),
    (_varint(3) + b"\x62\x09r", "entry 1: truncated field 12 at byte 0"),
    (_varint(12) + _varint_field(15, 0) + b"\x78" + b"\xff" * 9, "entry 1: truncated varint at byte"),
    (_varint(4) + b"\x0b\x00\x00\x00", "unexpected wire type 3"),
    (_varint(2) + _varint_field(6, 1), "binary entry 1 is not a spawn: no runner"),
]


@pytest.mark.parametrize("content, message", EXEC_BINARY)
def test_malformed_binary_execution_log(
    workspace: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    path = _write(tmp_path / "exec.log", content)
    _rejected(run_cli("evidence", str(workspace), "--exec-log", str(path)), path, message)
    with pytest.raises(ExecLogError, match="exec.log: execution log: ") as raised:
        read_exec_log(path)
    assert message in str(raised.value)


def test_binary_exit_codes_are_signed_64_bit() -> None:
    minus_one = _varint_field(15, 2**64 - 1)
    (spawn,) = parse_binary_log(_varint(len(SPAWN_OK + minus_one)) + SPAWN_OK + minus_one)
    assert spawn.exit_code == -1 and spawn.failed
    assert parse_json_log('{"runner": "remote", "exitCode": "-2"}')[0].exit_code == -2


def test_console_count_too_long_names_the_build_log(workspace: Path, tmp_path: Path) -> None:
    log = _write(tmp_path / "exec.json", SPAWN)
    build_log = _write(tmp_path / "build.log", f"INFO: {TOO_MANY_DIGITS} processes: 1 remote.\n")
    out = run_cli("evidence", str(workspace), "--exec-log", str(log), "--build-log", str(build_log))
    _rejected(out, build_log, "a process count too long to read")
    with pytest.raises(EvidenceError, match="build.log: a process count too long"):
        run_evidence(workspace, log, build_log, [], None, False)


# --------------------------------------------------------------------------------------------------
# Baselines (check --baseline)

BASELINES = [
    ("[]", "top level: expected an object, got a list"),
    ('{"version": 1}', "fingerprints: expected an object, got null"),
    ('{"version": "1", "fingerprints": {}}', "version: expected 1, got a string"),
    (
        '{"version": ' + HUGE + ', "fingerprints": {}}',
        "version: expected 1, got a number of about 401 digits",
    ),
    ('{"version": 1, "fingerprints": ["abc"]}', "fingerprints: expected an object, got a list"),
    ('{"version": 1, "fingerprints": {"abc": "x"}}', "fingerprints.abc: expected an object, got a string"),
    ('{"version": 1, "fingerprints": ' + DEEP + "}", "nested too deeply"),
    ('{"version": ' + TOO_MANY_DIGITS + "}", "a JSON number of over 4300 digits"),
    (b'{"version": 1, "fingerprints": {"\xff": {}}}', "cannot read baseline"),
    ('{"version": 1,\x00 "fingerprints": {}}', "cannot read baseline"),
]


@pytest.mark.parametrize("content, message", BASELINES)
def test_malformed_baseline(workspace: Path, tmp_path: Path, content: str | bytes, message: str) -> None:
    path = _write(tmp_path / "baseline.json", content)
    _rejected(run_cli("check", str(workspace), "--no-cache", "--baseline", str(path)), path, message)
    with pytest.raises(BaselineError, match="baseline.json: ") as raised:
        read_baseline(path)
    assert message in str(raised.value)


# --------------------------------------------------------------------------------------------------
# .hermetic-scan.toml (--config): a wrong type for every key

CONFIGS = [
    ("fail-on = 3", "fail-on: expected one of"),
    ('fail-on = ["error"]', "fail-on: expected one of"),
    ('exclude = "third_party/**"', "exclude: expected a list of strings"),
    ("bazel-version = 6.4", "bazel-version: expected a string"),
    ('strict = "yes"', "strict: expected true or false"),
    ("auto-external = 1", "auto-external: expected true or false"),
    ('knowledge = "rules.toml"', "knowledge: expected a list of strings"),
    ("rules = [1]", "rules: expected a table"),
    ('[rules]\nenable = "ambient-tool"', "rules.enable: expected a list of strings"),
    ("[rules]\ndisable = [1]", "rules.disable: expected a list of strings"),
    ('[rules]\nseverity = "info"', "rules.severity: expected a table"),
    ('[rules]\nseverity = { ambient-tool = ["info"] }', "rules.severity.ambient-tool: expected one of"),
    ("profile = 1", "profile: expected a table"),
    ("[profile]\nadd = { tofu = true }", "profile.add: expected a list of strings"),
    ("[profile]\ntools = [true]", "profile.tools: expected a list of strings"),
    ('repos = ["../rules_tf"]', "repos: expected a table"),
    ("[repos]\nrules_tf = 1", "repos.rules_tf: expected a path string"),
    ('[repos]\nrules_tf = "a\\u0000b"', "repos.rules_tf: a path cannot contain a NUL character"),
    ('knowledge = ["a\\u0000b"]', "knowledge: a path cannot contain a NUL character"),
    ('knowledge = ["."]', "Is a directory"),
    ("exclude = " + DEEP, "nested too deeply to read"),
    ("a = " + "{ b = " * 2000 + "1" + " }" * 2000, "nested too deeply to read"),
    ("fail-on = " + TOO_MANY_DIGITS, "a number of over 4300 digits"),
    (b'fail-on = "caf\xe9"', "cannot read"),
    ('fail-on = "error"\x00', "line 1"),
]


@pytest.mark.parametrize("content, message", CONFIGS)
def test_malformed_config(workspace: Path, tmp_path: Path, content: str | bytes, message: str) -> None:
    path = _write(tmp_path / "team.toml", content)
    _rejected(run_cli("check", str(workspace), "--no-cache", "--config", str(path)), path, message)
    with pytest.raises(ConfigError, match="team.toml") as raised:
        load_config(workspace, path)
    assert message in str(raised.value)


# --------------------------------------------------------------------------------------------------
# The wire decoder and the shape helpers on their own


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x80\x80", "truncated varint at byte 0"),
        (b"\xff" * 10 + b"\x01", "varint longer than 10 bytes at byte 0"),
        (b"\xff" * 9 + b"\x02", "varint over 64 bits at byte 0"),
    ],
)
def test_varint_errors(data: bytes, message: str) -> None:
    with pytest.raises(wire.WireError, match=message):
        wire.varint(data, 0)


def test_varint_limits() -> None:
    assert wire.varint(b"\xff" * 9 + b"\x01", 0) == (2**64 - 1, 10)
    with pytest.raises(wire.WireError, match="only 1 left"):
        list(wire.fields(b"\x0a\x05a"))
    with pytest.raises(wire.WireError, match="truncated message at byte 2"):
        list(wire.delimited(b"\x00\x00" + _varint(2**63)))


def test_shape_helpers() -> None:
    assert describe(10**5000) == "a number of about 5001 digits"
    with pytest.raises(ShapeError, match="x: expected an integer, got true"):
        expect_integer(True, "x", 0, 1)
    with pytest.raises(ShapeError, match="nested too deeply"):
        json_document(DEEP)
    with pytest.raises(ShapeError, match="over 4300 digits"):
        json_document(TOO_MANY_DIGITS)
    with pytest.raises(json.JSONDecodeError):
        json_document("{")
