"""ruleset-hazard: a rule of a well-known ruleset that, as called, needs the host (knowledge base).

## What it does
For a target whose rule comes from a repository whose source is not available, looks the rule up in
the knowledge base of rulesets (docs/knowledge.md) and reports the call when the ruleset's
documentation says its action or test needs something a remote worker does not have: a Docker
daemon, the network, a tool found on the host. Hazards that depend on an attribute are reported
only when the call's literal value (or the documented default) selects them: a
`container_structure_test` with the default `driver = "docker"` is reported, one with
`driver = "tar"` is not, and one whose driver the tool cannot read stays `unknown`.

A run-only rule's hazards of running its executable (rules_oci's `oci_load`, whose script runs
`docker load`) are harmless under `bazel run`, which is the user's machine, but are reported on a
genrule whose command runs such a target (`$(location :image_load)`) and on a custom rule's target
whose action runs it through an executable attribute.

## Why it matters for remote execution
Without the rule's source, the target would be `unknown`; with the knowledge, the inventory can say
what the ruleset's own docs say: this target will fail on a worker. The message names the doc and
the ruleset versions the entry was checked for; the verdict's provenance is `knowledge`. A hazard
of programs taken from the host PATH (`zip`, `unzip`) is not reported when the executor profile
says the worker image has them all, as for the `ambient-tool` rule.

## Example
```python
load("@container_structure_test//:defs.bzl", "container_structure_test")

container_structure_test(
    name = "image_test",
    image = ":image",
    configs = ["test.yaml"],
)
```

## How to fix
Follow the ruleset's way to avoid the host (`driver = "tar"` for file and metadata checks), or tag
the target `no-remote-exec` (`hermetic-scan fix`). Build the workspace once, or pass `--external`,
to have the rule's real source analyzed instead of its documentation.

## References
- https://bazel.build/reference/be/common-definitions#common.tags (no-remote-exec, requires-network)
- https://github.com/GoogleContainerTools/container-structure-test/blob/main/defs.bzl (driver)
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.knowledge import Hazard, KnownRule
from hermetic_scan.model import TargetModel, tools_run
from hermetic_scan.model.values import UnresolvedSymbol
from hermetic_scan.profile import ExecutorProfile
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "ruleset-hazard",
    Severity.ERROR,
    ("target",),
    "A well-known ruleset's rule that, as called, needs the host (from the knowledge base)",
    blocking=True,
)


def check_target(tm: TargetModel, ctx: Context) -> Check:
    target = tm.target
    known = _known(tm, ctx)
    if known is not None:
        for hazard in holding_hazards(tm, known, ctx.profile):
            node = target.attr_node(hazard.attr) if hazard.attr else None
            span = target.call_module.span(node if node is not None else target.call.node)
            yield ctx.report(
                META,
                span,
                f"{target.label}: {known.name} (@{known.ruleset}) {hazard.why}{_remedy(hazard, ctx)} "
                f"[{_provenance(hazard, known)}]",
                owners={target.key},
                target=target.text,
                # As network-access: a test that says it needs the network (tags = ["requires-network"])
                # is told at info. Other hazards (a Docker daemon, a host path) are not waived by it.
                severity=Severity.INFO
                if hazard.kind == "network" and "requires-network" in target.tags
                else None,
            )
    for tool, action in tools_run(ctx.model, tm):
        how = "its command" if action is None else f"its {action.effective_mnemonic} action"
        tool_known = _known(tool, ctx)
        if tool_known is None:
            continue
        for hazard in holding_hazards(tool, tool_known, ctx.profile, when="run"):
            yield ctx.report(
                META,
                target.call_module.span(target.call.node),
                f"{target.label}: {how} runs {tool.target.label} ({tool_known.name} of @{tool_known.ruleset}), "
                f"whose executable {hazard.why} [{_provenance(hazard, tool_known)}]",
                owners={target.key},
                target=target.text,
            )


def _known(tm: TargetModel, ctx: Context) -> KnownRule | None:
    callee = tm.target.callee
    if not isinstance(callee, UnresolvedSymbol):
        return None
    found = ctx.model.known_rule(callee)
    return found[1] if found is not None else None


def _remedy(hazard: Hazard, ctx: Context) -> str:
    missing = [p for p in hazard.programs if not ctx.profile.provides(p)]
    if not missing:
        return ""
    listed = ", ".join(f'"{p}"' for p in missing)
    return f" (if the worker image has {'it' if len(missing) == 1 else 'them'}, say so: profile.add = [{listed}])"


def _provenance(hazard: Hazard, known: KnownRule) -> str:
    return f"{hazard.kind}; knowledge: {known.doc}, checked for {known.ruleset} {known.versions}"


def holding_hazards(
    tm: TargetModel, known: KnownRule, profile: ExecutorProfile, when: str = "build"
) -> list[Hazard]:
    """The entry's hazards that hold for this call (undecided ones are not among them): those of its
    own build or test (`when = "build"`), or those of running its executable (`when = "run"`). A
    host-tool hazard whose programs the executor profile provides does not hold."""
    return [
        h
        for h in known.hazards_when(when)
        if hazard_holds(tm, h) is True and not (h.programs and all(profile.provides(p) for p in h.programs))
    ]


def hazard_holds(tm: TargetModel, hazard: Hazard) -> bool | None:
    """Whether the hazard holds for this call; None when the attribute's value cannot be read."""
    if hazard.attr is None:
        return True
    value = literal_attribute(tm, hazard.attr)
    if value is _UNREADABLE:
        return None
    if value is _ABSENT:
        if tm.target.call.open_kwargs:
            return None  # a **kwargs may set it
        if hazard.default is None:
            return False
        value = hazard.default
    return value in hazard.values


_ABSENT = object()
_UNREADABLE = object()


def literal_attribute(tm: TargetModel, name: str) -> object:
    """The value of a string or boolean attribute as written in the call: a str ("True"/"False" for
    booleans), `_ABSENT` when the call does not set it, `_UNREADABLE` when it is not a literal."""
    entry = tm.target.call.kwargs.get(name)
    if entry is None:
        return _ABSENT
    node, _value = entry
    written = node.child_by_field_name("value") if node.type == "keyword_argument" else node
    if written is None:
        return _UNREADABLE
    text = tm.target.call_module.text(written)
    if written.type == "string" and len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        inner = text[1:-1]
        return inner if "\\" not in inner else _UNREADABLE
    if written.type in ("true", "false"):
        return text
    return _UNREADABLE
