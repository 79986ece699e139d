"""Archive and compression helpers used by the bundle rule."""

def archive_files(ctx, srcs, out):
    """Packs `srcs` into an uncompressed tarball with the packer tool.

    Args:
      ctx: the rule context; needs a `_packer` attribute.
      srcs: list of Files to pack.
      out: the declared .tar File.
    """

    # expect: missing-mnemonic
    ctx.actions.run(
        executable = ctx.executable._packer,
        arguments = ["--output", out.path, "--compression", "none", "--"] + [f.path for f in srcs],
        inputs = srcs,
        outputs = [out],
        progress_message = "Archiving %{output}",
    )

def compress_file(actions, src, out, level = 6):
    """Gzips `src` into `out`.

    Args:
      actions: `ctx.actions` of the calling rule.
      src: the File to compress.
      out: the declared .gz File.
      level: gzip compression level.
    """

    # expect: missing-mnemonic
    actions.run_shell(
        inputs = [src],
        outputs = [out],
        command = "gzip -n -{level} -c \"$1\" > \"$2\"".format(level = level),
        arguments = [src.path, out.path],
    )

def compress_file_as(actions, src, out, mnemonic = "CodegenGzip"):
    """Same as compress_file, under a caller-chosen mnemonic.

    Args:
      actions: `ctx.actions` of the calling rule.
      src: the File to compress.
      out: the declared .gz File.
      mnemonic: the action mnemonic.
    """

    # ok: missing-mnemonic (dynamic mnemonic)
    actions.run_shell(
        inputs = [src],
        outputs = [out],
        command = "gzip -n -9 -c \"$1\" > \"$2\"",
        arguments = [src.path, out.path],
        mnemonic = mnemonic,
    )

def checksum_file(ctx, src):
    """Writes `<src>.sha256` next to the rule's outputs and returns it.

    Args:
      ctx: the rule context.
      src: the File to hash.

    Returns:
      The declared checksum File.
    """
    out = ctx.actions.declare_file(src.basename + ".sha256")

    # expect: missing-mnemonic
    ctx.actions.run_shell(
        inputs = [src],
        outputs = [out],
        command = """\
set -euo pipefail
sum="$(sha256sum "$1" | cut -d' ' -f1)"
if [[ -z "$sum" ]]; then
  echo "empty checksum for $1" >&2
  exit 1
fi
printf '%s  %s\\n' "$sum" "$(basename "$1")" > "$2"
""",
        arguments = [src.path, out.path],
    )
    return out
