"""Inventory as JSON, schema version 1 (docs/json-schema.md, schemas/inventory.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from hermetic_scan.inventory import EntryEncoder, Inventory, finding_entry
from hermetic_scan.render.json_text import RawList, dumps


def document(inventory: Inventory) -> dict[str, Any]:
    if inventory.entries is not None:
        return _document(inventory, [json.loads(entry) for entry in inventory.entries])
    return _document(inventory, [t.entry() for t in inventory.targets])


def render(inventory: Inventory) -> str:
    """`document` as text. Each target's line comes from its verdict, already encoded in the shard
    that built it when the scan ran in several processes."""
    entries = inventory.entries
    if entries is None:
        encoder = EntryEncoder()
        entries = [t.encoded(encoder) for t in inventory.targets]
    return dumps(_document(inventory, RawList(entries)), expand=2)


def _document(inventory: Inventory, targets: list[Any]) -> dict[str, Any]:
    return {
        "version": 1,
        "root": inventory.root,
        "bazel_version": inventory.bazel_version,
        "targets": targets,
        "bazelrc_suggestions": inventory.bazelrc_suggestions,
        "worker_requirements": [
            {"tool": tool, "targets": labels} for tool, labels in inventory.worker_requirements
        ],
        "fetch_hazards": [finding_entry(d) for d in inventory.fetch_hazards],
        "summary": inventory.summary(),
        "unknown_causes": [
            {"cause": cause, "targets": n, "resolve": resolve}
            for cause, n, resolve in inventory.unknown_causes()
        ],
    }
