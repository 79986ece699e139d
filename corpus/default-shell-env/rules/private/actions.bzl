"""Action helpers shared by the fixture rules."""

TOOL_ATTRS = {
    "_gen": attr.label(
        default = "//tools:gen",
        executable = True,
        cfg = "exec",
    ),
    "_pack": attr.label(
        default = "//tools:pack",
        executable = True,
        cfg = "exec",
    ),
}

def run_tool(ctx, tool, outputs, inputs = [], arguments = [], mnemonic = "RunTool", use_default_shell_env = False):  # ok: default-shell-env
    """Runs `tool` as a build action.

    Callers should leave use_default_shell_env = True for tools that really
    need the host PATH; everything else stays hermetic.

    Args:
      ctx: the rule context.
      tool: the File or FilesToRunProvider to execute.
      outputs: declared output files.
      inputs: input files.
      arguments: command line arguments.
      mnemonic: the action mnemonic.
      use_default_shell_env: whether the action inherits the host environment.
    """
    ctx.actions.run(
        executable = tool,
        arguments = arguments,
        inputs = inputs,
        outputs = outputs,
        mnemonic = mnemonic,
        use_default_shell_env = use_default_shell_env,  # expect: default-shell-env
    )

def copy_with_host_env(actions, src, out):
    """Copies `src` to `out` with the host shell environment (for cp wrappers on PATH)."""
    actions.run_shell(
        inputs = [src],
        outputs = [out],
        arguments = [src.path, out.path],
        command = 'cp -f "$1" "$2"',
        mnemonic = "HostCopy",
        use_default_shell_env = True,  # expect: default-shell-env
    )

def copy_hermetic(actions, src, out):
    """Same as copy_with_host_env, with a fixed environment."""
    actions.run_shell(
        inputs = [src],
        outputs = [out],
        arguments = [src.path, out.path],
        command = 'cp -f "$1" "$2"',
        env = {"LC_ALL": "C"},
        mnemonic = "HermeticCopy",
        use_default_shell_env = False,  # ok: default-shell-env
    )
