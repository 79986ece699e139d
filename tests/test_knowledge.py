"""The knowledge base of rulesets: every bundled file is valid, every entry that keeps a target off
remote executors has a corpus fixture, and a bad entry is an error naming the file and the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CORPUS
from helpers import write_tree

from hermetic_scan.config import ConfigError, load_config
from hermetic_scan.knowledge import KnowledgeError, UnreadRuleset, bundled, load, parse_ruleset
from hermetic_scan.options import Overrides, load_options
from hermetic_scan.runner import scan

GOOD = """\
[ruleset]
name = "rules_acme"
versions = ">=1.0, <2"
docs = "https://example.com/rules_acme"

[[rule]]
name = "acme_image"
kind = "build"
remote = "ok"
why = "packs declared files"
"""


def test_every_bundled_ruleset_is_valid_and_cites_its_docs() -> None:
    rulesets = bundled()
    assert len(rulesets) >= 20
    names = [r.name for r in rulesets]
    assert len(names) == len(set(names)), "one file per ruleset"
    for ruleset in rulesets:
        assert Path(ruleset.source).stem == ruleset.name, f"{ruleset.source} is named after its module"
        for rule in ruleset.rules.values():
            assert rule.doc.startswith("https://") and rule.why and rule.versions
            if rule.remote != "ok":
                assert rule.hazards, f"{ruleset.name} {rule.name}"


def test_a_bundled_ruleset_is_read_when_a_scan_asks_for_it_and_reads_as_a_whole_file_does() -> None:
    knowledge = load()
    assert all(isinstance(entry, UnreadRuleset) for entry in knowledge.rulesets)
    for ruleset in bundled():
        for repository in ruleset.repositories:
            assert knowledge.ruleset(repository) == ruleset
            assert knowledge.ruleset(f"{repository}+") == ruleset


def test_a_team_file_overrides_a_bundled_ruleset_read_later_through_another_name(tmp_path: Path) -> None:
    team = tmp_path / "rules_go.toml"
    team.write_text(GOOD.replace("rules_acme", "rules_go"))
    knowledge = load([team])
    bundled_go = knowledge.ruleset("io_bazel_rules_go")  # the bundled file's WORKSPACE name for it
    assert bundled_go is not None and bundled_go.source == "knowledge/rulesets/rules_go.toml"
    ours = knowledge.ruleset("rules_go")
    assert ours is not None and ours.source == str(team) and set(ours.rules) == {"acme_image"}


def test_every_entry_that_blocks_remote_execution_has_a_fixture() -> None:
    loaded: set[tuple[str, str]] = set()
    for build in (CORPUS / "knowledge").rglob("BUILD.bazel"):
        for repo, symbols in re.findall(r'load\("@([^/"]+)//[^"]*",((?:\s*"[^"]+",?)+)\)', build.read_text()):
            loaded |= {(repo, symbol) for symbol in re.findall(r'"([^"]+)"', symbols)}
    module = (CORPUS / "knowledge" / "MODULE.bazel").read_text()
    aliases = dict(re.findall(r'bazel_dep\(name = "([^"]+)"[^)]*repo_name = "([^"]+)"', module))
    for ruleset in bundled():
        names = {ruleset.name, *ruleset.repositories, aliases.get(ruleset.name, ruleset.name)}
        for rule in ruleset.rules.values():
            if rule.remote != "ok":
                assert any((name, rule.name) in loaded for name in names), (
                    f"no fixture in corpus/knowledge loads {rule.name} from {ruleset.name}"
                )


def test_knowledge_verdicts_and_provenance_on_the_fixture() -> None:
    result = scan(CORPUS / "knowledge", load_options(CORPUS / "knowledge"))
    verdicts = {t.label: (t.verdict, t.provenance) for t in result.inventory.targets}
    assert verdicts["//deps:config_copy"] == ("remote-ok", "knowledge")
    assert verdicts["//deps:lib"] == ("remote-ok", "knowledge")  # rules_go under its WORKSPACE name
    assert verdicts["//deps:requirements"] == ("remote-ok", "knowledge")  # @py is rules_python
    assert verdicts["//deps:bundle"] == ("remote-ok", "knowledge")  # the team's own file
    assert verdicts["//deps:smoke_test"] == ("no-remote-exec", "knowledge")
    assert verdicts["//deps:newer"] == ("unknown", "unresolved")  # a symbol the knowledge lacks
    assert verdicts["//deps:mystery"] == ("unknown", "unresolved")
    assert verdicts["//images:image_test"] == ("no-remote-exec", "knowledge")  # driver defaults to docker
    assert verdicts["//images:image_docker_test"] == ("no-remote-exec", "knowledge")
    assert verdicts["//images:image_files_test"] == ("remote-ok", "knowledge")
    assert verdicts["//images:image_selected_test"][0] == "unknown"
    # A helper of rules_cc known to register nothing leaves the workspace's own rule analysable.
    assert verdicts["//toolchain:compiler_report"] == ("remote-ok", "source")
    assert verdicts["//toolchain:java_version"] == ("remote-ok", "source")  # rules_java's find_java_toolchain
    assert verdicts["//toolchain:linked"] == ("unknown", "source")
    # googleapis' generated @com_google_googleapis_imports: protoc-only rules run remotely, the GAPIC
    # post-processing and packaging rules use the host's zip/unzip, csharp's packaging Bazel's zipper.
    for ok in (
        "library_proto_with_info",
        "library_java_proto",
        "library_java_grpc",
        "library_cc_grpc",
        "library_java_gapic_test_suite",
        "library_nodejs_gapic",
        "library_php_proto",
        "library_ruby_proto",
        "library_ruby_grpc",
        "library_csharp_proto",
        "library_csharp_grpc",
        "google-example-library-v1-csharp",
    ):
        assert verdicts[f"//googleapis:{ok}"] == ("remote-ok", "knowledge"), ok
    for no in (
        "library_java_gapic",
        "google-example-library-v1-java",
        "library_go_gapic",
        "gapi-example-library-v1-go",
        "library_py_gapic",
        "library-v1-py",
        "google-example-library-v1-php",
        "library-v1-nodejs",
        "google-example-library-v1-ruby",
    ):
        assert verdicts[f"//googleapis:{no}"] == ("no-remote-exec", "knowledge"), no
    assert verdicts["//googleapis:library_ruby_gapic"] == ("unknown", "unresolved")  # left out
    causes = {cause: n for cause, n, _ in result.inventory.unknown_causes()}
    assert causes["@rules_unheard_of is not available"] == 1
    assert causes["@bazel_skylib: rules the knowledge base does not cover"] == 1
    assert causes["an attribute the knowledge base needs is not a literal"] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('remote = "ok"', 'remote = "fine"'), "rule 'acme_image'.remote: expected one of ok, no, depends"),
        (('why = "packs declared files"\n', ""), "rule 'acme_image'.why: expected a non-empty string"),
        (('docs = "https://', 'docs = "http://'), "ruleset.docs: expected the https:// address"),
        (("[[rule]]", "colour = 1\n[[rule]]"), "colour: unknown key"),
        (
            ('why = "packs declared files"', 'why = "x"\n[[rule.hazard]]\nkind = "network"\nwhy = "y"'),
            'remote = "ok" with hazards',
        ),
        (('remote = "ok"', 'remote = "depends"'), 'remote = "depends" needs a hazard with attr'),
        (
            (
                'why = "packs declared files"',
                'why = "x"\n[[rule.hazard]]\nkind = "network"\nwhen = "run"\nwhy = "y"',
            ),
            'a hazard with when = "run" needs kind = "run-only"',
        ),
        (
            (
                'why = "packs declared files"',
                'why = "x"\n[[rule.hazard]]\nkind = "network"\nwhen = "later"\nwhy = "y"',
            ),
            "rule 'acme_image'.hazard.when: expected one of build, run",
        ),
    ],
)
def test_a_bad_entry_names_the_file_and_key(change: tuple[str, str], message: str) -> None:
    with pytest.raises(KnowledgeError, match=re.escape(message)) as raised:
        parse_ruleset(GOOD.replace(*change), "team/rules_acme.toml")
    assert str(raised.value).startswith("team/rules_acme.toml: ")


def test_a_run_hazard_leaves_a_run_only_rule_remote_ok() -> None:
    text = GOOD.replace('kind = "build"', 'kind = "run-only"').replace(
        'why = "packs declared files"',
        'why = "x"\n[[rule.hazard]]\nkind = "network"\nwhen = "run"\nwhy = "uploads"',
    )
    rule = parse_ruleset(text, "team/rules_acme.toml").rules["acme_image"]
    assert rule.remote == "ok" and rule.hazards_when("build") == ()
    assert [h.why for h in rule.hazards_when("run")] == ["uploads"]


def test_a_team_knowledge_file_is_checked_when_the_config_is_read(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".hermetic-scan.toml": 'knowledge = ["rules_acme.toml"]\n',
            "rules_acme.toml": GOOD.replace('kind = "build"', 'kind = "deploy"'),
        },
    )
    with pytest.raises(ConfigError, match=r"knowledge: .*rules_acme.toml: rule 'acme_image'.kind"):
        load_config(tmp_path)
    (tmp_path / "rules_acme.toml").write_text(GOOD)
    assert load_config(tmp_path).knowledge_files == [(tmp_path / "rules_acme.toml").resolve()]


def test_rules_made_by_a_factory_of_an_unavailable_file_are_judged_by_the_factory(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'bazel_dep(name = "bazel_skylib", version = "1.7.1")\n',
            "t/defs.bzl": (
                'load("@bazel_skylib//lib:unittest.bzl", "analysistest", "loadingtest", "unittest")\n'
                "def _impl(ctx):\n"
                "    env = analysistest.begin(ctx)\n"
                "    return analysistest.end(env)\n"
                "stamp_test = analysistest.make(_impl, config_settings = {})\n"
                "unit_test = unittest.make(_impl)\n"
                "odd_test = loadingtest.make(_impl)\n"
            ),
            "t/BUILD.bazel": (
                'load(":defs.bzl", "odd_test", "stamp_test", "unit_test")\n'
                'stamp_test(name = "a", target_under_test = ":b")\n'
                'unit_test(name = "u")\n'
                'odd_test(name = "o")\n'
                'genrule(name = "b", outs = ["b.txt"], cmd = "echo > $@")\n'
            ),
        },
    )
    targets = {t.label: t for t in scan(root).inventory.targets}
    assert (targets["//t:a"].verdict, targets["//t:a"].provenance, targets["//t:a"].info.kind) == (
        "remote-ok",
        "knowledge",
        "stamp_test",
    )
    assert (targets["//t:u"].verdict, targets["//t:u"].provenance) == ("remote-ok", "knowledge")
    assert targets["//t:o"].verdict == "unknown"
    assert targets["//t:o"].unknown_because == [
        "rule odd_test (made by loadingtest.make) comes from @bazel_skylib//lib:unittest.bzl, which is not "
        "available, and the knowledge of bazel_skylib does not cover it"
    ]


def test_compatibility_proxies_tar_bzl_and_bazel_lib_3(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": (
                'bazel_dep(name = "tar.bzl", version = "0.7.0")\n'
                'bazel_dep(name = "bazel_lib", version = "3.0.0")\n'
                'bazel_dep(name = "rules_java", version = "8.6.0")\n'
            ),
            "BUILD.bazel": (
                'load("@bazel_lib//:bzl_library.bzl", "bzl_library")\n'
                'load("@cc_compatibility_proxy//:proxy.bzl", "cc_library")\n'
                'load("@compatibility_proxy//:proxy.bzl", "java_library")\n'
                'load("@tar.bzl//tar:tar.bzl", "tar")\n'
                'bzl_library(name = "defs", srcs = ["defs.bzl"])\n'
                'cc_library(name = "lib", srcs = ["lib.cc"])\n'
                'java_library(name = "jlib", srcs = ["A.java"])\n'
                'tar(name = "bundle", srcs = ["lib.cc"])\n'
            ),
        },
    )
    targets = {t.label: (t.verdict, t.provenance) for t in scan(root).inventory.targets}
    assert targets == {
        "//:defs": ("remote-ok", "knowledge"),
        "//:lib": ("remote-ok", "knowledge"),
        "//:jlib": ("remote-ok", "knowledge"),
        "//:bundle": ("remote-ok", "knowledge"),
    }


def test_a_host_tool_hazard_does_not_hold_when_the_worker_image_has_its_programs() -> None:
    root = CORPUS / "knowledge"
    with_zip = scan(root, load_options(root, overrides=Overrides(profile_add=["zip", "unzip"])))
    verdicts = {t.label: (t.verdict, t.provenance) for t in with_zip.inventory.targets}
    assert verdicts["//googleapis:library_java_gapic"] == ("remote-ok", "knowledge")  # unzip and zip
    assert verdicts["//googleapis:library_py_gapic"] == ("remote-ok", "knowledge")  # unzip
    # PHP packaging also runs zipinfo, which this profile lacks.
    assert verdicts["//googleapis:google-example-library-v1-php"] == ("no-remote-exec", "knowledge")
    assert not [d for d in with_zip.diagnostics if d.rule == "ruleset-hazard" and "`unzip -q`" in d.message]


def test_programs_belong_to_host_tool_hazards() -> None:
    text = GOOD.replace(
        'why = "packs declared files"',
        'why = "x"\n[[rule.hazard]]\nkind = "network"\nwhy = "y"\nprograms = ["curl"]',
    ).replace('remote = "ok"', 'remote = "no"')
    with pytest.raises(KnowledgeError, match='"programs" belongs to a host-tool hazard'):
        parse_ruleset(text, "team/rules_acme.toml")


def test_a_known_rule_that_runs_a_tool_attribute_takes_on_the_tool_s_hazards(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'bazel_dep(name = "bazel_skylib", version = "1.7.1")\n',
            "BUILD.bazel": (
                'load("@bazel_skylib//rules:run_binary.bzl", "run_binary")\n'
                'py_binary(name = "lint", srcs = ["lint.py"])\n'
                'sh_binary(name = "stamp", srcs = ["stamp.sh"])\n'
                'sh_binary(name = "copy", srcs = ["copy.sh"])\n'
                'run_binary(name = "report", tool = ":lint", outs = ["report.txt"], args = ["$(location report.txt)"])\n'
                'run_binary(name = "stamped", tool = ":stamp", outs = ["s.txt"])\n'
                'run_binary(name = "copied", tool = ":copy", outs = ["c.txt"])\n'
            ),
            "stamp.sh": '#!/usr/bin/env bash\nterraform version > "$1"\n',
            "copy.sh": '#!/usr/bin/env bash\ncp "$1" "$2"\n',
        },
    )
    result = scan(root)
    found = {(d.rule, d.target) for d in result.diagnostics if d.rule in ("python-bootstrap", "ambient-tool")}
    assert found == {("python-bootstrap", "//:report"), ("ambient-tool", "//:stamped")}
    verdicts = {t.label: (t.verdict, t.provenance) for t in result.inventory.targets}
    assert verdicts["//:report"] == ("no-remote-exec", "knowledge")
    assert verdicts["//:stamped"] == ("no-remote-exec", "knowledge")
    assert verdicts["//:copied"] == ("remote-ok", "knowledge")
