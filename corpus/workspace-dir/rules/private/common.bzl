"""Attributes and providers shared by the wsdir fixture rules."""

GeneratedInfo = provider(
    doc = "Files produced by one of the generator rules.",
    fields = {
        "files": "depset of generated files",
    },
)

# The renderer is a declared tool; every rule that shells out to it takes it
# from here so it is built for the exec configuration.
RENDER_ATTRS = {
    "_render": attr.label(
        default = "//tools:render",
        executable = True,
        cfg = "exec",
    ),
}

def generated(out):
    """Returns the providers for a rule that produced a single file."""
    files = depset([out])
    return [
        DefaultInfo(files = files),
        GeneratedInfo(files = files),
    ]
