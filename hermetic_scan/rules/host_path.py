"""host-path: absolute paths of the developer's machine used as inputs in actions and tests.

## What it does
Finds arguments (and `--option=VALUE` values) and values given to shell variables (`SDK=/opt/sdk`,
`export PATH=/opt/tools/bin:$PATH`) in action and test shell that point into the host's file system: `/usr/local/...`,
`/opt/...`, `/nix/store/...`, `/home/...`, `/Users/...`, `/root/...`, `/snap/...`, `~/...`, `$HOME`;
the same in an action's `env` values; compiler and linker flags of C++ targets (`copts`, `linkopts`) that
search the host's headers or libraries (`-I/usr/include/...`, `-isystem /usr/...`, `-L/usr/lib/...`);
and, at info, `.bazelrc` `--sandbox_add_mount_pair` /
`--sandbox_writable_path`, which let local sandboxes see host paths a worker will not have. Programs
run from such paths are `ambient-tool` findings; system paths every image has (`/bin`, `/usr/bin`,
`/dev/null`, `/tmp`, `/etc`, `/proc`) are not reported.

## Why it matters for remote execution
The action reads a file that is not an input: locally it exists, on a worker it does not (the
action fails) or holds something else (the output differs while the cache key does not).

## Example
```python
genrule(
    name = "ca_bundle",
    outs = ["ca.pem"],
    cmd = "cp /usr/local/share/ca-certificates/corp.pem $@",
)
```

## How to fix
Check the file in, or fetch it with a repository rule, and use it as a declared input
(`$(location :corp_pem)`). Remove sandbox mounts once nothing needs them.

## References
- https://bazel.build/docs/sandboxing
- https://bazel.build/reference/be/c-cpp#cc_binary.copts (flags are passed to the compiler as written)
- https://bazel.build/reference/command-line-reference#flag--sandbox_add_mount_pair
"""

from __future__ import annotations

import re

from hermetic_scan import shell
from hermetic_scan.diagnostics import Severity
from hermetic_scan.model import TargetModel
from hermetic_scan.model.actions import ActionModel, ShellSite
from hermetic_scan.model.values import ListV, Str
from hermetic_scan.rules.base import Check, Context, RuleMeta, action_owners, owner_target, site_owners

META = RuleMeta(
    "host-path",
    Severity.WARNING,
    ("site", "action", "target", "workspace"),
    "Action or test reads an absolute path of the host",
    blocking=True,
)

HOST_PREFIXES = ("/usr/local/", "/opt/", "/nix/store/", "/home/", "/Users/", "/root/", "/snap/", "~/")
HOME = ("$HOME", "${HOME}")


def is_host_path(text: str) -> bool:
    stripped = text.strip("\"'")
    return stripped.startswith(HOST_PREFIXES) or stripped.startswith(HOME) or stripped == "~"


def check_site(site: ShellSite, ctx: Context) -> Check:
    if not site.is_shell:
        return
    if site.context == "launcher":
        return
    facts = shell.analyze(site.text.text)
    # A variable run as a program is ambient-tool's finding, where it runs: not reported twice.
    run = {command.via for command in facts.commands if command.via is not None}
    assigned = [word for name, word in facts.assigned if name not in run]
    for word in (*facts.arguments, *facts.redirect_sources, *assigned):
        start, text = word.start, word.text
        if text.startswith("-") and "=" in text:  # --config=/home/me/x: the option's value
            name, _, text = text.partition("=")
            start += len(name) + 1
        if not is_host_path(text) or _is_data(text):
            continue
        span = site.text.span(start, word.end)
        if span is None:
            continue
        yield ctx.report(
            META,
            span,
            f"`{text}` is a path on the host machine; a remote worker does not have it",
            owners=site_owners(site),
            target=owner_target(site.owner),
            subject=text,
        )


# `"/home/user/bin type=dir mode=0755"`, a line of test data handed to a function: text that goes on
# with `key=value` words, or over several lines, names no file.
_DATA = re.compile(r"\n|\s+[\w.-]+=")


def _is_data(text: str) -> bool:
    return _DATA.search(text.strip("\"'")) is not None


def check_action(action: ActionModel, ctx: Context) -> Check:
    if action.env is None:
        return
    for _key, value, _knode, _vnode in action.env.items:
        if not isinstance(value, Str):
            continue
        for part in value.text.text.split(":"):
            if is_host_path(part):
                index = value.text.text.find(part)
                span = value.text.span(index, index + len(part))
                if span is not None:
                    yield ctx.report(
                        META,
                        span,
                        f"action env points at `{part}`, a path on the host machine",
                        owners=action_owners(action),
                        target=owner_target(action.owner),
                        subject=part,
                    )


# Where a host's own compiler toolchain keeps headers and libraries: a flag that searches them builds
# against the developer's machine, which a worker image does not reproduce.
HOST_TOOLCHAIN_DIRS = ("/usr/include", "/usr/lib", "/usr/lib64", "/lib/", "/lib64/", "/Library/", "/System/")
_SEARCH_FLAGS = ("-I", "-isystem", "-iquote", "-idirafter", "-L", "-F", "--sysroot=", "-Wl,-rpath,")
CC_RULES = frozenset({"cc_binary", "cc_library", "cc_test"})


def host_search_path(flag: str, value: str) -> bool:
    return flag in _SEARCH_FLAGS and (
        is_host_path(value) or value.startswith(HOST_TOOLCHAIN_DIRS) or value in ("/usr/include", "/usr/lib")
    )


def check_target(tm: TargetModel, ctx: Context) -> Check:
    target = tm.target
    if target.kind not in CC_RULES:
        return
    for attribute in ("copts", "linkopts"):
        flags = target.attr(attribute)
        if not isinstance(flags, ListV):
            continue
        items = [item if isinstance(item, Str) else None for item in flags.items]
        for index, item in enumerate(items):
            if item is None:
                continue
            text = item.text.text
            flag = next((f for f in _SEARCH_FLAGS if text.startswith(f) and len(text) > len(f)), None)
            value, start = (text[len(flag) :], len(flag)) if flag else (text, 0)
            if flag is None and index > 0 and items[index - 1] is not None:
                flag = items[index - 1].text.text.strip()  # `"-isystem", "/usr/include/x"`
            if flag is None or not host_search_path(flag.strip(), value.strip()):
                continue
            span = item.text.span(start, len(text))
            if span is None:
                continue
            yield ctx.report(
                META,
                span,
                f"{attribute} `{text}` searches `{value}` on the host machine; a remote worker's compiler "
                "sees its own image there",
                owners={target.key},
                target=target.text,
                subject=value,
            )


def check_workspace(ctx: Context) -> Check:
    for option in ctx.model.rc.options:
        if option.name in ("--sandbox_add_mount_pair", "--sandbox_writable_path"):
            yield ctx.report(
                META,
                option.span,
                f"{option.name} lets local sandboxes use `{option.value}`; a remote worker will not have it",
                severity=Severity.INFO,
                subject=option.value,
            )
