"""`tofu_plan`: generated scripts executed by ctx.actions.run."""

load("//toolchains:toolchain.bzl", "TOFU_TOOLCHAIN_TYPE")

_PLAN_SCRIPT = """\
#!/usr/bin/env bash
set -euo pipefail

readonly TOFU="{tofu}"
readonly OUT="$1"
readonly MODULE_DIR="$2"
shift 2

die() {{
  echo "tofu_plan: $*" >&2
  exit 1
}}

[[ -x "$TOFU" ]] || die "tofu not found at $TOFU"

# Older versions of this rule preferred a host tofu when there was one.
if which tofu > /dev/null 2>&1; then  # expect: ambient-tool
  echo "note: ignoring the tofu on PATH" >&2
fi

var_args=()
for f in "$@"; do
  var_args+=("-var-file=$f")
done

"$TOFU" -chdir="$MODULE_DIR" init -backend=false -input=false > /dev/null  # expect: network-access  # ok: ambient-tool ("$TOFU")
"$TOFU" -chdir="$MODULE_DIR" plan -input=false -lock=false -out="$OUT.bin" "${{var_args[@]+"${{var_args[@]}}"}}"
"$TOFU" -chdir="$MODULE_DIR" show -json "$OUT.bin" \\
  | /nix/store/4bq0c8yhnrdkdb0w7ajx2xrz4qmbz0gq-jq-1.7.1-bin/bin/jq -S '.resource_changes // []' > "$OUT"  # expect: ambient-tool
"""

# Strips trailing whitespace in place (GNU sed from Homebrew on the CI Macs).
_SED_INPLACE = "/opt/homebrew/bin/gsed -i -e 's/[[:space:]]*$//' \"$2\""  # expect: ambient-tool

def _tofu_plan_impl(ctx):
    tofu = ctx.toolchains[TOFU_TOOLCHAIN_TYPE].tofuinfo.tofu
    module_dir = ctx.files.srcs[0].dirname
    plan = ctx.actions.declare_file(ctx.label.name + ".plan.json")

    # 1. The plan itself, from a script written at analysis time.
    script = ctx.actions.declare_file(ctx.label.name + ".plan.sh")
    ctx.actions.write(
        output = script,
        content = _PLAN_SCRIPT.format(tofu = tofu.path),
        is_executable = True,
    )
    ctx.actions.run(
        executable = script,
        arguments = [plan.path, module_dir] + [f.path for f in ctx.files.var_files],
        inputs = ctx.files.srcs + ctx.files.var_files,
        tools = [tofu],
        outputs = [plan],
        mnemonic = "TofuPlan",
        progress_message = "Planning %{label}",
    )

    # 2. Policy checks, from a checked-in template.
    policy_script = ctx.actions.declare_file(ctx.label.name + ".policy.sh")
    ctx.actions.expand_template(
        template = ctx.file._policy_template,
        output = policy_script,
        substitutions = {
            "%{opa}": ctx.executable._opa.path,
            "%{policy_dir}": ctx.attr.policy_dir,
            "%{strict}": "1" if ctx.attr.strict else "0",
        },
        is_executable = True,
    )
    report = ctx.actions.declare_file(ctx.label.name + ".policy.txt")
    ctx.actions.run(
        executable = policy_script,
        arguments = [plan.path, report.path],
        inputs = [plan] + ctx.files.policies,
        tools = [ctx.executable._opa],
        outputs = [report],
        mnemonic = "TofuPolicy",
    )

    # 3. Trailing whitespace cleanup, written from a module constant.
    cleanup = ctx.actions.declare_file(ctx.label.name + ".cleanup.sh")
    ctx.actions.write(
        output = cleanup,
        content = "#!/bin/bash\nset -euo pipefail\ncp \"$1\" \"$2\"\n" + _SED_INPLACE + "\n",
        is_executable = True,
    )
    clean_report = ctx.actions.declare_file(ctx.label.name + ".policy.clean.txt")
    ctx.actions.run(
        executable = cleanup,
        arguments = [report.path, clean_report.path],
        inputs = [report],
        outputs = [clean_report],
        mnemonic = "TofuPolicyClean",
    )

    # 4. Provider lock file straight from whatever tofu is on PATH.
    lock = ctx.actions.declare_file(ctx.label.name + ".terraform.lock.hcl")
    ctx.actions.run(
        executable = "tofu",  # expect: ambient-tool
        arguments = [
            "-chdir=" + module_dir,
            "providers",
            "lock",
            "-platform=linux_amd64",
        ],
        inputs = ctx.files.srcs,
        outputs = [lock],
        mnemonic = "TofuProvidersLock",
    )

    # 5. Formatting check with the declared formatter and the toolchain binary.
    fmt_report = ctx.actions.declare_file(ctx.label.name + ".fmt.txt")
    ctx.actions.run(
        executable = ctx.executable._hclfmt,  # ok: ambient-tool (ctx.executable)
        arguments = [f.path for f in ctx.files.srcs],
        inputs = ctx.files.srcs,
        outputs = [fmt_report],
        mnemonic = "TofuHclFmt",
    )
    version = ctx.actions.declare_file(ctx.label.name + ".version.txt")
    ctx.actions.run(
        executable = tofu,  # ok: ambient-tool (toolchain file)
        arguments = ["version"],
        outputs = [version],
        mnemonic = "TofuVersion",
    )

    return [
        DefaultInfo(files = depset([plan])),
        OutputGroupInfo(
            fmt = depset([fmt_report]),
            reports = depset([report, clean_report, lock, version]),
        ),
    ]

tofu_plan = rule(
    implementation = _tofu_plan_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".tf"], mandatory = True),
        "var_files": attr.label_list(allow_files = [".tfvars"]),
        "policies": attr.label_list(allow_files = [".rego"]),
        "policy_dir": attr.string(default = "policy"),
        "strict": attr.bool(default = True),
        "_opa": attr.label(
            default = "//tools:opa",
            executable = True,
            cfg = "exec",
        ),
        "_hclfmt": attr.label(
            default = "//tools:hclfmt",
            executable = True,
            cfg = "exec",
        ),
        "_policy_template": attr.label(
            default = "//rules/private:policy_check.sh.tpl",
            allow_single_file = True,
        ),
    },
    toolchains = [TOFU_TOOLCHAIN_TYPE],
)
