"""Test rules (`bazel test`) and the apply launcher (`bazel run`) for tofu modules."""

load("//toolchains:toolchain.bzl", "TOFU_TOOLCHAIN_TYPE")

_CONFORMANCE_TEST = """\
#!/usr/bin/env bash
set -euo pipefail

readonly TOFU="$PWD/{tofu}"
readonly PLAN="{plan}"
readonly WORK="${{TEST_TMPDIR:-/tmp}}/conformance"

fail() {{
  echo "FAIL: $*" >&2
  exit 1
}}

expect_resource() {{
  local kind="$1"
  grep -q "\\"type\\":\\"$kind\\"" "$WORK/plan.json" || fail "no $kind in plan"
}}

mkdir -p "$WORK"
[[ -f "$PLAN" ]] || fail "plan file missing: $PLAN"
"$TOFU" show -json "$PLAN" > "$WORK/plan.json"  # ok: ambient-tool ("$TOFU")
expect_resource null_resource  # ok: ambient-tool (function)

if ! type tflint > /dev/null 2>&1; then  # expect: ambient-tool
  fail "tflint is not installed"
fi
docker run --rm -v "$WORK:/work" -w /work openpolicyagent/conftest:v0.56.0 test plan.json  # expect: ambient-tool
nohup otel-cli span --name conformance > /dev/null 2>&1 &  # expect: ambient-tool
wait

echo "PASS"
"""

_APPLY_LAUNCHER = """\
#!/usr/bin/env bash
# `bazel run` launcher: applies the plan with the developer's credentials.
set -euo pipefail

TOFU="{tofu}"
if command -v tofu > /dev/null 2>&1; then  # ok: ambient-tool (launcher context)
  TOFU="$(command -v tofu)"
fi

aws sts get-caller-identity --output text > /dev/null  # ok: ambient-tool (launcher context)
gcloud auth print-access-token > /dev/null  # ok: ambient-tool (launcher context)
"$TOFU" -chdir="{module_dir}" apply {auto_approve} "{plan}"
"""

def _tofu_conformance_test_impl(ctx):
    tofu = ctx.toolchains[TOFU_TOOLCHAIN_TYPE].tofuinfo.tofu
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = executable,
        content = _CONFORMANCE_TEST.format(
            plan = ctx.file.plan.short_path,
            tofu = tofu.short_path,
        ),
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = [ctx.file.plan, tofu])
    runfiles = runfiles.merge(ctx.attr._tofu_runfiles[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = executable, runfiles = runfiles)]

tofu_conformance_test = rule(
    implementation = _tofu_conformance_test_impl,
    attrs = {
        "plan": attr.label(allow_single_file = True, mandatory = True),
        "_tofu_runfiles": attr.label(default = "//tools:fake_tofu"),
    },
    toolchains = [TOFU_TOOLCHAIN_TYPE],
    test = True,
)

def _tofu_smoke_test_impl(ctx):
    tofu = ctx.toolchains[TOFU_TOOLCHAIN_TYPE].tofuinfo.tofu
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = executable,
        substitutions = {
            "%{tofu}": tofu.short_path,
            "%{module_dir}": ctx.label.package,
        },
        is_executable = True,
    )
    return [DefaultInfo(
        executable = executable,
        runfiles = ctx.runfiles(files = ctx.files.srcs + [tofu]),
    )]

tofu_smoke_test = rule(
    implementation = _tofu_smoke_test_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".tf"], mandatory = True),
        "_template": attr.label(
            default = "//rules/private:smoke_test.sh.tpl",
            allow_single_file = True,
        ),
    },
    toolchains = [TOFU_TOOLCHAIN_TYPE],
    test = True,
)

def _tofu_apply_impl(ctx):
    tofu = ctx.toolchains[TOFU_TOOLCHAIN_TYPE].tofuinfo.tofu
    launcher = ctx.actions.declare_file(ctx.label.name + ".apply.sh")
    ctx.actions.write(
        output = launcher,
        content = _APPLY_LAUNCHER.format(
            auto_approve = "-auto-approve" if ctx.attr.auto_approve else "",
            module_dir = ctx.label.package,
            plan = ctx.file.plan.short_path,
            tofu = tofu.short_path,
        ),
        is_executable = True,
    )
    return [DefaultInfo(
        executable = launcher,
        runfiles = ctx.runfiles(files = [ctx.file.plan, tofu]),
    )]

tofu_apply = rule(
    implementation = _tofu_apply_impl,
    attrs = {
        "plan": attr.label(allow_single_file = True, mandatory = True),
        "auto_approve": attr.bool(default = False),
    },
    toolchains = [TOFU_TOOLCHAIN_TYPE],
    executable = True,
)
