"""docs/editors.md's Neovim snippet, run as written in a headless Neovim against a small workspace.

The Lua block is read from the markdown, so a change to the docs that breaks it fails here. The
snippet runs `hermetic-scan lsp`; a wrapper named hermetic-scan on PATH points it at this checkout's
interpreter, as a user's installed entry point would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

EDITORS = ROOT / "docs" / "editors.md"
TIMEOUT_MS = 30_000

# Runs after the first file is loaded: opens the others, waits for each buffer's diagnostics and writes
# what Neovim shows (0-based lnum, message, source, LSP code) and the attached clients to a JSON file.
DUMP = r"""
local out = {}
for _, name in ipairs(vim.fn.json_decode(vim.env.NVIM_TEST_FILES)) do
  vim.cmd("edit " .. vim.fn.fnameescape(name))
  local buf = vim.api.nvim_get_current_buf()
  vim.wait(tonumber(vim.env.NVIM_TEST_TIMEOUT_MS), function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  local diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(diagnostics, {
      lnum = d.lnum, message = d.message, source = d.source or vim.NIL, code = d.code or lsp.code or vim.NIL,
    })
  end
  local clients = {}
  local attached = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = buf }) or vim.lsp.buf_get_clients(buf)
  for _, client in pairs(attached) do
    table.insert(clients, { id = client.id, name = client.name, root_dir = client.config.root_dir or vim.NIL })
  end
  out[name] = { diagnostics = diagnostics, clients = clients }
end
vim.fn.writefile({ vim.fn.json_encode(out) }, vim.env.NVIM_TEST_OUT)
"""

DEFS = """\
def _impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(template = ctx.file._template, output = out, substitutions = {}, is_executable = True)
    return [DefaultInfo(executable = out)]

script_test = rule(
    implementation = _impl,
    test = True,
    attrs = {"_template": attr.label(default = ":run.sh.tpl", allow_single_file = True)},
)
"""

WORKSPACE = {
    "MODULE.bazel": 'module(name = "w")\n',
    "BUILD.bazel": 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n',
    ".bazelrc": "build --action_env=PATH\n",
    "tpl/defs.bzl": DEFS,
    "tpl/BUILD.bazel": 'load(":defs.bzl", "script_test")\n\nscript_test(name = "t")\n',
    "tpl/run.sh.tpl": "#!/bin/sh\nterraform validate\n",
}

# file -> (0-based line, code) that Neovim must show
EXPECTED = {
    "BUILD.bazel": (0, "ambient-tool"),
    ".bazelrc": (0, "host-env"),
    "tpl/run.sh.tpl": (1, "ambient-tool"),
}


def _section(heading_prefix: str) -> tuple[str, str]:
    """The heading line starting with heading_prefix and the first ```lua block under it."""
    lines = EDITORS.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_prefix))
    block: list[str] | None = None
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if block is None:
            if line.strip() == "```lua":
                block = []
        elif line.strip() == "```":
            return lines[start], "\n".join(block) + "\n"
        else:
            block.append(line)
    raise AssertionError(f"no ```lua block under {lines[start]!r} in {EDITORS}")


def _version(text: str) -> tuple[int, ...]:
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    assert match, text
    return tuple(int(part or 0) for part in match.groups())


def _require_nvim(minimum: tuple[int, ...]) -> tuple[str, tuple[int, ...]]:
    """nvim at least the documented minimum: CI must have it (.ci/run installs Debian's), a laptop may not."""
    nvim = shutil.which("nvim")
    if nvim is None:
        reason = "nvim is not installed (apt-get install neovim)"
    else:
        first = subprocess.run([nvim, "--version"], capture_output=True, text=True, check=True).stdout
        version = _version(first.splitlines()[0])
        if version >= minimum:
            return nvim, version
        reason = f"nvim {version} is older than the {minimum} docs/editors.md states"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must install Neovim (.ci/run)")
    pytest.skip(reason)


def test_neovim_snippet_shows_diagnostics(tmp_path: Path) -> None:
    heading, snippet = _section("## Neovim")
    minimum = _version(heading)
    nvim, version = _require_nvim(minimum)

    workspace = tmp_path / "ws"
    for name, text in WORKSPACE.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(text)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "hermetic-scan"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m hermetic_scan "$@"\n')
    wrapper.chmod(0o755)
    init = tmp_path / "init.lua"
    init.write_text(snippet)
    dump = tmp_path / "dump.lua"
    dump.write_text(DUMP)
    out = tmp_path / "out.json"

    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[var] = str(tmp_path / var.lower())
    env["NVIM_TEST_FILES"] = json.dumps(list(EXPECTED))
    env["NVIM_TEST_OUT"] = str(out)
    env["NVIM_TEST_TIMEOUT_MS"] = str(TIMEOUT_MS)

    started = time.monotonic()
    run = subprocess.run(
        [nvim, "--headless", "--clean", "-u", str(init), "BUILD.bazel", "-c", f"luafile {dump}", "-c", "qa!"],
        cwd=workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_MS / 1000 * len(EXPECTED) + 30,
    )
    elapsed = time.monotonic() - started
    assert out.exists(), f"nvim {version} wrote nothing (rc {run.returncode}):\n{run.stdout}\n{run.stderr}"
    shown = json.loads(out.read_text())
    print(f"nvim {'.'.join(map(str, version))}: {elapsed:.1f}s; {json.dumps(shown, indent=1)}")

    client_ids = set()
    for name, (line, code) in EXPECTED.items():
        diagnostics = shown[name]["diagnostics"]
        assert any(d["lnum"] == line and d["code"] == code for d in diagnostics), (
            name,
            diagnostics,
            run.stderr,
        )
        clients = shown[name]["clients"]
        assert [c["name"] for c in clients] == ["hermetic-scan"], (name, clients)
        assert Path(clients[0]["root_dir"]).resolve() == workspace.resolve(), (name, clients)
        client_ids.add(clients[0]["id"])
    # One workspace, one server: the snippet reuses the client it started for the first file.
    assert len(client_ids) == 1, shown
