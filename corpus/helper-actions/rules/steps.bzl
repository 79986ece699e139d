"""One helper that every rule of this package runs its shell through."""

def run_step(ctx, command, outputs, mnemonic = None, env_default = False, requirements = {}):
    """Runs `command` as one action. The callers decide mnemonic, environment and pins."""
    ctx.actions.run_shell(  # expect: missing-mnemonic
        outputs = outputs,
        command = command,
        mnemonic = mnemonic,
        use_default_shell_env = env_default,  # expect: default-shell-env
        execution_requirements = requirements,
    )
