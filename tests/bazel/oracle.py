"""Support for the Bazel oracle tests (tests/test_bazel_oracle.py): running Debian's Bazel 4.2.3
offline, preparing corpus workspaces for it, and a seeded generator of random-but-valid rule workspaces.

Command line (to reproduce a generated workspace, or a case by hand):

    python tests/bazel/oracle.py generate DIR [--seed N] [--cases N]
    python tests/bazel/oracle.py aquery WORKSPACE [LABEL ...]     # prints the JSON (offline setup in /tmp)
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
JAVA_RULES = Path("/usr/share/bazel/rules/java")
# Repositories a workspace may name and still be analysable offline.
OFFLINE_REPOS = frozenset({"bazel_tools", "platforms", "local_config_platform", "local_config_cc"})


def bazel_missing() -> str | None:
    """Why Bazel 4.2.3 cannot run here, or None."""
    if shutil.which("bazel") is None:
        return "bazel is not installed (tests/bazel/install.sh installs Debian's bazel-bootstrap 4.2.3)"
    if not JAVA_RULES.is_dir():
        return f"{JAVA_RULES} is missing (apt-get install bazel-rules-java)"
    return None


def setup_offline(directory: Path) -> Path:
    """Run tests/bazel/setup.sh; returns the bazelrc fragment."""
    proc = subprocess.run(
        ["bash", str(HERE / "setup.sh"), str(directory)], capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        raise RuntimeError(f"tests/bazel/setup.sh failed:\n{proc.stderr}")
    return Path(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# Corpus workspaces


def external_repos(workspace: Path) -> set[str]:
    """Repositories other than Bazel's own that the workspace's BUILD and .bzl files name."""
    found: set[str] = set()
    for path in workspace.rglob("*"):
        if path.is_file() and (path.name.startswith("BUILD") or path.suffix == ".bzl"):
            text = path.read_text(encoding="utf-8", errors="replace")
            found |= set(re.findall(r"""["']@@?([A-Za-z0-9_.~+-]+)//""", text))
    return found - OFFLINE_REPOS


def skip_reason(workspace: Path) -> str | None:
    """Why Bazel 4.2.3 cannot analyze a corpus workspace offline, or None."""
    module = workspace / "MODULE.bazel"
    text = module.read_text(encoding="utf-8", errors="replace") if module.is_file() else ""
    repos = external_repos(workspace)
    deps = re.findall(r"""bazel_dep\(\s*name\s*=\s*["']([^"']+)""", text)
    if repos or deps:
        names = ", ".join(sorted(set(repos) | set(deps)))
        return f"loads external rulesets ({names}): they cannot be fetched offline, and Bazel 4.2.3 has no Bzlmod"
    return None


def prepare_corpus(source: Path, destination: Path) -> Path:
    """Copy a corpus workspace for Bazel 4.2.3: WORKSPACE from MODULE.bazel's toolchain lines, no .bazelversion.

    The workspace's own .bazelrc is not read (`--noworkspace_rc`): corpus rc files hold deliberate
    mistakes and options of newer Bazel versions.
    """
    shutil.copytree(source, destination, symlinks=True, ignore=shutil.ignore_patterns("bazel-*", ".git"))
    (destination / ".bazelversion").unlink(missing_ok=True)  # Debian's wrapper would look for that version
    module = destination / "MODULE.bazel"
    lines = ["# Written by tests/bazel/oracle.py from MODULE.bazel (Bazel 4.2.3 has no Bzlmod)."]
    if module.is_file():
        text = module.read_text(encoding="utf-8", errors="replace")
        lines += re.findall(r"register_(?:toolchains|execution_platforms)\([^)]*\)", text)
    if not (destination / "WORKSPACE").exists() and not (destination / "WORKSPACE.bazel").exists():
        (destination / "WORKSPACE").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return destination


# --------------------------------------------------------------------------------------------
# Running aquery


@dataclass(repr=False)  # the document is large; pytest prints arguments of failing tests
class AqueryRun:
    workspace: Path
    document: dict
    failed: dict[str, str]  # label -> first error line, for targets whose analysis failed
    missing: dict[str, str]  # labels Bazel says do not exist
    stderr: str
    seconds: float
    returncode: int

    def __repr__(self) -> str:
        return f"AqueryRun({self.workspace}, {len(self.document.get('actions', []))} actions, {len(self.failed)} failed)"


# Short-lived batch JVMs: the C1 compiler and the serial collector start faster (about 40% less time here).
FAST_JVM = ("--host_jvm_args=-XX:TieredStopAtLevel=1", "--host_jvm_args=-XX:+UseSerialGC")
ANALYSIS_ERROR = re.compile(r"^ERROR: \S+:\d+:\d+: in (?:\S+ attribute of )?\S+ rule (\S+): ?(.*)$")
NOT_ANALYSED = re.compile(r"errors encountered while analyzing target '([^']+)'")
NO_SUCH_TARGET = re.compile(r"no such target '([^']+)': (.*)$")
BAD_PACKAGE = re.compile(r"error loading package '([^']*)': (.*)$")


def aquery(
    workspace: Path,
    labels: Iterable[str],
    fragment: Path,
    output_user_root: Path,
    extra: Iterable[str] = (),
    timeout: float = 900,
) -> AqueryRun:
    """`bazel aquery --output=jsonproto 'set(LABELS)'` offline, with --keep_going and a strict action env.

    Labels Bazel does not know are dropped (and reported in `missing`) and the query is run again:
    one wrong label must not hide every other target's actions.
    """
    import time

    wanted = [label for label in labels]
    missing: dict[str, str] = {}
    started = time.monotonic()
    for _attempt in range(3):
        expression = "set(" + " ".join(wanted) + ")" if wanted else "//..."
        command = [
            "bazel",
            "--batch",
            *FAST_JVM,
            "--nohome_rc",
            "--noworkspace_rc",
            f"--bazelrc={fragment}",
            f"--output_user_root={output_user_root}",
            "aquery",
            "--keep_going",
            "--incompatible_strict_action_env",
            "--output=jsonproto",
            "--color=no",
            "--curses=no",
            "--noshow_progress",
            *extra,
            expression,
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BAZEL", "BUILD_"))}
        env["HOME"] = str(output_user_root)  # no ~/.bazelrc, no user caches
        proc = subprocess.run(
            command, cwd=workspace, capture_output=True, text=True, timeout=timeout, env=env
        )
        gone = {
            m.group(1): m.group(2) for line in proc.stderr.splitlines() if (m := NO_SUCH_TARGET.search(line))
        }
        gone = {label: why for label, why in gone.items() if label in wanted}
        if gone and not proc.stdout.strip():
            missing.update(gone)
            wanted = [label for label in wanted if label not in gone]
            continue
        break
    failed: dict[str, str] = {}
    for line in proc.stderr.splitlines():
        m = ANALYSIS_ERROR.match(line)
        if m:
            failed.setdefault(m.group(1).rstrip(":"), m.group(2) or line)
        m = NOT_ANALYSED.search(line)
        if m:
            failed.setdefault(m.group(1), "analysis failed")
        m = BAD_PACKAGE.search(line)
        if m:
            for label in wanted:
                if label.startswith(f"//{m.group(1)}:"):
                    failed.setdefault(label, f"package {m.group(1)} does not load: {m.group(2)}")
    document = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return AqueryRun(
        workspace, document, failed, missing, proc.stderr, time.monotonic() - started, proc.returncode
    )


# --------------------------------------------------------------------------------------------
# The generator of random-but-valid rule workspaces

HELPER_STYLES = ("helper", "shared_helper", "helper_twice", "kwargs_helper")
TAG_CHOICES = ("no-remote-exec", "requires-network", "no-cache", "manual", "custom-tag", "no-sandbox")
REQUIREMENT_CHOICES = (
    {"no-remote-exec": "1"},
    {"requires-network": ""},
    {"no-cache": "1", "no-sandbox": "1"},
    {"supports-workers": "1"},
    {"local": "1"},
)
COMMANDS = (
    ("touch {out}", "ok"),
    ("echo generated > {out}", "ok"),
    ("date -u > {out}", "ok"),
    ("jq -n 1 > {out}", "ambient"),
    ("curl -sf https://example.com -o {out}", "network"),
    ('cd "$BUILD_WORKSPACE_DIRECTORY" && touch {out}', "workspace-dir"),
)


@dataclass
class GenAction:
    api: str  # "run_shell" | "run_tool" | "run_script"
    style: str  # "direct" | "alias_actions" | "alias_method" | "helper" | "shared_helper" | "helper_twice"
    mnemonic_mode: str  # "literal" | "const" | "loaded" | "concat" | "format" | "missing" | "param" | "attr"
    mnemonic: str | None  # what Bazel reports (None: "Action")
    env_mode: str  # "absent" | "true" | "false" | "const" | "param"
    requirements_mode: str  # "none" | "literal" | "const" | "loaded" | "param"
    requirements: dict[str, str]
    command: str
    hazard: str
    flow: str = "plain"  # "plain" | "loop" | "branch"

    @property
    def bazel_mnemonic(self) -> str:
        return self.mnemonic or "Action"


@dataclass
class GenTarget:
    name: str
    kind: str  # rule name, "genrule", "sh_test", "sh_binary", "alias", "macro"
    tags: list[str] = field(default_factory=list)
    actions: list[GenAction] = field(default_factory=list)


@dataclass(repr=False)
class GenCase:
    index: int
    package: str
    files: dict[str, str]
    targets: list[GenTarget]
    features: set[str]

    @property
    def labels(self) -> list[str]:
        return [f"//{self.package}:{t.name}" for t in self.targets]

    def __repr__(self) -> str:
        return f"GenCase({self.index}, {self.package})"


SHARED_BZL = '''"""Shared constants and helpers of the generated cases."""

SHARED_MNEMONIC = "SharedGen"
SHARED_REQUIREMENTS = {"no-remote-exec": "1", "requires-network": ""}

def shared_touch(ctx, out, mnemonic = "SharedTouch"):
    ctx.actions.run_shell(
        outputs = [out],
        command = "touch " + out.path,
        mnemonic = mnemonic,
    )
'''


class Generator:
    """Builds a workspace of `cases` packages (cases/c000 ...), deterministic for a seed."""

    def __init__(self, seed: int = 20240601) -> None:
        self.seed = seed

    def cases(self, count: int) -> list[GenCase]:
        return [self.case(i) for i in range(count)]

    def case(self, index: int) -> GenCase:
        rng = random.Random(f"{self.seed}:{index}")
        package = f"cases/c{index:03d}"
        features: set[str] = set()
        consts: list[str] = []
        helpers: list[str] = []
        rules: list[str] = []
        loads = ['load("//lib:shared.bzl", "SHARED_MNEMONIC", "SHARED_REQUIREMENTS", "shared_touch")']
        targets: list[GenTarget] = []
        build: list[str] = []
        rule_count = rng.choice((1, 1, 2))
        for r in range(rule_count):
            is_test = rng.random() < 0.15
            rule_name = f"gen_rule_{r}_test" if is_test else f"gen_rule_{r}"
            actions: list[GenAction] = []
            body: list[str] = []
            for a in range(rng.choice((1, 1, 2, 3)) if not is_test else rng.choice((0, 1))):
                action = self._action(rng, index, r, a, consts, helpers, features)
                actions.append(action)
                body += self._call(action, r, a, helpers, features)
            if is_test:
                features.add("test_rule")
                body += [
                    '    script = ctx.actions.declare_file(ctx.label.name + ".sh")',
                    '    ctx.actions.write(output = script, content = "#!/bin/sh\\nexit 0\\n", is_executable = True)',
                    "    outs.append(script)",
                    "    return [DefaultInfo(executable = script, files = depset(outs))]",
                ]
            else:
                body.append("    return [DefaultInfo(files = depset(outs))]")
            rules.append(
                f"def _{rule_name}_impl(ctx):\n    outs = []\n" + "\n".join(body) + "\n\n"
                f"{rule_name} = rule(\n    implementation = _{rule_name}_impl,\n"
                + ("    test = True,\n" if is_test else "")
                + "    attrs = {\n"
                '        "mnemonic": attr.string(default = "AttrMnemonic"),\n'
                '        "flag": attr.bool(default = False),\n'
                '        "_tool": attr.label(default = "//tools:tool", executable = True, cfg = "exec"),\n'
                "    },\n)\n"
            )
            # Targets of this rule: direct, through a macro, with tags.
            for t in range(rng.choice((1, 1, 2))):
                name = f"r{r}_t{t}"
                tags = sorted(rng.sample(TAG_CHOICES, rng.choice((0, 0, 1, 2))))
                attr_mnemonic = f"Attr{index:03d}R{r}T{t}"
                attr_line = (
                    f'    mnemonic = "{attr_mnemonic}",\n'
                    if any(x.mnemonic_mode == "attr" for x in actions)
                    else ""
                )
                gen_actions = [
                    GenAction(**{**x.__dict__, "mnemonic": attr_mnemonic}) if x.mnemonic_mode == "attr" else x
                    for x in actions
                ]
                if is_test:
                    name += "_test"
                if rng.random() < 0.3:
                    features.add("macro")
                    helpers.append(
                        f"def {name}_macro(name, **kwargs):\n    {rule_name}(name = name, **kwargs)\n"
                    )
                    build.append(
                        f'{name}_macro(\n    name = "{name}",\n{attr_line}    tags = {json.dumps(tags)},\n)\n'
                    )
                    loads_needed = f"{name}_macro"
                else:
                    build.append(
                        f'{rule_name}(\n    name = "{name}",\n{attr_line}    tags = {json.dumps(tags)},\n)\n'
                    )
                    loads_needed = rule_name
                build_loads = f'load(":defs.bzl", "{loads_needed}")'
                if build_loads not in build:
                    build.insert(0, build_loads)
                targets.append(GenTarget(name, rule_name, tags, gen_actions))
                if rng.random() < 0.2:
                    features.add("alias")
                    build.append(f'alias(\n    name = "{name}_alias",\n    actual = ":{name}",\n)\n')
                    targets.append(GenTarget(f"{name}_alias", "alias"))
        for g in range(rng.choice((0, 0, 1, 2))):
            features.add("genrule")
            name = f"gen{g}"
            tags = sorted(rng.sample(TAG_CHOICES[:3], rng.choice((0, 1))))
            command, hazard = rng.choice(COMMANDS[:5])
            local = rng.random() < 0.2
            cmd_attr = rng.choice(("cmd", "cmd_bash"))
            build.append(
                f'genrule(\n    name = "{name}",\n    outs = ["{name}.txt"],\n    {cmd_attr} = {json.dumps(command.format(out="$@"))},\n'
                + ("    local = True,\n" if local else "")
                + f"    tags = {json.dumps(tags)},\n)\n"
            )
            requirements = {t: "" for t in tags} | ({"local": ""} if local else {})
            targets.append(
                GenTarget(
                    name,
                    "genrule",
                    tags,
                    [
                        GenAction(
                            "genrule",
                            "direct",
                            "literal",
                            "Genrule",
                            "true",
                            "none",
                            requirements,
                            command,
                            hazard,
                        )
                    ],
                )
            )
        if rng.random() < 0.15:
            features.add("sh_test")
            build.append('sh_test(\n    name = "sh_check_test",\n    srcs = ["check.sh"],\n)\n')
            targets.append(GenTarget("sh_check_test", "sh_test"))
        if rng.random() < 0.15:
            features.add("sh_binary")
            build.append('sh_binary(\n    name = "sh_tool",\n    srcs = ["check.sh"],\n)\n')
            targets.append(GenTarget("sh_tool", "sh_binary"))
        defs = "\n".join(
            [
                f'"""Generated case {index} (seed {self.seed})."""',
                "",
                *loads,
                "",
                *consts,
                "",
                *helpers,
                *rules,
            ]
        )
        files = {f"{package}/defs.bzl": defs, f"{package}/BUILD": "\n".join(build)}
        if "sh_test" in features or "sh_binary" in features:
            files[f"{package}/check.sh"] = "#!/bin/sh\nexit 0\n"
        return GenCase(index, package, files, targets, features)

    def _action(
        self,
        rng: random.Random,
        index: int,
        r: int,
        a: int,
        consts: list[str],
        helpers: list[str],
        features: set[str],
    ) -> GenAction:
        api = rng.choice(("run_shell", "run_shell", "run_tool", "run_script"))
        style = rng.choice(HELPER_STYLES + ("direct", "direct", "alias_actions", "alias_method"))
        if style == "shared_helper":
            api = "run_shell"
        mode = rng.choice(
            (
                "literal",
                "literal",
                "const",
                "loaded",
                "concat",
                "format",
                "percent",
                "struct",
                "dict",
                "local",
                "missing",
                "param",
                "attr",
            )
        )
        if style == "shared_helper":
            mode = rng.choice(("param", "missing_param"))
        elif style == "kwargs_helper":
            mode = "param"
        if mode == "param" and style not in HELPER_STYLES:
            mode = "literal"
        if mode == "local" and style in HELPER_STYLES:
            mode = "const"
        base = f"C{index:03d}R{r}A{a}"
        mnemonic: str | None
        if mode == "missing":
            mnemonic = None
        elif mode == "missing_param":
            mnemonic, mode = "SharedTouch", "param"  # the shared helper's default parameter value
        elif mode == "loaded":
            mnemonic = "SharedGen"
        elif mode == "attr":
            mnemonic = "AttrMnemonic"  # replaced by the target's attribute value
        else:
            mnemonic = f"Gen{base}"
        if mode == "const":
            consts.append(f'_MNEMONIC_{r}_{a} = "{mnemonic}"')
        elif mode == "struct":
            consts.append(f'_CFG_{r}_{a} = struct(mnemonic = "{mnemonic}")')
        elif mode == "dict":
            consts.append(f'_MNEMONICS_{r}_{a} = {{"main": "{mnemonic}", "other": "Unused{base}"}}')
        env_mode = rng.choice(("absent", "absent", "true", "false", "const", "param"))
        if env_mode == "param" and style not in ("helper", "helper_twice", "kwargs_helper"):
            env_mode = "true"
        if style == "shared_helper":
            env_mode = "absent"
        if env_mode == "const":
            consts.append(f"_SHELL_ENV_{r}_{a} = {rng.choice(('True', 'False'))}")
        req_mode = rng.choice(("none", "none", "literal", "const", "loaded", "param"))
        if req_mode == "param" and style not in ("helper", "helper_twice", "kwargs_helper"):
            req_mode = "literal"
        if style == "shared_helper":
            req_mode = "none"
        requirements = (
            dict(rng.choice(REQUIREMENT_CHOICES)) if req_mode in ("literal", "const", "param") else {}
        )
        if req_mode == "loaded":
            requirements = {"no-remote-exec": "1", "requires-network": ""}
        if req_mode == "const":
            consts.append(f"_REQUIREMENTS_{r}_{a} = {json.dumps(requirements)}")
        command, hazard = rng.choice(COMMANDS)
        if style == "shared_helper":
            command, hazard = "touch {out}", "ok"
        # Control flow around the call: a loop registers the same action twice; a branch on an
        # attribute registers only one of two actions (the default takes the generated one).
        flow = "plain"
        if style in ("direct", "alias_actions") and mode != "attr":
            flow = rng.choices(("plain", "loop", "branch"), (16, 2, 1))[0]
        features.update(
            {
                f"api:{api}",
                f"style:{style}",
                f"mnemonic:{mode}",
                f"env:{env_mode}",
                f"requirements:{req_mode}",
                f"flow:{flow}",
            }
        )
        return GenAction(api, style, mode, mnemonic, env_mode, req_mode, requirements, command, hazard, flow)

    def _call(self, action: GenAction, r: int, a: int, helpers: list[str], features: set[str]) -> list[str]:
        out = f"out_{a}"
        lines = [
            f'    {out} = ctx.actions.declare_file(ctx.label.name + "_{a}.out")',
            f"    outs.append({out})",
        ]
        tail = (action.mnemonic or "")[3:]
        mnemonic_expr = {
            "literal": f'"{action.mnemonic}"',
            "const": f"_MNEMONIC_{r}_{a}",
            "loaded": "SHARED_MNEMONIC",
            "concat": f'"Gen" + "{tail}"',
            "format": f'"Gen{{}}".format("{tail}")',
            "percent": f'"Gen%s" % "{tail}"',
            "struct": f"_CFG_{r}_{a}.mnemonic",
            "dict": f'_MNEMONICS_{r}_{a}["main"]',
            "local": f"mnemonic_{a}",
            "param": f'"{action.mnemonic}"',
            "attr": "ctx.attr.mnemonic",
            "missing": None,
        }[action.mnemonic_mode]
        env_expr = {
            "absent": None,
            "true": "True",
            "false": "False",
            "const": f"_SHELL_ENV_{r}_{a}",
            "param": "True",
        }[action.env_mode]
        req_expr = {
            "none": None,
            "literal": json.dumps(action.requirements),
            "const": f"_REQUIREMENTS_{r}_{a}",
            "loaded": "SHARED_REQUIREMENTS",
            "param": json.dumps(action.requirements),
        }[action.requirements_mode]

        if action.style == "shared_helper":
            if mnemonic_expr is not None and action.mnemonic != "SharedTouch":
                lines.append(f"    shared_touch(ctx, {out}, mnemonic = {mnemonic_expr})")
            else:
                lines.append(f"    shared_touch(ctx, {out})")
            return lines

        prefix, _, suffix = action.command.partition("{out}")

        def command_expr(o: str) -> str:
            return json.dumps(prefix) + f" + {o}.path" + (f" + {json.dumps(suffix)}" if suffix else "")

        def kwargs(
            o: str,
            mnemonic: str | None,
            env: str | None,
            req: str | None,
            script: str | None,
            only_tool: bool = False,
        ) -> list[str]:
            parts = [f"outputs = [{o}]"]
            if action.api == "run_shell":
                parts.append("command = " + command_expr(o))
            elif action.api == "run_tool":
                parts += ["executable = ctx.executable._tool", f"arguments = [{o}.path]"]
            else:
                parts += [f"executable = {script}", f"arguments = [{o}.path]"]
            if only_tool:
                return parts
            if mnemonic is not None:
                parts.append(f"mnemonic = {mnemonic}")
            if env is not None:
                parts.append(f"use_default_shell_env = {env}")
            if req is not None:
                parts.append(f"execution_requirements = {req}")
            return parts

        script_lines: list[str] = []
        script = None
        if action.api == "run_script":
            script = f"script_{a}"
            content = "#!/bin/sh\nset -e\n" + action.command.format(out='"$1"') + "\n"
            script_lines = [
                f'    {script} = ctx.actions.declare_file(ctx.label.name + "_{a}.sh")',
                f"    ctx.actions.write(output = {script}, content = {json.dumps(content)}, is_executable = True)",
            ]
        if action.mnemonic_mode == "local":
            script_lines.append(f'    mnemonic_{a} = "{action.mnemonic}"')
        method = "run_shell" if action.api == "run_shell" else "run"
        if action.style in ("direct", "alias_actions", "alias_method"):
            receiver = {
                "direct": f"ctx.actions.{method}",
                "alias_actions": f"actions.{method}",
                "alias_method": "act",
            }[action.style]
            pre = {
                "direct": [],
                "alias_actions": ["    actions = ctx.actions"],
                "alias_method": [f"    act = ctx.actions.{method}"],
            }[action.style]
            if action.flow == "loop":
                # Two actions from one call site: outputs out_a and out_a + ".1".
                loop_out = f"o_{a}"
                args = kwargs(loop_out, mnemonic_expr, env_expr, req_expr, script)
                return (
                    lines
                    + script_lines
                    + pre
                    + [
                        f'    for {loop_out} in [{out}, ctx.actions.declare_file(ctx.label.name + "_{a}.1")]:',
                        f"        if {loop_out} != {out}:",
                        f"            outs.append({loop_out})",
                        f"        {receiver}(",
                        *(f"            {p}," for p in args),
                        "        )",
                    ]
                )
            args = kwargs(out, mnemonic_expr, env_expr, req_expr, script)
            call = [f"    {receiver}(", *(f"        {p}," for p in args), "    )"]
            if action.flow == "branch":
                other = kwargs(
                    out, f'"{action.mnemonic or "Action"}Alt"', None, None, script, only_tool=False
                )
                other = [
                    p for p in other if not p.startswith(("use_default_shell_env", "execution_requirements"))
                ]
                call = [
                    "    if ctx.attr.flag:",
                    f"        {receiver}(",
                    *(f"            {p}," for p in other),
                    "        )",
                    "    else:",
                    *("    " + c for c in call),
                ]
            return lines + script_lines + pre + call
        # A helper in the same file: parameters carry the mnemonic / env / requirements when mode is "param".
        helper = f"_helper_{r}_{a}"
        params = ["ctx", "out"] + (["script"] if script else [])
        call_args = ["ctx", out] + ([script] if script else [])
        h_mnemonic, h_env, h_req = mnemonic_expr, env_expr, req_expr
        extra = []
        if action.style == "kwargs_helper":
            # def helper(ctx, out, **kwargs): ctx.actions.run_shell(outputs = [out], ..., **kwargs)
            body = kwargs("out", None, None, None, "script" if script else None, only_tool=True)
            helpers.append(
                f"def {helper}({', '.join(params)}, **kwargs):\n    ctx.actions.{method}(\n"
                + "".join(f"        {p},\n" for p in body)
                + "        **kwargs\n    )\n"
            )
            for key, value in (
                ("mnemonic", mnemonic_expr),
                ("use_default_shell_env", env_expr),
                ("execution_requirements", req_expr),
            ):
                if value is not None:
                    extra.append(f"{key} = {value}")
            return lines + script_lines + [f"    {helper}({', '.join(call_args + extra)})"]
        if action.mnemonic_mode == "param":
            params.append('mnemonic = "Unused"')
            h_mnemonic = "mnemonic"
        if action.env_mode == "param":
            params.append("use_default_shell_env = False")
            h_env = "use_default_shell_env"
        if action.requirements_mode == "param":
            params.append("execution_requirements = {}")
            h_req = "execution_requirements"
        body = kwargs("out", h_mnemonic, h_env, h_req, "script" if script else None)
        helpers.append(
            f"def {helper}({', '.join(params)}):\n    ctx.actions.{method}(\n"
            + "".join(f"        {p},\n" for p in body)
            + "    )\n"
        )
        if action.mnemonic_mode == "param":
            extra.append(f"mnemonic = {mnemonic_expr}")
        if action.env_mode == "param":
            extra.append("use_default_shell_env = True")
        if action.requirements_mode == "param":
            extra.append(f"execution_requirements = {req_expr}")
        lines = lines + script_lines + [f"    {helper}({', '.join(call_args + extra)})"]
        if action.style == "helper_twice":
            # The same helper again, for a second output (same mnemonic, same settings).
            second = f"{out}_again"
            lines += [
                f'    {second} = ctx.actions.declare_file(ctx.label.name + "_{a}.again")',
                f"    outs.append({second})",
                f"    {helper}({', '.join(['ctx', second] + ([script] if script else []) + extra)})",
            ]
        return lines


def write_generated(root: Path, cases: list[GenCase]) -> Path:
    files = {
        "WORKSPACE": "# Generated by tests/bazel/oracle.py\n",
        "lib/BUILD": "",
        "lib/shared.bzl": SHARED_BZL,
        "tools/BUILD": 'sh_binary(\n    name = "tool",\n    srcs = ["tool.sh"],\n    visibility = ["//visibility:public"],\n)\n',
        "tools/tool.sh": "#!/bin/sh\nexit 0\n",
    }
    for case in cases:
        files.update(case.files)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if rel.endswith(".sh"):
            path.chmod(0o755)
    return root


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="oracle.py")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("directory", type=Path)
    gen.add_argument("--seed", type=int, default=20240601)
    gen.add_argument("--cases", type=int, default=240)
    gen.add_argument("--only", type=int, nargs="*", help="case indexes to write (default: all)")
    aq = sub.add_parser("aquery")
    aq.add_argument("workspace", type=Path)
    aq.add_argument("labels", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "generate":
        cases = Generator(args.seed).cases(args.cases)
        if args.only is not None:
            cases = [c for c in cases if c.index in args.only]
        write_generated(args.directory, cases)
        print(f"{len(cases)} cases in {args.directory}")
        return 0
    fragment = setup_offline(Path("/tmp/hermetic-scan-bazel-offline"))
    run = aquery(args.workspace.resolve(), args.labels, fragment, Path("/tmp/hermetic-scan-bazel-root"))
    sys.stderr.write(run.stderr)
    print(json.dumps(run.document, indent=2))
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
