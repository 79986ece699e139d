"""ambient-tool: programs an action or test takes from the host instead of its declared inputs.

## What it does
Finds programs that actions and tests run without declaring them: a bare command in a `run_shell`
command, a genrule `cmd`, a script an action executes or a test script; `executable = "tofu"` as a
string; absolute host paths (`/usr/local/bin/x`, `/opt/...`, `/nix/store/...`, `$HOME/...`); and
`command -v` / `which` / `type` / `hash` probes of such a program. A program run through a variable
the script sets once to a name or path (`TFLINT="${TFLINT_BIN:-tflint}"; "$TFLINT" ...`) counts as
that program. Shell builtins, functions the
script defines, paths from `$(location ...)`, `ctx.executable.x`, `ctx.file.x`, toolchains and
variables holding such paths are declared, except that a declared `docker` client that runs
containers or images (`run`, `build`, `load`...) still needs a Docker daemon. Programs the executor
profile lists (bash and base
tools by default; `--profile-add`, `--profile`) are assumed to be on every worker; `--strict`
reports them at info. Launchers run by `bazel run` are not checked: they run on the host by design.

## Why it matters for remote execution
A remote worker runs the action inside the worker image with the action's declared inputs. A
program found on the developer's PATH is neither: the worker may lack it (the action fails), or
have another version (the output differs, and the cache mixes both).

## Example
```python
ctx.actions.run_shell(
    command = "tofu validate",   # tofu comes from the host PATH
    mnemonic = "TofuValidate",
)
```

## How to fix
Declare the program: an attribute with `executable = True, cfg = "exec"` and a default label
(`ctx.executable._tofu`), or a toolchain; reference it by path. Or add it to the executor profile
if your worker image provides it, or tag the target `no-remote-exec`.

## References
- https://bazel.build/extending/rules#executables
- https://bazel.build/extending/toolchains
- https://bazel.build/reference/be/make-variables#predefined_label_variables
"""

from __future__ import annotations

from hermetic_scan import shell
from hermetic_scan.diagnostics import Severity
from hermetic_scan.model.actions import ActionModel, ShellSite
from hermetic_scan.rules.base import Check, Context, RuleMeta, action_owners, owner_target, site_owners
from hermetic_scan.source import DECLARED_TOKEN

META = RuleMeta(
    "ambient-tool",
    Severity.ERROR,
    ("site", "action", "workspace"),
    "Action or test runs a program that is not a declared input",
    blocking=True,
)


def classify(name: str, ctx: Context, functions: frozenset[str] = frozenset()) -> str | None:
    """None when `name` is declared or provided; otherwise "host-path", "profile" or "path"."""
    if name.startswith(("~", "$HOME", "${HOME}")):
        return "host-path"
    if name.startswith("/"):
        if ctx.profile.provides(name):
            return "profile"
        return "host-path"
    if "/" in name or not name or name in shell.BUILTINS or name in shell.KEYWORDS or name in functions:
        return None
    if name in shell.LIBRARY_FUNCTIONS:
        return None
    if name.lower().endswith((".exe", ".bat", ".cmd", ".ps1")) or name in ("powershell", "pwsh"):
        return "windows"
    if not all(c.isalnum() or c in "-_.+" for c in name):
        return None
    if ctx.profile.provides(name):
        return "profile"
    return "path"


def _fallback(command: shell.Command, facts: shell.ShellFacts, ctx: Context) -> str | None:
    """What a script runs instead of `command` when the host lacks it, if every such program is one the
    executor profile provides (or a shell builtin)."""
    for program, start, end, fallbacks in facts.optional:
        if program == command.name and start <= command.start < end:
            if all(ctx.profile.provides(p) or p in shell.BUILTINS for p in fallbacks):
                return ", ".join(sorted(p for p in fallbacks if p not in shell.BUILTINS)) or None
    return None


# Docker client commands that talk to the daemon (https://docs.docker.com/reference/cli/docker/).
DAEMON_SUBCOMMANDS = frozenset(
    "run start exec build buildx load save pull push images ps wait logs rm rmi tag commit create cp "
    "inspect compose kill stop".split()
)


def _daemon(command: shell.Command, site: ShellSite, ctx: Context, where: str) -> Check:
    """A declared docker client (`$(location @multitool//tools/docker) run`) is a declared input;
    the daemon it talks to is the machine's."""
    if shell.declared_program(command.name) != "docker" or command.subcommand() not in DAEMON_SUBCOMMANDS:
        return
    span = site.text.span(command.start, command.end)
    if span is None:
        return
    yield ctx.report(
        META,
        span,
        f"`docker {command.subcommand()}` talks to a Docker daemon: the client is declared, the daemon is "
        f"whatever the machine running {where} has, and remote workers seldom have one",
        owners=site_owners(site),
        target=owner_target(site.owner),
        subject="docker daemon",
    )


def check_site(site: ShellSite, ctx: Context) -> Check:
    if site.context == "launcher" or site.language == "batch":
        return
    if not site.is_shell:
        if not site.owner.startswith("target:"):  # sh_test and genrule scripts: check_workspace
            yield from _interpreted(site, ctx)
        return
    facts = shell.analyze(site.text.text)
    where = "this test" if site.context == "test" else "this action"
    for command in facts.commands:
        if command.dynamic:
            yield from _daemon(command, site, ctx, where)
            continue
        kind = classify(command.name, ctx, facts.functions | (site.library_functions or frozenset()))
        if kind is None or (kind == "profile" and not ctx.strict):
            continue
        if kind == "path" and facts.path_replaced_at is not None and command.start > facts.path_replaced_at:
            continue  # PATH holds only the script's own directories by now
        span = site.text.span(command.start, command.end)
        if span is None:
            continue
        # A script that sources another file may get the program as a function from it; one that put a
        # directory of its own on PATH before running it may get it from there.
        uncertain = kind == "path" and facts.sources_unknown and site.library_functions is None
        own_path = (
            kind == "path" and facts.path_extended_at is not None and command.start > facts.path_extended_at
        )
        fallback = _fallback(command, facts, ctx) if kind == "path" else None
        severity = (
            Severity.INFO if kind in ("profile", "windows") or uncertain or own_path or fallback else None
        )
        if fallback is not None:
            message = (
                f"`{command.name}` is optional here: the script can run `{fallback}` instead, which the "
                "executor profile provides"
            )
        elif kind == "windows":
            message = f"`{command.name}` is a Windows program: Linux workers never run this branch"
        elif own_path:
            message = (
                f"`{command.name}` may come from the directory this script adds to PATH; "
                f"if not, {where} takes it from the host PATH"
            )
        elif uncertain:
            message = (
                f"`{command.name}` is not a declared input, unless a file this script sources defines it"
            )
        elif kind == "profile":
            message = f"`{command.name}` is assumed to be on every worker (executor profile)"
        elif command.kind == "probe":
            message = (
                f"probes the host PATH for `{command.name}`; {where} should declare it as a tool or toolchain"
            )
        elif kind == "host-path":
            message = f"runs `{command.name}`, a path on the host machine that a remote worker does not have"
        else:
            message = f"`{command.name}` is not a declared input: {where} takes it from the host PATH"
        if command.via is not None:
            message = message.replace(f"`{command.name}`", f"`{command.name}` (from `${command.via}`)", 1)
        yield ctx.report(
            META,
            span,
            message,
            severity=severity,
            owners=site_owners(site),
            target=owner_target(site.owner),
            subject=command.name,
        )


def check_action(action: ActionModel, ctx: Context) -> Check:
    if action.executable != "ambient" or action.executable_name is None or action.executable_node is None:
        return
    kind = classify(action.executable_name, ctx)
    if kind is None or (kind == "profile" and not ctx.strict):
        return
    value = action.executable_node.child_by_field_name("value") or action.executable_node
    windows = kind == "windows"
    yield ctx.report(
        META,
        action.module.span(value),
        f'executable = "{action.executable_name}" is a Windows program: Linux workers never run this branch'
        if windows
        else f'executable = "{action.executable_name}" runs a program from the host PATH; declare it as a tool',
        severity=Severity.INFO if kind in ("profile", "windows") else None,
        owners=action_owners(action),
        target=owner_target(action.owner),
        subject=action.executable_name,
    )


def _interpreted(site: ShellSite, ctx: Context) -> Check:
    """A written script in another language: its interpreter must be on the worker."""
    text = site.text.text
    if not text.lstrip("\n").startswith("#!"):
        return  # a language known from the file name: what runs it is the action's executable
    if DECLARED_TOKEN in site.language:
        return  # the shebang names a declared interpreter (a toolchain's path), not the worker's
    kind = classify(site.language, ctx)
    if kind is None or (kind == "profile" and not ctx.strict):
        return
    start = len(text) - len(text.lstrip("\n"))
    end = text.find("\n", start)
    span = site.text.span(start, end if end != -1 else len(text))
    if span is None:
        return
    where = "this test" if site.context == "test" else "this action"
    yield ctx.report(
        META,
        span,
        f"the script's shebang runs `{site.language}`, which {where} takes from the worker image",
        severity=Severity.INFO if kind == "profile" else None,
        owners=site_owners(site),
        target=owner_target(site.owner),
        subject=site.language,
    )


def check_workspace(ctx: Context) -> Check:
    """Scripts run directly (sh_test sources, genrule command words) need their shebang's interpreter."""
    for _path, (head, labels) in sorted(ctx.facts.script_runners.items()):
        program = head.language
        kind = classify(program, ctx)
        if kind is None or (kind == "profile" and not ctx.strict):
            continue
        names = ", ".join(sorted(labels))
        yield ctx.report(
            META,
            head.first_line,
            f"the shebang runs `{program}`, which the worker must provide; executed by {names}",
            severity=Severity.INFO if kind == "profile" else None,
            owners={f"target:{label}" for label in labels},
            subject=program.rsplit("/", 1)[-1],
        )
