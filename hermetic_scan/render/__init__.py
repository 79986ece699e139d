"""Renderers: pure functions from a Result (or an Inventory) to text."""

from __future__ import annotations

from hermetic_scan.inventory import Inventory


def render_inventory(inventory: Inventory, fmt: str) -> str:
    from hermetic_scan.render import csv_report, html, inventory_json, markdown

    renderer = {"json": inventory_json, "markdown": markdown, "html": html, "csv": csv_report}[fmt]
    return renderer.render(inventory)
