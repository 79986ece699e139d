"""Inventory as one self-contained HTML file: readable without JavaScript, sortable and filterable with it."""

from __future__ import annotations

from html import escape

from hermetic_scan.inventory import Inventory

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:1400px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
.cards{display:flex;gap:1rem}.card{border:1px solid #d0d7de;border-radius:8px;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.6rem}
table{border-collapse:collapse;width:100%;margin-top:.5rem}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa;cursor:pointer;user-select:none}tr:nth-child(even) td{background:#fbfcfd}
td.v-remote-ok,td.v-no-remote-exec,td.v-unknown{white-space:nowrap}.v-remote-ok{color:#1a7f37;font-weight:600}.v-no-remote-exec{color:#cf222e;font-weight:600}.v-unknown{color:#9a6700;font-weight:600}
code{background:#f6f8fa;padding:0 .2rem;border-radius:3px}ul{margin:.2rem 0;padding-left:1.1rem}
#filter{padding:.35rem;width:22rem}pre{background:#f6f8fa;padding:.6rem;border-radius:6px}
"""

SCRIPT = """
const q=document.getElementById('filter'),rows=[...document.querySelectorAll('#targets tbody tr')];
q.hidden=false;q.addEventListener('input',()=>{const t=q.value.toLowerCase();
rows.forEach(r=>{r.hidden=!r.textContent.toLowerCase().includes(t)})});
document.querySelectorAll('#targets th').forEach((th,i)=>th.addEventListener('click',()=>{
const body=th.closest('table').tBodies[0],dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir>0?'asc':'desc';
[...body.rows].sort((a,b)=>a.cells[i].textContent.localeCompare(b.cells[i].textContent)*dir).forEach(r=>body.appendChild(r))}));
"""


def render(inventory: Inventory) -> str:
    s = inventory.summary()
    rows = []
    for t in inventory.verdicts:
        why = [
            f"<li><code>{escape(d.rule)}</code> {escape(d.span.path)}:{d.span.start_line + 1}: {escape(d.message)}</li>"
            for d in t.reasons
        ]
        why += [f"<li>{escape(u)}</li>" for u in t.unknown_because]
        if t.already_tagged:
            why.append("<li>already tagged</li>")
        caveats = "".join(
            f"<li><code>{escape(d.rule)}</code> {escape(d.span.path)}:{d.span.start_line + 1}</li>"
            for d in t.caveats
        )
        mnemonics = ", ".join(escape(a["mnemonic"] or "?") for a in t.actions) or "—"
        rows.append(
            f"<tr><td><code>{escape(t.label)}</code></td><td>{escape(t.info.kind)}</td>"
            f'<td class="v-{t.verdict}">{t.verdict}</td><td><ul>{"".join(why)}</ul></td><td><ul>{caveats}</ul></td>'
            f"<td>{mnemonics}</td><td>{escape(' '.join(t.suggested_tags)) or '—'}</td><td>{t.provenance}</td></tr>"
        )
    requirements = (
        "".join(
            f"<li><code>{escape(tool)}</code>: {', '.join(f'<code>{escape(label)}</code>' for label in labels)}</li>"
            for tool, labels in inventory.worker_requirements
        )
        or "<li>None found.</li>"
    )
    rc = escape("\n".join(inventory.bazelrc_suggestions)) if inventory.bazelrc_suggestions else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Remote execution inventory</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>{STYLE}</style></head>
<body>
<h1>Remote execution inventory</h1>
<p>Workspace <code>{escape(inventory.root)}</code> · Bazel {escape(inventory.bazel_version or "version unknown")}</p>
<div class="cards"><div class="card v-remote-ok"><b>{s["remote-ok"]}</b>remote-ok</div>
<div class="card v-no-remote-exec"><b>{s["no-remote-exec"]}</b>no-remote-exec</div>
<div class="card v-unknown"><b>{s["unknown"]}</b>unknown</div></div>
<h2>Targets</h2>
<input id="filter" placeholder="Filter targets…" hidden>
<table id="targets"><thead><tr><th>Target</th><th>Kind</th><th>Verdict</th><th>Why</th><th>Caveats</th><th>Mnemonics</th><th>Suggested tags</th><th>Provenance</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<h2>Worker requirements</h2><ul>{requirements}</ul>
<h2>Suggested .bazelrc lines</h2>{f"<pre>{rc}</pre>" if rc else "<p>None.</p>"}
<script>{SCRIPT}</script>
</body></html>
"""
