#!/usr/bin/env python3
"""Generate a synthetic Bazel workspace for benchmarking hermetic-scan.

Usage:
    python bench/generate.py OUT_DIR [--files N] [--seed S]

The workspace holds at least N Starlark files (MODULE.bazel, BUILD.bazel and
.bzl files; default 5000), shaped like those of a large monorepo:

* about one file in five is a .bzl file: rule libraries under tools/rules/
  (public defs.bzl, providers, private rule implementations and helpers, a few
  of them about 1,000 lines long), a module extension, and package-local macro
  files;
* the rest are BUILD.bazel files of 50-400 lines holding genrules, sh_test and
  sh_binary targets (with their .sh scripts), filegroups, calls of the custom
  rules and macros, and a sprinkling of native language rules.

Rule implementations call ctx.actions.run / run_shell / write /
expand_template with and without mnemonics, sometimes with
use_default_shell_env = True, build commands with .format() and triple-quoted
scripts, and some read $BUILD_WORKSPACE_DIRECTORY or call tools that are not
declared as inputs (tofu, terraform, docker, ...).

The output is a pure function of N and the seed. Only the standard library is
used.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Bump when the generated output changes, so that cached workspaces are rebuilt.
GENERATOR_VERSION = "1"

DEFAULT_FILES = 5000
DEFAULT_SEED = 1

MIN_BUILD_LINES = 50
MAX_BUILD_LINES = 400
BIG_BZL_LINES = 1000
# Share of files with a buildifier lint finding or format drift; the rest are
# what `buildifier --lint=warn --mode=check` accepts silently.
DRIFT = 0.03

AREAS = [
    "services",
    "libs",
    "platform",
    "infra",
    "web",
    "data",
    "ml",
    "devtools",
    "ops",
    "apps",
]

NOUNS = [
    "api",
    "assets",
    "audit",
    "auth",
    "batch",
    "billing",
    "cache",
    "catalog",
    "cdn",
    "cluster",
    "config",
    "core",
    "deploy",
    "dns",
    "edge",
    "events",
    "feature",
    "fleet",
    "gateway",
    "graph",
    "identity",
    "index",
    "infer",
    "ingest",
    "inventory",
    "kafka",
    "lake",
    "ledger",
    "mesh",
    "metrics",
    "model",
    "network",
    "notify",
    "orders",
    "payments",
    "pipeline",
    "policy",
    "queue",
    "quota",
    "ranking",
    "registry",
    "release",
    "router",
    "schema",
    "sdk",
    "search",
    "session",
    "shard",
    "storage",
    "stream",
    "sync",
    "tenant",
    "tracing",
    "ui",
    "users",
    "vault",
    "vpc",
    "worker",
]

SUBDIRS = [
    "v1",
    "v2",
    "internal",
    "testing",
    "config",
    "deploy",
    "proto",
    "bin",
    "lib",
    "client",
    "server",
    "e2e",
]

LIB_NAMES = [
    "terraform",
    "docker",
    "helm",
    "k8s",
    "proto",
    "codegen",
    "assets",
    "config",
    "docs",
    "release",
    "lint",
    "pkg",
    "oci",
    "js",
    "sql",
    "schema",
    "openapi",
    "grpc",
    "i18n",
    "stamp",
    "bundle",
    "migrations",
    "fixtures",
    "secrets",
    "cloudrun",
    "lambda_fn",
    "ansible",
    "packer",
    "nix",
    "wasm",
]

RULE_SUFFIXES = [
    "library",
    "binary",
    "bundle",
    "gen",
    "render",
    "plan",
    "apply",
    "validate",
    "image",
    "push",
    "archive",
    "manifest",
    "config",
    "test",
    "lint",
    "fmt",
    "compile",
    "package",
    "publish",
    "deploy",
    "template",
    "docs",
    "schema",
    "stamp",
    "check",
    "export",
    "index",
    "diff",
]

NON_HERMETIC_LIBS = {"terraform", "docker", "helm", "k8s", "oci", "packer", "ansible"}

UNDECLARED_TOOLS = ["tofu", "terraform", "docker", "helm", "kubectl", "gcloud", "aws"]

# What each undeclared tool is typically asked to do. {placeholders} are filled
# by the generated Starlark's .format() calls ({tool}, {flags}, {srcs}, {out},
# {name}); "$ROOT" is the exec root saved by the script before it cd's away.
TOOL_ONE_LINERS = {
    "tofu": ["{tool} fmt -check {flags} {srcs} > {out}", "{tool} validate {flags} && touch {out}"],
    "terraform": ["{tool} fmt -check {flags} {srcs} > {out}", "{tool} show -json {flags} {srcs} > {out}"],
    "docker": ["{tool} build -q {flags} -f {srcs} . > {out}", "{tool} image inspect {flags} {srcs} > {out}"],
    "helm": ["{tool} lint {flags} {srcs} > {out}", "{tool} template {flags} {srcs} > {out}"],
    "kubectl": ["{tool} apply --dry-run=client {flags} -f {srcs} -o yaml > {out}"],
    "gcloud": ["{tool} config list --format=json {flags} > {out}"],
    "aws": ["{tool} sts get-caller-identity {flags} > {out}"],
}
LAUNCH_VERBS = {
    "tofu": "apply -auto-approve",
    "terraform": "apply",
    "docker": "run --rm",
    "helm": "upgrade --install",
    "kubectl": "apply -f",
    "gcloud": "run deploy",
    "aws": "cloudformation deploy",
}
# Genrule commands calling a tool that is not in `tools` (Make-variable syntax).
GENRULE_AMBIENT = {
    "tofu": ["tofu fmt -write=false $(SRCS) > $@", "tofu version > $@ && cat $(SRCS) >> $@"],
    "terraform": ["terraform fmt -write=false $(SRCS) > $@", "terraform version -json > $@"],
    "docker": [
        "docker build -q -f $(location @SRC@) . > $@",
        "docker version --format '{{.Server.Version}}' > $@",
    ],
    "helm": ["helm template synth $$(dirname $(location @SRC@)) > $@"],
    "kubectl": ["kubectl kustomize $$(dirname $(location @SRC@)) > $@"],
    "gcloud": ["gcloud config get-value project > $@"],
    "aws": ["aws s3 cp s3://synth-artifacts/$(location @SRC@) $@"],
}
TOOL_SCRIPTS = {
    "tofu": ["tofu init -backend=false -input=false >/dev/null", 'tofu plan {flags} -out="$ROOT/{out}"'],
    "terraform": [
        "terraform init -backend=false -input=false >/dev/null",
        'terraform providers schema -json {flags} > "$ROOT/{out}"',
    ],
    "docker": [
        "docker build -q {flags} -t bazel-{name} . >/dev/null",
        'docker save bazel-{name} -o "$ROOT/{out}"',
    ],
    "helm": ["helm dependency build . >/dev/null", 'helm template {name} . {flags} > "$ROOT/{out}"'],
    "kubectl": ['kubectl kustomize . {flags} > "$ROOT/{out}"'],
    "gcloud": ['gcloud builds submit --config=cloudbuild.yaml {flags} > "$ROOT/{out}"'],
    "aws": ['aws s3 cp --recursive . "s3://bazel-artifacts/{name}" {flags} > "$ROOT/{out}"'],
}

TOOL_GROUPS = {
    "codegen": [
        "render",
        "gen_config",
        "compile_schema",
        "gen_client",
        "gen_docs",
        "protoc_wrapper",
        "openapi_gen",
        "i18n_extract",
        "sql_gen",
        "template_expand",
    ],
    "release": [
        "stamp",
        "pack",
        "checksum",
        "publish",
        "sign",
        "bundle",
        "changelog",
        "version_bump",
        "upload",
        "manifest",
    ],
    "lint": [
        "lint_yaml",
        "lint_json",
        "fmt_check",
        "license_check",
        "schema_check",
        "deps_check",
        "tf_lint",
        "docker_lint",
        "shellcheck_wrapper",
        "spell",
    ],
}

SRC_EXTS = ["yaml", "json", "tf", "proto", "tmpl", "txt", "sql", "toml", "cfg", "md"]
OUT_EXTS = ["json", "yaml", "txt", "tar", "out", "sh", "env", "bin", "zip", "pb"]

PY_KEYWORDS = {
    "and",
    "as",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "try",
    "while",
    "with",
    "yield",
}

SHELL_RUNFILES_INIT = """\
# --- begin runfiles.bash initialization v3 ---
set -uo pipefail; set +e; f=bazel_tools/tools/bash/runfiles/runfiles.bash
source "${RUNFILES_DIR:-/dev/null}/$f" 2>/dev/null || \\
  source "$(grep -sm1 "^$f " "${RUNFILES_MANIFEST_FILE:-/dev/null}" | cut -f2- -d' ')" 2>/dev/null || \\
  source "$0.runfiles/$f" 2>/dev/null || \\
  { echo>&2 "ERROR: cannot find $f"; exit 1; }; f=; set -e
# --- end runfiles.bash initialization v3 ---
"""


# ---------------------------------------------------------------------------
# Rendering helpers
# ---------------------------------------------------------------------------


class Raw(str):
    """A Starlark expression emitted verbatim."""


@dataclass
class Select:
    """`base + select(cases)` (base may be empty: then just `select(cases)`)."""

    base: list[object]
    cases: dict[str, object]


def q(s: str) -> str:
    """Quote s as a Starlark (and Python) double-quoted string literal."""
    return json.dumps(s)


def sub(template: str, **values: str) -> str:
    """Replace @KEY@ placeholders; avoids brace escaping for Starlark text."""
    for key, value in values.items():
        template = template.replace("@" + key.upper() + "@", value)
    return template


def render(value: object, indent: int) -> str:
    pad = " " * indent
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return q(value)
    if isinstance(value, Select):
        sel = "select(" + render(value.cases, indent) + ")"
        if not value.base:
            return sel
        return render(value.base, indent) + " + " + sel
    if isinstance(value, list):
        if not value:
            return "[]"
        if len(value) == 1 and not isinstance(value[0], (list, dict)):
            return "[" + render(value[0], indent) + "]"
        inner = "".join(f"{pad}    {render(v, indent + 4)},\n" for v in value)
        return "[\n" + inner + pad + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "".join(f"{pad}    {q(str(k))}: {render(v, indent + 4)},\n" for k, v in value.items())
        return "{\n" + inner + pad + "}"
    raise TypeError(f"cannot render {value!r}")


# Buildifier's argument order for rule calls (tables.NamePriority).
NAME_PRIORITY = {
    "name": -99,
    "size": -95,
    "timeout": -94,
    "testonly": -93,
    "src": -92,
    "srcs": -90,
    "out": -89,
    "outs": -88,
    "hdrs": -87,
    "exports": 2,
    "runtime_deps": 3,
    "deps": 4,
    "implementation": 5,
}

# Buildifier sorts string lists passed as these arguments (tables.IsSortableListArg).
SORTABLE_ARGS = {"data", "deps", "hdrs", "out", "outs", "srcs", "tags", "tests", "tools"}
SORTABLE_ARGS |= {"visibility", "default_visibility", "exports", "runtime_deps"}
UNSORTABLE = {"genrule.srcs", "genrule.outs"}


def _label_sort_key(value: str) -> tuple[int, list[str], str]:
    if value.startswith(":"):
        phase = 1
    elif value.startswith("//"):
        phase = 2
    elif value.startswith("@"):
        phase = 3
    else:
        phase = 0
    return phase, value.replace(":", ".").split("."), value


def sort_strings(value: object) -> object:
    """Sort a string list (or the lists inside a select) as buildifier does."""
    if isinstance(value, Select):
        return Select(
            list(sort_strings(value.base)),  # type: ignore[call-overload]
            {k: sort_strings(v) for k, v in value.cases.items()},
        )
    if isinstance(value, list) and all(isinstance(v, str) and not isinstance(v, Raw) for v in value):
        unique = dict.fromkeys(str(v) for v in value)
        return sorted(unique, key=_label_sort_key)
    return value


def call(fn: str, kwargs: list[tuple[str, object]], indent: int = 0) -> list[str]:
    """Render fn(k = v, ...) one argument per line, in buildifier's format."""
    pad = " " * indent
    out = [f"{pad}{fn}("]
    order = sorted(
        range(len(kwargs)),
        key=lambda i: (NAME_PRIORITY.get(kwargs[i][0], 0), kwargs[i][0], i),
    )
    for i in order:
        key, value = kwargs[i]
        if key in SORTABLE_ARGS and f"{fn}.{key}" not in UNSORTABLE:
            value = sort_strings(value)
        out.append(f"{pad}    {key} = {render(value, indent + 4)},")
    out.append(f"{pad})")
    return "\n".join(out).split("\n")


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_") if part)


def load_order(path: str) -> tuple[int, str, str, str]:
    """Buildifier's order of load statements: by repository, package, file."""
    phase = 0 if path.startswith("@") else 1 if path.startswith("//") else 2
    repo, _, rest = path.partition("//") if "//" in path else ("", "", path)
    package, _, name = rest.rpartition(":")
    return phase, repo, package, name


def render_loads(loads: dict[str, set[str]]) -> list[str]:
    lines = []
    for path in sorted(loads, key=load_order):
        symbols = sorted(loads[path])
        lines.append("load(" + ", ".join([q(path)] + [q(s) for s in symbols]) + ")")
    return lines


# ---------------------------------------------------------------------------
# Model of what is generated
# ---------------------------------------------------------------------------


@dataclass
class Tool:
    label: str
    name: str


@dataclass
class RuleSpec:
    name: str
    kind: str
    lib: str
    attrs: list[str]
    ext: str
    executable: bool = False
    test: bool = False


@dataclass
class MacroSpec:
    name: str
    params: list[str]
    load_path: str
    symbolic: bool = False


@dataclass
class Lib:
    name: str
    path: str
    rules: list[RuleSpec] = field(default_factory=list)
    macros: list[MacroSpec] = field(default_factory=list)

    @property
    def defs(self) -> str:
        return f"//{self.path}:defs.bzl"


@dataclass
class Target:
    lines: list[str]
    names: list[str]
    loads: dict[str, set[str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)


class Workspace:
    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.starlark = 0
        self.bzl = 0

    def add(self, path: str, lines: list[str] | str) -> None:
        if path in self.files:
            raise ValueError(f"duplicate file {path}")
        text = lines if isinstance(lines, str) else "\n".join(lines).rstrip() + "\n"
        self.files[path] = text
        name = path.rsplit("/", 1)[-1]
        if name.endswith(".bzl"):
            self.bzl += 1
            self.starlark += 1
        elif name in ("BUILD.bazel", "BUILD", "MODULE.bazel", "WORKSPACE"):
            self.starlark += 1


# ---------------------------------------------------------------------------
# Rule libraries (.bzl)
# ---------------------------------------------------------------------------

ATTR_DECLS = {
    "srcs": 'attr.label_list(allow_files = True, doc = "Input files.")',
    "deps": 'attr.label_list(doc = "Targets whose outputs are also inputs.")',
    "data": 'attr.label_list(allow_files = True, doc = "Runtime data.")',
    "out": 'attr.string(doc = "Name of the output file.")',
    "args": 'attr.string_list(doc = "Extra arguments for the tool.")',
    "flags": "attr.string_list(default = [])",
    "env": 'attr.string_dict(doc = "Environment for the action.")',
    "template": "attr.label(allow_single_file = True, mandatory = True)",
    "substitutions": "attr.string_dict()",
    "workdir": 'attr.string(default = ".")',
    "version": 'attr.string(default = "0.0.0")',
    "image": 'attr.string(doc = "Image reference, e.g. registry/name:tag.")',
    "config": "attr.label(allow_single_file = True)",
}

TOOL_ATTR = (
    "attr.label(\n"
    '            default = "@TOOL@",\n'
    "            executable = True,\n"
    '            cfg = "exec",\n'
    "        )"
)

KIND_ATTRS = {
    "run": ["srcs", "deps", "out", "args", "env"],
    "run_each": ["srcs", "deps", "args"],
    "shell_format": ["srcs", "deps", "out", "flags"],
    "shell_script": ["srcs", "out", "workdir", "flags"],
    "docker": ["srcs", "image", "config", "out"],
    "launcher": ["srcs", "data", "workdir", "args"],
    "template": ["template", "substitutions", "out", "version"],
    "helper": ["srcs", "deps", "out", "args"],
    "multi": ["srcs", "deps", "out", "config"],
    "test": ["srcs", "data", "args", "env"],
}

KIND_USES_TOOL = {
    "run": True,
    "run_each": True,
    "shell_format": True,
    "shell_script": False,
    "docker": False,
    "launcher": True,
    "template": False,
    "helper": True,
    "multi": True,
    "test": True,
}


def pick_kind(rng: random.Random, lib: str, suffix: str) -> str:
    if suffix == "test" or (suffix == "check" and rng.random() < 0.5):
        return "test"
    if suffix in ("apply", "deploy", "push", "publish"):
        return "launcher"
    if suffix in ("template", "config", "stamp"):
        return "template" if rng.random() < 0.7 else "shell_format"
    if suffix == "image" or (lib in ("docker", "oci") and rng.random() < 0.4):
        return "docker"
    if lib in NON_HERMETIC_LIBS and rng.random() < 0.5:
        return rng.choice(["shell_script", "shell_format"])
    return rng.choice(["run", "run", "run_each", "shell_format", "shell_script", "helper", "multi"])


def gen_rule_code(
    rng: random.Random, rule: RuleSpec, provider: str, tools: list[Tool]
) -> tuple[list[str], list[str], set[str]]:
    """Return (module-level constants, impl + rule() lines, helper names used)."""
    impl = f"_{rule.name}_impl"
    mnemonic = camel(rule.name)
    has_mnemonic = rng.random() < 0.7
    shell_env = rng.random() < 0.25
    undeclared = rng.choice(UNDECLARED_TOOLS)
    reads_bwd = rng.random() < 0.3
    consts: list[str] = []
    body: list[str] = []
    helpers: set[str] = set()
    uses_tool = KIND_USES_TOOL[rule.kind]
    tool = rng.choice(tools)
    ext = rule.ext

    def action_tail(indent: str = "        ") -> list[str]:
        lines = []
        if has_mnemonic:
            lines.append(f'{indent}mnemonic = "{mnemonic}",')
            lines.append(f'{indent}progress_message = "{camel(rule.kind)} %{{label}}",')
        if shell_env:
            lines.append(f"{indent}use_default_shell_env = True,")
        elif rng.random() < 0.15:
            lines.append(f'{indent}execution_requirements = {{"no-remote": "1"}},')
        return lines

    inputs_expr = (
        "depset(ctx.files.srcs, transitive = [dep[DefaultInfo].files for dep in ctx.attr.deps])"
        if "deps" in rule.attrs
        else "ctx.files.srcs"
    )
    out_decl = f'    out = ctx.actions.declare_file(ctx.attr.out or ctx.label.name + ".{ext}")'

    body.append(f"def {impl}(ctx):")
    if rule.kind == "run":
        body += [
            out_decl,
            "    args = ctx.actions.args()",
            f'    args.add("--mode", "{rng.choice(["fast", "strict", "release", "debug"])}")',
            '    args.add("--output", out)',
            "    args.add_all(_DEFAULT_FLAGS)",
            "    args.add_all(ctx.attr.args)",
            "    args.add_all(ctx.files.srcs)",
            "    ctx.actions.run(",
            "        executable = ctx.executable._tool,",
            "        arguments = [args],",
            f"        inputs = {inputs_expr},",
            "        outputs = [out],",
            "        env = ctx.attr.env,",
            *action_tail(),
            "    )",
            "    return [",
            "        DefaultInfo(files = depset([out])),",
            f"        {provider}(outputs = depset([out]), srcs = depset(ctx.files.srcs)),",
            "    ]",
        ]
    elif rule.kind == "run_each":
        body += [
            "    outs = []",
            "    for src in ctx.files.srcs:",
            f'        out = ctx.actions.declare_file(src.basename + ".{ext}")',
            "        ctx.actions.run(",
            "            executable = ctx.executable._tool,",
            '            arguments = ["--in", src.path, "--out", out.path] + _DEFAULT_FLAGS + ctx.attr.args,',
            "            inputs = [src],",
            "            outputs = [out],",
            *action_tail("            "),
            "        )",
            "        outs.append(out)",
            "    return [DefaultInfo(files = depset(outs))]",
        ]
    elif rule.kind == "shell_format":
        if rng.random() < 0.5:
            tool_expr = "ctx.executable._tool.path"
            tools_line = ["        tools = [ctx.executable._tool],"]
            cmd = rng.choice(
                [
                    "{tool} {flags} --out {out} {srcs}",
                    "{tool} --config={flags} {srcs} > {out}",
                    "mkdir -p $(dirname {out}) && {tool} {flags} {srcs} > {out}",
                ]
            )
        else:
            tool_expr = q(undeclared)
            tools_line = []
            cmd = rng.choice(TOOL_ONE_LINERS[undeclared])
            if reads_bwd:
                cmd = 'cd "$BUILD_WORKSPACE_DIRECTORY" && ' + cmd
        body += [
            out_decl,
            f"    cmd = {q(cmd)}.format(",
            f"        tool = {tool_expr},",
            '        flags = " ".join(ctx.attr.flags),',
            "        out = out.path,",
            '        srcs = " ".join([f.path for f in ctx.files.srcs]),',
            "    )",
            "    ctx.actions.run_shell(",
            "        command = cmd,",
            f"        inputs = {inputs_expr},",
            *tools_line,
            "        outputs = [out],",
            *action_tail(),
            "    )",
            "    return [DefaultInfo(files = depset([out]))]",
        ]
    elif rule.kind == "shell_script":
        script_name = f"_{rule.name.upper()}_SCRIPT"
        cd_line = 'cd "$BUILD_WORKSPACE_DIRECTORY/{workdir}"' if reads_bwd else 'cd "$(dirname {first})"'
        consts += [
            f'{script_name} = """',
            "set -euo pipefail",
            'export HOME="$(mktemp -d)"',
            'ROOT="$PWD"',
            cd_line,
            *TOOL_SCRIPTS[undeclared],
            'echo "done: {name}" >&2',
            '"""',
            "",
        ]
        body += [
            out_decl,
            '    first = ctx.files.srcs[0].path if ctx.files.srcs else "."',
            f"    script = {script_name}.format(",
            "        workdir = ctx.attr.workdir,",
            "        first = first,",
            '        flags = " ".join(ctx.attr.flags),',
            "        out = out.path,",
            "        name = ctx.label.name,",
            "    )",
            "    ctx.actions.run_shell(",
            "        command = script,",
            "        inputs = ctx.files.srcs,",
            "        outputs = [out],",
            *action_tail(),
            "    )",
            "    return [DefaultInfo(files = depset([out]))]",
        ]
    elif rule.kind == "docker":
        body += [
            out_decl,
            '    tag = ctx.attr.image or "bazel/" + ctx.label.package + ":" + ctx.label.name',
            "    ctx.actions.run_shell(",
            '        command = "docker build -q -f %s -t %s $(dirname %s) && docker save %s -o %s" % (',
            "            ctx.file.config.path,",
            "            tag,",
            "            ctx.file.config.path,",
            "            tag,",
            "            out.path,",
            "        ),",
            "        inputs = ctx.files.srcs + [ctx.file.config],",
            "        outputs = [out],",
            *action_tail(),
            "    )",
            "    return [DefaultInfo(files = depset([out]))]",
        ]
    elif rule.kind == "launcher":
        launcher = f"_{rule.name.upper()}_LAUNCHER"
        if reads_bwd or rng.random() < 0.6:
            cd = 'cd "${{BUILD_WORKSPACE_DIRECTORY:?run me with bazel run}}/{workdir}"'
        else:
            cd = 'cd "$(dirname "$0")"'
        runner = (
            f'exec {undeclared} {LAUNCH_VERBS[undeclared]} {{args}} "$@"'
            if rng.random() < 0.5
            else 'exec "$RUNFILES_DIR/{tool}" {args} "$@"'
        )
        consts += [
            f'{launcher} = """#!/usr/bin/env bash',
            "set -euo pipefail",
            'RUNFILES_DIR="${{RUNFILES_DIR:-$0.runfiles}}"',
            cd,
            runner,
            '"""',
            "",
        ]
        body += [
            '    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")',
            "    ctx.actions.write(",
            "        output = launcher,",
            f"        content = {launcher}.format(",
            "            workdir = ctx.attr.workdir,",
            '            args = " ".join(ctx.attr.args),',
            "            tool = ctx.executable._tool.short_path,",
            "        ),",
            "        is_executable = True,",
            "    )",
            "    runfiles = ctx.runfiles(files = ctx.files.srcs + ctx.files.data + [ctx.executable._tool])",
            "    runfiles = runfiles.merge(ctx.attr._tool[DefaultInfo].default_runfiles)",
            "    return [DefaultInfo(executable = launcher, runfiles = runfiles)]",
        ]
    elif rule.kind == "template":
        marker = rng.choice([("{{", "}}"), ("@@", "@@"), ("${", "}")])
        body += [
            out_decl,
            "    substitutions = {",
            f'        "{marker[0]}NAME{marker[1]}": ctx.label.name,',
            f'        "{marker[0]}PACKAGE{marker[1]}": ctx.label.package,',
            f'        "{marker[0]}VERSION{marker[1]}": ctx.attr.version,',
            "    }",
            "    substitutions.update(ctx.attr.substitutions)",
            "    ctx.actions.expand_template(",
            "        template = ctx.file.template,",
            "        output = out,",
            "        substitutions = substitutions,",
        ]
        if rng.random() < 0.3:
            body.append("        is_executable = True,")
        body += [
            "    )",
            "    return [DefaultInfo(files = depset([out]))]",
        ]
    elif rule.kind == "helper":
        helper = rng.choice(["run_tool_action", "run_tool_action", "shell_action"])
        helpers.add(helper)
        body += [out_decl]
        if helper == "run_tool_action":
            body += [
                "    run_tool_action(",
                "        ctx,",
                "        tool = ctx.executable._tool,",
                f"        inputs = {inputs_expr},",
                "        outputs = [out],",
                '        arguments = ["--out", out.path] + ctx.attr.args + [f.path for f in ctx.files.srcs],',
            ]
            if has_mnemonic:
                body.append(f'        mnemonic = "{mnemonic}",')
            body.append("    )")
        else:
            body += [
                "    shell_action(",
                "        ctx,",
                '        command = "{tool} --out {out} {srcs}".format(',
                f"            tool = {q(undeclared) if rng.random() < 0.4 else 'ctx.executable._tool.path'},",
                "            out = out.path,",
                '            srcs = " ".join([f.path for f in ctx.files.srcs]),',
                "        ),",
                "        inputs = ctx.files.srcs,",
                "        outputs = [out],",
                "    )",
            ]
        body.append("    return [DefaultInfo(files = depset([out]))]")
    elif rule.kind == "multi":
        helpers.add("write_manifest")
        body += [
            out_decl,
            '    manifest = write_manifest(ctx, ctx.label.name + ".manifest", ctx.files.srcs)',
            '    params = ctx.actions.declare_file(ctx.label.name + ".params")',
            "    ctx.actions.write(",
            "        output = params,",
            '        content = "\\n".join([',
            '            "--manifest=" + manifest.path,',
            '            "--out=" + out.path,',
            '            "--config=" + (ctx.file.config.path if ctx.file.config else ""),',
            "        ]),",
            "    )",
            "    ctx.actions.run(",
            "        executable = ctx.executable._tool,",
            '        arguments = ["@" + params.path],',
            f"        inputs = depset([manifest, params] + ctx.files.config, transitive = [{inputs_expr if 'deps' in rule.attrs else 'depset(ctx.files.srcs)'}]),",
            "        outputs = [out],",
            *action_tail(),
            "    )",
            "    return [",
            "        DefaultInfo(files = depset([out])),",
            f"        {provider}(outputs = depset([out]), srcs = depset(ctx.files.srcs)),",
            "    ]",
        ]
    elif rule.kind == "test":
        body += [
            '    runner = ctx.actions.declare_file(ctx.label.name + "_runner.sh")',
            "    ctx.actions.write(",
            "        output = runner,",
            '        content = "\\n".join([',
            '            "#!/usr/bin/env bash",',
            '            "set -euo pipefail",',
        ]
        if reads_bwd:
            body.append('            "cd \\"${BUILD_WORKSPACE_DIRECTORY:-$TEST_SRCDIR}\\"",')
        body += [
            '            "exec {} {} \\"$@\\"".format(',
            "                ctx.executable._tool.short_path,",
            '                " ".join([f.short_path for f in ctx.files.srcs] + ctx.attr.args),',
            "            ),",
            "        ]),",
            "        is_executable = True,",
            "    )",
            "    runfiles = ctx.runfiles(files = ctx.files.srcs + ctx.files.data + [ctx.executable._tool])",
            "    return [",
            "        DefaultInfo(executable = runner, runfiles = runfiles),",
            "        RunEnvironmentInfo(environment = ctx.attr.env),",
            "    ]",
        ]
    else:  # pragma: no cover - exhaustive
        raise ValueError(rule.kind)

    body.append("")
    doc = rng.choice(
        [
            f"Runs the {rule.lib} toolchain over srcs.",
            f"Generates {ext} output for {rule.lib}.",
            f"{camel(rule.kind)} rule of the {rule.lib} library.",
        ]
    )
    body.append(f"{rule.name} = rule(")
    body.append(f"    implementation = {impl},")
    body.append("    attrs = {")
    for attr in rule.attrs:
        body.append(f'        "{attr}": {ATTR_DECLS[attr]},')
    if uses_tool:
        body.append(f'        "_tool": {sub(TOOL_ATTR, tool=tool.label)},')
    body.append("    },")
    if rule.executable:
        body.append("    executable = True,")
    if rule.test:
        body.append("    test = True,")
    if rule.kind in ("run", "multi") and rng.random() < 0.3:
        body.append(f"    provides = [{provider}],")
    body.append(f"    doc = {q(doc)},")
    body.append(")")
    body.append("")
    return consts, body, helpers


HELPERS_BZL = '''"""Private helpers shared by the @LIB@ rules."""

load("@bazel_skylib//lib:paths.bzl", "paths")

_SHELL_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,"

def _needs_quoting(s):
    for c in s.elems():
        if c not in _SHELL_SAFE:
            return True
    return False

def shell_quote(s):
    """Quotes s for a POSIX shell.

    Args:
      s: the string to quote.

    Returns:
      s, quoted if it holds characters that the shell would interpret.
    """
    if not s:
        return "''"
    if not _needs_quoting(s):
        return s
    return "'" + s.replace("'", "'\\\\''") + "'"

def declare_outputs(ctx, srcs, ext):
    """Declares one output per source, with its extension replaced by ext."""
    return [
        ctx.actions.declare_file(paths.replace_extension(src.basename, ext))
        for src in srcs
    ]

def run_tool_action(ctx, tool, inputs, outputs, arguments, mnemonic = None, env = None):
    """Runs tool through bash so that its output can be redirected."""
    ctx.actions.run_shell(
        command = '@RUNNER@ "$@"'.format(tool = tool.path),
        arguments = arguments,
        inputs = inputs,
        tools = [tool],
        outputs = outputs,
        mnemonic = mnemonic,
        env = env or {},
        use_default_shell_env = @SHELL_ENV@,
    )

def shell_action(ctx, command, inputs, outputs, mnemonic = None):
    """Runs command in a shell (no declared tool)."""
    ctx.actions.run_shell(
        command = command,
        inputs = inputs,
        outputs = outputs,
        mnemonic = mnemonic,
        use_default_shell_env = True,
    )

def write_manifest(ctx, name, files):
    """Writes the paths of files, one per line, and returns the manifest."""
    manifest = ctx.actions.declare_file(name)
    ctx.actions.write(
        output = manifest,
        content = "\\n".join([f.path for f in files]) + "\\n",
    )
    return manifest

def workspace_script(ctx, body):
    """Wraps body in a script that runs from the workspace root."""
    script = ctx.actions.declare_file(ctx.label.name + "_ws.sh")
    ctx.actions.write(
        output = script,
        content = """#!/usr/bin/env bash
set -euo pipefail
cd "$BUILD_WORKSPACE_DIRECTORY"
{body}
""".format(body = body),
        is_executable = True,
    )
    return script

def collect_files(deps):
    """Returns the transitive files of deps."""
    return depset(transitive = [dep[DefaultInfo].files for dep in deps])
'''

EXTRA_HELPERS = [
    '''
def docker_build_action(ctx, dockerfile, context, tag, out):
    """Builds an image with the host docker daemon (not hermetic)."""
    ctx.actions.run_shell(
        command = "docker build -q -f {dockerfile} -t {tag} {context} > {out}".format(
            dockerfile = dockerfile.path,
            tag = tag,
            context = context,
            out = out.path,
        ),
        inputs = [dockerfile],
        outputs = [out],
        execution_requirements = {"no-sandbox": "1", "requires-network": "1"},
    )
''',
    '''
def stamp_action(ctx, out, keys):
    """Copies stamp keys out of the workspace status files."""
    ctx.actions.run_shell(
        command = "grep -E '^({keys}) ' {stable} {volatile} > {out} || true".format(
            keys = "|".join(keys),
            stable = ctx.info_file.path,
            volatile = ctx.version_file.path,
            out = out.path,
        ),
        inputs = [ctx.info_file, ctx.version_file],
        outputs = [out],
        mnemonic = "Stamp",
    )
''',
    '''
def tf_action(ctx, srcs, out, subcommand = "validate"):
    """Runs terraform (or tofu) found on PATH over srcs."""
    ctx.actions.run_shell(
        command = """
set -e
cd "$(dirname {first})"
${{TF_BIN:-@TF@}} init -backend=false >/dev/null
${{TF_BIN:-@TF@}} {sub} > "$OLDPWD/{out}"
""".format(first = srcs[0].path, sub = subcommand, out = out.path),
        inputs = srcs,
        outputs = [out],
        use_default_shell_env = True,
    )
''',
]


def gen_helpers_bzl(rng: random.Random, lib: str) -> list[str]:
    text = sub(
        HELPERS_BZL,
        lib=lib,
        runner=rng.choice(["{tool}", "exec {tool}", "{tool} --quiet"]),
        shell_env=rng.choice(["True", "False", "False"]),
    )
    for extra in EXTRA_HELPERS:
        if rng.random() < 0.5:
            text += sub(extra, tf=rng.choice(["terraform", "tofu"]))
    return text.rstrip().split("\n")


def gen_rules_bzl(
    rng: random.Random,
    lib: Lib,
    rules: list[RuleSpec],
    provider: str,
    tools: list[Tool],
    big: bool,
) -> list[str]:
    consts: list[str] = []
    bodies: list[str] = []
    used_helpers: set[str] = set()
    for rule in rules:
        c, b, h = gen_rule_code(rng, rule, provider, tools)
        consts += c
        bodies += b
        used_helpers |= h
    header = [
        q(f"Rules of the {lib.name} library: " + ", ".join(r.name for r in rules[:6]) + ".")
        if not big
        else '"""Rules of the ' + lib.name + ' library.\n\nThis file is large on purpose."""',
        "",
    ]
    loads: dict[str, set[str]] = {}
    if any(provider in line for line in bodies):
        loads[f"//{lib.path}/private:providers.bzl"] = {provider}
    if used_helpers:
        loads[f"//{lib.path}/private:helpers.bzl"] = set(used_helpers)
    if rng.random() < DRIFT:
        # An unused load, as a lint finding.
        loads["@bazel_skylib//lib:paths.bzl"] = {"paths"}
    if loads:
        header += render_loads(loads)
        header.append("")
    if any(r.kind in ("run", "run_each") for r in rules):
        flags = [f'    "--{n}",' for n in sorted(set(rng.sample(NOUNS, rng.randint(2, 6))))]
        header += ["_DEFAULT_FLAGS = [", *flags, "]", ""]
    return header + consts + bodies


def gen_providers_bzl(rng: random.Random, lib: Lib, provider: str) -> list[str]:
    lines = [q(f"Providers of the {lib.name} library."), ""]
    lines += [
        f"{provider} = provider(",
        f'    doc = "Information about {lib.name} outputs.",',
        "    fields = {",
        '        "outputs": "depset of generated files",',
        '        "srcs": "depset of the sources that were processed",',
    ]
    for _ in range(rng.randint(0, 4)):
        noun = rng.choice(NOUNS)
        lines.append(f'        "{noun}_info": "extra {noun} data",')
    lines += ["    },", ")", ""]
    lines += [
        f"{camel(lib.name)}ToolchainInfo = provider(",
        '    doc = "Toolchain for the library.",',
        '    fields = ["tool", "version", "env"],',
        ")",
    ]
    return lines


def gen_defs_bzl(rng: random.Random, lib: Lib, rule_files: dict[str, list[RuleSpec]]) -> list[str]:
    lines = [
        '"""Public API of the ' + lib.name + " rules.",
        "",
        'Load from "//' + lib.path + ':defs.bzl"."""',
        "",
    ]
    macro_lines: list[str] = []
    non_test = [r for r in lib.rules if not r.test and r.kind != "launcher"]
    for macro in lib.macros:
        rule = rng.choice(non_test) if non_test else lib.rules[0]
        if macro.symbolic:
            macro_lines += gen_symbolic_macro(rng, macro, rule)
        else:
            macro_lines += gen_legacy_macro(rng, macro, rule, in_lib=True)
    if "    sh_test(" in macro_lines:
        lines.append('load("@rules_shell//shell:sh_test.bzl", "sh_test")')
    for fname in sorted(rule_files):
        args = [q(f"//{lib.path}/private:{fname}")]
        args += sorted(f"_{r.name} = {q(r.name)}" for r in rule_files[fname])
        lines.append("load(" + ", ".join(args) + ")")
    lines.append("")
    for r in lib.rules:
        lines.append(f"{r.name} = _{r.name}")
    lines.append("")
    return lines + macro_lines


def unused_params(rule: RuleSpec) -> str:
    """`+ srcs + deps` for macro parameters that the wrapped rule has no attr for."""
    return "".join(f" + {p}" for p in ("srcs", "deps") if p not in rule.attrs)


def rule_call_args(rule: RuleSpec, name_expr: str, indent: str) -> list[str]:
    out = [f"{indent}name = {name_expr},"]
    for attr in rule.attrs:
        if attr in ("srcs", "deps", "data"):
            out.append(f"{indent}{attr} = {attr},")
        elif attr == "template":
            out.append(f'{indent}template = "//{rule_lib_path(rule)}:default.tmpl",')
        elif attr == "out":
            out.append(f'{indent}out = {name_expr} + ".{rule.ext}",')
    return out


def rule_lib_path(rule: RuleSpec) -> str:
    return f"tools/rules/{rule.lib}"


def gen_legacy_macro(
    rng: random.Random,
    macro: MacroSpec,
    rule: RuleSpec,
    in_lib: bool,
    extra: list[str] | None = None,
) -> list[str]:
    callee = f"_{rule.name}" if in_lib else rule.name
    lines = [
        f"def {macro.name}(name, srcs = [], deps = [], data = [], visibility = None, tags = [], **kwargs):",
        f'    """Bundles {rule.name} output with a packaging genrule.',
        "",
        "    Args:",
        "      name: name of the final target.",
        "      srcs: inputs.",
        "      deps: dependencies.",
        "      data: runtime data.",
        "      visibility: visibility of the final target.",
        "      tags: tags for every target.",
        f"      **kwargs: passed to {rule.name}.",
        '    """',
        f"    {callee}(",
        *rule_call_args(rule, 'name + "_gen"', "        "),
        "        tags = tags,",
        "        **kwargs",
        "    )",
    ]
    variant = rng.randrange(4)
    if variant == 0:
        cmd = '"tar -cf $@ $(SRCS)"'
    elif variant == 1:
        cmd = '"$(location //tools/bin/release:pack) --out $@ $(SRCS)"'
    elif variant == 2:
        cmd = '"cp $(location :%s_gen) $@ && chmod +w $@" % name'
    else:
        cmd = '"cd $$BUILD_WORKSPACE_DIRECTORY && tar -cf $$OLDPWD/$@ " + native.package_name()'
    lines += [
        "    native.genrule(",
        '        name = name + "_pack",',
        '        srcs = [":" + name + "_gen"],',
        '        outs = [name + ".tar"],',
        f"        cmd = {cmd},",
    ]
    if variant == 1:
        lines.append('        tools = ["//tools/bin/release:pack"],')
    lines += [
        "        tags = tags,",
        "    )",
        *(extra or []),
        "    native.filegroup(",
        "        name = name,",
        f'        srcs = [":" + name + "_pack"] + data{unused_params(rule)},',
        "        visibility = visibility,",
        "        tags = tags,",
        "    )",
    ]
    if rng.random() < 0.4:
        lines += [
            "    sh_test(",
            '        name = name + "_smoke_test",',
            '        srcs = ["//tools/testing:smoke_test.sh"],',
            '        args = ["$(location :%s_pack)" % name],',
            '        data = [":" + name + "_pack"],',
            '        tags = tags + ["smoke"],',
            "    )",
        ]
    lines.append("")
    return lines


def gen_symbolic_macro(rng: random.Random, macro: MacroSpec, rule: RuleSpec) -> list[str]:
    impl = f"_{macro.name}_impl"
    return [
        f"def {impl}(name, visibility, srcs, deps, data, tags):",
        f"    _{rule.name}(",
        *rule_call_args(rule, 'name + "_gen"', "        "),
        "        tags = tags,",
        "    )",
        "    native.filegroup(",
        "        name = name,",
        f'        srcs = [":" + name + "_gen"] + data{unused_params(rule)},',
        "        visibility = visibility,",
        "    )",
        "",
        f"{macro.name} = macro(",
        f"    implementation = {impl},",
        "    attrs = {",
        '        "srcs": attr.label_list(default = [], allow_files = True),',
        '        "deps": attr.label_list(default = []),',
        '        "data": attr.label_list(default = [], allow_files = True),',
        '        "tags": attr.string_list(default = [], configurable = False),',
        "    },",
        f'    doc = "Symbolic macro wrapping {rule.name}.",',
        ")",
        "",
    ]


def gen_lib_build(lib: Lib, bzl_names: list[str]) -> list[str]:
    lines = [
        'load("@bazel_skylib//:bzl_library.bzl", "bzl_library")',
        "",
        'package(default_visibility = ["//visibility:public"])',
        "",
        "exports_files([",
        '    "default.tmpl",',
        '    "defs.bzl",',
        "])",
        "",
    ]
    lines += call(
        "bzl_library",
        [
            ("name", "defs"),
            ("srcs", ["defs.bzl"]),
            (
                "deps",
                [f"//{lib.path}/private:{n[:-4]}" for n in bzl_names] + ["@rules_shell//shell:rules_bzl"],
            ),
        ],
    )
    lines.append("")
    lines += call(
        "filegroup",
        [
            ("name", "all_files"),
            ("srcs", Raw('glob(["**"])')),
            ("visibility", ["//:__pkg__", "//tools:__subpackages__"]),
        ],
    )
    lines.append("")
    for name in ("docs", "srcs_for_release"):
        lines += call(
            "filegroup",
            [("name", name), ("srcs", ["defs.bzl", f"//{lib.path}/private:all_bzl"])],
        )
        lines.append("")
    lines += call(
        "genrule",
        [
            ("name", "api_doc"),
            ("srcs", [":docs"]),
            ("outs", [f"{lib.name}_api.md"]),
            ("cmd", "$(location //tools/bin/codegen:gen_docs) --out $@ $(SRCS)"),
            ("tools", ["//tools/bin/codegen:gen_docs"]),
        ],
    )
    return lines


def gen_private_build(lib: Lib, bzl_names: list[str], provider_file: str) -> list[str]:
    lines = [
        'load("@bazel_skylib//:bzl_library.bzl", "bzl_library")',
        "",
        f'package(default_visibility = ["//{lib.path}:__subpackages__"])',
        "",
    ]
    for fname in bzl_names:
        deps: list[str] = []
        if fname != provider_file:
            deps.append(":" + provider_file[:-4])
        if fname != "helpers.bzl":
            deps.append(":helpers")
        else:
            deps.append("@bazel_skylib//lib:paths")
        lines += call(
            "bzl_library",
            [("name", fname[:-4]), ("srcs", [fname]), ("deps", deps)],
        )
        lines.append("")
    lines += call(
        "filegroup",
        [("name", "all_bzl"), ("srcs", Raw('glob(["*.bzl"])'))],
    )
    return lines


# ---------------------------------------------------------------------------
# Tools, module extension, MODULE.bazel
# ---------------------------------------------------------------------------


def gen_tool_script(rng: random.Random, name: str) -> str:
    body = [
        "#!/usr/bin/env bash",
        f"# {name}: synthetic build tool used by the benchmark workspace.",
        "set -euo pipefail",
        "",
        'out=""',
        "args=()",
        "while [[ $# -gt 0 ]]; do",
        '  case "$1" in',
        '    --out|--output) out="$2"; shift 2 ;;',
        '    *) args+=("$1"); shift ;;',
        "  esac",
        "done",
        'if [[ -n "$out" ]]; then',
        '  cat "${args[@]}" > "$out" 2>/dev/null || : > "$out"',
        "fi",
    ]
    if rng.random() < 0.3:
        body.insert(4, 'cd "${BUILD_WORKSPACE_DIRECTORY:-.}"')
    return "\n".join(body) + "\n"


def gen_tools(rng: random.Random, ws: Workspace) -> list[Tool]:
    tools: list[Tool] = []
    for group, names in TOOL_GROUPS.items():
        lines = [
            'load("@rules_shell//shell:sh_binary.bzl", "sh_binary")',
            "",
            'package(default_visibility = ["//visibility:public"])',
            "",
        ]
        for name in names:
            ws.add(f"tools/bin/{group}/{name}.sh", gen_tool_script(rng, name))
            kwargs: list[tuple[str, object]] = [
                ("name", name),
                ("srcs", [f"{name}.sh"]),
                ("data", ["//tools/testing:testdata"] if rng.random() < 0.2 else []),
                ("deps", ["@bazel_tools//tools/bash/runfiles"]),
            ]
            lines += call("sh_binary", [kv for kv in kwargs if kv[1] != []])
            lines.append("")
            tools.append(Tool(f"//tools/bin/{group}:{name}", name))
        ws.add(f"tools/bin/{group}/BUILD.bazel", lines)
    smoke = [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        'for f in "$@"; do test -s "$f"; done',
    ]
    ws.add("tools/testing/smoke_test.sh", "\n".join(smoke) + "\n")
    testing_build = [
        'package(default_visibility = ["//visibility:public"])',
        "",
        'exports_files(["smoke_test.sh"])',
        "",
    ]
    testing_build += call(
        "filegroup",
        [
            ("name", "testdata"),
            ("srcs", Raw('glob(\n        ["testdata/**"],\n        allow_empty = True,\n    )')),
        ],
    )
    ws.add("tools/testing/BUILD.bazel", testing_build)
    return tools


EXTENSION_BZL = '''"""Module extension that fetches host tools and base images."""

def _docker_image_impl(rctx):
    docker = rctx.which("docker")
    if not docker:
        fail("docker is required to fetch " + rctx.attr.image)
    result = rctx.execute([docker, "pull", rctx.attr.image], timeout = 600)
    if result.return_code != 0:
        fail("docker pull failed: " + result.stderr)
    digest = rctx.execute([docker, "inspect", "--format", "{{.Id}}", rctx.attr.image])
    rctx.file("BUILD.bazel", """
filegroup(
    name = "image",
    srcs = ["digest.txt"],
    visibility = ["//visibility:public"],
)
""")
    rctx.file("digest.txt", digest.stdout)

docker_image = repository_rule(
    implementation = _docker_image_impl,
    attrs = {"image": attr.string(mandatory = True)},
    local = True,
    environ = ["DOCKER_HOST"],
)

def _host_tool_impl(rctx):
    path = rctx.which(rctx.attr.tool)
    if not path:
        path = rctx.os.environ.get("HOME", "") + "/.local/bin/" + rctx.attr.tool
    rctx.symlink(path, rctx.attr.tool)
    rctx.file("BUILD.bazel", "exports_files([%r])\\n" % rctx.attr.tool)

host_tool = repository_rule(
    implementation = _host_tool_impl,
    attrs = {"tool": attr.string(mandatory = True)},
    local = True,
)

_image = tag_class(attrs = {"name": attr.string(), "image": attr.string()})
_host = tag_class(attrs = {"name": attr.string(), "tool": attr.string()})

def _tools_impl(mctx):
    for mod in mctx.modules:
        for img in mod.tags.image:
            docker_image(name = img.name, image = img.image)
        for tool in mod.tags.host:
            host_tool(name = tool.name, tool = tool.tool)

tools = module_extension(
    implementation = _tools_impl,
    tag_classes = {"image": _image, "host": _host},
)
'''


def gen_module(ws: Workspace) -> None:
    lines = [
        "module(",
        '    name = "synth",',
        '    version = "0.0.0",',
        ")",
        "",
        'bazel_dep(name = "bazel_skylib", version = "1.7.1")',
        'bazel_dep(name = "platforms", version = "0.0.11")',
        'bazel_dep(name = "rules_cc", version = "0.1.1")',
        'bazel_dep(name = "rules_python", version = "1.4.1")',
        'bazel_dep(name = "rules_shell", version = "0.4.1")',
        "",
        'python = use_extension("@rules_python//python/extensions:python.bzl", "python")',
        'python.toolchain(python_version = "3.11")',
        "",
        'tools = use_extension("//tools/ext:extensions.bzl", "tools")',
        *call("tools.image", [("name", "base_image"), ("image", "gcr.io/distroless/base-debian12")]),
        *call("tools.image", [("name", "python_image"), ("image", "python:3.11-slim")]),
        *call("tools.host", [("name", "host_terraform"), ("tool", "terraform")]),
        *call("tools.host", [("name", "host_tofu"), ("tool", "tofu")]),
        'use_repo(tools, "base_image", "host_terraform", "host_tofu", "python_image")',
    ]
    ws.add("MODULE.bazel", lines)
    ws.add(".bazelversion", "8.2.1\n")
    ws.add(
        ".bazelrc",
        "common --enable_bzlmod\nbuild --incompatible_strict_action_env\ntest --test_output=errors\n",
    )
    ws.add("tools/ext/extensions.bzl", EXTENSION_BZL)
    ws.add(
        "tools/ext/BUILD.bazel",
        [
            'load("@bazel_skylib//:bzl_library.bzl", "bzl_library")',
            "",
            "bzl_library(",
            '    name = "extensions",',
            '    srcs = ["extensions.bzl"],',
            '    visibility = ["//visibility:public"],',
            ")",
        ],
    )


# ---------------------------------------------------------------------------
# Libraries
# ---------------------------------------------------------------------------


def gen_libs(rng: random.Random, ws: Workspace, tools: list[Tool], n_bzl: int) -> list[Lib]:
    libs: list[Lib] = []
    made = 0
    # Plan how many rule files each library gets, then pick the big ones.
    plans: list[tuple[str, int, int]] = []  # (lib name, helper files, rule files)
    i = 0
    while made < n_bzl or not plans:
        base = LIB_NAMES[i % len(LIB_NAMES)]
        name = base if i < len(LIB_NAMES) else f"{base}_{i // len(LIB_NAMES) + 1}"
        n_helper_files = 1
        n_rule_files = rng.randint(3, 9)
        fixed = 2 + n_helper_files  # defs, providers, helpers
        remaining = n_bzl - made
        if remaining < fixed + n_rule_files:
            n_rule_files = max(1, remaining - fixed)
        plans.append((name, n_helper_files, n_rule_files))
        made += fixed + n_rule_files
        i += 1
    all_rule_files = [(li, k) for li, plan in enumerate(plans) for k in range(plan[2])]
    n_big = max(1, len(all_rule_files) // 100)
    big = set(rng.sample(range(len(all_rule_files)), min(n_big, len(all_rule_files))))
    big_keys = {all_rule_files[b] for b in big}

    for li, (name, _n_helpers, n_rule_files) in enumerate(plans):
        lib = Lib(name=name, path=f"tools/rules/{name}")
        provider = f"{camel(name)}Info"
        used_names: set[str] = set()
        rule_files: dict[str, list[RuleSpec]] = {}
        texts: dict[str, list[str]] = {}
        for k in range(n_rule_files):
            is_big = (li, k) in big_keys
            rules: list[RuleSpec] = []
            lines: list[str] = []
            count = rng.randint(1, 3)
            target_lines = rng.randint(BIG_BZL_LINES, BIG_BZL_LINES + 150)
            while True:
                suffix = rng.choice(RULE_SUFFIXES)
                rname = f"{name}_{suffix}"
                n = 2
                while rname in used_names:
                    rname = f"{name}_{suffix}_{n}"
                    n += 1
                used_names.add(rname)
                kind = pick_kind(rng, name, suffix)
                test = kind == "test"
                if test and not rname.endswith("_test"):
                    rname += "_test"
                    used_names.add(rname)
                attrs = list(KIND_ATTRS[kind])
                if kind == "shell_format" and rng.random() < 0.3:
                    attrs.append("env")
                rules.append(
                    RuleSpec(
                        name=rname,
                        kind=kind,
                        lib=name,
                        attrs=attrs,
                        ext=rng.choice(OUT_EXTS),
                        executable=kind == "launcher",
                        test=test,
                    )
                )
                lines = gen_rules_bzl(rng, lib, rules, provider, tools, is_big)
                if is_big:
                    if len(lines) >= target_lines:
                        break
                elif len(rules) >= count:
                    break
            stem = rules[0].name.removeprefix(name + "_") or "rules"
            fname = f"{stem}.bzl" if not is_big else f"{stem}_all.bzl"
            while fname in texts or fname in ("helpers.bzl", "providers.bzl"):
                fname = "x_" + fname
            texts[fname] = lines
            rule_files[fname] = rules
            lib.rules += rules
        for m in range(rng.randint(1, 3)):
            mname = f"{name}_{rng.choice(['bundle', 'suite', 'package', 'set', 'stack'])}_macro"
            if m:
                mname = f"{mname}_{m}"
            lib.macros.append(
                MacroSpec(
                    name=mname,
                    params=["srcs", "deps", "data"],
                    load_path=lib.defs,
                    symbolic=rng.random() < 0.2,
                )
            )
        for fname, lines in texts.items():
            ws.add(f"{lib.path}/private/{fname}", lines)
        ws.add(f"{lib.path}/private/helpers.bzl", gen_helpers_bzl(rng, name))
        ws.add(f"{lib.path}/private/providers.bzl", gen_providers_bzl(rng, lib, provider))
        ws.add(f"{lib.path}/defs.bzl", gen_defs_bzl(rng, lib, rule_files))
        bzl_names = sorted([*texts, "helpers.bzl", "providers.bzl"])
        ws.add(f"{lib.path}/BUILD.bazel", gen_lib_build(lib, bzl_names))
        ws.add(f"{lib.path}/private/BUILD.bazel", gen_private_build(lib, bzl_names, "providers.bzl"))
        ws.add(f"{lib.path}/default.tmpl", "name={{NAME}}\nversion={{VERSION}}\n")
        libs.append(lib)
    return libs


# ---------------------------------------------------------------------------
# Packages (BUILD.bazel)
# ---------------------------------------------------------------------------

SH_LOADS = {
    "sh_test": "@rules_shell//shell:sh_test.bzl",
    "sh_binary": "@rules_shell//shell:sh_binary.bzl",
    "py_library": "@rules_python//python:py_library.bzl",
    "py_test": "@rules_python//python:py_test.bzl",
    "cc_library": "@rules_cc//cc:cc_library.bzl",
    "write_file": "@bazel_skylib//rules:write_file.bzl",
    "copy_file": "@bazel_skylib//rules:copy_file.bzl",
}


class PkgGen:
    """Generates one package's BUILD.bazel."""

    def __init__(
        self,
        rng: random.Random,
        path: str,
        libs: list[Lib],
        macros: list[MacroSpec],
        tools: list[Tool],
        pool: list[str],
    ) -> None:
        self.rng = rng
        self.path = path
        self.libs = libs
        self.macros = macros
        self.tools = tools
        self.pool = pool
        self.names: set[str] = set()
        self.outputs: list[str] = []  # local labels that produce files
        self.tests: list[str] = []
        self.sloppy = rng.random() < DRIFT  # no blank lines between targets
        top = path.split("/")[0]
        self.visibility = "//visibility:public" if rng.random() < 0.7 else f"//{top}:__subpackages__"

    # -- small helpers --------------------------------------------------
    def fresh(self, base: str) -> str:
        name = base
        n = 2
        while name in self.names or name in PY_KEYWORDS:
            name = f"{base}_{n}"
            n += 1
        self.names.add(name)
        return name

    def src_files(self, lo: int = 1, hi: int = 4) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(rng.randint(lo, hi)):
            sub_dir = rng.choice(["", "", "", "config/", "templates/", "data/"])
            out.append(f"{sub_dir}{rng.choice(NOUNS)}_{rng.randint(0, 99)}.{rng.choice(SRC_EXTS)}")
        return sorted(set(out))

    def local_ref(self) -> str | None:
        if self.outputs and self.rng.random() < 0.6:
            return ":" + self.rng.choice(self.outputs)
        return None

    def remote_refs(self, n: int) -> list[str]:
        if not self.pool:
            return []
        window = self.pool[-400:]
        return sorted({self.rng.choice(window) for _ in range(n)})

    def tool(self) -> Tool:
        return self.rng.choice(self.tools)

    def base(self) -> str:
        return f"{self.rng.choice(NOUNS)}_{self.rng.choice(['gen', 'cfg', 'out', 'data', 'spec', 'bundle', 'files'])}"

    # -- targets --------------------------------------------------------
    def genrule(self) -> Target:
        rng = self.rng
        name = self.fresh(self.base())
        srcs: list[object] = list(self.src_files(1, 3))
        ref = self.local_ref()
        if ref:
            srcs.append(ref)
        tool = self.tool()
        out = f"{name}.{rng.choice(OUT_EXTS)}"
        outs: list[object] = [out]
        tools: list[object] = []
        extra: list[tuple[str, object]] = []
        variant = rng.randrange(10)
        if variant == 0:
            cmd: object = "cat $(SRCS) > $@"
        elif variant == 1:
            cmd = f"$(location {tool.label}) --input $(SRCS) --output $@"
            tools = [tool.label]
        elif variant == 2:
            srcs = srcs[:1]
            cmd = f"$(execpath {tool.label}) $< > $@"
            tools = [tool.label]
        elif variant == 3:
            outs = [f"{name}_{i}.{rng.choice(OUT_EXTS)}" for i in range(rng.randint(2, 4))]
            cmd = f"$(location {tool.label}) --out-dir $(RULEDIR) $(SRCS)"
            tools = [tool.label]
        elif variant == 4:
            first = srcs[0]
            cmd = Raw(
                '"""\nset -euo pipefail\nTMP=$$(mktemp -d)\n'
                f"$(location {tool.label}) --template $(location {first}) --out $$TMP/out\n"
                f"sed -e 's/@NAME@/{name}/g' -e 's/@PKG@/{self.path.replace('/', '_')}/g' "
                "$$TMP/out > $@\n"
                'rm -rf $$TMP\n"""'
            )
            tools = [tool.label]
        elif variant == 5:
            bad = rng.choice(UNDECLARED_TOOLS)
            cmd = sub(rng.choice(GENRULE_AMBIENT[bad]), src=str(srcs[0]))
            if rng.random() < 0.5:
                extra.append(("local", True))
        elif variant == 6:
            cmd = rng.choice(
                [
                    "cd $$BUILD_WORKSPACE_DIRECTORY && git rev-parse HEAD > $$OLDPWD/$@",
                    'echo "root=$${BUILD_WORKSPACE_DIRECTORY:-unknown}" > $@',
                    "curl -sSfL https://example.com/$(SRCS) -o $@",
                ]
            )
            extra.append(("tags", ["no-sandbox", "requires-network"]))
        elif variant == 7:
            cmd = "grep STABLE_GIT_COMMIT bazel-out/stable-status.txt | cut -d' ' -f2 > $@"
            extra.append(("stamp", 1))
        elif variant == 8:
            srcs_ref = [s for s in srcs if isinstance(s, str) and s.startswith(":")]
            arg = f"$(locations {srcs_ref[0]})" if srcs_ref else "$(SRCS)"
            cmd = f"$(location {tool.label}) {arg} | sort > $@"
            tools = [tool.label]
        else:
            cmd = Raw(
                '"""\n'
                f"$(location {tool.label}) \\\n"
                f"    --name {name} \\\n"
                f"    --package {self.path} \\\n"
                "    --out $@ \\\n"
                '    $(SRCS)\n"""'
            )
            tools = [tool.label]
        kwargs: list[tuple[str, object]] = [("name", name), ("srcs", srcs), ("outs", outs)]
        kwargs.append(("cmd_bash" if variant == 9 and rng.random() < 0.5 else "cmd", cmd))
        if tools:
            kwargs.append(("tools", tools))
        if rng.random() < 0.3:
            kwargs.append(("message", f"Generating {name}"))
        kwargs += extra
        if rng.random() < 0.2:
            kwargs.append(("visibility", ["//visibility:public"]))
        lines = call("genrule", kwargs)
        if rng.random() < 0.15:
            lines.insert(0, f"# TODO({rng.choice(NOUNS)}-team): make this hermetic.")
        self.outputs.append(name)
        return Target(lines, [name])

    def sh_test(self) -> Target:
        rng = self.rng
        name = self.fresh(
            f"{rng.choice(NOUNS)}_{rng.choice(['smoke', 'e2e', 'unit', 'lint', 'golden'])}_test"
        )
        script = f"{name}.sh"
        data: list[object] = []
        args: list[object] = []
        ref = self.local_ref()
        if ref:
            data.append(ref)
            args.append(f"$(location {ref})")
        data += self.remote_refs(rng.randint(0, 2))
        if rng.random() < 0.3:
            t = self.tool()
            data.append(t.label)
            args.append(f"--tool=$(rootpath {t.label})")
        kwargs: list[tuple[str, object]] = [
            ("name", name),
            ("size", rng.choice(["small", "small", "medium", "large"])),
            ("srcs", [script]),
        ]
        if args:
            kwargs.append(("args", args))
        if data:
            kwargs.append(("data", data))
        if rng.random() < 0.3:
            kwargs.append(("env", {"LOG_LEVEL": "debug", "TZ": "UTC"}))
        if rng.random() < 0.15:
            kwargs.append(("env_inherit", ["HOME", "DOCKER_HOST"]))
        if rng.random() < 0.4:
            kwargs.append(
                ("tags", rng.sample(["manual", "requires-docker", "exclusive", "no-remote", "flaky"], 2))
            )
        kwargs.append(("deps", ["@bazel_tools//tools/bash/runfiles"]))
        self.tests.append(name)
        return Target(
            call("sh_test", kwargs),
            [name],
            loads={SH_LOADS["sh_test"]: {"sh_test"}},
            files={script: self.sh_script(name)},
        )

    def sh_script(self, name: str) -> str:
        rng = self.rng
        lines = ["#!/usr/bin/env bash", SHELL_RUNFILES_INIT.rstrip(), ""]
        lines.append(f'echo "running {self.path}:{name}"')
        choice = rng.randrange(5)
        if choice == 0:
            lines += [
                f'cd "$BUILD_WORKSPACE_DIRECTORY/{self.path}"',
                f"{rng.choice(['terraform', 'tofu'])} init -backend=false",
                f"{rng.choice(['terraform', 'tofu'])} validate",
            ]
        elif choice == 1:
            lines += [
                'image="$(docker build -q .)"',
                'docker run --rm "$image" --self-test',
            ]
        elif choice == 2:
            lines += [
                'for f in "$@"; do',
                '  [[ -s "$f" ]] || { echo "empty: $f" >&2; exit 1; }',
                "done",
            ]
        else:
            lines += [
                f'input="$(rlocation _main/{self.path}/{name}.sh)"',
                'grep -q "running" "$input"',
                'diff <(sort "$input") <(sort "$input")',
            ]
        lines.append('echo "PASS"')
        return "\n".join(lines) + "\n"

    def sh_binary(self) -> Target:
        rng = self.rng
        name = self.fresh(f"{rng.choice(['run', 'deploy', 'sync', 'update', 'gen'])}_{rng.choice(NOUNS)}")
        script = f"{name}.sh"
        body = [
            "#!/usr/bin/env bash",
            "set -euo pipefail",
            'cd "${BUILD_WORKSPACE_DIRECTORY:?run with bazel run}"',
            f'{(tool := rng.choice(UNDECLARED_TOOLS))} {LAUNCH_VERBS[tool]} "$@"',
        ]
        kwargs: list[tuple[str, object]] = [("name", name), ("srcs", [script])]
        refs = self.remote_refs(rng.randint(0, 2))
        if refs:
            kwargs.append(("data", refs))
        kwargs.append(("visibility", ["//visibility:public"]))
        return Target(
            call("sh_binary", kwargs),
            [name],
            loads={SH_LOADS["sh_binary"]: {"sh_binary"}},
            files={script: "\n".join(body) + "\n"},
        )

    def filegroup(self) -> Target:
        rng = self.rng
        name = self.fresh(rng.choice(["srcs", "all_files", "configs", "templates", "testdata", "schemas"]))
        v = rng.randrange(3)
        if v == 0:
            ext = rng.choice(SRC_EXTS)
            srcs: object = (
                Raw(f'glob(["**/*.{ext}"])')
                if rng.random() < 0.5
                else Raw(
                    f'glob(\n        ["**/*.{ext}"],\n        allow_empty = True,\n        exclude = ["testdata/**"],\n    )'
                )
            )
        elif v == 1:
            srcs = self.src_files(2, 6)
        else:
            srcs = [":" + o for o in rng.sample(self.outputs, min(len(self.outputs), 3))] or self.src_files(
                1, 3
            )
        kwargs: list[tuple[str, object]] = [("name", name), ("srcs", srcs)]
        if rng.random() < 0.5:
            kwargs.append(("visibility", ["//visibility:public"]))
        self.outputs.append(name)
        return Target(call("filegroup", kwargs), [name])

    def custom_rule(self) -> Target:
        rng = self.rng
        lib = rng.choice(self.libs)
        rule = rng.choice(lib.rules)
        name = self.fresh(f"{self.rng.choice(NOUNS)}_{rule.name.removeprefix(lib.name + '_')}")
        kwargs: list[tuple[str, object]] = [("name", name)]
        for attr in rule.attrs:
            if attr == "srcs":
                srcs: list[object] = list(self.src_files(1, 4))
                ref = self.local_ref()
                if ref:
                    srcs.append(ref)
                kwargs.append(("srcs", srcs))
            elif attr == "deps" and rng.random() < 0.6:
                refs = self.remote_refs(rng.randint(1, 3))
                if refs:
                    if rng.random() < 0.15:
                        kwargs.append(
                            (
                                "deps",
                                Select(
                                    list(refs),
                                    {
                                        "//conditions:default": [],
                                        "@platforms//os:linux": [self.tool().label],
                                    },
                                ),
                            )
                        )
                    else:
                        kwargs.append(("deps", refs))
            elif attr == "data" and rng.random() < 0.5:
                refs = self.remote_refs(rng.randint(1, 2))
                if refs:
                    kwargs.append(("data", refs))
            elif attr == "out" and rng.random() < 0.7:
                kwargs.append(("out", f"{name}.{rule.ext}"))
            elif attr == "args" and rng.random() < 0.5:
                kwargs.append(("args", [f"--{rng.choice(NOUNS)}", "--strict"]))
            elif attr == "flags" and rng.random() < 0.5:
                kwargs.append(("flags", ["-recursive", f"-var-file={rng.choice(NOUNS)}.tfvars"]))
            elif attr == "env" and rng.random() < 0.4:
                kwargs.append(("env", {"TF_IN_AUTOMATION": "1", "NO_COLOR": "1"}))
            elif attr == "template":
                kwargs.append(("template", f"templates/{name}.tmpl"))
            elif attr == "substitutions" and rng.random() < 0.6:
                kwargs.append(("substitutions", {"@@OWNER@@": f"{rng.choice(NOUNS)}-team"}))
            elif attr == "workdir" and rng.random() < 0.6:
                kwargs.append(("workdir", self.path))
            elif attr == "version" and rng.random() < 0.5:
                kwargs.append(("version", f"{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"))
            elif attr == "image":
                kwargs.append(("image", f"registry.example.com/{self.path}:{name}"))
            elif attr == "config" and (rule.kind == "docker" or rng.random() < 0.4):
                kwargs.append(("config", "Dockerfile" if rule.kind == "docker" else f"{name}.cfg"))
        if rng.random() < 0.2:
            kwargs.append(("tags", ["manual"]))
        if rng.random() < 0.3:
            kwargs.append(("visibility", ["//visibility:public"]))
        if rule.test:
            self.tests.append(name)
        elif not rule.executable:
            self.outputs.append(name)
        return Target(call(rule.name, kwargs), [name], loads={lib.defs: {rule.name}})

    def macro_call(self) -> Target:
        rng = self.rng
        macro = rng.choice(self.macros)
        name = self.fresh(f"{rng.choice(NOUNS)}_{rng.choice(['bundle', 'release', 'pkg', 'stack'])}")
        kwargs: list[tuple[str, object]] = [("name", name), ("srcs", self.src_files(1, 5))]
        refs = self.remote_refs(rng.randint(0, 3))
        if refs:
            kwargs.append(("deps", refs))
        if rng.random() < 0.3:
            kwargs.append(("tags", ["release"]))
        if rng.random() < 0.5:
            kwargs.append(("visibility", ["//visibility:public"]))
        self.outputs.append(name)
        return Target(call(macro.name, kwargs), [name], loads={macro.load_path: {macro.name}})

    def misc(self) -> Target:
        rng = self.rng
        v = rng.randrange(7)
        if v == 0:
            name = self.fresh(f"{rng.choice(NOUNS)}_lib")
            py_srcs = sorted({f"{rng.choice(NOUNS)}.py" for _ in range(rng.randint(1, 4))})
            kwargs: list[tuple[str, object]] = [("name", name), ("srcs", py_srcs)]
            refs = self.remote_refs(rng.randint(0, 2))
            if refs:
                kwargs.append(("deps", refs))
            kwargs.append(("visibility", ["//visibility:public"]))
            return Target(call("py_library", kwargs), [name], loads={SH_LOADS["py_library"]: {"py_library"}})
        if v == 1:
            name = self.fresh(f"{rng.choice(NOUNS)}_cc")
            kwargs = [
                ("name", name),
                ("srcs", [f"{name}.cc"]),
                ("hdrs", [f"{name}.h"]),
                (
                    "copts",
                    Select(
                        [],
                        {
                            "@platforms//os:linux": ["-DLINUX"],
                            "//conditions:default": [],
                        },
                    ),
                ),
            ]
            return Target(call("cc_library", kwargs), [name], loads={SH_LOADS["cc_library"]: {"cc_library"}})
        if v == 2 and self.outputs:
            name = self.fresh(f"{rng.choice(NOUNS)}_alias")
            return Target(call("alias", [("name", name), ("actual", ":" + rng.choice(self.outputs))]), [name])
        if v == 3:
            name = self.fresh(f"is_{rng.choice(['opt', 'debug', 'ci', 'release'])}")
            return Target(
                call(
                    "config_setting",
                    [("name", name), ("values", {"compilation_mode": rng.choice(["opt", "dbg"])})],
                ),
                [name],
            )
        if v == 4 and self.tests:
            name = self.fresh("all_tests")
            return Target(
                call("test_suite", [("name", name), ("tests", [":" + t for t in self.tests[-6:]])]),
                [name],
            )
        if v == 5:
            name = self.fresh(f"{rng.choice(NOUNS)}_version")
            kwargs = [
                ("name", name),
                ("out", f"{name}.txt"),
                ("content", [f"{rng.randint(0, 9)}.{rng.randint(0, 99)}.0"]),
            ]
            self.outputs.append(name)
            return Target(call("write_file", kwargs), [name], loads={SH_LOADS["write_file"]: {"write_file"}})
        name = self.fresh(f"{rng.choice(NOUNS)}_py_test")
        kwargs = [
            ("name", name),
            ("srcs", [f"{name}.py"]),
            ("data", [":" + rng.choice(self.outputs)] if self.outputs else []),
        ]
        self.tests.append(name)
        return Target(
            call("py_test", [kv for kv in kwargs if kv[1] != []]),
            [name],
            loads={SH_LOADS["py_test"]: {"py_test"}},
        )

    def build(self) -> tuple[list[str], dict[str, str], list[str]]:
        rng = self.rng
        target_lines = int(rng.triangular(MIN_BUILD_LINES, MAX_BUILD_LINES, 120))
        targets: list[Target] = []
        kinds = ["genrule"] * 25 + ["custom"] * 25 + ["sh_test"] * 12 + ["filegroup"] * 8
        kinds += ["sh_binary"] * 4 + ["misc"] * 12
        if self.macros:
            kinds += ["macro"] * 12
        makers = {
            "genrule": self.genrule,
            "custom": self.custom_rule,
            "sh_test": self.sh_test,
            "filegroup": self.filegroup,
            "sh_binary": self.sh_binary,
            "misc": self.misc,
            "macro": self.macro_call,
        }
        body_len = 0
        while body_len < target_lines - 8:
            t = makers[rng.choice(kinds)]()
            targets.append(t)
            body_len += len(t.lines) + 1
        while True:
            lines, files = self.assemble(targets)
            if len(lines) <= MAX_BUILD_LINES or len(targets) <= 1:
                break
            targets.pop()
        names = [n for t in targets for n in t.names]
        return lines, files, names

    def assemble(self, targets: list[Target]) -> tuple[list[str], dict[str, str]]:
        loads: dict[str, set[str]] = {}
        files: dict[str, str] = {}
        for t in targets:
            for path, syms in t.loads.items():
                loads.setdefault(path, set()).update(syms)
            files.update(t.files)
        lines = render_loads(loads)
        if lines:
            lines.append("")
        lines += [f'package(default_visibility = ["{self.visibility}"])', ""]
        for t in targets:
            lines += t.lines
            if not self.sloppy:
                lines.append("")
        return lines, files


def gen_local_bzl(
    rng: random.Random, pkg: str, libs: list[Lib], tools: list[Tool]
) -> tuple[list[str], list[MacroSpec]]:
    stem = rng.choice(["defs", "build_defs", "macros", "rules"])
    load_path = f"//{pkg}:{stem}.bzl"
    lib = rng.choice(libs)
    candidates = [r for r in lib.rules if not r.test and r.kind != "launcher"] or lib.rules
    macros: list[MacroSpec] = []
    body: list[str] = []
    used: set[str] = set()
    for i in range(rng.randint(1, 4)):
        name = f"{pkg.replace('/', '_')}_{rng.choice(['bundle', 'release', 'gen', 'stack'])}"
        if i:
            name += f"_{i}"
        macro = MacroSpec(name=name, params=["srcs", "deps", "data"], load_path=load_path)
        rule = rng.choice(candidates)
        used.add(rule.name)
        extra: list[str] = []
        if rng.random() < 0.5:
            tool = rng.choice(tools)
            body += [
                f"def _{name}_helper(name, src, out):",
                '    """Private helper genrule."""',
                "    native.genrule(",
                "        name = name,",
                "        srcs = [src],",
                "        outs = [out],",
                f'        cmd = "$(location {tool.label}) --in $< --out $@ --owner " + _OWNER,',
                f'        tools = ["{tool.label}"],',
                "    )",
                "",
            ]
            extra = [
                f"    _{name}_helper(",
                '        name = name + "_meta",',
                '        src = srcs[0] if srcs else "//tools/testing:smoke_test.sh",',
                '        out = name + ".meta",',
                "    )",
            ]
        body += gen_legacy_macro(rng, macro, rule, in_lib=False, extra=extra)
        macros.append(macro)
    loads: dict[str, set[str]] = {lib.defs: used}
    if "    sh_test(" in body:
        loads["@rules_shell//shell:sh_test.bzl"] = {"sh_test"}
    lines = [q(f"Macros for //{pkg}."), ""]
    lines += render_loads(loads)
    lines.append("")
    if "_OWNER" in "\n".join(body):
        lines += [f'_OWNER = "{rng.choice(NOUNS)}-team"', ""]
    return lines + body, macros


def gen_package_paths(rng: random.Random, n: int) -> list[str]:
    paths: list[str] = []
    seen: set[str] = set()
    while len(paths) < n:
        area = rng.choice(AREAS)
        parts = [area, rng.choice(NOUNS)]
        depth = rng.random()
        if depth < 0.85:
            parts.append(rng.choice(NOUNS + SUBDIRS))
        if depth < 0.45:
            parts.append(rng.choice(SUBDIRS + NOUNS))
        if depth < 0.1:
            parts.append(rng.choice(SUBDIRS))
        path = "/".join(parts)
        if path in seen:
            continue
        seen.add(path)
        paths.append(path)
    return sorted(paths)


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def generate(n_files: int, seed: int) -> Workspace:
    rng = random.Random(seed)
    ws = Workspace()
    gen_module(ws)
    tools = gen_tools(rng, ws)
    n_bzl_total = max(2, round(n_files / 5))
    n_local_bzl = round(n_bzl_total * 0.15)
    n_lib_bzl = max(1, n_bzl_total - ws.bzl - n_local_bzl)
    libs = gen_libs(rng, ws, tools, n_lib_bzl)
    n_pkgs = max(1, n_files - ws.starlark - n_local_bzl)
    paths = gen_package_paths(rng, n_pkgs)
    # bzl-visibility: files under internal/ or private/ may only be loaded nearby.
    eligible = [i for i, p in enumerate(paths) if "internal" not in p.split("/")]
    local_bzl_pkgs = set(rng.sample(eligible, min(n_local_bzl, len(eligible))))
    area_macros: dict[str, list[MacroSpec]] = {}
    lib_macros = [m for lib in libs for m in lib.macros]
    pool: list[str] = [t.label for t in tools]
    for i, path in enumerate(paths):
        area = path.split("/")[0]
        if i in local_bzl_pkgs:
            lines, macros = gen_local_bzl(rng, path, libs, tools)
            ws.add(f"{path}/{macros[0].load_path.split(':')[1]}", lines)
            area_macros.setdefault(area, []).extend(macros)
        local_macros = area_macros.get(area, [])[-4:]
        macros = (
            lib_macros[:]
            if not local_macros
            else local_macros * 3 + rng.sample(lib_macros, min(4, len(lib_macros)))
        )
        used_libs = rng.sample(libs, min(len(libs), rng.randint(1, 3)))
        gen = PkgGen(rng, path, used_libs, macros, tools, pool)
        lines, files, _names = gen.build()
        ws.add(f"{path}/BUILD.bazel", lines)
        for fname, text in files.items():
            ws.add(f"{path}/{fname}", text)
        pool += [f"//{path}:{n}" for n in gen.outputs[:4]]
    return ws


def write(ws: Workspace, out_dir: Path) -> None:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    made: set[Path] = set()
    for rel, text in sorted(ws.files.items()):
        path = out_dir / rel
        parent = path.parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        path.write_text(text, encoding="utf-8")
        if rel.endswith(".sh"):
            path.chmod(0o755)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="directory to (re)create")
    parser.add_argument(
        "--files",
        type=int,
        default=DEFAULT_FILES,
        help=f"minimum number of Starlark files (default {DEFAULT_FILES})",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    if args.files < 1:
        parser.error("--files must be positive")
    ws = generate(args.files, args.seed)
    write(ws, args.out_dir)
    total_lines = sum(t.count("\n") for t in ws.files.values())
    print(
        f"wrote {ws.starlark} Starlark files ({ws.bzl} .bzl), "
        f"{len(ws.files)} files, {total_lines} lines to {args.out_dir}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
