"""Finds bash: every worker image has it at the same place (the executor profile says so)."""

def _shell_configure_impl(rctx):
    bash = rctx.which("bash")  # expect: repo-rule-ambient
    rctx.file("BUILD", """
toolchain(
    name = "host_bash_toolchain",
    toolchain = ":host_bash",
    toolchain_type = "@com_example_docs//toolchains/shell:toolchain_type",
)
""" + "shell_toolchain(name = \"host_bash\", path = \"%s\")\n" % bash)

shell_configure = repository_rule(implementation = _shell_configure_impl, local = True)
