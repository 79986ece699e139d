"""Packaging rules: archives, checksums and release notes."""

load(":actions.bzl", "TOOL_ATTRS", "copy_hermetic", "copy_with_host_env", "run_tool")

def _pkg_tar_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [out],
        arguments = [out.path, ctx.attr.package_dir] + [f.path for f in ctx.files.srcs],
        command = """set -euo pipefail
out="$1"
prefix="$2"
shift 2
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$prefix"
for f in "$@"; do
  cp "$f" "$stage/$prefix/"
done
# --sort and --mtime keep the archive reproducible.
tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$stage" -cf - . | gzip -n > "$out"
""",
        mnemonic = "PkgTar",
        # GNU tar options are taken from the host TAR_OPTIONS, so the host env is kept.
        use_default_shell_env = True,  # expect: default-shell-env
    )
    return [DefaultInfo(files = depset([out]))]

pkg_tar = rule(
    implementation = _pkg_tar_impl,
    doc = "Builds a reproducible tarball. Never sets use_default_shell_env = True on its own.",  # ok: default-shell-env
    attrs = {
        "srcs": attr.label_list(allow_files = True),
        "package_dir": attr.string(default = "."),
    },
)

def _checksum_action(ctx, src, host_env = True):  # ok: default-shell-env
    out = ctx.actions.declare_file(ctx.label.name + "/" + src.basename + ".sha256")
    ctx.actions.run(
        executable = ctx.executable._pack,
        arguments = ["--sha256", src.path, out.path],
        inputs = [src],
        outputs = [out],
        mnemonic = "Checksum",
        use_default_shell_env = host_env,  # expect: default-shell-env
    )
    return out

def _checksums_impl(ctx):
    sums = [_checksum_action(ctx, src) for src in ctx.files.srcs]

    # The combined file is produced hermetically: no use_default_shell_env here.
    combined = ctx.actions.declare_file(ctx.label.name + ".SHA256SUMS")
    ctx.actions.run(  # ok: default-shell-env
        executable = ctx.executable._pack,
        arguments = ["--combine", combined.path] + [f.path for f in sums],
        inputs = sums,
        outputs = [combined],
        env = {"LC_ALL": "C", "TZ": "UTC"},
        mnemonic = "ChecksumCombine",
    )
    return [DefaultInfo(files = depset(sums + [combined]))]

checksums = rule(
    implementation = _checksums_impl,
    attrs = dict(
        TOOL_ATTRS,
        srcs = attr.label_list(allow_files = True),
    ),
)

def _concat_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    if ctx.attr.header:
        header = ctx.actions.declare_file(ctx.label.name + ".header")
        ctx.actions.write(output = header, content = ctx.attr.header + "\n")
        srcs = [header] + ctx.files.srcs
    else:
        srcs = ctx.files.srcs
    if ctx.attr.strip_comments:
        ctx.actions.run_shell(inputs = srcs, outputs = [out], arguments = [out.path] + [f.path for f in srcs], command = 'out="$1"; shift; cat "$@" | grep -v "^#" > "$out"', mnemonic = "ConcatStrip", use_default_shell_env = True)  # expect: default-shell-env
    else:
        ctx.actions.run_shell(  # ok: default-shell-env
            inputs = srcs,
            outputs = [out],
            arguments = [out.path] + [f.path for f in srcs],
            command = 'out="$1"; shift; cat "$@" > "$out"',
            mnemonic = "Concat",
        )
    return [DefaultInfo(files = depset([out]))]

concat = rule(
    implementation = _concat_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = True),
        "header": attr.string(),
        "strip_comments": attr.bool(default = False),
    },
)

def _release_notes_impl(ctx):
    notes = ctx.actions.declare_file(ctx.label.name + ".md")
    changelog = ctx.actions.declare_file(ctx.label.name + ".changelog")

    # run_tool is our helper, not ctx.actions.run: the keyword below is only
    # forwarded, and the helper's own line carries the finding.
    run_tool(
        ctx,
        tool = ctx.executable._gen,
        outputs = [notes],
        inputs = ctx.files.srcs,
        arguments = ["--notes", notes.path] + [f.path for f in ctx.files.srcs],
        mnemonic = "ReleaseNotes",
        use_default_shell_env = True,  # ok: default-shell-env
    )
    run_tool(
        ctx,
        tool = ctx.executable._gen,
        outputs = [changelog],
        inputs = [notes],
        arguments = ["--changelog", changelog.path, notes.path],
        mnemonic = "Changelog",
        use_default_shell_env = False,  # ok: default-shell-env
    )
    return [DefaultInfo(files = depset([notes, changelog]))]

release_notes = rule(
    implementation = _release_notes_impl,
    attrs = dict(
        TOOL_ATTRS,
        srcs = attr.label_list(allow_files = [".md"]),
    ),
)

def _vendored_copy_impl(ctx):
    outs = []
    for src in ctx.files.srcs:
        out = ctx.actions.declare_file(ctx.label.name + "/" + src.basename)
        if ctx.attr.host_copy:
            copy_with_host_env(ctx.actions, src, out)
        else:
            copy_hermetic(ctx.actions, src, out)
        outs.append(out)

    manifest = ctx.actions.declare_file(ctx.label.name + ".MANIFEST")
    ctx.actions.run(
        executable = ctx.executable._pack,
        arguments = ["--manifest", manifest.path] + [f.path for f in outs],
        inputs = outs,
        outputs = [manifest],
        mnemonic = "VendorManifest",
        use_default_shell_env = ctx.attr.use_default_shell_env,  # expect: default-shell-env(info)
    )
    return [DefaultInfo(files = depset(outs + [manifest]))]

vendored_copy = rule(
    implementation = _vendored_copy_impl,
    attrs = dict(
        TOOL_ATTRS,
        srcs = attr.label_list(allow_files = True),
        host_copy = attr.bool(default = False),
        use_default_shell_env = attr.bool(default = True),  # ok: default-shell-env
    ),
)
