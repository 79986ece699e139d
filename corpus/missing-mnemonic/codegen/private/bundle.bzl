"""`render` and `bundle`: template rendering and tarball assembly."""

load(":actions.bzl", "copy_file_tracked", "render_template", "run_packer", "run_renderer")
load(":archive.bzl", "archive_files", "checksum_file", "compress_file", "compress_file_as")

_BUNDLE_MNEMONIC = "CodegenBundle"

# Written next to the bundle and executed by a spawn; only uses tools that are
# part of every executor image.
_MANIFEST_SCRIPT = """\
#!/usr/bin/env bash
set -euo pipefail

readonly out="$1"
shift

log() {{
  printf '[{name}] %s\\n' "$*" >&2
}}

emit() {{
  local path="$1"
  local size
  size="$(wc -c < "$path" | tr -d ' ')"
  printf '%s %s %s\\n' "$(sha256sum "$path" | cut -d' ' -f1)" "$size" "$(basename "$path")"
}}

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT

for f in "$@"; do
  if [[ -s "$f" ]]; then
    emit "$f" >> "$tmp"
  else
    log "skipping empty file $f"
  fi
done

{{
  cat <<EOF
# manifest for {name}
# columns: sha256 size name
EOF
  LC_ALL=C sort -k3 "$tmp"
}} > "$out"
log "wrote $(wc -l < "$out" | tr -d ' ') lines"
"""

def _render_impl(ctx):
    outs = []
    for src in ctx.files.srcs:
        out = ctx.actions.declare_file(src.basename.removesuffix(".in"))
        if ctx.attr.mnemonic:
            # ok: missing-mnemonic (not an actions call)
            run_renderer(
                ctx,
                arguments = ["--input", src.path, "--output", out.path],
                inputs = [src],
                outputs = [out],
                mnemonic = ctx.attr.mnemonic,
            )
        elif ctx.attr.legacy:
            # ok: missing-mnemonic (not an actions call)
            run_renderer(
                ctx,
                arguments = ["--legacy", src.path, out.path],
                inputs = [src],
                outputs = [out],
            )
        else:
            render_template(ctx, src, out)  # ok: missing-mnemonic (reported inside the helper)
        outs.append(out)

    if len(outs) > 1:
        combined = ctx.actions.declare_file(ctx.label.name + ".all.txt")

        # expect: missing-mnemonic
        ctx.actions.run_shell(
            inputs = outs,
            outputs = [combined],
            command = "cat \"$@\" > {}".format(combined.path),
            arguments = [o.path for o in outs],
            progress_message = "Concatenating %{output}",
        )
        outs.append(combined)
    return [DefaultInfo(files = depset(outs))]

render = rule(
    implementation = _render_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".in"]),
        "defines": attr.string_list(),
        "legacy": attr.bool(default = False),
        "mnemonic": attr.string(),
        "_renderer": attr.label(
            default = "//tools:render",
            executable = True,
            cfg = "exec",
        ),
    },
)

def _bundle_impl(ctx):
    actions = ctx.actions
    files = ctx.files.srcs

    # Copy the license next to the payload first.
    license = actions.declare_file(ctx.label.name + "/LICENSE.txt")
    copy_file_tracked(actions, ctx.file.license, license)  # ok: missing-mnemonic

    # Manifest: a generated script run as its own action.
    manifest_script = actions.declare_file(ctx.label.name + ".manifest.sh")

    # ok: missing-mnemonic (write)
    actions.write(
        output = manifest_script,
        content = _MANIFEST_SCRIPT.format(name = ctx.label.name),
        is_executable = True,
    )
    manifest = actions.declare_file(ctx.label.name + ".manifest")

    # ok: missing-mnemonic
    actions.run(
        executable = manifest_script,
        arguments = [manifest.path] + [f.path for f in files],
        inputs = files,
        outputs = [manifest],
        mnemonic = "CodegenManifest",
    )

    # Index: a script rendered from a checked-in template.
    index_script = actions.declare_file(ctx.label.name + ".index.sh")

    # ok: missing-mnemonic (expand_template)
    actions.expand_template(
        template = ctx.file._index_template,
        output = index_script,
        substitutions = {
            "@@BUNDLE_NAME@@": ctx.label.name,
            "@@COMPRESSION@@": ctx.attr.compression,
        },
        is_executable = True,
    )
    index = actions.declare_file(ctx.label.name + ".index")

    # expect: missing-mnemonic
    actions.run(
        executable = index_script,
        arguments = [index.path, manifest.path],
        inputs = [manifest],
        outputs = [index],
        progress_message = "Indexing bundle %{label}",
    )

    # The tarball itself: the packer gets its mnemonic from the caller.
    tarball = actions.declare_file(ctx.label.name + ".tar.gz")
    pack_args = actions.args()  # ok: missing-mnemonic (args)
    pack_args.add("--output", tarball)
    pack_args.add("--compression", ctx.attr.compression)
    pack_args.add_all(files + [license, manifest, index])
    mnemonic = _BUNDLE_MNEMONIC + ctx.attr.compression.capitalize()

    # ok: missing-mnemonic (not an actions call)
    run_packer(
        ctx,
        mnemonic = mnemonic,
        inputs = files + [license, manifest, index],
        outputs = [tarball],
        arguments = [pack_args],
    )

    # Plain archive of the sources plus compressed copies and checksums.
    payload = actions.declare_file(ctx.label.name + ".payload.tar")
    archive_files(ctx, files, payload)  # ok: missing-mnemonic (reported inside the helper)
    payload_gz = actions.declare_file(ctx.label.name + ".payload.tar.gz")
    compress_file(actions, payload, payload_gz)  # ok: missing-mnemonic (reported inside the helper)
    manifest_gz = actions.declare_file(ctx.label.name + ".manifest.gz")
    compress_file_as(actions, manifest, manifest_gz, mnemonic = "CodegenManifestGzip")  # ok: missing-mnemonic
    sums = [checksum_file(ctx, f) for f in (tarball, payload_gz)]  # ok: missing-mnemonic (reported inside the helper)

    # A listing of the tarball, built from a keyword dict.
    listing = actions.declare_file(ctx.label.name + ".tar.txt")
    listing_kwargs = dict(
        inputs = [tarball],
        outputs = [listing],
        command = "tar -tzf \"$1\" | LC_ALL=C sort > \"$2\"",
        arguments = [tarball.path, listing.path],
        mnemonic = "CodegenListing",
    )
    actions.run_shell(**listing_kwargs)  # ok: missing-mnemonic (**kwargs)

    # Sizes report, mnemonic taken from a module constant.
    sizes = actions.declare_file(ctx.label.name + ".sizes")

    # ok: missing-mnemonic
    actions.run_shell(
        mnemonic = _BUNDLE_MNEMONIC,
        inputs = files,
        outputs = [sizes],
        command = "du -k \"$@\" | LC_ALL=C sort -n > {out}".format(out = sizes.path),
        arguments = [f.path for f in files],
    )

    return [DefaultInfo(files = depset([tarball, manifest, index, listing, sizes, payload_gz, manifest_gz] + sums))]

bundle = rule(
    implementation = _bundle_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = True),
        "license": attr.label(allow_single_file = True, mandatory = True),
        "compression": attr.string(default = "gzip", values = ["gzip", "none"]),
        "_index_template": attr.label(
            default = "//codegen/private:index.sh.tpl",
            allow_single_file = True,
        ),
        "_packer": attr.label(
            default = "//tools:pack",
            executable = True,
            cfg = "exec",
        ),
    },
)
