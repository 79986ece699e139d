"""Bazel as the oracle: the static model must agree with `bazel aquery` (Debian's Bazel 4.2.3, offline).

For every corpus workspace Bazel 4.2.3 can analyze, and for a seeded set of generated rule
workspaces, each target's static claims are compared with Bazel's actions (hermetic_scan.crosscheck.aquery.compare):
- the set of action mnemonics (Bazel's internal ones ignored: aquery.IGNORED_MNEMONICS);
- use_default_shell_env against PATH in the action's env under --incompatible_strict_action_env;
- execution requirements against the action's executionInfo.
A "contradiction" (the model says one thing, Bazel another) fails the test, unless it is listed
below as a known disagreement: those tests are xfail(strict=True, raises=KnownDisagreement), so they
fail again the day the model is fixed (remove the entry then), and any other failure in the same
target still fails. See docs/aquery.md.

Without Bazel these tests skip; with CI set they fail instead (tests/bazel/install.sh installs it).
"""

from __future__ import annotations

import fnmatch
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, require_bazel

from hermetic_scan.crosscheck import aquery
from hermetic_scan.local_keys import LOCAL_KEYS
from hermetic_scan.options import load_options
from hermetic_scan.runner import scan

sys.path.insert(0, str(Path(__file__).resolve().parent / "bazel"))
import oracle  # noqa: E402

pytestmark = pytest.mark.bazel

SEED = 20240601
CASES = 240
PARALLEL = 2  # Bazel invocations at once (CI has 2 cores)


class KnownDisagreement(Exception):
    """Raised for a disagreement listed below; only this exception makes a known case xfail."""


class NotAnalysable(Exception):
    """Raised for a target Bazel 4.2.3 cannot analyze, as listed below."""


# (workspace, label) -> (aspect, why). Each is a bug in the model or a documented limitation
# (docs/aquery.md); the test fails strictly once it no longer reproduces.
KNOWN_CORPUS_DISAGREEMENTS: dict[tuple[str, str], tuple[str, str]] = {
    ("default-shell-env", "//pkg:notice"): (
        "mnemonics",
        "limitation: actions under `if ctx.attr.strip_comments:` / `else:` are both predicted; Bazel registers "
        "only the branch this target takes (Concat is not registered)",
    ),
    ("default-shell-env", "//pkg:third_party"): (
        "mnemonics",
        "limitation: `if ctx.attr.host_copy:` calls copy_with_host_env, else copy_hermetic; the model predicts "
        "both, Bazel registers HostCopy only",
    ),
    ("missing-mnemonic", "//:config"): (
        "execution_requirements",
        "model bug: execution_requirements = _execution_requirements(...) returns a dict built by mutation "
        "(reqs[key] = ...); the model records no keys and cannot say 'computed', Bazel has supports-path-mapping",
    ),
}

# (workspace, label pattern) -> why Bazel 4.2.3 cannot analyze the target (fixture or Bazel version).
NOT_ANALYSABLE: dict[tuple[str, str], str] = {
    ("ambient-tool", "//toolchains:fake_tofu_toolchain"): (
        "the toolchain's `tofu` attribute has allow_single_file, but //tools:fake_tofu (an sh_binary) "
        "produces two files (the script and its executable symlink)"
    ),
    **{
        ("ambient-tool", f"//infra:network_{name}"): "needs the tofu toolchain, whose analysis fails (above)"
        for name in ("apply", "plan", "validate", "validate_host", "smoke_test", "conformance_test")
    },
    (
        "ambient-tool",
        "//tests:integration_test",
    ): "depends on //infra:network_plan, which needs the tofu toolchain",
    ("ambient-tool", "//tools:deploy"): "depends on //infra:network_plan, which needs the tofu toolchain",
    ("missing-mnemonic", "//examples:*"): "string.removesuffix() is not in Bazel 4.2.3's Starlark",
    ("network-access", "//third_party/providers:lock_check"): (
        "$(location :providers) expands to no files: the filegroup has no srcs"
    ),
    ("local-and-repo", "//tests:clock_skew_test"): "//gen:build_stamp is not visible from //tests",
    ("local-and-repo", "//tests:asset_count_test"): "//gen:asset_count is not visible from //tests",
    ("host-env", "//proto:*"): "RunEnvironmentInfo (Bazel 5.3+) is not defined in Bazel 4.2.3",
    ("host-env", "//tests:*"): "RunEnvironmentInfo (Bazel 5.3+) is not defined in Bazel 4.2.3",
}


def _not_analysable(workspace: str, label: str) -> str | None:
    for (ws, pattern), why in NOT_ANALYSABLE.items():
        if ws == workspace and fnmatch.fnmatchcase(label, pattern):
            return why
    return None


# --------------------------------------------------------------------------------------------
# Bazel and its offline set-up


@dataclass
class BazelSetup:
    fragment: Path
    output_user_root: Path
    work: Path


@pytest.fixture(scope="session")
def bazel(tmp_path_factory: pytest.TempPathFactory) -> BazelSetup:
    require_bazel()
    work = tmp_path_factory.mktemp("bazel-oracle")
    fragment = oracle.setup_offline(work / "offline")
    return BazelSetup(fragment, work / "output-user-root", work)


# --------------------------------------------------------------------------------------------
# Corpus workspaces

ALL_WORKSPACES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
SKIPPED = {p.name: why for p in ALL_WORKSPACES if (why := oracle.skip_reason(p))}
ANALYZED = [p for p in ALL_WORKSPACES if p.name not in SKIPPED]


def _scan(workspace: Path):  # noqa: ANN202
    return scan(workspace, load_options(workspace))


STATIC = {p.name: aquery.static_targets(_scan(p)) for p in ANALYZED}


def _corpus_params() -> list:
    params = []
    for workspace in ANALYZED:
        for label in STATIC[workspace.name]:
            if "*" in label:
                continue  # a computed target name; the model cannot know it
            marks = []
            known = KNOWN_CORPUS_DISAGREEMENTS.get((workspace.name, label))
            why = _not_analysable(workspace.name, label)
            if why:
                marks.append(
                    pytest.mark.xfail(strict=True, raises=NotAnalysable, reason=f"not analysable: {why}")
                )
            elif known:
                marks.append(
                    pytest.mark.xfail(strict=True, raises=KnownDisagreement, reason=f"{known[0]}: {known[1]}")
                )
            params.append(pytest.param(workspace.name, label, id=f"{workspace.name}:{label}", marks=marks))
    return params


@dataclass(repr=False)  # pytest prints arguments of failing tests: keep it short
class CorpusResult:
    run: oracle.AqueryRun
    facts: dict[str, aquery.TargetFacts]
    rc_keys: dict[str, set[str]]


@pytest.fixture(scope="session")
def corpus_oracle(bazel: BazelSetup) -> dict[str, CorpusResult]:
    """One `bazel aquery` per corpus workspace (PARALLEL at a time), on a copy of it."""

    def one(workspace: Path) -> tuple[str, CorpusResult]:
        copy = oracle.prepare_corpus(workspace, bazel.work / "corpus" / workspace.name)
        labels = [label for label in STATIC[workspace.name] if "*" not in label]
        run = oracle.aquery(copy, labels, bazel.fragment, bazel.output_user_root)
        facts = aquery.target_facts(aquery.load(run.document))
        return workspace.name, CorpusResult(run, facts, aquery.rc_execution_keys(_scan(workspace)))

    started = time.monotonic()
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = dict(pool.map(one, ANALYZED))
    sys.stderr.write(
        f"\nbazel aquery on {len(results)} corpus workspaces: {time.monotonic() - started:.1f}s\n"
    )
    return results


def _check(disagreements: list[aquery.Disagreement], known_aspect: str | None, why: str | None) -> None:
    contradictions = [d for d in disagreements if d.kind == "contradiction"]
    unexpected = [d for d in contradictions if d.aspect != known_aspect]
    assert not unexpected, "the static model disagrees with Bazel:\n" + "\n".join(
        f"  {d.aspect}: {d.detail} (static {d.static}, bazel {d.aquery})" for d in unexpected
    )
    known = [d for d in contradictions if d.aspect == known_aspect]
    if known:
        raise KnownDisagreement(f"{why}\n" + "\n".join(f"  {d.aspect}: {d.detail}" for d in known))


@pytest.mark.parametrize(("workspace", "label"), _corpus_params())
def test_corpus_target_agrees_with_bazel(
    corpus_oracle: dict[str, CorpusResult], workspace: str, label: str
) -> None:
    result = corpus_oracle[workspace]
    if label in result.run.failed or label in result.run.missing:
        why = _not_analysable(workspace, label)
        error = result.run.failed.get(label) or result.run.missing.get(label)
        if why:
            raise NotAnalysable(f"{why}: {error}")
        pytest.fail(f"Bazel 4.2.3 could not analyze {label}: {error}")
    static = STATIC[workspace][label]
    known = KNOWN_CORPUS_DISAGREEMENTS.get((workspace, label))
    disagreements = aquery.compare(static, result.facts.get(label), result.rc_keys)
    _check(disagreements, known[0] if known else None, known[1] if known else None)


@pytest.mark.parametrize("workspace", sorted(SKIPPED))
def test_unanalysable_workspace_is_documented(workspace: str) -> None:
    """Bazel 4.2.3 cannot analyze it offline (external rulesets): not compared, but listed in docs/aquery.md."""
    docs = (ROOT / "docs" / "aquery.md").read_text(encoding="utf-8")
    assert f"`{workspace}`" in docs, (
        f"docs/aquery.md must list skipped workspace {workspace}: {SKIPPED[workspace]}"
    )


def test_every_analysable_workspace_has_targets() -> None:
    assert ANALYZED, "no corpus workspace for the oracle"
    for workspace in ANALYZED:
        assert STATIC[workspace.name], workspace.name


# --------------------------------------------------------------------------------------------
# Generated workspaces: CASES packages of one workspace, one aquery run

GENERATOR = oracle.Generator(SEED)
GENERATED = GENERATOR.cases(CASES)


def _branch_alternatives(target: oracle.GenTarget) -> set[str]:
    return {f"{a.bazel_mnemonic}Alt" for a in target.actions if a.flow == "branch"}


def _generated_params() -> list:
    params = []
    for case in GENERATED:
        marks = []
        if any(_branch_alternatives(t) for t in case.targets):
            marks.append(
                pytest.mark.xfail(
                    strict=True,
                    raises=KnownDisagreement,
                    reason="limitation: an action under `if ctx.attr.flag:` is predicted although Bazel does not register it",
                )
            )
        params.append(pytest.param(case, id=f"c{case.index:03d}", marks=marks))
    return params


@dataclass(repr=False)
class GeneratedResult:
    run: oracle.AqueryRun
    static: dict[str, aquery.StaticTarget]
    verdicts: dict[str, object]
    facts: dict[str, aquery.TargetFacts]


@pytest.fixture(scope="session")
def generated_oracle(bazel: BazelSetup) -> GeneratedResult:
    root = oracle.write_generated(bazel.work / "generated", GENERATED)
    labels = [label for case in GENERATED for label in case.labels]
    run = oracle.aquery(root, labels, bazel.fragment, bazel.output_user_root)
    sys.stderr.write(
        f"\nbazel aquery on {len(GENERATED)} generated cases ({len(labels)} targets): {run.seconds:.1f}s\n"
    )
    result = scan(root)
    static = aquery.static_targets(result)
    tags = {label: s.tags for label, s in static.items()}
    facts = aquery.target_facts(aquery.load(run.document), root=root, tags=tags)
    return GeneratedResult(run, static, {t.label: t for t in result.inventory.targets}, facts)


@pytest.mark.parametrize("case", _generated_params())
def test_generated_case_agrees_with_bazel(generated_oracle: GeneratedResult, case: oracle.GenCase) -> None:
    problems: list[str] = []
    known: list[str] = []
    for target in case.targets:
        label = f"//{case.package}:{target.name}"
        if label in generated_oracle.run.failed or label in generated_oracle.run.missing:
            problems.append(f"{label}: Bazel could not analyze it: {generated_oracle.run.failed.get(label)}")
            continue
        static = generated_oracle.static.get(label)
        if static is None:
            problems.append(f"{label}: not in the static model")
            continue
        facts = generated_oracle.facts.get(label)
        alternatives = _branch_alternatives(target)
        for d in aquery.compare(static, facts):
            if _explained(d, target, alternatives):
                if d.kind == "contradiction":
                    known.append(f"{label}: {d.detail}")
                continue
            problems.append(f"{label}: {d.aspect} {d.kind}: {d.detail} (static {d.static}, bazel {d.aquery})")
        problems += _verdict_problems(label, generated_oracle, facts)
    assert not problems, (
        f"case {case.index} (seed {SEED}; `python tests/bazel/oracle.py generate DIR --only {case.index}`):\n"
        + "\n".join(f"  {p}" for p in problems)
    )
    if known:
        raise KnownDisagreement("\n".join(known))


def _explained(d: aquery.Disagreement, target: oracle.GenTarget, alternatives: set[str]) -> bool:
    """A disagreement the generated case makes on purpose: a branch, or a value the model cannot know."""
    if d.aspect == "mnemonics" and d.kind == "contradiction":
        return set(d.static) - set(d.aquery) <= alternatives and set(d.aquery) <= set(d.static)
    if d.aspect == "mnemonics" and d.kind == "undetermined":
        return any(a.mnemonic_mode == "attr" for a in target.actions)
    if d.aspect == "default_shell_env" and d.kind == "undetermined":
        # By design a helper's `use_default_shell_env = param` decides nothing; **kwargs forwarding neither.
        return any(
            a.bazel_mnemonic == d.mnemonic and (a.env_mode == "param" or a.style == "kwargs_helper")
            for a in target.actions
        )
    return False


def _verdict_problems(label: str, result: GeneratedResult, facts: aquery.TargetFacts | None) -> list[str]:
    """aquery's shell analysis must reach the static verdict, where Bazel shows everything that runs."""
    if facts is None:
        return []
    verdict, _already, reasons, _unknown = facts.verdict()
    static = result.verdicts[label]
    pinned = any(k in a.action.execution_keys for a in facts.relevant for k in LOCAL_KEYS)
    if verdict == "unknown" or pinned or static.already_tagged:  # type: ignore[attr-defined]
        return []
    if verdict != static.verdict:  # type: ignore[attr-defined]
        return [
            f"{label}: static verdict {static.verdict}, from Bazel's actions {verdict} "  # type: ignore[attr-defined]
            f"({'; '.join(f.message for f in reasons)})"
        ]
    return []


def test_generator_covers_every_feature() -> None:
    assert len(GENERATED) >= 200
    features = set().union(*(case.features for case in GENERATED))
    expected = {
        "api:run_shell",
        "api:run_tool",
        "api:run_script",
        "style:direct",
        "style:alias_actions",
        "style:alias_method",
        "style:helper",
        "style:shared_helper",
        "style:helper_twice",
        "style:kwargs_helper",
        "mnemonic:literal",
        "mnemonic:const",
        "mnemonic:loaded",
        "mnemonic:concat",
        "mnemonic:format",
        "mnemonic:percent",
        "mnemonic:struct",
        "mnemonic:dict",
        "mnemonic:local",
        "mnemonic:missing",
        "mnemonic:param",
        "mnemonic:attr",
        "env:absent",
        "env:true",
        "env:false",
        "env:const",
        "env:param",
        "requirements:none",
        "requirements:literal",
        "requirements:const",
        "requirements:loaded",
        "requirements:param",
        "flow:plain",
        "flow:loop",
        "flow:branch",
        "macro",
        "alias",
        "genrule",
        "test_rule",
        "sh_test",
        "sh_binary",
    }
    assert expected <= features, sorted(expected - features)


def test_generator_is_reproducible() -> None:
    again = oracle.Generator(SEED).cases(CASES)
    assert [c.files for c in again] == [c.files for c in GENERATED]
    assert [c.files for c in oracle.Generator(SEED + 1).cases(5)] != [c.files for c in GENERATED[:5]]
