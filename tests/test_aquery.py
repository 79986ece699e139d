"""hermetic_scan.crosscheck.aquery on recorded `bazel aquery` output (Bazel 4.2.3; tests/fixtures/aquery/record.sh).

The recorded files are real outputs; the streamed, snake_case and "newer Bazel" (file contents)
variants are derived from them here, with the derivation in plain sight.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT

from hermetic_scan.crosscheck import aquery
from hermetic_scan.options import load_options
from hermetic_scan.profile import ExecutorProfile
from hermetic_scan.runner import scan

FIXTURES = ROOT / "tests" / "fixtures" / "aquery"
WORKSPACE = FIXTURES / "workspace"


def _doc(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _summary(graph: aquery.ActionGraph, v1: bool = False) -> set[tuple]:
    """Everything the join uses; v1 lists dep sets in another order."""
    return {
        (
            a.label,
            a.rule_class,
            a.mnemonic,
            a.arguments,
            a.env,
            a.execution_info,
            a.outputs,
            tuple(sorted(graph.inputs(a))) if v1 else tuple(graph.inputs(a)),
        )
        for a in graph.actions
    }


def _streamed(doc: dict) -> str:
    """Bazel 7's --output=streamed_jsonproto: one ActionGraphComponent per line."""
    singular = {
        "artifacts": "artifact",
        "actions": "action",
        "targets": "target",
        "depSetOfFiles": "depSetOfFiles",
        "configuration": "configuration",
        "ruleClasses": "ruleClass",
        "pathFragments": "pathFragment",
    }
    return "\n".join(json.dumps({singular[key]: item}) for key, items in doc.items() for item in items) + "\n"


def _snake(value: object) -> object:
    if isinstance(value, dict):
        return {
            re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower() if k not in ("key", "value") else k: _snake(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# Reading the output


def test_every_recorded_shape_reads_the_same() -> None:
    v2 = aquery.load_file(FIXTURES / "workspace.v2.json")
    assert v2.shape == "v2" and len(v2.actions) > 20
    expected = _summary(v2)
    v1 = aquery.load_file(FIXTURES / "workspace.v1.json")
    proto = aquery.load_file(FIXTURES / "workspace.pb")
    streamed = aquery.load(_streamed(_doc("workspace.v2.json")))
    snake = aquery.load(_snake(_doc("workspace.v2.json")))  # type: ignore[arg-type]
    assert (v1.shape, proto.shape, streamed.shape) == ("v1", "proto", "streamed")
    for graph in (proto, streamed, snake):
        assert _summary(graph) == expected
    assert _summary(v1, v1=True) == _summary(v2, v1=True)
    assert v1.labels == v2.labels == proto.labels


def test_json_objects_for_key_value_lists_and_main_repo_labels() -> None:
    doc = {
        "targets": [{"id": 1, "label": "@@//app:a", "ruleClassId": 1}, {"id": 2, "label": "@//app:b"}],
        "ruleClasses": [{"id": 1, "name": "r"}],
        "actions": [
            {
                "targetId": 1,
                "mnemonic": "M",
                "arguments": ["/bin/bash", "-c", "true"],
                "environmentVariables": {"PATH": "/bin"},
                "executionInfo": {"no-remote-exec": ""},
            },
            {"targetId": 2, "mnemonic": "N", "arguments": ["bash", "-euc", "true"]},
        ],
    }
    graph = aquery.load(doc)
    by_label = graph.by_label()
    assert set(by_label) == {"//app:a", "//app:b"}
    a = by_label["//app:a"][0]
    assert a.default_shell_env and a.execution_keys == {"no-remote-exec"} and a.rule_class == "r"
    assert a.shell_command() == "true" and by_label["//app:b"][0].shell_command() == "true"


@pytest.mark.parametrize(
    ("arguments", "command"),
    [
        (["/bin/bash", "-c", "echo hi", ""], "echo hi"),
        (["/bin/sh", "-ec", "x"], "x"),
        (["/usr/bin/bash", "--norc", "-c", "y"], "y"),
        (["/bin/bash", "script.sh"], None),
        (["bazel-out/k8-opt-exec/bin/tools/gen", "-c", "x"], None),
        ([], None),
    ],
)
def test_shell_command(arguments: list[str], command: str | None) -> None:
    action = aquery.Action(None, None, "M", tuple(arguments), (), (), (), (), None, None)
    assert action.shell_command() == command


@pytest.mark.parametrize(
    "data", ["not json", "[1, 2]", '{"hello": 1}', b"\x00\x01\xff\xfe garbage", b"\x0a\x7f"]
)
def test_bad_input_is_an_aquery_error(data: str | bytes) -> None:
    with pytest.raises(aquery.AqueryError):
        aquery.load(data)


def test_empty_output_is_an_empty_graph() -> None:
    assert (
        aquery.load("").actions == [] and aquery.load("{}").actions == [] and aquery.load(b"").actions == []
    )


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(aquery.AqueryError, match="cannot read"):
        aquery.load_file(tmp_path / "missing.json")


# --------------------------------------------------------------------------------------------
# Facts per target


@pytest.fixture(scope="module")
def facts() -> dict[str, aquery.TargetFacts]:
    return aquery.target_facts(aquery.load_file(FIXTURES / "workspace.v2.json"), root=WORKSPACE)


def test_mnemonics_ignore_internal_actions(facts: dict[str, aquery.TargetFacts]) -> None:
    assert facts["//app:validate"].mnemonics == {"TofuValidate"}
    assert facts["//app:unnamed"].mnemonics == {"Action"}
    assert facts["//app:stamp"].mnemonics == {"Genrule"}
    assert facts["//app:lint_test"].mnemonics == {"TestRunner"}
    assert {"SymlinkTree", "SourceSymlinkManifest", "ExecutableSymlink", "Middleman"} <= facts[
        "//app:lint_test"
    ].internal_mnemonics
    assert facts["//app:launcher"].mnemonics == frozenset()  # sh_binary: only Bazel's bookkeeping
    assert facts["//app:scripted"].internal_mnemonics == {"FileWrite"}
    every = {a.action.mnemonic for f in facts.values() for a in f.actions}
    assert every - aquery.IGNORED_MNEMONICS == {
        "TofuValidate",
        "Fetch",
        "Hermetic",
        "Pinned",
        "Action",
        "WorkspaceDir",
        "HostPython",
        "Scripted",
        "TestRunner",
        "Genrule",
    }


def test_path_means_default_shell_env(facts: dict[str, aquery.TargetFacts]) -> None:
    assert facts["//app:validate"].default_shell_env  # use_default_shell_env = True
    assert facts["//app:stamp"].default_shell_env  # genrule always
    assert not facts["//app:hermetic"].default_shell_env  # use_default_shell_env = False
    assert not facts["//app:fetch"].default_shell_env  # absent


def test_execution_info(facts: dict[str, aquery.TargetFacts]) -> None:
    assert facts["//app:fetch"].execution_keys == {"requires-network"}
    assert facts["//app:pinned"].execution_keys == {"no-remote-exec"}
    assert facts["//app:protoc_version"].execution_keys == {"no-remote-exec"}  # genrule: the target's tag
    assert facts["//app:validate"].execution_keys == frozenset()


def _findings(f: aquery.TargetFacts) -> set[tuple[str, str, bool]]:
    return {(x.rule, x.subject, x.blocking) for x in f.findings}


def test_shell_analysis(facts: dict[str, aquery.TargetFacts]) -> None:
    assert _findings(facts["//app:validate"]) == {("ambient-tool", "tofu", True)}
    # requires-network in the action's execution info waives the network finding, not the ambient curl.
    assert _findings(facts["//app:fetch"]) == {
        ("ambient-tool", "curl", True),
        ("network-access", "curl", False),
    }
    assert _findings(facts["//app:workspace_dir"]) == {("workspace-dir", "BUILD_WORKSPACE_DIRECTORY", True)}
    assert _findings(facts["//app:host_python"]) == {
        ("ambient-tool", "python3", True)
    }  # executable = "python3"
    assert _findings(facts["//app:protoc_version"]) == {("ambient-tool", "protoc", True)}
    assert _findings(facts["//app:lint_test"]) == {
        ("ambient-tool", "shellcheck", True)
    }  # sh_test source, read from disk
    for label in ("//app:stamp", "//app:hermetic", "//app:unnamed", "//app:clean_test"):
        assert _findings(facts[label]) == set(), (
            label
        )  # genrule-setup.sh is Bazel's own; date/touch/test are base tools


def test_verdicts_from_actions(facts: dict[str, aquery.TargetFacts]) -> None:
    verdicts = {label: f.verdict()[:2] for label, f in facts.items()}
    assert verdicts["//app:validate"] == ("no-remote-exec", False)
    assert verdicts["//app:pinned"] == ("no-remote-exec", True)  # every action carries no-remote-exec
    assert verdicts["//app:hermetic"] == ("remote-ok", False)
    assert verdicts["//app:launcher"] == ("remote-ok", False)
    # Bazel 4.2.3 does not print what ctx.actions.write writes: the script an action runs is not visible.
    assert verdicts["//app:scripted"] == ("unknown", False)
    assert verdicts["//app:written_test"] == ("unknown", False)
    assert "--include_file_write_contents" in facts["//app:scripted"].verdict()[3][0]


def test_profile_and_tags(tmp_path: Path) -> None:
    graph = aquery.load_file(FIXTURES / "workspace.v2.json")
    with_tofu = aquery.target_facts(graph, ExecutorProfile.build(add=["tofu"]), WORKSPACE)
    assert with_tofu["//app:validate"].verdict()[0] == "remote-ok"
    tagged = aquery.target_facts(graph, tags={"//app:fetch": ["requires-network"]})
    assert ("network-access", "curl", False) in _findings(tagged["//app:fetch"])
    no_root = aquery.target_facts(graph)  # without the workspace, a sh_test's script cannot be read
    assert no_root["//app:lint_test"].verdict()[0] == "unknown"


def test_test_script_must_stay_inside_the_workspace(tmp_path: Path) -> None:
    doc = _doc("workspace.v2.json")
    for fragment in doc["pathFragments"]:
        if fragment["label"] == "lint_test.sh":
            fragment["label"] = "../../../../etc/passwd"
    facts = aquery.target_facts(aquery.load(doc), root=WORKSPACE)
    assert facts["//app:lint_test"].verdict()[0] == "unknown"


# --------------------------------------------------------------------------------------------
# The join


def _verdicts(j: aquery.AqueryJoin) -> dict[str, tuple[str, str]]:
    return {t.label: (t.verdict, t.provenance) for t in j.targets}


def test_join_keeps_static_verdicts_and_finds_no_disagreement() -> None:
    result = scan(WORKSPACE)
    j = aquery.join(result, _doc("workspace.v2.json"))
    static = {t.label: (t.verdict, t.provenance) for t in result.inventory.targets}
    assert _verdicts(j) == static
    assert j.model_disagreements == []
    assert j.not_in_aquery == [] and j.only_in_aquery == []


def test_opentofu_join_gives_the_static_verdicts() -> None:
    workspace = CORPUS / "opentofu"
    result = scan(workspace, load_options(workspace))
    j = aquery.join(result, _doc("opentofu.json"))
    assert {t.label: t.verdict for t in j.targets} == {t.label: t.verdict for t in result.inventory.targets}
    assert [d for d in j.model_disagreements if d.kind == "contradiction"] == []
    doc = aquery.render_json(j)
    assert doc["targets"][0]["aquery"] is not None
    validate = next(t for t in doc["targets"] if t["label"] == "//infra/network:network_validate")
    assert (
        validate["aquery"]["mnemonics"] == ["TofuValidate"]
        and validate["aquery"]["default_shell_env"] is True
    )


@pytest.fixture()
def withheld(tmp_path: Path) -> Path:
    """The fixture workspace without its rule source: the static scan cannot resolve any custom rule."""
    workspace = shutil.copytree(WORKSPACE, tmp_path / "ws")
    (workspace / "rules" / "defs.bzl").unlink()
    return workspace


WITHHELD = {
    "//app:validate": "no-remote-exec",
    "//app:fetch": "no-remote-exec",
    "//app:hermetic": "remote-ok",
    "//app:pinned": "no-remote-exec",
    "//app:unnamed": "remote-ok",
    "//app:workspace_dir": "no-remote-exec",
    "//app:host_python": "no-remote-exec",
    "//app:scripted": "unknown",  # runs a written script: Bazel 4.2.3 does not print its content
    "//app:written_test": "unknown",
}


def test_withheld_rule_source_gets_verdicts_from_aquery(withheld: Path) -> None:
    result = scan(withheld)
    static = {t.label: t.verdict for t in result.inventory.targets}
    assert {label: static[label] for label in WITHHELD} == dict.fromkeys(WITHHELD, "unknown")
    j = aquery.join(result, _doc("workspace.v2.json"))
    for label, verdict in WITHHELD.items():
        t = j.target(label)
        assert t is not None and (t.verdict, t.provenance, t.static_verdict) == (
            verdict,
            "aquery",
            "unknown",
        ), label
    assert j.target("//app:pinned").already_tagged  # type: ignore[union-attr]
    assert {f.rule for f in j.target("//app:workspace_dir").reasons} == {"workspace-dir"}  # type: ignore[union-attr]
    # Targets the static model decided keep their verdicts and provenance.
    assert _verdicts(j)["//app:stamp"] == ("remote-ok", "source")
    assert _verdicts(j)["//app:lint_test"] == ("no-remote-exec", "source")
    # The model could not see the rules: Bazel's mnemonics are "undetermined", never contradictions.
    assert {d.kind for d in j.model_disagreements} == {"undetermined"}
    assert {d.label for d in j.model_disagreements if d.aspect == "mnemonics"} >= {
        "//app:validate",
        "//app:fetch",
    }


def test_withheld_with_file_contents_of_newer_bazel(withheld: Path) -> None:
    """Bazel 6+ prints ctx.actions.write contents with --include_file_write_contents."""
    doc = _doc("workspace.v2.json")
    paths = _paths(doc)
    for action in doc["actions"]:
        if action["mnemonic"] == "FileWrite":
            written = paths[action["primaryOutputId"]]
            action["fileContents"] = (
                '#!/bin/sh\nyamllint . > "$1"\n' if written.endswith("scripted.sh") else "#!/bin/sh\nexit 0\n"
            )
    j = aquery.join(scan(withheld), doc)
    assert j.target("//app:scripted").verdict == "no-remote-exec"  # type: ignore[union-attr]
    assert {f.subject for f in j.target("//app:scripted").reasons} == {"yamllint"}  # type: ignore[union-attr]
    assert j.target("//app:written_test").verdict == "remote-ok"  # type: ignore[union-attr]


def _paths(doc: dict) -> dict[int, str]:
    fragments = {f["id"]: f for f in doc["pathFragments"]}

    def path(fid: int) -> str:
        parts = []
        while fid:
            parts.append(fragments[fid]["label"])
            fid = fragments[fid].get("parentId", 0)
        return "/".join(reversed(parts))

    return {a["id"]: path(a["pathFragmentId"]) for a in doc["artifacts"]}


def _mutated(mutate) -> list[aquery.Disagreement]:  # noqa: ANN001
    doc = _doc("workspace.v2.json")
    labels = {t["id"]: t["label"] for t in doc["targets"]}
    for action in doc["actions"]:
        mutate(labels[action["targetId"]], action)
    return aquery.join(scan(WORKSPACE), doc).model_disagreements


def test_disagreement_on_mnemonic() -> None:
    def rename(label: str, action: dict) -> None:
        if label == "//app:unnamed" and action["mnemonic"] == "Action":
            action["mnemonic"] = "Touch"

    found = _mutated(rename)
    assert {(d.label, d.aspect, d.kind) for d in found} == {("//app:unnamed", "mnemonics", "contradiction")}
    assert {d.detail for d in found} == {
        "the model predicts Action, which Bazel does not register for this target",
        "Bazel registers Touch, which the model does not predict",
    }


def test_disagreement_on_default_shell_env_and_requirements() -> None:
    def change(label: str, action: dict) -> None:
        if label == "//app:validate" and action["mnemonic"] == "TofuValidate":
            del action["environmentVariables"]
            action["executionInfo"] = [{"key": "no-cache", "value": ""}]
        if label == "//app:stamp":
            action["executionInfo"] = [{"key": "no-remote-exec", "value": ""}]

    found = {(d.label, d.aspect, d.mnemonic): d for d in _mutated(change)}
    assert set(found) == {
        ("//app:validate", "default_shell_env", "TofuValidate"),
        ("//app:validate", "execution_requirements", "TofuValidate"),
        ("//app:stamp", "execution_requirements", "Genrule"),
    }
    env = found[("//app:validate", "default_shell_env", "TofuValidate")]
    assert (env.kind, env.static, env.aquery) == ("contradiction", [True], [False])
    assert "no-cache" in found[("//app:validate", "execution_requirements", "TofuValidate")].detail


def test_tags_bazel_propagates_are_not_disagreements() -> None:
    """Bazel 7+ copies a target's no-* / requires-* tags into its actions' execution info."""

    def propagate(label: str, action: dict) -> None:
        if label == "//app:protoc_version" or (
            label == "//app:validate" and action["mnemonic"] == "TofuValidate"
        ):
            action["executionInfo"] = [{"key": "no-remote-exec", "value": ""}]

    found = _mutated(propagate)
    # protoc_version is tagged no-remote-exec; validate is not, so its extra key is a disagreement.
    assert {(d.label, d.aspect) for d in found} == {("//app:validate", "execution_requirements")}


def test_rc_modify_execution_info_is_not_a_disagreement(tmp_path: Path) -> None:
    workspace = shutil.copytree(WORKSPACE, tmp_path / "ws")
    (workspace / ".bazelrc").write_text(
        "build --modify_execution_info=Tofu.*=+no-remote-exec,Genrule=-requires-x\n"
    )
    doc = _doc("workspace.v2.json")
    labels = {t["id"]: t["label"] for t in doc["targets"]}
    for action in doc["actions"]:
        if labels[action["targetId"]] == "//app:validate" and action["mnemonic"] == "TofuValidate":
            action["executionInfo"] = [{"key": "no-remote-exec", "value": ""}]
    assert aquery.join(scan(workspace), doc).model_disagreements == []


def test_default_shell_env_recorded_corpus() -> None:
    """Real Bazel on corpus/default-shell-env: the branch limitation; helper arguments agree."""
    workspace = CORPUS / "default-shell-env"
    j = aquery.join(scan(workspace, load_options(workspace)), _doc("default-shell-env.json"))
    contradictions = {(d.label, d.aspect) for d in j.model_disagreements if d.kind == "contradiction"}
    assert contradictions == {("//pkg:notice", "mnemonics"), ("//pkg:third_party", "mnemonics")}
    # run_tool(..., use_default_shell_env = True / False): each call site's argument reaches the action,
    # and Bazel's recorded environment agrees with it.
    disagreeing = {(d.label, d.mnemonic) for d in j.model_disagreements}
    assert not {("//pkg:notes", "ReleaseNotes"), ("//pkg:notes", "Changelog")} & disagreeing


def test_render_json() -> None:
    j = aquery.join(scan(WORKSPACE), _doc("workspace.v2.json"))
    doc = aquery.render_json(j)
    json.dumps(doc)  # serialisable
    assert doc["version"] == 1 and doc["aquery_shape"] == "v2"
    assert doc["ignored_mnemonics"] == sorted(aquery.IGNORED_MNEMONICS)
    assert doc["summary"] == j.summary() and sum(doc["summary"].values()) == len(doc["targets"])
    entry = next(t for t in doc["targets"] if t["label"] == "//app:fetch")
    assert entry["aquery"]["execution_info"] == ["requires-network"]
    assert {
        "label",
        "kind",
        "verdict",
        "provenance",
        "static_verdict",
        "aquery_verdict",
        "already_tagged",
        "reasons",
        "unknown_because",
        "aquery",
    } == set(entry)
    assert set(doc) == {
        "version",
        "aquery_shape",
        "ignored_mnemonics",
        "targets",
        "model_disagreements",
        "not_in_aquery",
        "only_in_aquery",
        "summary",
    }


def test_targets_missing_from_aquery_stay_as_they_are(withheld: Path) -> None:
    doc = _doc("workspace.v2.json")
    keep = {t["id"] for t in doc["targets"] if t["label"] != "//app:validate"}
    doc["actions"] = [a for a in doc["actions"] if a["targetId"] in keep]
    j = aquery.join(scan(withheld), doc)
    t = j.target("//app:validate")
    assert t is not None and (t.verdict, t.provenance, t.aquery_verdict) == ("unknown", "unresolved", None)
    assert "//app:validate" in j.not_in_aquery and any("manual" in why for why in t.unknown_because)


def test_docs_list_the_ignored_mnemonics() -> None:
    docs = (ROOT / "docs" / "aquery.md").read_text(encoding="utf-8")
    for mnemonic in aquery.IGNORED_MNEMONICS:
        assert f"`{mnemonic}`" in docs, mnemonic
