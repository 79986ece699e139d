"""Code-generation rules.

Every command in this file runs as a build action, in the sandbox or on a
remote executor. None of the variables that `bazel run` exports exist there.
"""

load(":common.bzl", "RENDER_ATTRS", "generated")

# Prepended to the header command. The fallback is what actually runs in a
# sandbox; the variable is only ever set for `bazel run`.
_PRELUDE = """set -euo pipefail
src_root="${BUILD_WORKING_DIRECTORY:-.}"  # expect: workspace-dir
"""

_MISSING_SRCS = "config_header: no srcs; regenerate them with `bazel run //:fmt`, which writes into $BUILD_WORKSPACE_DIRECTORY"  # ok: workspace-dir

def _config_header_impl(ctx):
    """Renders key=value sources into a C header.

    Nothing here may depend on $BUILD_WORKSPACE_DIRECTORY: the command below
    runs as a regular action and only `bazel run` would have set it.
    """
    if not ctx.files.srcs:
        fail(_MISSING_SRCS)
    out = ctx.actions.declare_file(ctx.label.name + ".h")
    args = ctx.actions.args()
    args.add(out)
    args.add_all(ctx.files.srcs)
    ctx.actions.run_shell(
        outputs = [out],
        inputs = ctx.files.srcs,
        tools = [ctx.executable._render],
        arguments = [args],
        command = _PRELUDE + """out="$1"
shift
for f in "$@"; do
  if ! test -f "$f"; then
    # Never fall back to $BUILD_WORKSPACE_DIRECTORY here; it is unset.  # ok: workspace-dir
    echo "config_header: missing $f (src_root=$src_root)" >&2
    echo 'hint: $BUILD_WORKSPACE_DIRECTORY is not exported to build actions' >&2  # ok: workspace-dir
    exit 1
  fi
done
{render} --format=c-header --guard={guard} --output "$out" "$@"
""".format(
            render = ctx.executable._render.path,
            guard = ctx.attr.guard,
        ),
        mnemonic = "ConfigHeader",
        progress_message = "Rendering %{output}",
    )
    return generated(out)

config_header = rule(
    implementation = _config_header_impl,
    doc = "Renders a C header. Unlike `bazel run //:fmt`, it never looks at $BUILD_WORKSPACE_DIRECTORY.",  # ok: workspace-dir
    attrs = dict(
        RENDER_ATTRS,
        srcs = attr.label_list(allow_files = [".env"]),
        guard = attr.string(mandatory = True),
    ),
)

def _workspace_stamp_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.run_shell(
        outputs = [out],
        arguments = [out.path],
        command = 'printf "root=%s\\n" "$BUILD_WORKSPACE_DIRECTORY" > "$1"',  # expect: workspace-dir
        env = {"STAMP_ROOT": "${BUILD_WORKSPACE_DIRECTORY}"},  # expect: workspace-dir
        mnemonic = "WorkspaceStamp",
    )
    return generated(out)

workspace_stamp = rule(
    implementation = _workspace_stamp_impl,
)

def _tree_listing_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".lst")

    # The listing is meant to cover the package directory in the checkout.
    listing = 'find "${BUILD_WORKSPACE_DIRECTORY:-.}/%s" -type f | sort > %s' % (  # expect: workspace-dir(info)
        ctx.label.package,
        out.path,
    )
    ctx.actions.run_shell(
        outputs = [out],
        command = listing,
        mnemonic = "TreeListing",
    )
    return generated(out)

tree_listing = rule(
    implementation = _tree_listing_impl,
)

def _source_manifest_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".manifest")
    ctx.actions.run(
        executable = ctx.executable._render,
        arguments = [
            "--format=manifest",
            "--output",
            out.path,
            # Arguments are passed verbatim, never expanded by a shell.
            "--root-hint=$BUILD_WORKSPACE_DIRECTORY",  # ok: workspace-dir
        ] + [f.path for f in ctx.files.srcs],
        inputs = ctx.files.srcs,
        outputs = [out],
        env = {
            # The renderer refuses to start without this variable.
            "BUILD_WORKSPACE_DIRECTORY": ".",  # ok: workspace-dir
            "MANIFEST_ROOT_VAR": "BUILD_WORKING_DIRECTORY",  # expect: workspace-dir
            "LC_ALL": "C",
        },
        mnemonic = "SourceManifest",
    )
    return generated(out)

source_manifest = rule(
    implementation = _source_manifest_impl,
    attrs = dict(
        RENDER_ATTRS,
        srcs = attr.label_list(allow_files = True),
    ),
)
