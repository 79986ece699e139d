"""Inventory as one self-contained HTML report: a page to share in a rollout meeting.

Summary on top (counts per verdict, per reason and per package, .bazelrc findings, worker-image
requirements, the .bazelrc lines to add), then the targets grouped by package and the findings grouped
by reason, each in a collapsible `<details>` section. A sticky bar holds a search box and a verdict
filter that work offline: the file loads nothing (no network, no server; a test checks it), and is
readable without JavaScript (the sections open by hand). Everything from the workspace is escaped;
the workspace is named by its directory name, never by an absolute path.

Size: a finding's message is written once, in its reason section; target rows link to it. Closed
sections cost the browser no layout, so the page stays quick at thousands of targets
(docs/inventory-report.md gives the figures at 5,000 targets).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from html import escape
from pathlib import PurePath

from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.inventory import Inventory, TargetVerdict

VERDICTS = ("no-remote-exec", "unknown", "remote-ok")
PROVENANCE = {"source": "source", "knowledge": "knowledge", "aquery": "aquery"}

STYLE = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
main{padding:0 1.5rem 3rem;max-width:1200px}
header{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid #d0d7de;padding:.6rem 1.5rem;
 display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
header h1{font-size:1.15rem;margin:0}header .meta{color:#57606a}
header input,header select{font:inherit;padding:.25rem .4rem;border:1px solid #d0d7de;border-radius:6px}
header input{width:20rem;max-width:60vw}#shown{color:#57606a}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin-top:1rem}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.5rem .9rem;min-width:8.5rem}.card b{display:block;font-size:1.5rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{border-bottom:1px solid #eaeef2;padding:.25rem .4rem;vertical-align:top;text-align:left;overflow-wrap:anywhere}
th{background:#f6f8fa;font-weight:600}td.n,th.n{text-align:right;width:6.5rem}
.v-remote-ok{color:#1a7f37;font-weight:600}.v-no-remote-exec{color:#cf222e;font-weight:600}.v-unknown{color:#9a6700;font-weight:600}
code{background:#f6f8fa;padding:0 .2rem;border-radius:3px;font-size:.92em}
details{border:1px solid #d0d7de;border-radius:6px;margin:.35rem 0}
details>summary{cursor:pointer;padding:.35rem .6rem;background:#f6f8fa;border-radius:6px}
details[open]>summary{border-bottom:1px solid #d0d7de;border-radius:6px 6px 0 0}
details>.body{padding:.3rem .6rem}
summary .count{color:#57606a;font-weight:normal;margin-left:.5rem}
ul{margin:.15rem 0;padding-left:1.1rem}.why li{margin:0}
.pkg table col.t{width:34%}.pkg table col.k{width:13%}.pkg table col.v{width:10.5rem}.pkg table col.p{width:6rem}
pre{background:#f6f8fa;padding:.6rem;border-radius:6px;overflow-x:auto}
.msg{color:#57606a}.labels{columns:20rem auto}
[hidden]{display:none!important}
"""

# Filtering: each target row has data-v (verdict) and its text; a package section is hidden when no
# row of it matches, and opened while a search is typed. Reason sections filter their label lists.
SCRIPT = """
(function(){
const q=document.getElementById('q'),v=document.getElementById('verdict'),shown=document.getElementById('shown');
q.hidden=v.hidden=shown.hidden=false;
const pkgs=[...document.querySelectorAll('details.pkg')].map(d=>({d,rows:[...d.querySelectorAll('tr[data-v]')].map(r=>({r,v:r.dataset.v,t:r.textContent.toLowerCase()}))}));
const reasons=[...document.querySelectorAll('details.reason')].map(d=>({d,items:[...d.querySelectorAll('li[data-v]')].map(li=>({li,v:li.dataset.v,t:li.textContent.toLowerCase()}))}));
const total=pkgs.reduce((n,p)=>n+p.rows.length,0);
function apply(){
 const t=q.value.trim().toLowerCase(),want=v.value;let n=0;
 for(const p of pkgs){let any=0;for(const x of p.rows){const ok=(!want||x.v===want)&&(!t||x.t.includes(t));x.r.hidden=!ok;if(ok)any++;}
  n+=any;p.d.hidden=!any;if(t||want)p.d.open=any>0&&(!!t||p.rows.length<=50);}
 for(const g of reasons){let any=0;for(const x of g.items){const ok=(!want||x.v===want)&&(!t||x.t.includes(t));x.li.hidden=!ok;if(ok)any++;}
  g.d.hidden=!any&&!!(t||want);}
 shown.textContent=(t||want)?n+' of '+total+' targets shown':total+' targets';
}
let timer=0;q.addEventListener('input',()=>{clearTimeout(timer);timer=setTimeout(apply,60)});
v.addEventListener('change',apply);apply();
})();
"""


def _package(t: TargetVerdict) -> str:
    label = t.info.label
    head = f"@{label.repo}" if label.repo else ""
    return f"{head}//{label.package}"


def _finding_key(d: Diagnostic) -> tuple[str, str, int, int, str]:
    return (d.rule, d.span.path, d.span.start_line, d.span.start_col, d.message)


def _where(d: Diagnostic) -> str:
    return f"{escape(d.span.path)}:{d.span.start_line + 1}"


def _verdict(verdict: str) -> str:
    return f'<span class="v-{verdict}">{verdict}</span>'


def _findings_list(findings: list[Diagnostic], empty: str) -> str:
    if not findings:
        return f"<p>{empty}</p>"
    items = "".join(
        f"<li>{escape(d.severity.value)}: <code>{escape(d.rule)}</code> {_where(d)}: "
        f'<span class="msg">{escape(d.message)}</span></li>'
        for d in findings
    )
    return f"<ul>{items}</ul>"


class _Findings:
    """Reasons and caveats by finding, numbered once so that rows can link to them."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str, int, int, str], int] = {}
        self.findings: list[Diagnostic] = []
        self.targets: dict[int, list[TargetVerdict]] = defaultdict(list)

    def add(self, d: Diagnostic, t: TargetVerdict) -> int:
        key = _finding_key(d)
        number = self.ids.get(key)
        if number is None:
            number = self.ids[key] = len(self.findings)
            self.findings.append(d)
        if not self.targets[number] or self.targets[number][-1] is not t:
            self.targets[number].append(t)
        return number


def _row(t: TargetVerdict, findings: _Findings) -> str:
    why = [
        f'<li><a href="#f{findings.add(d, t)}"><code>{escape(d.rule)}</code></a> {_where(d)}</li>'
        for d in t.reasons
    ]
    why += [f"<li>{escape(u)}</li>" for u in t.unknown_because]
    if t.already_tagged:
        why.append("<li>already tagged</li>")
    why += [f"<li>kept local by {escape(k)}</li>" for k in t.kept_local]
    caveats = [
        f'<li><a href="#f{findings.add(d, t)}"><code>{escape(d.rule)}</code></a> {_where(d)}</li>'
        for d in t.caveats
    ]
    tags = " ".join(f"<code>{escape(tag)}</code>" for tag in t.suggested_tags)
    cell = f'<ul class="why">{"".join(why)}</ul>' if why else ""
    if caveats:
        cell += f'caveats:<ul class="why">{"".join(caveats)}</ul>'
    if tags:
        cell += f"suggested: {tags}"
    return (
        f'<tr data-v="{t.verdict}"><td><code>{escape(t.label)}</code></td><td>{escape(t.info.kind)}</td>'
        f"<td>{_verdict(t.verdict)}</td><td>{cell or '—'}</td>"
        f"<td>{escape(PROVENANCE.get(t.provenance, t.provenance))}</td></tr>"
    )


def _counts_text(counter: Counter[str]) -> str:
    return ", ".join(f"{counter[v]} {v}" for v in VERDICTS if counter[v])


def render(inventory: Inventory) -> str:
    s = inventory.summary()
    total = sum(s.values())
    findings = _Findings()
    by_package: dict[str, list[TargetVerdict]] = defaultdict(list)
    for t in inventory.verdicts:
        by_package[_package(t)].append(t)

    package_sections = []
    package_counts: list[tuple[str, Counter[str]]] = []
    for package in sorted(by_package):
        targets = by_package[package]
        counter = Counter(t.verdict for t in targets)
        package_counts.append((package, counter))
        rows = "".join(_row(t, findings) for t in targets)
        package_sections.append(
            f'<details class="pkg"><summary><code>{escape(package)}</code>'
            f'<span class="count">{len(targets)} target{"s" if len(targets) != 1 else ""}: '
            f"{_counts_text(counter)}</span></summary>"
            '<div class="body"><table><colgroup><col class="t"><col class="k"><col class="v"><col><col class="p">'
            "</colgroup><thead><tr><th>Target</th><th>Kind</th><th>Verdict</th><th>Why</th><th>Source</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></div></details>"
        )

    # Per reason: blocking rules count the targets they decide; each finding lists its targets.
    per_rule: dict[str, set[str]] = defaultdict(set)
    per_rule_caveat: dict[str, set[str]] = defaultdict(set)
    for t in inventory.verdicts:
        for d in t.reasons:
            per_rule[d.rule].add(t.label)
        for d in t.caveats:
            per_rule_caveat[d.rule].add(t.label)
    rules = sorted(set(per_rule) | set(per_rule_caveat), key=lambda r: (-len(per_rule[r]), r))
    reason_rows = "".join(
        f'<tr><td><a href="#r-{escape(rule)}"><code>{escape(rule)}</code></a></td>'
        f'<td class="n">{len(per_rule[rule])}</td><td class="n">{len(per_rule_caveat[rule])}</td></tr>'
        for rule in rules
    )
    unknown_rows = "".join(
        f'<tr><td>{escape(cause)}</td><td class="n">{count}</td><td>{escape(resolve)}</td></tr>'
        for cause, count, resolve in inventory.unknown_causes()[:15]
    )
    worst = sorted(package_counts, key=lambda pc: (-pc[1]["no-remote-exec"], -pc[1]["unknown"], pc[0]))
    package_rows = "".join(
        f'<tr><td><code>{escape(package)}</code></td><td class="n">{sum(counter.values())}</td>'
        + "".join(f'<td class="n">{counter[v]}</td>' for v in VERDICTS)
        + "</tr>"
        for package, counter in worst[:25]
    )

    reason_sections = []
    by_rule: dict[str, list[int]] = defaultdict(list)
    for number, d in enumerate(findings.findings):
        by_rule[d.rule].append(number)
    for rule in sorted(by_rule, key=lambda r: (-len(per_rule[r]), r)):
        items = []
        for number in by_rule[rule]:
            d = findings.findings[number]
            targets = findings.targets[number]
            labels = "".join(f'<li data-v="{t.verdict}"><code>{escape(t.label)}</code></li>' for t in targets)
            items.append(
                f'<li id="f{number}">{_where(d)}: <span class="msg">{escape(d.message)}</span> '
                f'({len(targets)} target{"s" if len(targets) != 1 else ""})<ul class="labels">{labels}</ul></li>'
            )
        reason_sections.append(
            f'<details class="reason" id="r-{escape(rule)}"><summary><code>{escape(rule)}</code>'
            f'<span class="count">{len(per_rule[rule])} blocked, {len(per_rule_caveat[rule])} with caveat</span>'
            f'</summary><div class="body"><ul>{"".join(items)}</ul></div></details>'
        )

    requirements = (
        "".join(
            f"<details><summary><code>{escape(tool)}</code>"
            f'<span class="count">{len(labels)} target{"s" if len(labels) != 1 else ""}</span></summary>'
            f'<div class="body"><ul class="labels">{"".join(f"<li><code>{escape(label)}</code></li>" for label in labels)}'
            "</ul></div></details>"
            for tool, labels in inventory.worker_requirements
        )
        or "<p>None found.</p>"
    )
    rc = escape("\n".join(inventory.bazelrc_suggestions)) if inventory.bazelrc_suggestions else ""
    name = PurePath(inventory.root).name or inventory.root
    cards = "".join(
        f'<div class="card"><b class="v-{v}">{s[v]}</b>{v}</div>'
        for v in ("remote-ok", "no-remote-exec", "unknown")
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Remote execution inventory: {escape(name)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<style>{STYLE}</style></head>
<body>
<header><h1>Remote execution inventory</h1>
<span class="meta">workspace <code>{escape(name)}</code> · Bazel {escape(inventory.bazel_version or "version unknown")} · {total} targets</span>
<input id="q" type="search" placeholder="Search targets, rules, paths…" aria-label="Search" hidden>
<select id="verdict" aria-label="Verdict" hidden><option value="">every verdict</option>{"".join(f'<option value="{v}">{v}</option>' for v in VERDICTS)}</select>
<span id="shown" hidden></span></header>
<main>
<section id="summary"><div class="cards">{cards}<div class="card"><b>{total}</b>targets</div></div>
<div class="grid">
<div><h2>Per reason</h2><table><thead><tr><th>Rule</th><th class="n">blocked</th><th class="n">caveat</th></tr></thead>
<tbody>{reason_rows or '<tr><td colspan="3">No findings.</td></tr>'}</tbody></table>
{f'<h2>Why unknown</h2><table><thead><tr><th>Cause</th><th class="n">targets</th><th>To resolve</th></tr></thead><tbody>{unknown_rows}</tbody></table>' if unknown_rows else ""}</div>
<div><h2>Per package <span class="count">({len(package_counts)} packages; most blocked first{", top 25" if len(package_counts) > 25 else ""})</span></h2>
<table><thead><tr><th>Package</th><th class="n">targets</th>{"".join(f'<th class="n">{v}</th>' for v in VERDICTS)}</tr></thead><tbody>{package_rows}</tbody></table></div>
</div>
<h2>.bazelrc findings</h2>{_findings_list(inventory.rc_findings, "None.")}
{f"<h2>Repository rule findings</h2>{_findings_list(inventory.fetch_hazards, 'None.')}" if inventory.fetch_hazards else ""}
<h2>Worker image requirements</h2><p>Programs actions and tests take from the host: provide them in the worker image or declare them.</p>{requirements}
<h2>Suggested .bazelrc lines</h2>{f"<pre>{rc}</pre>" if rc else "<p>None.</p>"}
</section>
<section id="targets"><h2>Targets by package</h2>{"".join(package_sections)}</section>
<section id="reasons"><h2>Findings by reason</h2>{"".join(reason_sections) or "<p>No findings.</p>"}</section>
</main>
<script>{SCRIPT}</script>
</body></html>
"""
