"""Renderers: pure functions from a Result (or an Inventory) to text."""

from __future__ import annotations

from hermetic_scan.inventory import Inventory
from hermetic_scan.render import csv_report, html, inventory_json, inventory_text, markdown


def render_inventory(inventory: Inventory, fmt: str) -> str:
    renderer = {
        "json": inventory_json,
        "markdown": markdown,
        "html": html,
        "csv": csv_report,
        "text": inventory_text,
    }[fmt]
    return renderer.render(inventory)
