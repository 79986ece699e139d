"""Every id the tool prints besides rule ids, with its explanation, so `hermetic-scan explain ID`
answers for anything a user sees in brackets or in a `code` field.

Rule ids are documented by their modules (hermetic_scan/rules/); these ids come from the editor
(one per target) and from `evidence` (flags about where spawns ran, checks of the remote setup).
A test reads the Flag(...) and Check(...) calls of crosscheck/evidence.py and the LSP codes and fails
when one is missing here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OtherId:
    id: str
    emitted_by: str
    summary: str
    detail: str


OTHER_IDS: tuple[OtherId, ...] = (
    OtherId(
        "target-verdict",
        "editor (LSP)",
        "this target cannot run on a remote executor",
        "Shown at a target's call in a BUILD file when the target's verdict is no-remote-exec. The message "
        "lists the findings that decide it (each has its own rule id: `hermetic-scan explain RULE`). Fix "
        "those findings, or tag the target `no-remote-exec` (`hermetic-scan fix`, or the quick fix).",
    ),
    OtherId(
        "local-only-ran-remotely",
        "evidence (flag)",
        "a target the inventory keeps local executed on the remote executor",
        "The execution log shows remote spawns for a target whose verdict is no-remote-exec. Either it is "
        "not tagged (run `hermetic-scan fix`), or its tag did not reach its actions: before Bazel 7, tags "
        "reach Starlark actions only with --incompatible_allow_tags_propagation.",
    ),
    OtherId(
        "tag-not-effective",
        "evidence (flag)",
        "a tagged target's spawns were logged as remotable",
        "The target carries a local-only tag, yet the execution log marks some of its spawns remotable: with "
        "remote execution on they would run remotely. Usually tag propagation is off "
        "(--incompatible_allow_tags_propagation before Bazel 7).",
    ),
    OtherId(
        "not-executed-remotely",
        "evidence (flag)",
        "a remote-ok target never executed remotely in this build",
        "None of the target's spawns executed on the remote executor: they were cache hits, fell back to "
        "local, were not remotable, or a --strategy choice ran them locally. The build proves nothing about "
        "this target; rerun with --noremote_accept_cached to make it execute.",
    ),
    OtherId(
        "remote-fallback",
        "evidence (flag)",
        "spawns failed remotely and ran again locally",
        "With --remote_local_fallback, Bazel retries a spawn locally when remote execution fails. The build "
        "passed, but these spawns did not run remotely: read their remote failure before the rollout.",
    ),
    OtherId(
        "remote-failure",
        "evidence (flag)",
        "a spawn failed on the remote executor",
        "The spawn executed remotely and failed (non-zero exit or a remote status) and was not retried "
        "locally. Look at the target's findings: a missing tool or a host path on the worker is typical.",
    ),
    OtherId(
        "build-fell-back",
        "evidence (flag)",
        "Bazel could not reach the remote executor and built locally",
        "Bazel's console shows that querying the executor's capabilities failed and, with "
        "--remote_local_fallback, the whole build ran locally. Nothing in this log proves remote execution.",
    ),
    OtherId(
        "remote-executor-explicit",
        "evidence (check)",
        "--remote_executor is set to a usable value",
        "Passes when --remote_executor comes from the wrapper or an rc line with a concrete value; fails for "
        "an empty value or an unexpanded placeholder (`${VAR}` in a .bazelrc is not expanded by Bazel).",
    ),
    OtherId(
        "remote-cache-explicit",
        "evidence (check)",
        "--remote_cache is set to a usable value",
        "As remote-executor-explicit, for --remote_cache.",
    ),
    OtherId(
        "wrapper-passes-executor",
        "evidence (check)",
        "the wrapper script passes --remote_executor",
        "With --wrapper, the script that runs Bazel is read (never run): this check says whether it passes "
        "--remote_executor itself or relies on a .bazelrc config it selects.",
    ),
    OtherId(
        "wrapper-parsed",
        "evidence (check)",
        "what the wrapper script was found to pass",
        "Information about the wrapper script given with --wrapper: the configs and endpoints read from it.",
    ),
    OtherId(
        "executor-distinct",
        "evidence (check)",
        "--remote_executor and --remote_cache point at distinct services",
        "With --require-distinct-executor the check fails unless executor and cache differ: a cache-only "
        "endpoint used as executor (or the reverse) makes a build look remote when it is not.",
    ),
)

_BY_ID = {item.id: item for item in OTHER_IDS}


def other_id(name: str) -> OtherId | None:
    return _BY_ID.get(name)


def other_doc(name: str) -> str:
    item = _BY_ID[name]
    return f"{item.id}: {item.summary}\n\nEmitted by: {item.emitted_by}.\n\n{item.detail}"
