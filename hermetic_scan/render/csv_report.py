"""Inventory as CSV: one row per target, for spreadsheets."""

from __future__ import annotations

import csv
import io

from hermetic_scan.inventory import Inventory


def render(inventory: Inventory) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "label",
            "kind",
            "verdict",
            "reasons",
            "caveats",
            "already_tagged",
            "suggested_tags",
            "mnemonics",
            "provenance",
        ]
    )
    for t in inventory.verdicts:
        writer.writerow(
            [
                t.label,
                t.info.kind,
                t.verdict,
                "; ".join(f"{d.rule} {d.span.path}:{d.span.start_line + 1}" for d in t.reasons)
                or "; ".join(t.unknown_because),
                "; ".join(sorted({d.rule for d in t.caveats})),
                "yes" if t.already_tagged else "no",
                " ".join(t.suggested_tags),
                " ".join(a["mnemonic"] or "?" for a in t.actions),
                t.provenance,
            ]
        )
    return out.getvalue()
