"""Vendoring rules: each one builds a dependency tree inside a run_shell action."""

_PIP_CONF = "--disable-pip-version-check --no-input"

def _node_modules_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    ctx.actions.run_shell(
        inputs = [ctx.file.package_json, ctx.file.lockfile],
        outputs = [out],
        command = """\
set -euo pipefail
cp "{package_json}" "{lockfile}" "{out}/"
cd "{out}"
npm ci --ignore-scripts --no-audit --no-fund  # expect: ambient-tool, network-access
npm run build --if-present  # expect: ambient-tool
# ok: network-access (`npm run build` only runs a package script)
""".format(
            lockfile = ctx.file.lockfile.path,
            out = out.path,
            package_json = ctx.file.package_json.path,
        ),
        mnemonic = "NodeModules",
        progress_message = "Installing node_modules for %{label}",
    )
    return [DefaultInfo(files = depset([out]))]

node_modules = rule(
    implementation = _node_modules_impl,
    attrs = {
        "lockfile": attr.label(allow_single_file = ["package-lock.json"], mandatory = True),
        "package_json": attr.label(allow_single_file = ["package.json"], mandatory = True),
    },
)

def _go_vendor_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name + "_modcache")
    gomod = ctx.file.go_mod
    ctx.actions.run_shell(
        inputs = [gomod, ctx.file.go_sum],
        outputs = [out],
        command = """\
set -eu
export GOMODCACHE="$PWD/{out}"
cd "$(dirname {mod})"
go mod download -x  # expect: ambient-tool, network-access
GOPROXY=off go build ./...  # expect: ambient-tool
# ok: network-access (`go build` with GOPROXY=off only reads the module cache filled above)
""".format(
            mod = gomod.path,
            out = out.path,
        ),
        env = {"GOFLAGS": "-mod=mod"},
        mnemonic = "GoVendor",
    )
    return [DefaultInfo(files = depset([out]))]

go_vendor = rule(
    implementation = _go_vendor_impl,
    attrs = {
        "go_mod": attr.label(allow_single_file = ["go.mod"], mandatory = True),
        "go_sum": attr.label(allow_single_file = ["go.sum"], mandatory = True),
    },
)

def _py_wheelhouse_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name + "_wheels")
    requirements = ctx.file.requirements
    script = (
        "set -euo pipefail\n" +
        "pip --version >&2\n" +  # expect: ambient-tool  # ok: network-access (version probe)
        "python3 -m pip install " + _PIP_CONF + " --target \"$1\" -r \"$2\"\n" +  # expect: ambient-tool, network-access
        "[ ! -s \"$2.tools\" ] || pip3 install --target \"$1\" -r \"$2.tools\"\n"  # expect: ambient-tool, network-access
    )
    ctx.actions.run_shell(
        inputs = [requirements],
        outputs = [out],
        command = script,
        arguments = [out.path, requirements.path],
        mnemonic = "PyWheelhouse",
    )
    return [DefaultInfo(files = depset([out]))]

py_wheelhouse = rule(
    implementation = _py_wheelhouse_impl,
    attrs = {"requirements": attr.label(allow_single_file = [".txt"], mandatory = True)},
)
