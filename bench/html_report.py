#!/usr/bin/env python3
"""Measure the HTML inventory at scale and keep screenshots of it.

Usage:
    python bench/html_report.py WORKSPACE [--screenshots DIR]

Renders `hermetic-scan inventory WORKSPACE --format html`, prints the file size and the load time in
headless Chromium (Debian's `chromium` and `chromium-driver`, driven by selenium), and with
--screenshots saves the summary, a search and the verdict filter as PNG files. `bench/generate.py
OUT --files 350` makes a workspace of about 5,400 targets.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from hermetic_scan.options import Options
from hermetic_scan.render import render_inventory
from hermetic_scan.runner import scan

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args()

    inventory = scan(args.workspace.resolve(), Options(jobs=None, keep_model=False)).inventory
    html = render_inventory(inventory, "html")
    work = Path(tempfile.mkdtemp(prefix="hermetic-scan-report-"))
    report = work / "inventory.html"
    report.write_text(html, encoding="utf-8")
    print(f"targets: {sum(inventory.summary().values())}")
    print(f"size: {len(html.encode()):,} bytes")

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in (*FLAGS, f"--user-data-dir={work / 'profile'}", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "chromedriver"), options=options
    )
    try:
        started = time.monotonic()
        driver.get(report.as_uri())
        wall = time.monotonic() - started
        loaded = driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "return [n.domContentLoadedEventEnd, n.loadEventEnd]"
        )
        height, width = driver.execute_script(
            "return [document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
        )
        print(f"DOMContentLoaded: {loaded[0]:.0f} ms, load: {loaded[1]:.0f} ms, driver.get: {wall:.2f} s")
        print(f"page: {height} x {width} px")
        if args.screenshots:
            args.screenshots.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(args.screenshots / "inventory-5000-summary.png"))
            box = driver.find_element(By.ID, "q")
            box.send_keys("network-access")
            time.sleep(0.5)
            driver.execute_script("document.getElementById('targets').scrollIntoView()")
            driver.save_screenshot(str(args.screenshots / "inventory-5000-search.png"))
            box.clear()
            driver.execute_script("document.getElementById('q').dispatchEvent(new Event('input'))")
            Select(driver.find_element(By.ID, "verdict")).select_by_value("unknown")
            time.sleep(0.5)
            driver.execute_script("document.getElementById('targets').scrollIntoView()")
            driver.save_screenshot(str(args.screenshots / "inventory-5000-unknown.png"))
    finally:
        driver.quit()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
