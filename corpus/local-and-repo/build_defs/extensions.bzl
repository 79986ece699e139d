"""Module extensions: they run where Bazel resolves the module graph, like repository rules."""

load(":repositories.bzl", "mirrored_file")

def _toolchain_versions(module_ctx):
    node = module_ctx.which("node")  # expect: repo-rule-ambient
    if node == None:
        return {}
    result = module_ctx.execute([node, "--version"])  # ok: repo-rule-ambient (which() result)
    return {"node": result.stdout.strip().lstrip("v")}

def _host_tools_impl(module_ctx):
    versions = _toolchain_versions(module_ctx)
    for mod in module_ctx.modules:
        for pin in mod.tags.pin:
            mirrored_file(name = pin.name, path = pin.path, sha256 = pin.sha256)  # ok: repo-rule-ambient (a pinned download)
    return module_ctx.extension_metadata(reproducible = not versions)

host_tools = module_extension(
    implementation = _host_tools_impl,
    tag_classes = {"pin": tag_class(attrs = {
        "name": attr.string(),
        "path": attr.string(),
        "sha256": attr.string(),
    })},
)

def _release_info_impl(mctx):
    branch = mctx.execute(["git", "rev-parse", "--abbrev-ref", "HEAD"])  # expect: repo-rule-ambient
    channel = mctx.getenv("RELEASE_CHANNEL", "dev")  # expect: repo-rule-ambient
    arch = mctx.os.arch  # ok: repo-rule-ambient (the host's architecture, not its environment)
    if "CI" in mctx.os.environ:  # expect: repo-rule-ambient
        channel = "ci-" + channel
    mirrored_file(name = "release_notes", path = "notes/{}/{}.md".format(channel, arch), sha256 = "0" * 64)
    return None if branch.return_code else None

release_info = module_extension(implementation = _release_info_impl)

def _required_tools_impl(module_ctx):
    missing = []
    for mod in module_ctx.modules:
        for tool in mod.tags.tool:
            if module_ctx.which(tool.name) == None:  # expect: repo-rule-ambient
                missing.append(tool.name)
    if missing:
        fail("missing on this machine: " + ", ".join(missing))

required_tools = module_extension(
    implementation = _required_tools_impl,
    tag_classes = {"tool": tag_class(attrs = {"name": attr.string()})},
)
