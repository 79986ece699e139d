"""Action helpers shared by the codegen rules and the lint aspect.

Each helper takes either the rule context (`ctx`) or just `ctx.actions`, so it
can be called from rule and aspect implementations alike. A call such as
ctx.actions.run() mentioned in this docstring is text, not an action.
"""

_COPY_COMMAND = """\
set -euo pipefail
src="$1"
dst="$2"
mkdir -p "$(dirname "$dst")"
cp -f "$src" "$dst"
chmod u+w "$dst"
"""

_STAMP_COMMAND = """\
set -euo pipefail

stamp_value() {{
  local key="$1"
  local file
  for file in {status_files}; do
    if [[ -f "$file" ]]; then
      grep -E "^${{key}} " "$file" | cut -d' ' -f2- || true
    fi
  done
}}

version="$(stamp_value STABLE_VERSION)"
if [[ -z "$version" ]]; then
  version="0.0.0-dev"
fi
sed -e "s/@VERSION@/$version/g" "{src}" > "{out}"
"""

def copy_file(actions, src, out):
    """Copies `src` to `out` with a shell action.

    Args:
      actions: the `ctx.actions` object of the calling rule.
      src: the File to copy.
      out: the declared output File.
    """

    # expect: missing-mnemonic
    actions.run_shell(
        inputs = [src],
        outputs = [out],
        command = _COPY_COMMAND,
        arguments = [src.path, out.path],
        progress_message = "Copying %{input} to %{output}",
    )

def copy_file_tracked(actions, src, out):
    """Same as copy_file, but with its own mnemonic so it can be tuned in .bazelrc."""

    # ok: missing-mnemonic
    actions.run_shell(
        inputs = [src],
        outputs = [out],
        command = _COPY_COMMAND,
        arguments = [src.path, out.path],
        mnemonic = "CodegenCopy",
        progress_message = "Copying %{input} to %{output}",
    )

def link_file(actions, src, out):
    """Symlinks `out` to `src`; symlinks are not spawns and need no mnemonic."""

    # ok: missing-mnemonic (symlink is never flagged)
    actions.symlink(
        output = out,
        target_file = src,
        progress_message = "Linking %{output}",
    )

def render_template(ctx, src, out):
    """Runs the renderer over one template file.

    Args:
      ctx: the rule context; needs `_renderer` and `defines` attributes.
      src: the template File.
      out: the declared output File.
    """
    args = ctx.actions.args()  # ok: missing-mnemonic (args is never flagged)
    args.add("--input", src)
    args.add("--output", out)
    args.add_all(ctx.attr.defines, format_each = "--define=%s")

    # expect: missing-mnemonic
    ctx.actions.run(
        executable = ctx.executable._renderer,
        arguments = [args],
        inputs = [src],
        outputs = [out],
        progress_message = "Rendering %{output}",
    )

def run_renderer(ctx, **kwargs):
    """Runs the renderer with whatever the caller passes, mnemonic included."""

    # ok: missing-mnemonic (forwards **kwargs)
    ctx.actions.run(
        executable = ctx.executable._renderer,
        toolchain = None,
        **kwargs
    )

def run_packer(ctx, mnemonic, inputs, outputs, arguments):
    """Runs the packer; the caller names the action."""

    # ok: missing-mnemonic (dynamic mnemonic)
    ctx.actions.run(
        executable = ctx.executable._packer,
        arguments = arguments,
        inputs = inputs,
        outputs = outputs,
        mnemonic = mnemonic,
    )

def stamp_file(ctx, src, out):
    """Replaces @VERSION@ in `src` with the workspace status version."""
    actions = ctx.actions
    status_files = [ctx.info_file, ctx.version_file]  # expect: stamped-action

    # expect: missing-mnemonic
    actions.run_shell(
        inputs = [src] + status_files,
        outputs = [out],
        command = _STAMP_COMMAND.format(
            status_files = " ".join([f.path for f in status_files]),
            src = src.path,
            out = out.path,
        ),
        progress_message = "Stamping %{output}",
    )
