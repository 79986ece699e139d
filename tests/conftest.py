from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import os  # noqa: E402

import pytest  # noqa: E402

TOOLS = Path(__file__).resolve().parent / "tools"


def external_tool(relative: str) -> Path:
    """A test-only tool fetched by tests/tools/fetch.sh; CI must have it, a laptop may not."""
    path = TOOLS / relative
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: .ci/run must run tests/tools/fetch.sh")
        pytest.skip(f"{relative} not fetched (run tests/tools/fetch.sh)")
    return path


def require_bazel() -> None:
    """Bazel 4.2.3 for the oracle tests: CI must have it (tests/bazel/install.sh), a laptop may not."""
    sys.path.insert(0, str(Path(__file__).resolve().parent / "bazel"))
    import oracle

    missing = oracle.bazel_missing()
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{missing}; CI must run tests/bazel/install.sh before pytest")
    pytest.skip(missing)


@pytest.fixture(autouse=True)
def _private_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test's default analysis cache is its own: tests never read or write the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CI set, a skipped test fails the run: .ci/run installs every tool the suite needs, so a skip
    there means a test silently stopped testing."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        for report in skipped:
            print(f"\nCI: unexpected skip: {report.nodeid}: {report.longrepr}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
