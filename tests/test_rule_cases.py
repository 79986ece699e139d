"""Rule behaviour on small workspaces written inline (cases the corpus does not cover)."""

from __future__ import annotations

from pathlib import Path

from helpers import write_tree

from hermetic_scan.options import Options
from hermetic_scan.profile import ExecutorProfile
from hermetic_scan.runner import scan


def _found(root: Path) -> set[tuple[str, int, str]]:
    return {(d.span.path, d.span.start_line + 1, d.rule) for d in scan(root).diagnostics}


def test_declared_toolchain_program_that_downloads(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs.bzl": (
                "def _impl(ctx):\n"
                '    tc = ctx.toolchains["//:tf_type"]\n'
                '    out = ctx.actions.declare_file("x")\n'
                "    ctx.actions.run_shell(\n"
                "        outputs = [out],\n"
                '        command = "{tf} init -backend=false && {tf} validate".format(tf = tc.tf.short_path),\n'
                '        mnemonic = "TfValidate",\n'
                "    )\n"
                '    ctx.actions.run_shell(outputs = [out], command = "{tf} init -plugin-dir=p".format(tf = tc.tf.path), mnemonic = "TfOffline")\n'
                'tf_validate = rule(implementation = _impl, toolchains = ["//:tf_type"])\n'
            ),
            "BUILD.bazel": 'load(":defs.bzl", "tf_validate")\ntf_validate(name = "v")\n',
        },
    )
    assert _found(root) == {("defs.bzl", 6, "network-access")}


def test_windows_branch_and_batch_script_are_not_bash(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs.bzl": (
                "def _impl(ctx):\n"
                "    if ctx.attr.is_windows:\n"
                '        out = ctx.actions.declare_file(ctx.label.name + ".bat")\n'
                '        ctx.actions.write(out, "@echo off\\nfc.exe /B a b", is_executable = True)\n'
                "    else:\n"
                '        out = ctx.actions.declare_file(ctx.label.name + ".sh")\n'
                '        ctx.actions.write(out, "diff a b", is_executable = True)\n'
                "    return [DefaultInfo(executable = out)]\n"
                'diff_check_test = rule(implementation = _impl, test = True, attrs = {"is_windows": attr.bool()})\n'
            ),
            "BUILD.bazel": 'load(":defs.bzl", "diff_check_test")\ndiff_check_test(name = "t")\n',
        },
    )
    assert _found(root) == set()


def test_sourced_runfiles_library_functions_are_not_tools(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "BUILD.bazel": 'sh_test(name = "t", srcs = ["t.sh"])\n',
            "t.sh": (
                "#!/usr/bin/env bash\n"
                'source "${RUNFILES_DIR}/bazel_tools/tools/bash/runfiles/runfiles.bash"\n'
                'cat "$(rlocation ws/data.txt)"\n'
                "tofu fmt -check\n"
            ),
        },
    )
    assert _found(root) == {("t.sh", 4, "ambient-tool")}


def test_ctx_outputs_executable_is_the_test_script(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs.bzl": (
                "def _impl(ctx):\n"
                '    ctx.actions.write(output = ctx.outputs.executable, content = "tofu validate")\n'
                "tofu_test = rule(implementation = _impl, test = True)\n"
            ),
            "BUILD.bazel": 'load(":defs.bzl", "tofu_test")\ntofu_test(name = "t")\n',
        },
    )
    assert _found(root) == {("defs.bzl", 2, "ambient-tool")}
    assert {t.label: t.verdict for t in scan(root).inventory.targets} == {"//:t": "no-remote-exec"}


def test_comprehension_targets_and_computed_names(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "qt.bzl": (
                "def moc_all(hdrs):\n"
                "    for h in hdrs:\n"
                '        native.genrule(name = h.split(".")[0] + "_moc", srcs = [h], outs = [h + ".cpp"], cmd = "moc $< -o $@")\n'
            ),
            "BUILD.bazel": (
                'load(":qt.bzl", "moc_all")\n'
                '[genrule(name = "g_%s" % x, outs = ["%s.txt" % x], cmd = "protoc > $@") for x in ["a", "b"]]\n'
                "moc_all(HDRS)\n"
            ),
        },
    )
    labels = {t.label: t.verdict for t in scan(root).inventory.targets}
    assert labels == {"//:g_a": "no-remote-exec", "//:g_b": "no-remote-exec", "//:*_moc": "no-remote-exec"}


def test_unresolved_helper_receiving_ctx_makes_the_target_unknown(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs.bzl": (
                'load("@other//:h.bzl", "run_tool")\n'
                "def _impl(ctx):\n"
                "    run_tool(ctx, ctx.file.src)\n"
                'r = rule(implementation = _impl, attrs = {"src": attr.label(allow_single_file = True)})\n'
            ),
            "BUILD.bazel": 'load(":defs.bzl", "r")\nr(name = "x", src = "a")\n',
        },
    )
    verdict = {t.label: t for t in scan(root).inventory.targets}["//:x"]
    assert verdict.verdict == "unknown" and "run_tool" in verdict.unknown_because[0]


def test_sh_binary_run_by_a_genrule_is_analyzed_as_part_of_the_action(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "BUILD.bazel": (
                'sh_binary(name = "fetch", srcs = ["fetch.sh"])\n'
                'genrule(name = "data", outs = ["d.json"], tools = [":fetch"], cmd = "$(location :fetch) > $@")\n'
                'genrule(name = "other", outs = ["o.txt"], cmd = "echo ok > $@")\n'
            ),
            "fetch.sh": "#!/usr/bin/env bash\ncurl -fsS https://example.com/d.json\n",
        },
    )
    found = {(d.span.path, d.span.start_line + 1, d.rule, d.target) for d in scan(root).diagnostics}
    assert found == {("fetch.sh", 2, "ambient-tool", "//:data"), ("fetch.sh", 2, "network-access", "//:data")}
    verdicts = {t.label: t.verdict for t in scan(root).inventory.targets}
    assert verdicts == {"//:fetch": "remote-ok", "//:data": "no-remote-exec", "//:other": "remote-ok"}


_PUBLISH_RULE = (
    "def _impl(ctx):\n"
    "    out = ctx.actions.declare_file(ctx.label.name + '.txt')\n"
    "    ctx.actions.run(executable = ctx.executable._publisher, outputs = [out], mnemonic = 'Publish',\n"
    "                    arguments = [out.path])\n"
    "    return [DefaultInfo(files = depset([out]))]\n"
    "_PUBLISHER = {'_publisher': attr.label(default = '//tools:publisher', executable = True, cfg = 'exec')}\n"
    "publish = rule(_impl, attrs = _PUBLISHER)\n"
    "def _local_impl(ctx):\n"
    "    out = ctx.actions.declare_file(ctx.label.name + '.txt')\n"
    "    ctx.actions.run(executable = ctx.executable._publisher, outputs = [out], mnemonic = 'PublishLocal',\n"
    "                    execution_requirements = {'no-remote-exec': '1'})\n"
    "    return [DefaultInfo(files = depset([out]))]\n"
    "publish_local = rule(_local_impl, attrs = _PUBLISHER)\n"
    "def _stamp_impl(ctx):\n"
    "    out = ctx.actions.declare_file(ctx.label.name + '.txt')\n"
    "    ctx.actions.run(executable = ctx.executable.tool, outputs = [out], mnemonic = 'Stamp')\n"
    "    return [DefaultInfo(files = depset([out]))]\n"
    "stamp = rule(_stamp_impl, attrs = {'tool': attr.label(executable = True, cfg = 'exec')})\n"
)


def test_sh_binary_run_by_a_custom_rule_attribute_is_analyzed_as_part_of_the_action(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "tools/BUILD.bazel": (
                'sh_binary(name = "publisher", srcs = ["publisher.sh"], visibility = ["//visibility:public"])\n'
                'sh_binary(name = "quiet", srcs = ["quiet.sh"], visibility = ["//visibility:public"])\n'
            ),
            "tools/publisher.sh": '#!/usr/bin/env bash\ndocker push registry.example.com/app:latest > "$1"\n',
            "tools/quiet.sh": '#!/usr/bin/env bash\necho ok > "$1"\n',
            "rules/BUILD.bazel": "",
            "rules/publish.bzl": _PUBLISH_RULE,
            "BUILD.bazel": (
                'load("//rules:publish.bzl", "publish", "publish_local", "stamp")\n'
                'publish(name = "release")\n'
                'publish_local(name = "pinned")\n'
                'stamp(name = "loud", tool = "//tools:publisher")\n'
                'stamp(name = "calm", tool = "//tools:quiet")\n'
            ),
        },
    )
    result = scan(root)
    found = {(d.span.path, d.span.start_line + 1, d.rule) for d in result.diagnostics}
    assert found == {("tools/publisher.sh", 2, "ambient-tool"), ("tools/publisher.sh", 2, "network-access")}
    targets = {owner for d in result.diagnostics for owner in d.owners if owner.startswith("target:")}
    assert targets == {"target://:release", "target://:pinned", "target://:loud"}
    verdicts = {t.label: t for t in result.inventory.targets}
    assert verdicts["//:release"].verdict == verdicts["//:loud"].verdict == "no-remote-exec"
    assert not verdicts["//:release"].kept_local
    assert verdicts["//:pinned"].kept_local == [
        "execution_requirements 'no-remote-exec' on ctx.actions.run (rules/publish.bzl:10)"
    ]
    assert verdicts["//:calm"].verdict == "remote-ok"
    assert verdicts["//tools:publisher"].verdict == "remote-ok"  # building an sh_binary runs nothing


def test_host_path_in_an_option_value(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "BUILD.bazel": (
                'genrule(name = "g", outs = ["g.txt"], cmd = "sed --file=/opt/corp/rewrite.sed $< > $@", srcs = ["in.txt"])\n'
                'genrule(name = "h", outs = ["h.txt"], cmd = "sort --temporary-directory=/tmp $< > $@", srcs = ["in.txt"])\n'
            ),
        },
    )
    found = {
        (d.span.path, d.span.start_line + 1, d.span.start_col + 1, d.rule) for d in scan(root).diagnostics
    }
    assert found == {("BUILD.bazel", 1, 57, "host-path")}  # the value, not the option name


_PDF_RULE = (
    "def _impl(ctx):\n"
    '    pdf = ctx.toolchains["@rules_pdf//pdf:toolchain_type"]\n'
    '    out = ctx.actions.declare_file("out.pdf")\n'
    '    ctx.actions.run(executable = pdf.path, outputs = [out], mnemonic = "Pdf")\n'
    'html_to_pdf = rule(implementation = _impl, toolchains = ["@rules_pdf//pdf:toolchain_type"])\n'
)
_PDF_CONFIGURE = (
    "def _impl(rctx):\n"
    '    rctx.file("BUILD", """toolchain(name = "t", toolchain = ":p", toolchain_type = "@rules_pdf//pdf:toolchain_type")\n'
    'pdf_toolchain(name = "p", path = "%s")""" % rctx.which("wkhtmltopdf"))\n'
    "pdf_configure = repository_rule(implementation = _impl)\n"
)


def _external_pdf_ruleset(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace using a ruleset from another directory whose configure.bzl nothing loads."""
    ruleset = write_tree(
        tmp_path / "rules_pdf",
        {
            "MODULE.bazel": 'module(name = "rules_pdf")\n',
            "pdf/BUILD.bazel": 'toolchain_type(name = "toolchain_type")\n',
            "pdf/defs.bzl": _PDF_RULE,
            "pdf/configure.bzl": _PDF_CONFIGURE,
        },
    )
    root = write_tree(
        tmp_path / "ws",
        {
            "MODULE.bazel": 'bazel_dep(name = "rules_pdf", version = "1.0")\n',
            "BUILD.bazel": 'load("@rules_pdf//pdf:defs.bzl", "html_to_pdf")\nhtml_to_pdf(name = "guide")\n',
        },
    )
    return root, ruleset


def test_host_toolchain_of_an_external_ruleset_is_found_beside_its_type(tmp_path: Path) -> None:
    root, ruleset = _external_pdf_ruleset(tmp_path)
    result = scan(root, Options(repos={"rules_pdf": ruleset}))
    found = [d for d in result.diagnostics if d.rule == "host-toolchain"]
    assert [(d.span.path, d.span.start_line + 1) for d in found] == [("external/rules_pdf/pdf/defs.bzl", 5)]
    assert "which('wkhtmltopdf')" in found[0].message
    verdicts = {t.label: t.verdict for t in result.inventory.targets}
    assert verdicts == {"//:guide": "no-remote-exec"}


def test_host_toolchain_program_in_the_executor_profile_is_not_reported(tmp_path: Path) -> None:
    root, ruleset = _external_pdf_ruleset(tmp_path)
    options = Options(repos={"rules_pdf": ruleset}, profile=ExecutorProfile.build(add=["wkhtmltopdf"]))
    result = scan(root, options)
    assert not [d for d in result.diagnostics if d.rule == "host-toolchain"]
    assert {t.label: t.verdict for t in result.inventory.targets} == {"//:guide": "remote-ok"}


def test_sh_test_running_a_binary_of_an_unavailable_ruleset_is_unknown(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'bazel_dep(name = "rules_ruby", version = "0.19.0")\n',
            "BUILD.bazel": (
                'load("@rules_ruby//ruby:defs.bzl", "rb_binary")\n'
                'rb_binary(name = "testee", srcs = ["testee.rb"], main = "testee.rb")\n'
                'sh_test(name = "driver_test", srcs = ["driver.sh"], data = [":testee"])\n'
                'sh_test(name = "plain_test", srcs = ["driver.sh"], data = ["testee.rb"])\n'
            ),
            "driver.sh": '#!/bin/bash\n"$1" < /dev/null\n',
            "testee.rb": "puts 1\n",
        },
    )
    verdicts = {t.label: t for t in scan(root).inventory.targets}
    assert verdicts["//:driver_test"].verdict == "unknown"
    assert verdicts["//:driver_test"].unknown_because == [
        "its data holds //:testee, a rb_binary that comes from @rules_ruby//ruby:defs.bzl, which is not "
        "available: the test may run it"
    ]
    assert verdicts["//:plain_test"].verdict == "remote-ok"


def test_lambda_implementation_and_label_objects_in_macros(tmp_path: Path) -> None:
    """`rule(implementation = lambda ctx: ...)` is analyzed like a def; `Label("//x:y")` in a macro names
    the script of the .bzl file's repository."""
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs/BUILD.bazel": 'exports_files(["runner.sh"])\n',
            "defs/runner.sh": "#!/bin/bash\nterraform validate\n",
            "defs/defs.bzl": (
                'OsInfo = provider(fields = ["windows"])\n'
                "is_windows = rule(implementation = lambda ctx: OsInfo(windows = False))\n"
                "def checked(name):\n"
                '    native.sh_test(name = name, srcs = [Label("//defs:runner.sh")])\n'
            ),
            "app/BUILD.bazel": (
                'load("//defs:defs.bzl", "checked", "is_windows")\n'
                'is_windows(name = "windows")\n'
                'checked(name = "validate_test")\n'
            ),
        },
    )
    result = scan(root)
    verdicts = {t.label: t.verdict for t in result.inventory.targets}
    assert verdicts == {"//app:windows": "remote-ok", "//app:validate_test": "no-remote-exec"}
    assert _found(root) == {("defs/runner.sh", 2, "ambient-tool")}


def test_label_objects_in_a_nested_repository_macro(tmp_path: Path) -> None:
    """`Label("//x:y")` in a nested repository's .bzl names that repository's target, also when a
    BUILD file of the main repository calls the macro."""
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'bazel_dep(name = "tools")\nlocal_path_override(module_name = "tools", path = "tools")\n',
            "tools/MODULE.bazel": 'module(name = "tools")\n',
            "tools/defs/BUILD.bazel": 'exports_files(["runner.sh"])\n',
            "tools/defs/runner.sh": "#!/bin/bash\nterraform validate\n",
            "tools/defs/defs.bzl": (
                'def checked(name):\n    native.sh_test(name = name, srcs = [Label("//defs:runner.sh")])\n'
            ),
            "app/BUILD.bazel": 'load("@tools//defs:defs.bzl", "checked")\nchecked(name = "validate_test")\n',
        },
    )
    verdicts = {t.label: t.verdict for t in scan(root).inventory.targets}
    assert verdicts == {"//app:validate_test": "no-remote-exec"}
    assert _found(root) == {("tools/defs/runner.sh", 2, "ambient-tool")}


def test_macro_values_computed_the_way_macros_compute_them(tmp_path: Path) -> None:
    """Comparisons on known values pick one branch (zero-padded names), loops run past 64 items,
    `kwargs.pop("tags", [])` keeps the caller's tags, and `str(Label(...))` (Bzlmod-dependent) leaves
    both branches of a condition standing."""
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "defs.bzl": (
                'BZLMOD = str(Label("//:BUILD.bazel")).startswith("@@")\n'
                "def matrix(name, count):\n"
                "    for i in range(count):\n"
                "        suffix = str(i)\n"
                "        if i < 10:\n"
                '            suffix = "00" + suffix\n'
                "        elif i < 100:\n"
                '            suffix = "0" + suffix\n'
                '        native.genrule(name = "%s_u%s" % (name, suffix), outs = [name + suffix], cmd = "touch $@")\n'
                "def locked(name, **kwargs):\n"
                '    tags = ["manual"] + kwargs.pop("tags", [])\n'
                '    native.genrule(name = name, outs = [name + ".txt"], cmd = "touch $@", tags = tags, **kwargs)\n'
                "    if BZLMOD:\n"
                '        native.genrule(name = name + ".bzlmod", outs = [name + ".b"], cmd = "touch $@")\n'
            ),
            "BUILD.bazel": (
                'load(":defs.bzl", "locked", "matrix")\n'
                'matrix(name = "m", count = 120)\n'
                'locked(name = "lock", tags = ["no-remote-exec"], testonly = True)\n'
            ),
        },
    )
    targets = {t.label: t for t in scan(root).inventory.targets}
    matrix = sorted(label for label in targets if label.startswith("//:m_u"))
    assert len(matrix) == 120
    assert matrix[:2] == ["//:m_u000", "//:m_u001"] and matrix[-1] == "//:m_u119"
    assert list(targets["//:lock"].info.tags) == ["manual", "no-remote-exec"]
    assert targets["//:lock"].verdict == "no-remote-exec"
    assert "//:lock.bzlmod" in targets


def test_python_bootstrap_not_needed_with_the_script_bootstrap_or_python3_in_the_profile(
    tmp_path: Path,
) -> None:
    files = {
        "MODULE.bazel": 'bazel_dep(name = "rules_python", version = "1.6.0")\n',
        "BUILD.bazel": (
            'load("@rules_python//python:defs.bzl", "py_test")\npy_test(name = "t", srcs = ["t.py"])\n'
        ),
        "t.py": "",
    }
    root = write_tree(tmp_path / "default", files)
    assert _found(root) == {("BUILD.bazel", 2, "python-bootstrap")}
    script = write_tree(
        tmp_path / "script",
        {**files, ".bazelrc": "common --@rules_python//python/config_settings:bootstrap_impl=script\n"},
    )
    assert _found(script) == set()
    assert {t.verdict for t in scan(script).inventory.targets} == {"remote-ok"}
    in_profile = scan(root, Options(profile=ExecutorProfile.build(add=["python3"])))
    assert not in_profile.diagnostics
    only_in_a_config = write_tree(
        tmp_path / "config",
        {**files, ".bazelrc": "test:fast --@rules_python//python/config_settings:bootstrap_impl=script\n"},
    )
    assert _found(only_in_a_config) == {("BUILD.bazel", 2, "python-bootstrap")}


def test_curl_option_values_are_not_urls(tmp_path: Path) -> None:
    # A request body or a header after `-d`/`-H` is not a host; the URL decides.
    script = (
        "#!/bin/bash\n"
        "ADDR=localhost:$TEST_PORT\n"
        'curl -sf $ADDR/decorations -d \'{"location": {"ticket": "kythe://c?path=a"}}\' | jq .\n'
        "curl -sS -X POST -H 'Content-Type: application/json' --data-raw '{}' http://127.0.0.1:8080/q\n"
        "curl -fsSo out.tgz https://example.com/a.tgz\n"
        "wget -q -O - --header 'Accept: x' localhost:9000/health\n"
        "wget -O dist.zip https://example.com/dist.zip\n"
    )
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "BUILD.bazel": 'sh_test(\n    name = "t",\n    srcs = ["t.sh"],\n)\n',
            "t.sh": script,
        },
    )
    network = {(path, line) for path, line, rule in _found(root) if rule == "network-access"}
    assert network == {("t.sh", 5), ("t.sh", 7)}


def test_genrule_running_a_run_only_ruleset_target_gets_its_run_hazards(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'bazel_dep(name = "rules_oci", version = "2.2.0")\n',
            "BUILD.bazel": (
                'load("@rules_oci//oci:defs.bzl", "oci_image", "oci_load")\n'
                'oci_image(name = "image", base = "@distroless_base", tars = ["app.tar"])\n'
                'oci_load(name = "load", image = ":image", repo_tags = ["app:latest"])\n'
                "genrule(\n"
                '    name = "digest",\n'
                '    outs = ["digest.txt"],\n'
                '    cmd = "$(location :load) > $@",\n'
                '    tools = [":load"],\n'
                ")\n"
                'genrule(name = "listing", srcs = [":load"], outs = ["listing.txt"], cmd = "ls $(SRCS) > $@")\n'
            ),
        },
    )
    result = scan(root)
    found = {
        (d.span.start_line + 1, d.rule, d.target) for d in result.diagnostics if d.rule == "ruleset-hazard"
    }
    assert found == {(4, "ruleset-hazard", "//:digest")}
    message = next(d.message for d in result.diagnostics if d.rule == "ruleset-hazard")
    assert "its command runs //:load (oci_load of @rules_oci)" in message and "docker load" in message
    verdicts = {t.label: t.verdict for t in result.inventory.targets}
    assert verdicts["//:digest"] == "no-remote-exec"
    assert (
        verdicts["//:load"] == "remote-ok"
    )  # building it writes a script; `bazel run` is the user's machine
    assert verdicts["//:listing"] == "remote-ok"  # reads the loader's files, runs nothing of it


def test_a_tool_whose_rule_cannot_be_seen_leaves_the_target_running_it_unknown(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'bazel_dep(name = "rules_mystery", version = "1.0")\n',
            "BUILD.bazel": (
                'load("@rules_mystery//:defs.bzl", "mystery_binary")\n'
                'mystery_binary(name = "gen")\n'
                'genrule(name = "out", outs = ["o.txt"], cmd = "$(location :gen) > $@", tools = [":gen"])\n'
                'genrule(name = "copy", srcs = [":gen"], outs = ["c.txt"], cmd = "cp $< $@")\n'
            ),
        },
    )
    verdicts = {t.label: t for t in scan(root).inventory.targets}
    assert verdicts["//:out"].verdict == "unknown"
    assert verdicts["//:out"].unknown_because == [
        "it runs //:gen, a mystery_binary that comes from @rules_mystery//:defs.bzl, which is not available"
    ]
    assert verdicts["//:copy"].verdict == "remote-ok"  # copies the file, runs nothing


def test_the_workspace_status_command_is_run_by_a_shell_which_expands_variables(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "BUILD.bazel": "",
            ".bazelrc": (
                "build --workspace_status_command=$PWD/tools/status.sh\n"
                'build:ci --workspace_status_command="bash ${PWD}/tools/status.sh"\n'
                "build:rbe --remote_executor=${BAZEL_REMOTE_EXECUTOR}\n"
            ),
        },
    )
    found = {(d.span.path, d.span.start_line + 1, d.rule) for d in scan(root).diagnostics}
    assert found == {(".bazelrc", 3, "rc-env-placeholder")}


def test_rules_native_until_bazel_8_need_no_load(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            ".bazelversion": "7.1.0\n",
            "BUILD.bazel": (
                'proto_library(name = "status_proto", srcs = ["status.proto"])\n'
                'cc_proto_library(name = "status_cc_proto", deps = [":status_proto"])\n'
                'java_proto_library(name = "status_java_proto", deps = [":status_proto"])\n'
                'java_plugin(name = "processor", srcs = ["P.java"], processor_class = "P")\n'
                'py_runtime(name = "runtime", interpreter = "bin/python3", python_version = "PY3")\n'
                'extra_action(name = "printer", cmd = "cat $(EXTRA_ACTION_FILE)")\n'
            ),
        },
    )
    targets = {t.label: (t.verdict, t.provenance) for t in scan(root).inventory.targets}
    assert targets == {
        "//:status_proto": ("remote-ok", "knowledge"),
        "//:status_cc_proto": ("remote-ok", "knowledge"),
        "//:status_java_proto": ("remote-ok", "knowledge"),
        "//:processor": ("remote-ok", "knowledge"),
        "//:runtime": ("remote-ok", "source"),
        # Its command, run beside every action its listener picks, is read as a genrule's: `cat`
        # needs nothing of the host (https://bazel.build/reference/be/extra-actions).
        "//:printer": ("remote-ok", "source"),
    }


def test_a_tool_label_naming_the_workspace_by_its_module_name_is_found(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'module(name = "rules_acme")\n',
            "tools/BUILD.bazel": 'sh_binary(name = "publisher", srcs = ["publisher.sh"])\n',
            "tools/publisher.sh": '#!/usr/bin/env bash\nterraform apply -auto-approve > "$1"\n',
            "rules/BUILD.bazel": "",
            "rules/publish.bzl": (
                "def _impl(ctx):\n"
                "    out = ctx.actions.declare_file(ctx.label.name)\n"
                "    tools = struct(publisher = ctx.executable._publisher)\n"
                "    ctx.actions.run(executable = tools.publisher, outputs = [out], mnemonic = 'Publish')\n"
                "    return [DefaultInfo(files = depset([out]))]\n"
                "publish = rule(_impl, attrs = {'_publisher': attr.label(\n"
                "    default = Label('@rules_acme//tools:publisher'), executable = True, cfg = 'exec')})\n"
            ),
            "BUILD.bazel": 'load("//rules:publish.bzl", "publish")\npublish(name = "release")\n',
        },
    )
    result = scan(root)
    assert {(d.span.path, d.rule, d.target) for d in result.diagnostics} == {
        ("tools/publisher.sh", "ambient-tool", "//:release")
    }
    assert {t.label: t.verdict for t in result.inventory.targets}["//:release"] == "no-remote-exec"


def test_only_rc_lines_that_hold_under_remote_execution_keep_actions_local(tmp_path: Path) -> None:
    files = {
        "MODULE.bazel": "",
        "BUILD.bazel": 'genrule(name = "g", outs = ["g.txt"], cmd = "terraform version > $@")\n',
    }
    ci_only = write_tree(
        tmp_path / "ci",
        files
        | {
            ".bazelrc": "build:ci --genrule_strategy=standalone\nbuild:rbe --remote_executor=grpc://rbe:8980\n"
        },
    )
    under_rbe = write_tree(
        tmp_path / "rbe",
        files
        | {".bazelrc": "build:rbe --remote_executor=grpc://rbe:8980\nbuild:rbe --strategy=Genrule=local\n"},
    )
    always = write_tree(tmp_path / "always", files | {".bazelrc": "build --genrule_strategy=local\n"})
    cache_only = write_tree(
        tmp_path / "cache",
        files
        | {
            ".bazelrc": "build:remote-cache --remote_cache=grpc://c\nbuild:remote-cache --strategy=Genrule=local\n"
        },
    )
    kept = {
        name: scan(root).inventory.targets[0].kept_local
        for name, root in (("ci", ci_only), ("rbe", under_rbe), ("always", always), ("cache", cache_only))
    }
    assert kept == {
        "ci": [],
        "cache": [],
        "rbe": [".bazelrc:2: build:rbe --strategy=Genrule=local"],
        "always": [".bazelrc:1: build --genrule_strategy=local"],
    }


def test_a_shebang_naming_a_declared_interpreter_is_not_a_host_program(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "rules/BUILD.bazel": "",
            "rules/launch.bzl": (
                "def _impl(ctx):\n"
                "    out = ctx.actions.declare_file(ctx.label.name)\n"
                "    sh = ctx.toolchains['@rules_shell//shell:toolchain_type'].path\n"
                '    ctx.actions.write(out, content = \'#!{}\\nexec "$0.real" "$@"\\n\'.format(sh), is_executable = True)\n'
                "    return [DefaultInfo(executable = out)]\n"
                "launch_test = rule(_impl, test = True, toolchains = ['@rules_shell//shell:toolchain_type'])\n"
            ),
            "BUILD.bazel": 'load("//rules:launch.bzl", "launch_test")\nlaunch_test(name = "t")\n',
        },
    )
    result = scan(root)
    assert [(d.rule, d.message) for d in result.diagnostics if d.rule == "ambient-tool"] == []
    assert {t.label: t.verdict for t in result.inventory.targets} == {"//:t": "remote-ok"}


def test_test_data_that_starts_like_a_host_path_is_not_a_path(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "BUILD.bazel": 'sh_test(name = "t", srcs = ["t.sh"])\n',
            "t.sh": (
                "#!/usr/bin/env bash\n"
                'check() { printf "%s\\n" "$1" | grep -q type=; }\n'
                'check "/home/user/bin type=dir mode=0755 uid=1000"\n'
                'check "/opt/app/lib type=link\n./usr/bin type=dir"\n'
                "cat /home/ci/.netrc\n"
            ),
        },
    )
    found = {(d.span.start_line + 1, d.rule) for d in scan(root).diagnostics if d.rule == "host-path"}
    assert found == {(6, "host-path")}  # only the real file


def test_a_bzl_file_in_a_directory_without_build_file_belongs_to_the_package_above(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "rules/BUILD.bazel": "",
            "rules/defs.bzl": 'load(":private/impl.bzl", "deploy")\n',
            # Package `rules`: its loads are relative to `rules`, not to `rules/private`.
            "rules/private/impl.bzl": (
                'load(":private/cmd.bzl", "CMD")\n'
                "def _impl(ctx):\n"
                "    out = ctx.actions.declare_file(ctx.label.name)\n"
                "    ctx.actions.run_shell(outputs = [out], command = CMD + ' > ' + out.path, mnemonic = 'Deploy')\n"
                "    return [DefaultInfo(files = depset([out]))]\n"
                "deploy = rule(_impl)\n"
            ),
            "rules/private/cmd.bzl": 'CMD = "kubectl apply -f manifests"\n',
            "BUILD.bazel": 'load("//rules:defs.bzl", "deploy")\ndeploy(name = "prod")\n',
        },
    )
    result = scan(root)
    assert {(d.rule, d.span.path) for d in result.diagnostics} == {
        ("ambient-tool", "rules/private/cmd.bzl"),
        ("network-access", "rules/private/cmd.bzl"),
    }
    assert {t.label: t.verdict for t in result.inventory.targets} == {"//:prod": "no-remote-exec"}


def test_an_executable_script_a_rule_writes_is_a_hazard_of_whoever_runs_it(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "rules/BUILD.bazel": "",
            "rules/shim.bzl": (
                "def _impl(ctx):\n"
                "    out = ctx.actions.declare_file('node_modules/.bin/' + ctx.label.name)\n"
                '    ctx.actions.write(out, \'#!/bin/sh\\nexec node "$0.js" "$@"\\n\', is_executable = True)\n'
                "    return [DefaultInfo(files = depset([out]))]\n"
                "bin_shim = rule(_impl)\n"
            ),
            "BUILD.bazel": (
                'load("//rules:shim.bzl", "bin_shim")\n'
                'bin_shim(name = "tsc")\n'
                'genrule(name = "types", outs = ["types.d.ts"], tools = [":tsc"], cmd = "$(location :tsc) > $@")\n'
                'genrule(name = "listing", srcs = [":tsc"], outs = ["l.txt"], cmd = "ls $(SRCS) > $@")\n'
            ),
        },
    )
    result = scan(root)
    assert {(d.rule, d.subject, d.target) for d in result.diagnostics} == {
        ("ambient-tool", "node", "//:types")
    }
    verdicts = {t.label: t.verdict for t in result.inventory.targets}
    assert verdicts == {"//:tsc": "remote-ok", "//:types": "no-remote-exec", "//:listing": "remote-ok"}
