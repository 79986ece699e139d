"""network-access: actions and tests that download or call remote services while they run.

## What it does
Finds commands that reach the network at execution time in action and test shell: `curl`, `wget`,
`git clone/fetch/pull/ls-remote`, `tofu`/`terraform` `init` (provider download, unless
`-plugin-dir` points at a declared input) and `get`, `npm/pnpm/yarn install`, `pip install`,
`go mod download`/`go get`, `cargo fetch`, `docker pull/build/push`, `nix build/develop/shell/run`,
`apt-get`, `helm repo add/update` and `helm dependency update/build`, and any `gcloud`, `aws` or
`kubectl` call (except the offline `kubectl kustomize`). Launchers run by `bazel run` are not checked.

## Why it matters for remote execution
Remote workers often have no network, or a different one; the action fails there. Worse, what the
action downloads is not an input: two runs with the same inputs can produce different outputs, and
the cache key does not change when the download does, so the remote cache serves stale results to
everyone. Network in an action defeats caching as much as it defeats remote execution. Tests that
need the network should say so with `tags = ["requires-network"]` (findings on such targets drop to
info) and usually also run locally.

## Example
```python
ctx.actions.run_shell(
    command = "tofu init -backend=false && tofu validate",   # downloads providers
    mnemonic = "TofuValidate",
)
```

## How to fix
Fetch in a repository rule or module extension (`http_archive`, `rctx.download`) so Bazel caches the
download by checksum, and pass it as an input (`tofu init -plugin-dir=$(location :providers)`).
For tests that must talk to a service, tag them `requires-network` and `no-remote-exec`.

## References
- https://bazel.build/reference/be/common-definitions#common.tags (requires-network, no-remote-exec)
- https://bazel.build/external/overview (fetching belongs to repository rules)
"""

from __future__ import annotations

import re

from hermetic_scan import shell
from hermetic_scan.diagnostics import Severity
from hermetic_scan.model.actions import ShellSite
from hermetic_scan.rules.base import Check, Context, RuleMeta, owner_target, site_owners, target_tags

META = RuleMeta(
    "network-access",
    Severity.ERROR,
    ("site",),
    "Action or test downloads or calls a remote service at execution time",
    blocking=True,
    waived_by_tags=("requires-network",),
    test_tags=("requires-network",),
)

ANY_USE = frozenset(
    {"curl", "wget", "gcloud", "aws", "apt-get", "apt", "nix-build", "nix-shell", "gsutil", "az"}
)
SUBCOMMANDS = {
    "git": {"clone", "fetch", "pull", "ls-remote"},
    "npm": {"install", "ci", "i"},
    "pnpm": {"install", "i", "add"},
    "yarn": {"install", "add", ""},
    "pip": {"install"},
    "pip3": {"install"},
    "cargo": {"fetch"},
    "docker": {"pull", "build", "push"},
    "podman": {"pull", "build", "push"},
    "nix": {"build", "develop", "shell", "run"},
    # Registry clients: each of these talks to an image registry.
    "crane": {"push", "pull", "copy", "cp", "append", "mutate", "digest", "manifest", "ls", "catalog", "tag"},
    "skopeo": {"copy", "inspect", "sync", "delete", "list-tags"},
    "oras": {"push", "pull", "copy", "cp", "attach", "discover"},
}


# A server the test itself started: `curl http://localhost:$PORT/healthz` never leaves the worker.
_LOOPBACK = re.compile(r"(?:https?://)?(?:localhost|127\.0\.0\.1|\[::1\])(?:[:/]|$)")
_VARIABLE_FIRST = re.compile(r"\$\{?(\w+)\}?")


def _is_loopback(url: str, loopback_names: frozenset[str]) -> bool:
    if _LOOPBACK.match(url):
        return True
    variable = _VARIABLE_FIRST.match(url)
    return variable is not None and variable.group(1) in loopback_names


# Options whose value is the next word: a request body (`-d '{...}'`), a header or an output file is
# not a URL. From `curl --help all` and `wget --help`; `--url` is a URL.
_CURL_VALUE_SHORT = frozenset("dHoXuAeFTwmbcKrzYyCEDQ")
_CURL_VALUE_LONG = frozenset(
    {
        "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "--json",
        "--header", "--output", "--request", "--user", "--user-agent", "--referer", "--form",
        "--form-string", "--upload-file", "--write-out", "--max-time", "--connect-timeout",
        "--cookie", "--cookie-jar", "--config", "--retry", "--retry-delay", "--retry-max-time",
        "--cacert", "--capath", "--cert", "--key", "--range", "--time-cond", "--dump-header",
        "--proxy", "--resolve", "--connect-to", "--unix-socket", "--output-dir", "--trace",
        "--trace-ascii", "--stderr", "--limit-rate", "--interface", "--proxy-user", "--oauth2-bearer",
    }
)  # fmt: skip
_WGET_VALUE_SHORT = frozenset("OoaPTtUeiB")
_WGET_VALUE_LONG = frozenset(
    {
        "--output-document", "--output-file", "--append-output", "--directory-prefix",
        "--header", "--post-data", "--post-file", "--timeout", "--tries", "--user-agent",
        "--input-file", "--user", "--password", "--method", "--body-data", "--base",
    }
)  # fmt: skip


def _transfer_targets(name: str, words: list[str]) -> list[str]:
    """The URLs a curl or wget command names: its words that are neither options nor their values."""
    short, long = (
        (_CURL_VALUE_SHORT, _CURL_VALUE_LONG) if name == "curl" else (_WGET_VALUE_SHORT, _WGET_VALUE_LONG)
    )
    targets: list[str] = []
    takes_value = False
    for word in words:
        if takes_value:
            takes_value = False
            continue
        if word == "--url":
            continue  # the next word is a URL: kept as a target
        if word.startswith("--"):
            takes_value = "=" not in word and word in long
        elif word.startswith("-") and len(word) > 1:
            # `-sSo out`: a cluster of short options; the one that takes a value takes the rest of the
            # cluster, or the next word when it is last.
            for index, letter in enumerate(word[1:], start=1):
                if letter in short:
                    takes_value = index == len(word) - 1
                    break
        else:
            targets.append(word)
    return targets


def program_name(command: shell.Command) -> str:
    """The program's name; for a declared tool (`{tofu}` from ctx.executable._tofu) the attribute's."""
    declared = shell.declared_program(command.name)
    if declared is not None:
        return declared
    return command.name.rsplit("/", 1)[-1]


def fetches(command: shell.Command, loopback_names: frozenset[str] = frozenset()) -> bool:
    """Whether the command reaches the network; `loopback_names` are variables the script sets to a
    loopback address (`LISTEN_AT="localhost:$PORT"`)."""
    name = program_name(command)
    if name in ("tf", "opentofu"):
        name = "tofu"
    words = [a.text for a in command.args]
    if name == "kubectl":
        return command.subcommand() not in ("kustomize", "completion")
    if name in ("curl", "wget"):
        targets = _transfer_targets(name, [w.strip("\"'") for w in words])
        return not targets or not all(_is_loopback(t, loopback_names) for t in targets)
    if name in ANY_USE:
        return True
    if name in ("tofu", "terraform"):
        sub = command.subcommand()
        if sub == "get":
            return True
        return sub == "init" and not any(w == "-plugin-dir" or w.startswith("-plugin-dir=") for w in words)
    if name in ("python", "python3") and words[:3] == ["-m", "pip", "install"]:
        return True
    if name == "go":
        return words[:2] == ["mod", "download"] or words[:1] == ["get"]
    if name == "helm":
        return words[:2] in (
            ["repo", "add"],
            ["repo", "update"],
            ["dependency", "update"],
            ["dependency", "build"],
            ["dep", "update"],
            ["dep", "build"],
        )
    if name in SUBCOMMANDS:
        sub = _subcommand(words, GLOBAL_OPTIONS_WITH_VALUE.get(name, ()))
        return sub in SUBCOMMANDS[name]
    return False


# Options that take the next word as their value, before the subcommand.
GLOBAL_OPTIONS_WITH_VALUE = {
    "git": ("-C", "-c", "--git-dir", "--work-tree", "--namespace"),
    "docker": ("-H", "--host", "--context", "--config"),
}


def _subcommand(words: list[str], with_value: tuple[str, ...]) -> str:
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word in with_value:
            skip = True
            continue
        if word.startswith("-"):
            continue
        return word
    return ""


def check_site(site: ShellSite, ctx: Context) -> Check:
    if not site.is_shell:
        return
    if site.context == "launcher":
        return
    waived = "requires-network" in target_tags(ctx, site.owner)
    where = "this test" if site.context == "test" else "this action"
    facts = shell.analyze(site.text.text)
    loopback = frozenset(name for name, word in facts.assigned if _LOOPBACK.match(word.text.strip("\"'")))
    for command in facts.commands:
        declared = command.dynamic and shell.declared_program(command.name) is not None
        if (
            (command.dynamic and not declared)
            or command.kind != "run"
            or command.name in facts.functions
            or not fetches(command, loopback)
        ):
            continue
        span = site.text.span(command.start, command.end)
        if span is None:
            continue
        what = " ".join(
            [program_name(command), *(a.text for a in command.args[:1] if not a.text.startswith("-"))]
        )
        yield ctx.report(
            META,
            span,
            f"`{what}` reaches the network while {where} runs: remote workers may have none, and the download is not an input",
            severity=Severity.INFO if waived else None,
            owners=site_owners(site),
            target=owner_target(site.owner),
            subject="network",
        )
