"""The HTML inventory as a person meets it: opened in a real browser (headless Chromium), searched,
filtered by verdict, scrolled; and at 5,000 targets, small and quick enough to share."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser import chromium
from conftest import CORPUS, ROOT
from helpers import write_tree

from hermetic_scan.options import Options, load_options
from hermetic_scan.render import render_inventory
from hermetic_scan.runner import scan

VISIBLE_ROWS = """return [...document.querySelectorAll('details.pkg tr[data-v]')]
  .filter(r => r.checkVisibility()).map(r => r.querySelector('code').textContent)"""


@pytest.fixture(scope="module")
def big_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("big") / "monorepo"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), str(out), "--files", "350"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _wait_for(driver: object, script: str, expected: object, timeout: float = 10.0) -> object:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = driver.execute_script(script)  # type: ignore[attr-defined]
        if value == expected:
            return value
        time.sleep(0.05)
    return value


def test_report_at_5000_targets_is_small_quick_and_filters(big_workspace: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    inventory = scan(big_workspace, Options(jobs=None, keep_model=False)).inventory
    summary = inventory.summary()
    assert sum(summary.values()) >= 5000
    html = render_inventory(inventory, "html")
    assert str(big_workspace) not in html and str(tmp_path) not in html, "no absolute path"
    assert len(html.encode()) < 4_000_000, len(html.encode())
    report = tmp_path / "inventory.html"
    report.write_text(html, encoding="utf-8")

    with chromium() as driver:
        started = time.monotonic()
        driver.get(report.as_uri())
        loaded = driver.execute_script(
            "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
        assert time.monotonic() - started < 20 and loaded < 15_000, loaded
        assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0

        total = sum(summary.values())
        assert driver.find_element(By.ID, "shown").text == f"{total} targets"
        assert driver.execute_script(VISIBLE_ROWS) == [], "packages start collapsed"

        # Search for one package: its targets show, sections open, and every row shown matches.
        package = inventory.targets[len(inventory.targets) // 2].info.label.package
        query = f"//{package}:"
        driver.find_element(By.ID, "q").send_keys(query)
        expected = sorted(t.label for t in inventory.targets if t.label.startswith(query))
        visible = _wait_for(driver, f"{VISIBLE_ROWS}.sort()", expected)
        assert visible == expected

        # Verdict filter: only unknown targets remain; the count line says so.
        driver.find_element(By.ID, "q").clear()
        driver.execute_script("document.getElementById('q').dispatchEvent(new Event('input'))")
        Select(driver.find_element(By.ID, "verdict")).select_by_value("unknown")
        shown = _wait_for(
            driver,
            "return document.getElementById('shown').textContent",
            f"{summary['unknown']} of {total} targets shown",
        )
        assert shown == f"{summary['unknown']} of {total} targets shown"
        not_hidden = driver.execute_script(
            "return [...document.querySelectorAll('details.pkg:not([hidden]) tr[data-v]:not([hidden])')]"
            ".map(r => r.dataset.v)"
        )
        assert not_hidden == ["unknown"] * summary["unknown"]

        # The bar stays on screen while scrolling through the targets.
        driver.execute_script("document.getElementById('targets').scrollIntoView()")
        assert driver.execute_script("return window.scrollY") > 500
        top = driver.execute_script("return document.querySelector('header').getBoundingClientRect().top")
        assert top == 0
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 1400, "no horizontal scrolling at 1400 px"


HOSTILE_BUILD = """genrule(
    name = "x<img src=y onerror=alert(1)>",
    outs = ["x.txt"],
    cmd = "curl https://example.invalid > $@",
)
"""


def test_report_escapes_workspace_text_and_shows_rc_findings(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "ws",
        {
            "MODULE.bazel": "",
            ".bazelrc": "build --remote_executor=${EXECUTOR}\n",
            "pkg/BUILD.bazel": HOSTILE_BUILD,
        },
    )
    html = render_inventory(scan(root).inventory, "html")
    assert "<img" not in html and "&lt;img src=y" in html
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    with chromium() as driver:
        driver.get(report.as_uri())
        assert driver.execute_script("return document.images.length") == 0
        text = driver.execute_script("return document.getElementById('summary').innerText")
        assert "rc-env-placeholder" in text and ".bazelrc:1" in text
        assert "network-access" in text


@pytest.mark.parametrize("workspace", ["opentofu", "inventory-mixed"])
def test_report_without_javascript_still_lists_every_target(workspace: str) -> None:
    root = CORPUS / workspace
    inventory = scan(root, load_options(root)).inventory
    html = render_inventory(inventory, "html")
    body = html.split("<script>")[0]
    for target in inventory.targets:
        assert f"<code>{target.label}</code>" in body
    assert "http://" not in html and "https://" not in html and "<link" not in html
