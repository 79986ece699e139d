"""`hermetic-scan verify` (docs/verify.md): the dynamic check, with real Bazel 4.2.3.

The Bazel tests build corpus/opentofu in the strict sandbox with a fake `tofu` on the host PATH (not in
the executor profile): the validate and fmt targets must fail, the hermetic targets pass, and both
agree with the static verdicts. Without Bazel they skip; with CI set they fail instead
(tests/bazel/install.sh installs it). The other tests need no Bazel.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, require_bazel

from hermetic_scan.crosscheck.verify import (
    AGREE,
    DISAGREE,
    FAILED,
    NOT_COMPARABLE,
    PASSED,
    TRIPWIRE_MARK,
    TargetRun,
    VerifyError,
    VerifyReport,
    build_path_dir,
    parse_output,
    run_verify,
)
from hermetic_scan.options import Options
from hermetic_scan.render import verify as verify_render

sys.path.insert(0, str(Path(__file__).resolve().parent / "bazel"))
import oracle  # noqa: E402

FAKE_TOFU = '#!/bin/sh\necho "fake tofu $*"\nexit 0\n'


@pytest.fixture(scope="module")
def opentofu_report(tmp_path_factory: pytest.TempPathFactory) -> VerifyReport:
    require_bazel()
    base = tmp_path_factory.mktemp("verify")
    workspace = oracle.prepare_corpus(CORPUS / "opentofu", base / "opentofu")
    for script in workspace.rglob("*.sh"):  # corpus files are checked in without the executable bit
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    fake = base / "host-bin"
    fake.mkdir()
    (fake / "tofu").write_text(FAKE_TOFU, encoding="utf-8")
    (fake / "tofu").chmod(0o755)
    fragment = oracle.setup_offline(base / "offline")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{fake}{os.pathsep}{os.environ.get('PATH', os.defpath)}")
        mp.setenv("BUILD_WORKSPACE_DIRECTORY", str(workspace))  # must not reach the actions
        mp.setenv("HOME", str(base))
        report = run_verify(
            workspace, [], "bazel", Options(), fragment, startup_args=["--nohome_rc"], timeout=300
        )
    assert not list(workspace.glob("bazel-*")), "verify must not leave convenience symlinks in the workspace"
    return report


@pytest.mark.bazel
def test_opentofu_tofu_targets_fail_and_agree(opentofu_report: VerifyReport) -> None:
    by_label = {t.label: t for t in opentofu_report.targets}
    tofu_targets = [label for label in by_label if label.endswith(("_validate", "_fmt_test"))]
    assert sorted(tofu_targets) == [
        "//infra/dns:dns_fmt_test",
        "//infra/dns:dns_validate",
        "//infra/network:network_fmt_test",
        "//infra/network:network_validate",
    ]
    for label in tofu_targets:
        run = by_label[label]
        assert run.static_verdict == "no-remote-exec", label
        assert run.outcome == FAILED, (label, run.exit_code, run.error_lines)
        assert run.agreement == AGREE, label
        assert run.error_lines, label
    # The fmt test probes for tofu and would skip silently: the tripwire makes it fail, and says why.
    for label in ("//infra/dns:dns_fmt_test", "//infra/network:network_fmt_test"):
        assert by_label[label].ambient_tools_called == ["tofu"]
        assert any(TRIPWIRE_MARK in line for line in by_label[label].error_lines)
    # The validate script reads BUILD_WORKSPACE_DIRECTORY, which verify keeps out of the actions.
    assert any(
        "BUILD_WORKSPACE_DIRECTORY" in line for line in by_label["//infra/dns:dns_validate"].error_lines
    )


@pytest.mark.bazel
def test_opentofu_hermetic_targets_pass_and_agree(opentofu_report: VerifyReport) -> None:
    by_label = {t.label: t for t in opentofu_report.targets}
    build, tests = by_label["//app:build"], by_label["//app:unit_tests"]
    assert (build.static_verdict, build.outcome, build.agreement) == ("remote-ok", "built", AGREE)
    assert (tests.static_verdict, tests.outcome, tests.agreement) == ("remote-ok", PASSED, AGREE)
    assert tests.command == "test" and build.command == "build"
    assert opentofu_report.remote_ok_failed == []
    assert opentofu_report.ok
    assert opentofu_report.summary()[DISAGREE] == 0
    assert opentofu_report.tripwires == ["tofu"]
    assert "tofu" not in opentofu_report.path_tools and "bash" in opentofu_report.path_tools
    assert opentofu_report.sandbox  # Bazel said which sandbox ran the actions


@pytest.mark.bazel
def test_opentofu_renders(opentofu_report: VerifyReport) -> None:
    doc = json.loads(verify_render.render(opentofu_report, "json"))
    assert doc["version"] == 1 and doc["ok"] is True
    assert {t["label"]: t["outcome"] for t in doc["targets"]}["//app:build"] == "built"
    assert "--spawn_strategy=sandboxed" in doc["flags"]
    text = verify_render.render(opentofu_report, "text")
    assert "No static remote-ok target failed" in text
    assert "//infra/dns:dns_validate" in text


@pytest.mark.bazel
def test_bad_pattern_and_missing_bazel(tmp_path: Path) -> None:
    with pytest.raises(VerifyError, match="not found"):
        run_verify(CORPUS / "opentofu", [], str(tmp_path / "no-bazel"), Options(), None)
    require_bazel()
    with pytest.raises(VerifyError, match="no target"):
        run_verify(CORPUS / "opentofu", ["//nowhere:x"], "bazel", Options(), None)


# --------------------------------------------------------------------------------------------------
# Without Bazel


def _run(
    verdict: str, outcome: str, *, tagged: bool = False, reasons: bool = True, is_test: bool = False
) -> TargetRun:
    return TargetRun(
        label=f"//p:{verdict}_{outcome}",
        kind="x",
        is_test=is_test,
        static_verdict=verdict,
        already_tagged=tagged,
        static_reasons=["ambient-tool: x"] if reasons else [],
        outcome=outcome,
    )


def test_agreement_rules() -> None:
    assert _run("remote-ok", "built").agreement == AGREE
    failed = _run("remote-ok", FAILED)
    assert failed.agreement == DISAGREE and failed.remote_ok_failed
    assert _run("no-remote-exec", FAILED).agreement == AGREE
    assert _run("no-remote-exec", PASSED).agreement == DISAGREE
    assert _run("no-remote-exec", PASSED, tagged=True, reasons=False).agreement == NOT_COMPARABLE
    assert _run("unknown", FAILED).agreement == NOT_COMPARABLE
    assert _run("remote-ok", "not-run").agreement == NOT_COMPARABLE


def test_remote_ok_failures_come_first() -> None:
    report = VerifyReport(
        root="/w",
        bazel="bazel",
        flags=[],
        path_tools=[],
        missing_tools=[],
        tripwires=[],
        sandbox="",
        targets=[
            _run("no-remote-exec", FAILED),
            _run("remote-ok", "built"),
            _run("remote-ok", FAILED),
            _run("no-remote-exec", PASSED),
        ],
    )
    order = [t.label for t in verify_render.ordered(report)]
    assert order == [
        "//p:remote-ok_failed",
        "//p:no-remote-exec_passed",
        "//p:no-remote-exec_failed",
        "//p:remote-ok_built",
    ]
    text = verify_render.render(report, "text")
    assert text.index("STATIC remote-ok BUT FAILED") < text.index("//p:remote-ok_failed")
    assert (
        not report.ok and json.loads(verify_render.render(report, "json"))["summary"]["remote_ok_failed"] == 1
    )


def test_parse_output() -> None:
    text = "\n".join(
        [
            "INFO: Analyzed target //infra/dns:dns_fmt_test (1 packages loaded).",
            "FAIL: //infra/dns:dns_fmt_test (see /x/test.log)",
            "INFO: From Testing //infra/dns:dns_fmt_test:",
            "==================== Test output for //infra/dns:dns_fmt_test:",
            f"{TRIPWIRE_MARK} 'tofu' is not in the executor profile (a remote worker does not have it)",
            "================================================================================",
            "ERROR: /w/app/BUILD:1:8: Executing genrule //app:build failed: (Exit 127): bash failed",
            "Use --sandbox_debug to see verbose messages from the sandbox",
            "/bin/bash: jq: command not found",
            "Target //app:build failed to build",
            "INFO: Elapsed time: 1.0s",
        ]
    )
    lines, called = parse_output(text)
    assert called == ["tofu"]
    assert lines[0] == "Test output for //infra/dns:dns_fmt_test:"
    assert any("jq: command not found" in line for line in lines)
    assert not any(line.startswith(("INFO:", "Use --sandbox_debug", "Target //")) for line in lines)


def test_path_dir_links_profile_tools_and_tripwires(tmp_path: Path) -> None:
    host = tmp_path / "host"
    host.mkdir()
    for name in ("bash", "tofu"):
        (host / name).write_text("#!/bin/sh\n", encoding="utf-8")
        (host / name).chmod(0o755)
    linked, missing = build_path_dir(tmp_path / "path", frozenset({"bash", "sort"}), {"tofu"}, str(host))
    assert linked == ["bash"] and missing == ["sort"]
    assert (tmp_path / "path" / "bash").is_symlink()
    assert (
        not (tmp_path / "path" / "tofu").is_symlink()
        and TRIPWIRE_MARK in (tmp_path / "path" / "tofu").read_text()
    )
