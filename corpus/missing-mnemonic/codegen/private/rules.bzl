"""Rules that write headers, checksums and stamped files, plus a lint aspect."""

load(":actions.bzl", "copy_file", "copy_file_tracked", "link_file", "stamp_file")

_LINT_MNEMONIC = "CodegenLint"

_TOOL_ATTRS = {
    "_renderer": attr.label(
        default = "//tools:render",
        executable = True,
        cfg = "exec",
    ),
    "_packer": attr.label(
        default = "//tools:pack",
        executable = True,
        cfg = "exec",
    ),
}

def _execution_requirements(tags, mnemonic):
    """Derives execution requirements from target tags for one action kind."""
    reqs = {}
    for tag in tags:
        if tag in ("no-sandbox", "no-cache", "requires-network"):
            reqs[tag] = ""
    if mnemonic == "CodegenHeader":
        reqs["supports-path-mapping"] = "1"
    return reqs

def _define_line(name, value):
    return "#define {} {}".format(name, value)

def _config_header_impl(ctx):
    out = ctx.actions.declare_file(ctx.attr.out)  # ok: missing-mnemonic (declare_file)
    guard = ctx.attr.out.upper().replace(".", "_").replace("/", "_")
    defines = [_define_line(k, v) for k, v in sorted(ctx.attr.values.items())]

    # ok: missing-mnemonic (expand_template)
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = out,
        substitutions = {
            "{GUARD}": guard,
            "{DEFINES}": "\n".join(defines),
        },
    )

    # Also emit a plain list of the keys, one per line, for the checksum rule.
    keys = ctx.actions.declare_file(ctx.label.name + ".keys")

    # ok: missing-mnemonic (write)
    ctx.actions.write(
        output = keys,
        content = "\n".join(sorted(ctx.attr.values.keys())) + "\n",
    )

    sorted_keys = ctx.actions.declare_file(ctx.label.name + ".keys.sorted")

    # expect: missing-mnemonic
    ctx.actions.run_shell(
        inputs = [keys],
        outputs = [sorted_keys],
        command = "LC_ALL=C sort -u \"$1\" > \"$2\"",
        arguments = [keys.path, sorted_keys.path],
        execution_requirements = _execution_requirements(ctx.attr.tags, mnemonic = "CodegenHeader"),
    )

    marker = ctx.actions.declare_file(ctx.label.name + ".ok")
    ctx.actions.run_shell(outputs = [marker], inputs = [out], command = "touch " + marker.path)  # expect: missing-mnemonic

    return [DefaultInfo(files = depset([out, keys, sorted_keys, marker]))]

config_header = rule(
    implementation = _config_header_impl,
    attrs = {
        "out": attr.string(mandatory = True),
        "values": attr.string_dict(),
        "_template": attr.label(
            default = "//codegen/private:config.h.tpl",
            allow_single_file = True,
        ),
    },
)

def _checksums_impl(ctx):
    run = ctx.actions.run_shell  # ok: missing-mnemonic (alias, not a call)
    outs = []
    for src in ctx.files.srcs:
        out = ctx.actions.declare_file("{}/{}.sha256".format(ctx.label.name, src.basename))

        # expect: missing-mnemonic
        run(
            inputs = [src],
            outputs = [out],
            command = "sha256sum \"$1\" | cut -d' ' -f1 > \"$2\"",
            arguments = [src.path, out.path],
            progress_message = "Hashing %{input}",
        )
        outs.append(out)

    summary = ctx.actions.declare_file(ctx.label.name + ".SHA256SUMS")
    run_tool = ctx.actions.run  # ok: missing-mnemonic (alias, not a call)
    summary_args = ctx.actions.args()
    summary_args.add("--concat", summary)
    summary_args.add_all(outs)

    # expect: missing-mnemonic
    run_tool(
        executable = ctx.executable._packer,
        arguments = [summary_args],
        inputs = outs,
        outputs = [summary],
    )

    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")

    # ok: missing-mnemonic
    run_tool(
        executable = ctx.executable._packer,
        arguments = ["--list", manifest.path] + [o.path for o in outs],
        inputs = outs,
        outputs = [manifest],
        mnemonic = "ChecksumManifest",
    )
    return [DefaultInfo(files = depset(outs + [summary, manifest]))]

checksums = rule(
    implementation = _checksums_impl,
    attrs = dict(
        _TOOL_ATTRS,
        srcs = attr.label_list(allow_files = True),
    ),
)

def _stamped_files_impl(ctx):
    acts = ctx.actions
    outs = []
    for src in ctx.files.srcs:
        out = acts.declare_file(ctx.label.name + "/" + src.basename)  # ok: missing-mnemonic (declare_file)
        if ctx.attr.stamp:
            stamp_file(ctx, src, out)  # ok: missing-mnemonic (reported inside the helper)
        elif ctx.attr.link:
            link_file(acts, src, out)  # ok: missing-mnemonic
        elif ctx.attr.track:
            copy_file_tracked(acts, src, out)  # ok: missing-mnemonic
        else:
            copy_file(acts, src, out)  # ok: missing-mnemonic (reported inside the helper)
        outs.append(out)

    listing = acts.declare_directory(ctx.label.name + ".d")  # ok: missing-mnemonic (declare_directory)
    if outs:
        # expect: missing-mnemonic
        acts.run_shell(
            inputs = outs,
            outputs = [listing],
            # mnemonic = "StampListing",  (left out on purpose, see #212)
            command = """
set -euo pipefail
dest="$1"
shift
mkdir -p "$dest"
for f in "$@"; do
  cp "$f" "$dest/"
done
""",
            arguments = [listing.path] + [o.path for o in outs],
        )
    else:
        # ok: missing-mnemonic
        acts.run_shell(
            outputs = [listing],
            command = "mkdir -p \"$1\"",
            arguments = [listing.path],
            mnemonic = "StampListing",
        )
    return [DefaultInfo(files = depset(outs + [listing]))]

stamped_files = rule(
    implementation = _stamped_files_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = True),
        "stamp": attr.bool(default = False),
        "link": attr.bool(default = False),
        "track": attr.bool(default = False),
    },
)

LintInfo = provider(
    doc = "Lint reports collected by lint_aspect.",
    fields = {"reports": "depset of report Files"},
)

def _lint_aspect_impl(target, ctx):
    srcs = [f for src in getattr(ctx.rule.attr, "srcs", []) for f in src.files.to_list()]
    reports = []
    for src in srcs:
        report = ctx.actions.declare_file("{}.{}.lint".format(target.label.name, src.basename))
        if src.extension in ("tpl", "in"):
            # expect: missing-mnemonic
            ctx.actions.run(
                executable = ctx.executable._linter,
                arguments = ["--template", src.path, report.path],
                inputs = [src],
                outputs = [report],
            )
        else:
            # ok: missing-mnemonic
            ctx.actions.run(
                executable = ctx.executable._linter,
                arguments = ["--input", src.path, "--output", report.path],
                inputs = [src],
                outputs = [report],
                mnemonic = _LINT_MNEMONIC,
            )
        reports.append(report)

    transitive = [dep[LintInfo].reports for dep in getattr(ctx.rule.attr, "deps", []) if LintInfo in dep]
    return [
        LintInfo(reports = depset(reports, transitive = transitive)),
        OutputGroupInfo(lint_reports = depset(reports, transitive = transitive)),
    ]

lint_aspect = aspect(
    implementation = _lint_aspect_impl,
    attr_aspects = ["deps"],
    attrs = {
        "_linter": attr.label(
            default = "//tools:render",
            executable = True,
            cfg = "exec",
        ),
    },
)
