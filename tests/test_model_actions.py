"""The action model of rule implementations (model/actions.py), on workspaces written to disk: each
ctx.actions.run / run_shell call's mnemonic and where it comes from, use_default_shell_env, env,
execution requirements, the program it runs, the shell text it runs (its sites, their context and
language), the conditions it runs under, and where the model must answer "dynamic" or "unknown"
instead of guessing. Also the free helpers analyzed on their own, and script_language()."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import write_tree

from hermetic_scan.model import WorkspaceModel, build_model
from hermetic_scan.model.actions import ActionModel, ImplementationModel, script_language
from hermetic_scan.workspace import discover

RULE = "rule:rules/defs.bzl:r"


def _model(tmp_path: Path, files: dict[str, str]) -> WorkspaceModel:
    write_tree(
        tmp_path,
        {"MODULE.bazel": 'module(name = "demo")\n', "BUILD.bazel": "", "rules/BUILD.bazel": "", **files},
    )
    return build_model(discover(tmp_path))


def _rule_file(body: str, attrs: str = "{}", before: str = "", rule_args: str = "") -> str:
    """rules/defs.bzl with one rule `r` whose implementation declares `out` and then runs `body`."""
    return (
        f"{before}\n"
        "def _r_impl(ctx):\n"
        '    out = ctx.actions.declare_file(ctx.label.name + ".out")\n'
        f"{textwrap.indent(textwrap.dedent(body).strip(), '    ')}\n"
        "\n"
        f"r = rule(implementation = _r_impl, attrs = {attrs}{rule_args})\n"
    )


def _actions_of(tmp_path: Path, body: str, attrs: str = "{}", before: str = "") -> list[ActionModel]:
    model = _model(tmp_path, {"rules/defs.bzl": _rule_file(body, attrs, before)})
    return model.implementations[RULE].actions


def _only_action(tmp_path: Path, body: str, attrs: str = "{}", before: str = "") -> ActionModel:
    (action,) = _actions_of(tmp_path, body, attrs, before)
    return action


def _helper(model: WorkspaceModel, name: str) -> ImplementationModel:
    (found,) = [h for h in model.helpers if h.owner == f"function:rules/helpers.bzl:{name}"]
    return found


def _keys(action: ActionModel) -> list[str]:
    assert action.env is not None
    return [key.text.text for key, *_ in action.env.items]  # type: ignore[attr-defined]


# -- mnemonic ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argument", "mnemonic", "source"),
    [
        ('mnemonic = "TofuFmt",', "TofuFmt", "literal"),
        ('mnemonic = "Tofu" + "Fmt",', "TofuFmt", "literal"),
        ('mnemonic = "{}Fmt".format("Tofu"),', "TofuFmt", "literal"),
        ('mnemonic = "%sFmt" % "Tofu",', "TofuFmt", "literal"),
        ("", None, "default"),
        ("mnemonic = None,", None, "default"),
        ('mnemonic = "Gen" + ctx.attr.lang,', None, "dynamic"),
        ("mnemonic = ctx.attr.mnemonic,", None, "dynamic"),
        ('mnemonic = "Tar" if ctx.attr.fast else "Zip",', None, "dynamic"),
    ],
    ids=["literal", "concatenated", "format", "percent", "missing", "none", "attr-suffix", "attr", "either"],
)
def test_mnemonic_and_where_it_comes_from(
    tmp_path: Path, argument: str, mnemonic: str | None, source: str
) -> None:
    action = _only_action(
        tmp_path,
        f"""
        ctx.actions.run_shell(
            outputs = [out],
            command = "tofu fmt -check",
            {argument}
        )
        """,
    )
    assert (action.mnemonic, action.mnemonic_source) == (mnemonic, source)
    assert action.effective_mnemonic == (mnemonic or "Action")


def test_a_helper_default_mnemonic_is_the_literal_when_the_caller_gives_none(tmp_path: Path) -> None:
    actions = _actions_of(
        tmp_path,
        """
        _compile(ctx, out)
        _compile(ctx, out, mnemonic = "CcGenHeaders")
        _package(ctx, out)
        """,
        before=textwrap.dedent(
            """
            def _compile(ctx, out, mnemonic = "CcGen"):
                ctx.actions.run_shell(outputs = [out], command = "gen", mnemonic = mnemonic)

            def _package(ctx, out, mnemonic = None):
                ctx.actions.run_shell(outputs = [out], command = "tar", mnemonic = mnemonic)
            """
        ),
    )
    assert [(a.mnemonic, a.mnemonic_source) for a in actions] == [
        ("CcGen", "literal"),
        ("CcGenHeaders", "literal"),
        (None, "default"),
    ]


def test_a_mnemonic_constant_loaded_from_another_file_is_literal(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/names.bzl": 'TERRAFORM_PLAN = "TerraformPlan"\n',
            "rules/defs.bzl": _rule_file(
                'ctx.actions.run_shell(outputs = [out], command = "plan", mnemonic = TERRAFORM_PLAN)',
                before='load(":names.bzl", "TERRAFORM_PLAN")',
            ),
        },
    )
    (action,) = model.implementations[RULE].actions
    assert (action.mnemonic, action.mnemonic_source) == ("TerraformPlan", "literal")
    assert "TerraformPlan" in model.known_mnemonics()


def test_a_mnemonic_built_from_a_loaded_prefix_is_known(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/names.bzl": 'PREFIX = "Terraform"\n',
            "rules/defs.bzl": _rule_file(
                'ctx.actions.run_shell(outputs = [out], command = "apply", mnemonic = PREFIX + "Apply")',
                before='load(":names.bzl", "PREFIX")',
            ),
        },
    )
    (action,) = model.implementations[RULE].actions
    assert (action.mnemonic, action.mnemonic_source) == ("TerraformApply", "literal")


def test_forwarded_kwargs_make_a_missing_mnemonic_and_shell_env_dynamic(tmp_path: Path) -> None:
    actions = _actions_of(
        tmp_path,
        """
        _shell(ctx, outputs = [out], mnemonic = "Fmt")
        _shell(ctx, outputs = [out])
        """,
        before=textwrap.dedent(
            """
            def _shell(ctx, **kwargs):
                ctx.actions.run_shell(command = "fmt", **kwargs)
            """
        ),
    )
    assert [(a.mnemonic, a.mnemonic_source, a.forwards_kwargs) for a in actions] == [
        ("Fmt", "literal", True),
        (None, "dynamic", True),
    ]
    assert [(a.shell_env, a.shell_env_why) for a in actions] == [("dynamic", "**kwargs")] * 2


# -- use_default_shell_env --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argument", "shell_env", "why"),
    [
        ("", "absent", ""),
        ("use_default_shell_env = True,", "true", ""),
        ("use_default_shell_env = False,", "false", ""),
        ("use_default_shell_env = None,", "false", ""),
        ("use_default_shell_env = ctx.attr.inherit_env,", "dynamic", "ctx.attr.inherit_env"),
        (
            "use_default_shell_env = True if ctx.attr.hermetic else False,",
            "dynamic",
            "True if ctx.attr.hermetic else False",
        ),
    ],
    ids=["absent", "true", "false", "none", "attr", "conditional"],
)
def test_use_default_shell_env(tmp_path: Path, argument: str, shell_env: str, why: str) -> None:
    action = _only_action(
        tmp_path,
        f"""
        ctx.actions.run(
            outputs = [out],
            executable = ctx.executable._tool,
            mnemonic = "Tool",
            {argument}
        )
        """,
    )
    assert (action.shell_env, action.shell_env_why) == (shell_env, why)
    node_text = action.module.text(action.shell_env_node) if action.shell_env_node is not None else ""
    assert node_text == argument.rstrip(",")


def test_each_rule_calling_a_shared_helper_gets_the_action_it_runs(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/run.bzl": textwrap.dedent(
                """
                def run_tool(ctx, out, mnemonic, inherit = False):
                    ctx.actions.run(
                        outputs = [out],
                        executable = ctx.executable._tool,
                        mnemonic = mnemonic,
                        use_default_shell_env = inherit,
                    )
                """
            ),
            "rules/defs.bzl": textwrap.dedent(
                """
                load(":run.bzl", "run_tool")

                def _lint_impl(ctx):
                    run_tool(ctx, ctx.actions.declare_file("lint.out"), "Lint")

                def _fetch_impl(ctx):
                    run_tool(ctx, ctx.actions.declare_file("fetch.out"), "Fetch", inherit = True)

                lint = rule(implementation = _lint_impl)
                fetch = rule(implementation = _fetch_impl)
                """
            ),
        },
    )
    found = {
        key: [(a.mnemonic, a.shell_env, a.owner) for a in impl.actions]
        for key, impl in model.implementations.items()
    }
    assert found == {
        "rule:rules/defs.bzl:lint": [("Lint", "false", "rule:rules/defs.bzl:lint")],
        "rule:rules/defs.bzl:fetch": [("Fetch", "true", "rule:rules/defs.bzl:fetch")],
    }
    run_bzl = next(m for m in model.bzl_modules if m.display_path == "rules/run.bzl")
    run_tool = id(run_bzl.functions["run_tool"])
    assert all(run_tool in impl.function_ids for impl in model.implementations.values())
    assert not model.helpers  # run_tool was analyzed through the rules, not on its own


def test_the_owners_of_an_action_in_a_shared_helper_are_the_rules_calling_it(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/defs.bzl": textwrap.dedent(
                """
                def _push(ctx):
                    ctx.actions.run_shell(outputs = [], command = "docker push", mnemonic = "Push")

                def _a_impl(ctx):
                    _push(ctx)

                def _b_impl(ctx):
                    _push(ctx)

                a = rule(implementation = _a_impl)
                b = rule(implementation = _b_impl)
                """
            ),
        },
    )
    (action,) = model.implementations["rule:rules/defs.bzl:a"].actions
    assert model.owners_of(action.module, action.node) == {"rule:rules/defs.bzl:a", "rule:rules/defs.bzl:b"}


# -- execution requirements and env -----------------------------------------------------------
@pytest.mark.parametrize(
    ("setup", "requirements"),
    [
        ('reqs = {"no-remote": "1", "requires-network": ""}', {"no-remote", "requires-network"}),
        ('reqs = {"no-sandbox": "1"}\nreqs["no-cache"] = "1"', {"no-sandbox", "no-cache"}),
        ('reqs = {}\nif ctx.attr.local:\n    reqs["no-remote"] = "1"', set()),
        ('reqs = {"no-remote": "1"} if ctx.attr.local else {}', set()),
        ("reqs = ctx.attr.execution_requirements", set()),
        ('reqs = {"no-remote-exec": "1", ctx.attr.extra: "1"}', {"no-remote-exec"}),
        ("reqs = None", set()),
    ],
    ids=["literal", "grown", "grown-under-condition", "either", "attr", "computed-key", "none"],
)
def test_execution_requirements_are_the_keys_known_to_apply(
    tmp_path: Path, setup: str, requirements: set[str]
) -> None:
    action = _only_action(
        tmp_path,
        f"""
        {textwrap.indent(setup, " " * 8).lstrip()}
        ctx.actions.run_shell(
            outputs = [out],
            command = "terraform init",
            mnemonic = "TfInit",
            execution_requirements = reqs,
        )
        """,
    )
    assert action.execution_requirements == frozenset(requirements)


def test_env_is_kept_when_it_is_a_dict_and_dropped_when_unknown(tmp_path: Path) -> None:
    actions = _actions_of(
        tmp_path,
        """
        ctx.actions.run_shell(outputs = [out], command = "a", env = {"LANG": "C", "PATH": "/bin:/usr/bin"})
        ctx.actions.run_shell(outputs = [out], command = "b", env = ctx.configuration.default_shell_env)
        ctx.actions.run_shell(outputs = [out], command = "c")
        """,
    )
    assert _keys(actions[0]) == ["LANG", "PATH"]
    assert [a.env for a in actions[1:]] == [None, None]


# -- the program run --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setup", "executable", "provenance", "name"),
    [
        ("", "ctx.executable._tool", "declared", "ctx.executable._tool"),
        ("", '"/usr/bin/python3"', "ambient", "/usr/bin/python3"),
        ("", 'ctx.toolchains["//tools:tofu_type"].tofu', "toolchain", "toolchain.tofu"),
        ("", '"/usr/bin/" + ctx.attr.tool_name', "unknown", None),
        ("", "ctx.attr.tool_name", "declared", "ctx.attr.tool_name"),
        ('tool = ctx.actions.declare_file("tool")', "tool", "declared", None),
        (
            'tool = ctx.actions.declare_file("tool.sh")\n'
            'ctx.actions.write(tool, "#!/bin/bash\\nexec tofu", is_executable = True)',
            "tool",
            "script",
            None,
        ),
    ],
    ids=["attr-executable", "absolute-path", "toolchain", "computed-path", "attr", "output", "written"],
)
def test_where_the_executable_of_run_comes_from(
    tmp_path: Path, setup: str, executable: str, provenance: str, name: str | None
) -> None:
    actions = _actions_of(
        tmp_path,
        f"""
        {textwrap.indent(setup, " " * 8).lstrip()}
        ctx.actions.run(outputs = [out], executable = {executable}, mnemonic = "Tool")
        """,
    )
    (action,) = [a for a in actions if a.kind == "run"]
    assert (action.executable, action.executable_name) == (provenance, name)
    assert action.executable_node is not None
    assert action.module.text(action.executable_node) == f"executable = {executable}"


def test_run_shell_has_no_executable(tmp_path: Path) -> None:
    action = _only_action(tmp_path, 'ctx.actions.run_shell(outputs = [out], command = "true")')
    assert (action.kind, action.executable, action.executable_name, action.executable_node) == (
        "run_shell",
        None,
        None,
        None,
    )


# -- shell sites ------------------------------------------------------------------------------
def test_run_shell_command_is_an_action_site_of_its_rule(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/defs.bzl": _rule_file(
                'ctx.actions.run_shell(outputs = [out], command = "curl -o " + out.path + " https://x.io")'
            )
        },
    )
    impl = model.implementations[RULE]
    (action,) = impl.actions
    (site,) = action.sites
    assert site.text.text == "curl -o __hs_declared__ https://x.io"
    assert (site.context, site.owner, site.action, site.language, site.is_shell) == (
        "action",
        RULE,
        action,
        "shell",
        True,
    )
    assert impl.sites == [site]


def test_a_command_chosen_by_a_condition_gives_one_site_per_choice(tmp_path: Path) -> None:
    action = _only_action(
        tmp_path,
        """
        command = "make -j1" if ctx.attr.serial else "make -j8"
        ctx.actions.run_shell(outputs = [out], command = command, mnemonic = "Make")
        """,
    )
    assert [site.text.text for site in action.sites] == ["make -j1", "make -j8"]


def test_a_command_the_model_cannot_read_gives_no_site(tmp_path: Path) -> None:
    action = _only_action(tmp_path, "ctx.actions.run_shell(outputs = [out], command = ctx.attr.cmd)")
    assert action.sites == []


@pytest.mark.parametrize(
    ("executable", "arguments", "sites"),
    [
        ('"bash"', '["-c", "echo hi && ls"]', ["echo hi && ls"]),
        ('"/bin/sh"', '["-euc", "set -x; make"]', ["set -x; make"]),
        ('"/bin/bash"', '["-o", "pipefail", "-ec", "tar cf x ."]', ["tar cf x ."]),
        ('"python3"', '["-c", "print(1)"]', []),
        ('"bash"', '["script.sh", "-c"]', []),
    ],
    ids=["bash-c", "sh-euc", "options-before", "not-a-shell", "c-last"],
)
def test_a_shell_run_with_dash_c_has_its_argument_as_site(
    tmp_path: Path, executable: str, arguments: str, sites: list[str]
) -> None:
    action = _only_action(
        tmp_path,
        f'ctx.actions.run(outputs = [out], executable = {executable}, arguments = {arguments}, mnemonic = "Sh")',
    )
    assert [site.text.text for site in action.sites] == sites
    assert all(site.context == "action" and site.action is action for site in action.sites)


@pytest.mark.parametrize(
    ("filename", "content", "language"),
    [
        ("gen.sh", "#!/bin/bash\\nset -e\\nmake", "shell"),
        ("gen", "#!/usr/bin/env python3\\nprint(1)", "python3"),
        ("gen.py", "import sys", "python3"),
        ("gen.py", "#!/bin/sh\\nexec python3 -m gen", "shell"),
        ("gen.mjs", "console.log(1)", "node"),
        ("gen.bat", "echo off", "batch"),
    ],
)
def test_a_written_script_run_by_an_action_is_a_site_in_its_language(
    tmp_path: Path, filename: str, content: str, language: str
) -> None:
    actions = _actions_of(
        tmp_path,
        f"""
        script = ctx.actions.declare_file("{filename}")
        ctx.actions.write(script, "{content}", is_executable = True)
        ctx.actions.run(outputs = [out], executable = script, mnemonic = "Gen")
        """,
    )
    (action,) = [a for a in actions if a.kind == "run"]
    (site,) = action.sites
    assert site.text.text == content.replace("\\n", "\n")
    assert (site.language, site.context, site.action, site.is_shell) == (
        language,
        "action",
        action,
        language == "shell",
    )


def test_a_test_rule_runs_the_script_it_returns_as_the_test(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/defs.bzl": _rule_file(
                """
                script = ctx.actions.declare_file(ctx.label.name + ".sh")
                ctx.actions.write(script, "#!/bin/bash\\ncurl -f https://example.com", is_executable = True)
                ctx.actions.write(out, "plain data")
                return [DefaultInfo(executable = script)]
                """,
                rule_args=", test = True",
            )
        },
    )
    impl = model.implementations[RULE]
    assert impl.actions == []
    assert [(s.text.text, s.context, s.owner, s.action) for s in impl.sites] == [
        ("#!/bin/bash\ncurl -f https://example.com", "test", RULE, None)
    ]


def test_an_executable_rule_expands_its_template_into_a_launcher(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/launcher.sh.tpl": '#!/bin/bash\ncd "$BUILD_WORKSPACE_DIRECTORY"\nexec %{tool} apply\n',
            "rules/defs.bzl": textwrap.dedent(
                """
                def _deploy_impl(ctx):
                    ctx.actions.expand_template(
                        template = ctx.file._launcher,
                        output = ctx.outputs.executable,
                        substitutions = {"%{tool}": "terraform"},
                        is_executable = True,
                    )

                deploy = rule(
                    implementation = _deploy_impl,
                    executable = True,
                    attrs = {"_launcher": attr.label(default = ":launcher.sh.tpl", allow_single_file = True)},
                )
                """
            ),
        },
    )
    (site,) = model.implementations["rule:rules/defs.bzl:deploy"].sites
    assert site.text.text == '#!/bin/bash\ncd "$BUILD_WORKSPACE_DIRECTORY"\nexec terraform apply\n'
    assert (site.context, site.action, site.language) == ("launcher", None, "shell")
    assert site.text.source is not None and site.text.source.path == "rules/launcher.sh.tpl"
    assert list(model.template_files) == ["rules/launcher.sh.tpl"]


def test_a_template_without_a_default_label_is_not_read(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/defs.bzl": textwrap.dedent(
                """
                def _deploy_impl(ctx):
                    ctx.actions.expand_template(
                        template = ctx.file.launcher,
                        output = ctx.outputs.executable,
                        is_executable = True,
                    )

                deploy = rule(
                    implementation = _deploy_impl,
                    executable = True,
                    attrs = {"launcher": attr.label(allow_single_file = True)},
                )
                """
            ),
        },
    )
    assert model.implementations["rule:rules/defs.bzl:deploy"].sites == []
    assert model.template_files == {}


def test_an_executable_script_no_action_runs_is_kept_for_whoever_runs_the_target(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/defs.bzl": _rule_file(
                """
                ctx.actions.write(out, "make all", is_executable = True)
                notes = ctx.actions.declare_file("notes.txt")
                ctx.actions.write(notes, "not run")
                """
            )
        },
    )
    impl = model.implementations[RULE]
    assert impl.sites == []  # not run by the rule's own actions
    assert [(s.text.text, s.context, s.action) for s in impl.written] == [("make all", "action", None)]


# -- conditions, identity, helpers, unresolved implementations --------------------------------
def test_actions_record_the_attribute_conditions_they_run_under(tmp_path: Path) -> None:
    actions = _actions_of(
        tmp_path,
        """
        if ctx.attr.push:
            ctx.actions.run_shell(outputs = [out], command = "docker push", mnemonic = "Push")
        elif not ctx.attr.dry_run:
            ctx.actions.run_shell(outputs = [out], command = "docker save", mnemonic = "Save")
        else:
            ctx.actions.run_shell(outputs = [out], command = "true", mnemonic = "Noop")
        ctx.actions.run_shell(outputs = [out], command = "docker build .", mnemonic = "Build")
        """,
    )
    assert [(a.mnemonic, a.guards) for a in actions] == [
        ("Push", (("push", True),)),
        ("Save", (("push", False), ("dry_run", False))),
        ("Noop", (("push", False), ("dry_run", True))),
        ("Build", ()),
    ]


def test_an_action_is_keyed_and_located_by_its_call(tmp_path: Path) -> None:
    source = _rule_file('ctx.actions.run_shell(outputs = [out], command = "true", mnemonic = "Noop")')
    model = _model(tmp_path, {"rules/defs.bzl": source})
    (action,) = model.implementations[RULE].actions
    offset = source.index("ctx.actions.run_shell(")
    assert action.key == f"action:rules/defs.bzl:{offset}"
    assert action.line == source[:offset].count("\n")  # 0-based
    assert action.module.display_path == "rules/defs.bzl"


def test_a_free_helper_taking_ctx_or_actions_is_analyzed_on_its_own(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        {
            "rules/helpers.bzl": textwrap.dedent(
                """
                def emit(actions, out):
                    actions.run_shell(outputs = [out], command = "cp a b", mnemonic = "Emit")

                def run_with_env(ctx, out, inherit):
                    ctx.actions.run_shell(outputs = [out], command = "tool", use_default_shell_env = inherit)

                def bump(version):
                    return version + 1
                """
            ),
        },
    )
    emit = _helper(model, "emit")
    (action,) = emit.actions
    assert (action.owner, action.mnemonic, action.mnemonic_source) == (
        "function:rules/helpers.bzl:emit",
        "Emit",
        "literal",
    )
    assert [(s.text.text, s.owner) for s in emit.sites] == [("cp a b", "function:rules/helpers.bzl:emit")]
    (inherited,) = _helper(model, "run_with_env").actions
    assert (inherited.shell_env, inherited.shell_env_why, inherited.mnemonic_source) == (
        "dynamic",
        "inherit",
        "default",
    )
    assert sorted(h.owner for h in model.helpers) == [
        "function:rules/helpers.bzl:emit",
        "function:rules/helpers.bzl:run_with_env",
    ]


def test_an_action_eleven_calls_below_the_implementation_is_seen(tmp_path: Path) -> None:
    # rules_swift: implementation -> compile -> ... -> the action, 9 to 11 calls deep.
    chain = "".join(f"def _step{i}(ctx, out):\n    _step{i + 1}(ctx, out)\n\n" for i in range(1, 11))
    chain += 'def _step11(ctx, out):\n    ctx.actions.run(outputs = [out], executable = ctx.executable._tool, mnemonic = "Deep")\n'
    implementation = _model(
        tmp_path, {"rules/defs.bzl": _rule_file("_step1(ctx, out)", before=chain)}
    ).implementations[RULE]
    (action,) = implementation.actions
    assert action.mnemonic == "Deep"
    assert implementation.unresolved == []


def test_a_rule_made_by_a_factory_is_a_rule_of_the_bzl_files_not_a_helper(tmp_path: Path) -> None:
    # rules_apple's pattern: `ios_application = rule_factory.create_apple_rule(implementation = ...)`.
    model = _model(
        tmp_path,
        {
            "rules/factory.bzl": textwrap.dedent(
                """
                def _make_rule(*, implementation, doc):
                    return rule(implementation = implementation, doc = doc)

                factory = struct(make_rule = _make_rule)
                """
            ),
            "rules/defs.bzl": textwrap.dedent(
                """
                load(":factory.bzl", "factory")

                def _bundle_impl(ctx):
                    out = ctx.actions.declare_file(ctx.label.name + ".zip")
                    ctx.actions.run(outputs = [out], executable = ctx.executable._zipper, mnemonic = "Bundle")

                bundle = factory.make_rule(implementation = _bundle_impl, doc = "Zips a bundle.")
                """
            ),
        },
    )
    assert "rule:rules/defs.bzl:bundle" in model.bzl_rules
    (action,) = model.implementations["rule:rules/defs.bzl:bundle"].actions
    assert action.mnemonic == "Bundle"
    assert model.helpers == []


def test_a_helper_the_rules_reach_only_without_their_ctx_is_analyzed_on_its_own(tmp_path: Path) -> None:
    # rules_apple: `ctx = common_variables.ctx`, the struct made by a function of rules_cc, which is
    # not on disk. The implementation's analysis reaches `strip` with a ctx it does not know.
    model = _model(
        tmp_path,
        {
            "rules/helpers.bzl": textwrap.dedent(
                """
                load("@rules_far//:support.bzl", "support")

                def strip(*, ctx, binary):
                    out = ctx.actions.declare_file(binary.basename + ".stripped")
                    ctx.actions.run(outputs = [out], inputs = [binary], executable = "/usr/bin/xcrun", mnemonic = "Strip")
                    return out

                def link(ctx, binary):
                    variables = support.common_variables(ctx = ctx)
                    return strip(ctx = variables.ctx, binary = binary)
                """
            ),
            "rules/defs.bzl": _rule_file("link(ctx, out)", before='load(":helpers.bzl", "link")'),
        },
    )
    assert model.implementations[RULE].actions == []
    (action,) = _helper(model, "strip").actions
    assert (action.mnemonic, action.owner) == ("Strip", "function:rules/helpers.bzl:strip")
    assert [h.owner for h in model.helpers] == ["function:rules/helpers.bzl:strip"]


@pytest.mark.parametrize(
    ("before", "implementation", "problem"),
    [
        (
            'load("@rules_far//:impl.bzl", "far_impl")',
            "far_impl",
            "implementation far_impl comes from unresolved @rules_far//:impl.bzl",
        ),
        ("", "_not_defined_impl", "implementation function not found"),
    ],
    ids=["unresolved-load", "undefined"],
)
def test_an_implementation_the_model_cannot_find_is_unresolved(
    tmp_path: Path, before: str, implementation: str, problem: str
) -> None:
    model = _model(tmp_path, {"rules/defs.bzl": f"{before}\nr = rule(implementation = {implementation})\n"})
    impl = model.implementations[RULE]
    assert (impl.unresolved, impl.actions, impl.sites) == ([problem], [], [])


# -- script_language --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "filename", "template", "language"),
    [
        ("#!/bin/bash\necho", None, None, "shell"),
        ("\n#!/bin/sh\necho", None, None, "shell"),
        ("#!/usr/bin/env bash\necho", None, None, "shell"),
        ("#!/usr/bin/env -S bash -eu\necho", None, None, "shell"),
        ("#!/usr/bin/env\necho", None, None, "shell"),
        ("#!/usr/bin/python3\nprint(1)", None, None, "python3"),
        ("#!/usr/bin/env PYTHONPATH=. python3 -u\nprint(1)", None, None, "python3"),
        ("#!/usr/bin/env node\nconsole.log(1)", None, None, "node"),
        ("echo no shebang", None, None, "shell"),
        ("@echo off\r\nset X=1", None, None, "batch"),
        ("REM a comment\r\n", None, None, "batch"),
        ("echo hi", "run.cmd", None, "batch"),
        ("#!/bin/bash\necho", "run.BAT", None, "batch"),
        ("print(1)", "gen.py", None, "python3"),
        ("#!/bin/bash\necho", "gen.py", None, "shell"),
        ("console.log(1)", None, "rules/launcher.mjs", "node"),
        ("puts 1", "gen.rb", None, "ruby"),
        ("echo", "run.sh.tpl", None, "shell"),
    ],
)
def test_script_language(text: str, filename: str | None, template: str | None, language: str) -> None:
    assert script_language(text, filename, template) == language
