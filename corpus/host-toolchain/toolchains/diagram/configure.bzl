"""Points the diagram toolchain at the host's Graphviz."""

_BUILD = """
load("@com_example_docs//toolchains/diagram:diagram_toolchain.bzl", "diagram_toolchain")

diagram_toolchain(name = "host_dot", dot = "{dot}")

toolchain(
    name = "host_dot_toolchain",
    toolchain = ":host_dot",
    toolchain_type = "@com_example_docs//toolchains/diagram:toolchain_type",
)
"""

def _diagram_configure_impl(repository_ctx):
    dot = repository_ctx.which("dot")  # expect: repo-rule-ambient
    content = _BUILD.format(dot = dot)
    repository_ctx.file("BUILD", content)

diagram_configure = repository_rule(implementation = _diagram_configure_impl, local = True)
