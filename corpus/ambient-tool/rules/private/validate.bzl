"""Validation and lint actions over OpenTofu modules (ctx.actions.run_shell).

Text in this docstring is never executed: tofu init, jq -e, curl -fsS.
"""

load("//toolchains:toolchain.bzl", "TOFU_TOOLCHAIN_TYPE")

# Hermetic variant: every program is a declared input or part of the executor profile.
_VALIDATE_COMMAND = """\
set -euo pipefail
export TF_IN_AUTOMATION=1
export TF_DATA_DIR="$PWD/{data_dir}"

log() {{
  printf '[tofu_validate] %s\\n' "$*" >&2
}}

# A local wrapper: calls below go to the declared binary, not to a host terraform.
terraform() {{
  "{tofu}" "$@"
}}

module_dir="$(dirname "{main}")"
mkdir -p "$TF_DATA_DIR"
log "validating $module_dir"

terraform -chdir="$module_dir" init -backend=false -input=false > /dev/null  # ok: ambient-tool (function)
"{tofu}" -chdir="$module_dir" validate -json > "{out}"  # ok: ambient-tool (declared, opaque path)
if ! grep -q '"valid":true' "{out}"; then
  log "validation failed, see {out}"
  exit 1
fi
"""

# Host variant, selected with use_host_tofu = True: relies on the machine's PATH.
_HOST_VALIDATE_COMMAND = """\
set -euo pipefail
export TF_IN_AUTOMATION=1

module_dir="$(dirname "{main}")"
if ! command -v tofu > /dev/null 2>&1; then  # expect: ambient-tool
  echo "use_host_tofu = True needs tofu on PATH" >&2
  exit 1
fi
command -v sed > /dev/null  # ok: ambient-tool (profile tool)

tofu -chdir="$module_dir" init -backend=false -input=false > /dev/null  # expect: ambient-tool, network-access
env TF_LOG=ERROR tofu -chdir="$module_dir" validate -json > "{out}"  # expect: ambient-tool
jq -e '.valid' "{out}" > /dev/null || {{  # expect: ambient-tool
  echo "validation failed" >&2
  exit 1
}}
timeout 120 tofu -chdir="$module_dir" providers > "{out}.providers"  # expect: ambient-tool
env LC_ALL=C sort -o "{out}.providers" "{out}.providers"  # ok: ambient-tool (profile tool behind env)
"""

_LINT_COMMAND = """\
#!/bin/bash
set -euo pipefail

out="$1"
shift
module_dir="$(dirname "$1")"

rm -f "$out"
touch "$out"
case "{linter}" in
  tflint)
    /usr/local/bin/tflint --chdir="$module_dir" --format=compact >> "$out"  # expect: ambient-tool
    ;;
  hclfmt-go)
    $HOME/go/bin/hclfmt -check "$@" >> "$out"  # expect: ambient-tool
    ;;
  trivy)
    ~/.local/bin/trivy config --quiet "$module_dir" >> "$out"  # expect: ambient-tool
    ;;
  fmt)
    printf '%s\\n' "$@" | xargs tofu fmt -check -diff >> "$out"  # expect: ambient-tool
    ;;
  vendored)
    ./tools/hclfmt.sh "$@" >> "$out"  # ok: ambient-tool (relative path)
    ;;
  prebuilt)
    bazel-out/k8-opt-exec/bin/tools/hclfmt "$@" >> "$out"  # ok: ambient-tool (relative path)
    ;;
  *)
    "{hclfmt}" "$@" >> "$out"  # ok: ambient-tool (declared)
    ;;
esac

# Both of these are always present on the executor.
/usr/bin/sort -u -o "$out" "$out"  # ok: ambient-tool (/usr/bin/<profile tool>)
/bin/cp "$out" "$out.bak"  # ok: ambient-tool (/bin/<profile tool>)
"""

# Embedded Python: the heredoc body is data for python3, not shell commands.
_SUMMARY_COMMAND = """\
set -euo pipefail
PYTHONDONTWRITEBYTECODE=1 python3 - "$1" "$2" <<'PY'  # expect: ambient-tool
import json
import sys
with open(sys.argv[1]) as f:
    report = json.load(f)
with open(sys.argv[2], "w") as out:
    out.write("valid=%s\\n" % report.get("valid"))
PY
"""

def _module_main(ctx):
    for f in ctx.files.srcs:
        if f.basename == "main.tf":
            return f
    fail("{}: srcs must contain a main.tf".format(ctx.label))

def _tofu_validate_impl(ctx):
    tofu = ctx.toolchains[TOFU_TOOLCHAIN_TYPE].tofuinfo.tofu
    main = _module_main(ctx)
    out = ctx.actions.declare_file(ctx.label.name + ".validate.json")
    data_dir = ctx.label.name + ".tfdata"

    if ctx.attr.use_host_tofu:
        ctx.actions.run_shell(
            inputs = ctx.files.srcs,
            outputs = [out],
            command = _HOST_VALIDATE_COMMAND.format(main = main.path, out = out.path),
            mnemonic = "TofuValidateHost",
            progress_message = "Validating %{label} with the host tofu",
        )
    else:
        ctx.actions.run_shell(
            inputs = ctx.files.srcs,
            tools = [tofu],
            outputs = [out],
            command = _VALIDATE_COMMAND.format(
                data_dir = data_dir,
                main = main.path,
                out = out.path,
                tofu = tofu.path,
            ),
            mnemonic = "TofuValidate",
            progress_message = "Validating %{label}",
        )

    summary = ctx.actions.declare_file(ctx.label.name + ".summary")
    ctx.actions.run_shell(
        inputs = [out],
        outputs = [summary],
        command = _SUMMARY_COMMAND,
        arguments = [out.path, summary.path],
        mnemonic = "TofuValidateSummary",
    )

    compressed = ctx.actions.declare_file(ctx.label.name + ".validate.json.gz")
    ctx.actions.run_shell(
        inputs = [out],
        outputs = [compressed],
        command = "pigz -9 -c %s > %s" % (out.path, compressed.path),  # expect: ambient-tool
        mnemonic = "TofuCompress",
    )

    archive = ctx.actions.declare_file(ctx.label.name + ".tfdata.tar.xz")
    ctx.actions.run_shell(
        inputs = [out, summary],
        outputs = [archive],
        command = (
            "set -euo pipefail && " +
            "mkdir -p \"$(dirname {archive})\" && ".format(archive = archive.path) +
            "tar -cf - {out} {summary} | ".format(out = out.path, summary = summary.path) +
            "xz -T0 -c > {archive}".format(archive = archive.path)  # expect: ambient-tool
        ),
        mnemonic = "TofuArchive",
    )

    stamp = ctx.actions.declare_file(ctx.label.name + ".stamp")
    ctx.actions.run_shell(
        outputs = [stamp],
        command = """
set -euo pipefail
{
  echo "target=$2"
  echo "revision=$(git rev-parse --short HEAD)"  # expect: ambient-tool
  date -u +%Y-%m-%dT%H:%M:%SZ
} > "$1"
""",
        arguments = [stamp.path, str(ctx.label)],
        mnemonic = "TofuStamp",
    )

    return [DefaultInfo(files = depset([out, summary, compressed, archive, stamp]))]

tofu_validate = rule(
    implementation = _tofu_validate_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".tf", ".tfvars"]),
        "use_host_tofu": attr.bool(default = False),
    },
    toolchains = [TOFU_TOOLCHAIN_TYPE],
)

def _tofu_lint_impl(ctx):
    report = ctx.actions.declare_file(ctx.label.name + ".lint.txt")
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        tools = [ctx.executable._hclfmt],
        outputs = [report],
        command = _LINT_COMMAND.format(
            hclfmt = ctx.executable._hclfmt.path,
            linter = ctx.attr.linter,
        ),
        arguments = [report.path] + [f.path for f in ctx.files.srcs],
        mnemonic = "TofuLint",
    )

    # Provider schema dump straight from the host binary.
    schema = ctx.actions.declare_file(ctx.label.name + ".schema.json")
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [schema],
        command = """\
set -euo pipefail
cd "$(dirname "$1")"
exec tofu providers schema -json > "$2"  # expect: ambient-tool
""",
        arguments = [ctx.files.srcs[0].path, schema.path],
        mnemonic = "TofuSchema",
    )

    # Same report, re-run through the declared formatter with bash and env.
    checked = ctx.actions.declare_file(ctx.label.name + ".lint.checked")
    ctx.actions.run_shell(
        inputs = [report],
        tools = [ctx.executable._hclfmt],
        outputs = [checked],
        command = """\
set -euo pipefail
/bin/bash "$1" "$3" && /usr/bin/env bash "$1" "$3"  # ok: ambient-tool (/bin/bash, /usr/bin/env bash)
cat > "$2" <<EOF
checked: $3
hint: run 'tofu fmt' or terraform fmt -recursive locally, then curl the CI again
EOF
""",
        arguments = [ctx.executable._hclfmt.path, checked.path, report.path],
        mnemonic = "TofuLintCheck",
    )
    return [DefaultInfo(files = depset([report, schema, checked]))]

tofu_lint = rule(
    implementation = _tofu_lint_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".tf"]),
        "linter": attr.string(
            default = "declared",
            values = ["declared", "tflint", "hclfmt-go", "trivy", "fmt", "vendored", "prebuilt"],
        ),
        "_hclfmt": attr.label(
            default = "//tools:hclfmt",
            executable = True,
            cfg = "exec",
        ),
    },
)
