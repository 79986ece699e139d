"""Targets of a workspace (model/targets.py), from BUILD files written to disk: each target's label,
kind, tags and where they are written, the macro that generated it, the attributes the model reads
(genrule commands with make variables masked, sh_* script labels), and where the model must not
guess: computed name parts shown as `*`, names it cannot read giving no target, attributes it does
not read staying unknown."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import write_tree
from tree_sitter import Node

from hermetic_scan.labels import Label
from hermetic_scan.model import build_model
from hermetic_scan.model.targets import Target, script_labels
from hermetic_scan.model.values import Const, NativeRule, RuleClass, Str, Unknown, UnresolvedSymbol
from hermetic_scan.workspace import discover

RULES = textwrap.dedent(
    """
    def _check_impl(ctx):
        pass

    def _gen_impl(ctx):
        pass

    check = rule(implementation = _check_impl, test = True)
    gen = rule(implementation = _gen_impl)
    """
)


def _targets(tmp_path: Path, files: dict[str, str]) -> dict[str, Target]:
    write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'module(name = "demo")\n',
            "rules/BUILD.bazel": "",
            "rules/defs.bzl": RULES,
            **files,
        },
    )
    model = build_model(discover(tmp_path))
    return {tm.target.text: tm.target for tm in model.targets}


def _build(tmp_path: Path, build: str, files: dict[str, str] | None = None) -> dict[str, Target]:
    """The targets of app/BUILD.bazel (with `files` beside it in the workspace)."""
    return _targets(tmp_path, {"app/BUILD.bazel": textwrap.dedent(build), **(files or {})})


def _texts(target: Target, nodes: list[Node]) -> list[str]:
    return [target.call_module.text(node) for node in nodes]


# -- label, kind, generator -------------------------------------------------------------------
def test_a_rule_called_in_a_build_file_is_a_target_of_that_package(tmp_path: Path) -> None:
    targets = _build(
        tmp_path,
        """
        load("//rules:defs.bzl", "gen")

        gen(name = "schema")
        """,
    )
    target = targets["//app:schema"]
    assert target.label == Label("", "app", "schema")
    assert (target.text, target.key, target.kind, target.generator) == (
        "//app:schema",
        "target://app:schema",
        "gen",
        None,
    )
    assert isinstance(target.callee, RuleClass) and target.callee.key == "rule:rules/defs.bzl:gen"
    assert target.call_module.display_path == "app/BUILD.bazel"
    assert target.build.display_path == "app/BUILD.bazel"
    assert target.call_module.text(target.top_node) == 'gen(name = "schema")'


@pytest.mark.parametrize(
    ("load", "call", "kind", "callee", "is_test"),
    [
        ("", 'genrule(name = "t", outs = ["o"], cmd = "true")', "genrule", NativeRule, False),
        ("", 'sh_test(name = "t", srcs = ["t.sh"])', "sh_test", NativeRule, True),
        (
            'load("@rules_shell//shell:sh_test.bzl", "sh_test")',
            'sh_test(name = "t", srcs = ["t.sh"])',
            "sh_test",
            NativeRule,
            True,
        ),
        ('load("//rules:defs.bzl", "check")', 'check(name = "t")', "check", RuleClass, True),
        ('load("//rules:defs.bzl", my_gen = "gen")', 'my_gen(name = "t")', "gen", RuleClass, False),
        (
            'load("@rules_far//:defs.bzl", far = "far_test")',
            'far(name = "t")',
            "far_test",
            UnresolvedSymbol,
            True,
        ),
        ("", 'undefined_rule(name = "t")', "undefined_rule", Unknown, False),
        ("", 'undefined_test(name = "t")', "undefined_test", Unknown, True),
    ],
    ids=[
        "native",
        "native-test",
        "rules-shell-stand-in",
        "test-rule-class",
        "aliased-load",
        "unavailable-ruleset",
        "unknown",
        "unknown-test",
    ],
)
def test_the_kind_of_a_target_is_the_rule_as_defined_not_as_aliased(
    tmp_path: Path, load: str, call: str, kind: str, callee: type, is_test: bool
) -> None:
    target = _build(tmp_path, f"{load}\n{call}\n")["//app:t"]
    assert (target.kind, type(target.callee), target.is_test) == (kind, callee, is_test)


def test_a_legacy_macro_generates_targets_with_names_computed_from_its_arguments(tmp_path: Path) -> None:
    macros = textwrap.dedent(
        """
        load(":defs.bzl", "check", "gen")

        def schema_suite(name, tags = [], **kwargs):
            gen(name = name + "_gen", **kwargs)
            check(name = "%s_test" % name, tags = tags + ["schema"])
        """
    )
    targets = _build(
        tmp_path,
        """
        load("//rules:macros.bzl", suite = "schema_suite")

        suite(name = "orders", tags = ["manual"])
        """,
        {"rules/macros.bzl": macros},
    )
    assert sorted(targets) == ["//app:orders_gen", "//app:orders_test"]
    test = targets["//app:orders_test"]
    assert (test.kind, test.generator, test.is_test, test.tags) == (
        "check",
        "suite",
        True,
        ["manual", "schema"],
    )
    assert test.call_module.display_path == "rules/macros.bzl"
    assert test.build.display_path == "app/BUILD.bazel"
    assert test.call_module is not test.build
    assert test.top_node.text == b'suite(name = "orders", tags = ["manual"])'
    assert targets["//app:orders_gen"].generator == "suite"


def test_a_symbolic_macro_generates_targets_with_its_attribute_defaults(tmp_path: Path) -> None:
    macros = textwrap.dedent(
        """
        def _hello_impl(name, visibility, greeting):
            native.genrule(name = name + "_hello", outs = [name + ".txt"], cmd = "echo " + greeting + " > $@")

        hello = macro(
            implementation = _hello_impl,
            attrs = {"greeting": attr.string(default = "hi", configurable = False)},
        )
        """
    )
    targets = _build(
        tmp_path,
        """
        load("//rules:hello.bzl", "hello")

        hello(name = "en")
        hello(name = "fr", greeting = "salut")
        """,
        {"rules/hello.bzl": macros},
    )
    assert {label: (t.kind, t.generator) for label, t in targets.items()} == {
        "//app:en_hello": ("genrule", "hello"),
        "//app:fr_hello": ("genrule", "hello"),
    }
    assert [c.text.text for c in targets["//app:en_hello"].genrule_commands] == ["echo hi > __hs_declared__"]
    assert [c.text.text for c in targets["//app:fr_hello"].genrule_commands] == [
        "echo salut > __hs_declared__"
    ]


def test_targets_of_a_list_comprehension_have_no_generator(tmp_path: Path) -> None:
    targets = _build(
        tmp_path,
        """
        [sh_test(name = lang + "_smoke", srcs = [lang + ".sh"]) for lang in ["go", "rust"]]
        """,
    )
    assert {label: (t.kind, t.generator) for label, t in targets.items()} == {
        "//app:go_smoke": ("sh_test", None),
        "//app:rust_smoke": ("sh_test", None),
    }
    assert [str(label) for label, _ in script_labels(targets["//app:rust_smoke"])] == ["//app:rust.sh"]


# -- names the model cannot fully read --------------------------------------------------------
def test_computed_parts_of_a_name_are_shown_as_a_star(tmp_path: Path) -> None:
    macros = textwrap.dedent(
        """
        def moc(name, hdrs):
            for hdr in hdrs:
                native.genrule(name = hdr.split(".")[0] + "_moc", outs = [hdr + ".cc"], cmd = "moc $< > $@")
        """
    )
    targets = _build(
        tmp_path,
        """
        load("//rules:moc.bzl", "moc")

        moc(name = "ui", hdrs = ["window.h"])
        """,
        {"rules/moc.bzl": macros},
    )
    assert list(targets) == ["//app:*_moc"]
    assert targets["//app:*_moc"].label == Label("", "app", "*_moc")


def test_a_double_underscore_after_a_computed_part_is_kept(tmp_path: Path) -> None:
    macros = textwrap.dedent(
        """
        def protos(name, srcs):
            for src in srcs:
                native.genrule(name = src.split(".")[0] + "__pb", outs = [src + ".pb"], cmd = "protoc")
        """
    )
    targets = _build(
        tmp_path,
        """
        load("//rules:protos.bzl", "protos")

        protos(name = "api", srcs = ["user.proto"])
        """,
        {"rules/protos.bzl": macros},
    )
    assert list(targets) == ["//app:*__pb"]


@pytest.mark.parametrize(
    "statement",
    [
        'genrule(name = UNDEFINED_NAME, outs = ["o"], cmd = "true")',
        'genrule(name = "", outs = ["o"], cmd = "true")',
        'genrule(outs = ["o"], cmd = "true")',
        'package(default_visibility = ["//visibility:public"])',
        'exports_files(["run.sh"])',
        'load("//rules:defs.bzl", "gen")',
    ],
    ids=["unknown-name", "empty-name", "no-name", "package", "exports-files", "load"],
)
def test_statements_without_a_readable_name_make_no_target(tmp_path: Path, statement: str) -> None:
    targets = _build(tmp_path, f'{statement}\ngenrule(name = "kept", outs = ["k"], cmd = "true")\n')
    assert list(targets) == ["//app:kept"]


def test_a_name_chosen_by_an_undecided_condition_makes_each_option_a_target(tmp_path: Path) -> None:
    targets = _build(
        tmp_path,
        """
        genrule(
            name = "linux_tool" if native.package_name() == "app" else "other_tool",
            outs = ["tool"],
            cmd = "true",
        )
        """,
    )
    assert sorted(targets) == ["//app:linux_tool", "//app:other_tool"]
    assert targets["//app:linux_tool"].call is targets["//app:other_tool"].call


def test_a_name_bound_at_the_top_of_the_build_file_is_read(tmp_path: Path) -> None:
    targets = _build(
        tmp_path,
        """
        NAME = "bundle"

        genrule(name = NAME, outs = ["b.tar"], cmd = "tar cf $@ .")
        """,
    )
    assert list(targets) == ["//app:bundle"]


def test_a_target_of_a_nested_module_is_labelled_with_its_repository(tmp_path: Path) -> None:
    targets = _targets(
        tmp_path,
        {
            "examples/MODULE.bazel": 'module(name = "examples")\n',
            "examples/web/BUILD.bazel": 'sh_binary(name = "serve", srcs = ["serve.sh", "//lib:util.sh"])\n',
        },
    )
    target = targets["@examples//web:serve"]
    assert target.label == Label("examples", "web", "serve")
    assert target.build.display_path == "examples/web/BUILD.bazel"
    assert [label for label, _ in script_labels(target)] == [
        Label("examples", "web", "serve.sh"),
        Label("examples", "lib", "util.sh"),
    ]


# -- tags -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("before", "tags", "expected"),
    [
        ("", '["manual", "no-remote"]', ["manual", "no-remote"]),
        ('COMMON = ["requires-network"]', 'COMMON + ["exclusive"]', ["requires-network", "exclusive"]),
        ("", '["manual", UNDEFINED_TAG]', ["manual"]),
        ("", "[]", []),
    ],
    ids=["literal", "constant-plus-literal", "unknown-item-dropped", "empty"],
)
def test_tags_are_the_strings_of_the_tags_list(
    tmp_path: Path, before: str, tags: str, expected: list[str]
) -> None:
    target = _build(tmp_path, f'{before}\nsh_test(name = "t", srcs = ["t.sh"], tags = {tags})\n')["//app:t"]
    assert target.tags == expected
    assert target.tags_node is not None and target.call_module.text(target.tags_node) == f"tags = {tags}"


@pytest.mark.parametrize(
    "argument",
    ["", ", tags = UNDEFINED_TAGS", ', tags = "manual"'],
    ids=["absent", "unknown", "not-a-list"],
)
def test_tags_the_model_cannot_read_as_a_list_are_none(tmp_path: Path, argument: str) -> None:
    target = _build(tmp_path, f'sh_test(name = "t", srcs = ["t.sh"]{argument})\n')["//app:t"]
    assert (target.tags, target.tags_node, target.tag_nodes("manual")) == ([], None, [])


def test_tag_nodes_point_at_the_tag_as_written(tmp_path: Path) -> None:
    build = textwrap.dedent(
        """
        COMMON = ["manual"]

        sh_test(name = "literal", srcs = ["a.sh"], tags = ["exclusive", "manual", 'manual'])
        sh_test(name = "constant", srcs = ["b.sh"], tags = COMMON)
        """
    )
    targets = _build(tmp_path, build)
    literal = targets["//app:literal"]
    nodes = literal.tag_nodes("manual")
    assert _texts(literal, nodes) == ['"manual"', "'manual'"]
    listed = build.index('"exclusive"')
    assert [node.start_byte for node in nodes] == [build.index('"manual"', listed), build.index("'manual'")]
    assert literal.tag_nodes("no-remote") == []
    constant = targets["//app:constant"]
    assert _texts(constant, constant.tag_nodes("manual")) == ["tags = COMMON"]


def test_tag_nodes_of_a_macro_target_are_in_the_macro_file(tmp_path: Path) -> None:
    macros = textwrap.dedent(
        """
        def fmt_test(name, srcs):
            native.sh_test(name = name, srcs = srcs, tags = ["no-sandbox"])
        """
    )
    targets = _build(
        tmp_path,
        'load("//rules:fmt.bzl", "fmt_test")\nfmt_test(name = "fmt", srcs = ["fmt.sh"])\n',
        {"rules/fmt.bzl": macros},
    )
    target = targets["//app:fmt"]
    (node,) = target.tag_nodes("no-sandbox")
    assert target.call_module.display_path == "rules/fmt.bzl"
    assert target.call_module.text(node) == '"no-sandbox"'
    assert node.start_byte == macros.index('"no-sandbox"')


# -- attributes -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argument", "local"),
    [
        ("local = True", True),
        ("local = 1", True),
        ("local = False", False),
        ('local = select({"//conditions:default": True})', True),
        ('local = select({"//conditions:linux": True, "//conditions:default": False})', False),
        ("local = UNDEFINED", False),
        ('tags = ["local"]', False),
    ],
    ids=["true", "one", "false", "select-default-only", "select", "unknown", "absent"],
)
def test_bool_attr_is_true_only_when_the_model_knows_it(tmp_path: Path, argument: str, local: bool) -> None:
    target = _build(tmp_path, f'sh_test(name = "t", srcs = ["t.sh"], {argument})\n')["//app:t"]
    assert target.bool_attr("local") is local


def test_attributes_the_model_does_not_read_stay_unknown(tmp_path: Path) -> None:
    target = _build(
        tmp_path,
        'sh_test(name = "t", srcs = ["t.sh"], deps = [":lib"], size = "small", local = True)\n',
    )["//app:t"]
    assert isinstance(target.attr("deps"), Unknown)
    assert isinstance(target.attr("size"), Unknown)
    assert target.attr_node("deps") is not None
    assert target.call_module.text(target.attr_node("deps")) == 'deps = [":lib"]'
    name = target.attr("name")
    assert isinstance(name, Str) and name.text.text == "t"
    local = target.attr("local")
    assert isinstance(local, Const) and local.value is True
    assert (target.attr("timeout"), target.attr_node("timeout")) == (None, None)


# -- genrule commands -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "commands"),
    [
        ('cmd = "cp $(location :in.txt) $@"', ["cp __hs_declared__in_txt__ __hs_declared__"]),
        ('cmd = "echo $$HOME > $(OUTS)"', ["echo $HOME > __hs_declared__"]),
        ('cmd = "cat $(SRCS) $< > $@"', ["cat __hs_declared__ __hs_declared__ > __hs_declared__"]),
        ('cmd = "$(execpath //tools:gen) --out $@"', ["__hs_declared__gen__ --out __hs_declared__"]),
        ('cmd = "windows", cmd_bash = "touch $@"', ["touch __hs_declared__"]),
        ('cmd = "from cmd", cmd_bash = UNDEFINED', ["from cmd"]),
        (
            'cmd = select({"//conditions:linux": "make linux", "//conditions:default": "make"})',
            ["make linux", "make"],
        ),
        ('cmd = "make " + ("-j8" if native.package_name() else "-j1")', ["make -j8", "make -j1"]),
        ('cmd_ps = "New-Item $@"', []),
        ("cmd = UNDEFINED_COMMAND", []),
    ],
    ids=[
        "location",
        "escaped-dollar",
        "srcs-and-first",
        "execpath-hint",
        "cmd-bash-first",
        "cmd-bash-unknown",
        "select",
        "conditional",
        "powershell-only",
        "unknown",
    ],
)
def test_genrule_commands_mask_make_variables_one_per_choice(
    tmp_path: Path, arguments: str, commands: list[str]
) -> None:
    target = _build(tmp_path, f'genrule(name = "g", srcs = ["in.txt"], outs = ["out.txt"], {arguments})\n')[
        "//app:g"
    ]
    assert [command.text.text for command in target.genrule_commands] == commands
    assert target.genrule_commands is target.genrule_commands  # computed once


def test_a_masked_genrule_command_maps_back_to_the_build_file(tmp_path: Path) -> None:
    build = 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n'
    target = _build(tmp_path, build)["//app:g"]
    (command,) = target.genrule_commands
    start = command.text.text.index("terraform")
    assert command.text.source is not None and command.text.source.path == "app/BUILD.bazel"
    assert command.text.origin(start) == build.index("terraform")


# -- script labels ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("srcs", "labels"),
    [
        ('["run.sh"]', ["//app:run.sh"]),
        (
            '[":gen_script", "//tools:lint.sh", "@tools//bin:fmt.sh"]',
            [
                "//app:gen_script",
                "//tools:lint.sh",
                "@tools//bin:fmt.sh",
            ],
        ),
        ('["//pkg:", "ok.sh"]', ["//app:ok.sh"]),
        ('glob(["*.sh"])', []),
        ("UNDEFINED_SRCS", []),
        ("[]", []),
    ],
    ids=["relative", "labels", "invalid-skipped", "glob", "unknown", "empty"],
)
def test_script_labels_are_the_srcs_as_labels_of_the_package(
    tmp_path: Path, srcs: str, labels: list[str]
) -> None:
    target = _build(tmp_path, f'sh_test(name = "t", srcs = {srcs})\n')["//app:t"]
    found = script_labels(target)
    assert [str(label) for label, _ in found] == labels
    assert all(node is not None and node.type == "string" for _, node in found)


def test_script_labels_of_a_macro_are_relative_to_the_calling_package(tmp_path: Path) -> None:
    macros = textwrap.dedent(
        """
        def smoke_test(name, script):
            native.sh_test(name = name, srcs = [script, Label(":common.sh")])
        """
    )
    targets = _build(
        tmp_path,
        'load("//rules:smoke.bzl", "smoke_test")\nsmoke_test(name = "smoke", script = "smoke.sh")\n',
        {"rules/smoke.bzl": macros},
    )
    assert [str(label) for label, _ in script_labels(targets["//app:smoke"])] == [
        "//app:smoke.sh",
        "//rules:common.sh",
    ]


# -- code the model knows does not run, and feature checks it cannot decide --------------------
def _macro_targets(tmp_path: Path, call: str, macro: str) -> dict[str, Target]:
    """The targets of app/BUILD.bazel making the one `call` of a macro that app/macros.bzl defines
    (`macro`, with the rules gen and check loaded)."""
    name = call.split("(", 1)[0]
    return _build(
        tmp_path,
        f'load(":macros.bzl", "{name}")\n\n{call}\n',
        {"app/macros.bzl": 'load("//rules:defs.bzl", "check", "gen")\n' + textwrap.dedent(macro)},
    )


def test_a_macro_that_returns_early_makes_no_target_after_its_return(tmp_path: Path) -> None:
    targets = _macro_targets(
        tmp_path,
        'maybe_schema(name = "schema")',
        """
        _ENABLED = False

        def maybe_schema(name):
            if not _ENABLED:
                return
            gen(name = name)
        """,
    )
    assert "//app:schema" not in targets


def test_targets_after_a_feature_check_on_bazel_builtins_are_kept(tmp_path: Path) -> None:
    """`hasattr(native, ...)` depends on the Bazel version: the targets after it may exist."""
    targets = _macro_targets(
        tmp_path,
        'subpackage_checks(name = "checks")',
        """
        def subpackage_checks(name):
            if not hasattr(native, "subpackages"):
                return
            check(name = name)
        """,
    )
    assert targets["//app:checks"].kind == "check"


def test_a_return_in_a_loop_over_items_a_condition_may_drop_does_not_hide_what_follows(
    tmp_path: Path,
) -> None:
    """The list may be empty in Starlark (every item filtered out): the code after the loop may run."""
    targets = _macro_targets(
        tmp_path,
        'schema_unless_generated(name = "schema", srcs = ["a.json", "b.json"])',
        """
        def schema_unless_generated(name, srcs):
            generated = [s for s in srcs if s.startswith(native.package_name())]
            for _ in generated:
                return
            gen(name = name)
        """,
    )
    assert targets["//app:schema"].kind == "gen"


def test_a_name_bazel_would_reject_is_no_target(tmp_path: Path) -> None:
    """A branch the model cannot decide may build a name from a label (`kernels[0][1:]`): a name
    with `:` is not a target name (https://bazel.build/concepts/labels#target-names)."""
    targets = _macro_targets(
        tmp_path,
        'shared_library(name = "delay_op", kernels = ["//kernels:delay_kernel"])',
        """
        def shared_library(name, kernels):
            stem = kernels[0][1:] if native.package_name() else name
            gen(name = "_" + stem + ".so")
        """,
    )
    assert sorted(targets) == ["//app:_delay_op.so"]


def test_an_environment_is_a_native_rule(tmp_path: Path) -> None:
    """`environment` (Bazel's constraint environments, for compatible_with) needs no load."""
    targets = _build(
        tmp_path,
        'environment(name = "linux")\nenvironment_group(name = "os", environments = [":linux"], defaults = [":linux"])\n',
    )
    assert isinstance(targets["//app:linux"].callee, NativeRule)
    assert isinstance(targets["//app:os"].callee, NativeRule)


def test_extra_actions_are_native_rules_and_an_extra_action_s_command_is_read(tmp_path: Path) -> None:
    """kythe's extractors: an action_listener picks the actions an extra_action's `cmd` runs beside
    (https://bazel.build/reference/be/extra-actions)."""
    write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "app/BUILD.bazel": (
                'action_listener(name = "index_java", mnemonics = ["Javac"], extra_actions = [":indexer"])\n'
                'extra_action(name = "indexer", cmd = "javaindexer --extra_action_file=$(EXTRA_ACTION_FILE)")\n'
            ),
        },
    )
    model = build_model(discover(tmp_path))
    models = {str(tm.target.label): tm for tm in model.targets}
    assert isinstance(models["//app:index_java"].target.callee, NativeRule)
    assert models["//app:index_java"].sites == []
    (site,) = models["//app:indexer"].sites
    assert site.text.text.startswith("javaindexer --extra_action_file=")
