"""Repository rules for the host SDKs and generated build metadata.

Nothing here should call rctx.which("git") or read rctx.os.environ unless it has to: what a
repository rule sees on the fetching machine ends up in the build.
"""

_NODE_URL = "https://nodejs.org/dist/v{version}/node-v{version}-{platform}.tar.xz"

_NODE_SHA256 = {
    "darwin-arm64": "fb1a6e8e5a7a1e3c0d9b7f3f2b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8",
    "darwin-x64": "0e9a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e",
    "linux-arm64": "a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9f0",
    "linux-x64": "c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2",
}

_NODE_BUILD = """\
exports_files(["bin/node"])

filegroup(
    name = "node",
    srcs = ["bin/node"],
    visibility = ["//visibility:public"],
)
"""

def _platform(rctx):
    os_name = rctx.os.name.lower()  # ok: repo-rule-ambient (the OS, not its environment)
    arch = "arm64" if rctx.os.arch == "aarch64" else "x64"
    if os_name.startswith("mac"):
        return "darwin-" + arch
    return "linux-" + arch

def _node_toolchain_impl(rctx):
    platform = _platform(rctx)

    # ok: repo-rule-ambient (a pinned download)
    rctx.download_and_extract(
        url = _NODE_URL.format(version = rctx.attr.version, platform = platform),
        sha256 = _NODE_SHA256[platform],
        stripPrefix = "node-v{}-{}".format(rctx.attr.version, platform),
    )
    node = rctx.path("bin/node")
    result = rctx.execute([node, "--version"])  # ok: repo-rule-ambient (the node just downloaded)
    if result.return_code != 0:
        fail("the downloaded node does not run: " + result.stderr)
    rctx.file("BUILD.bazel", _NODE_BUILD)

node_toolchain = repository_rule(
    implementation = _node_toolchain_impl,
    attrs = {"version": attr.string(mandatory = True)},
)

def _git(rctx, *args):
    result = rctx.execute(["git", "-C", str(rctx.workspace_root)] + list(args))  # expect: repo-rule-ambient
    if result.return_code != 0:
        fail("git {} failed: {}".format(" ".join(args), result.stderr))
    return result.stdout.strip()

def _git_metadata_impl(rctx):
    commit = _git(rctx, "rev-parse", "HEAD")
    describe = _git(rctx, "describe", "--tags", "--always", "--dirty")
    user = rctx.os.environ.get("USER", "unknown")  # expect: repo-rule-ambient
    rctx.file("BUILD.bazel", 'exports_files(["metadata.bzl"])\n')
    rctx.file(
        "metadata.bzl",
        "COMMIT = {}\nDESCRIBE = {}\nBUILT_BY = {}\n".format(repr(commit), repr(describe), repr(user)),
    )

git_metadata = repository_rule(
    implementation = _git_metadata_impl,
    environ = ["USER"],  # ok: repo-rule-ambient (a declaration, not a read)
    local = True,
)

def _python_config_impl(repository_ctx):
    python = repository_ctx.which("python3")  # expect: repo-rule-ambient
    if python == None:
        fail("python3 is not on PATH")
    result = repository_ctx.execute([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])  # ok: repo-rule-ambient (which() result)
    repository_ctx.file("version.txt", result.stdout.strip() + "\n")
    repository_ctx.template("BUILD.bazel", repository_ctx.attr._build_tpl)

python_config = repository_rule(
    implementation = _python_config_impl,
    attrs = {"_build_tpl": attr.label(default = "//build_defs:python_config.BUILD.tpl")},
)

def _xcode_version(ctx):
    xcrun = ctx.which("xcrun")  # expect: repo-rule-ambient
    if not xcrun:
        return None
    result = ctx.execute([xcrun, "xcodebuild", "-version"])  # ok: repo-rule-ambient (which() result)
    return result.stdout.splitlines()[0] if result.return_code == 0 else None

def _apple_sdk_impl(ctx):
    if not ctx.os.name.startswith("mac"):
        ctx.file("BUILD.bazel", "# Apple SDKs exist only on macOS hosts.\n")
        return
    developer_dir = ctx.os.environ.get("DEVELOPER_DIR", "")  # expect: repo-rule-ambient
    sw_vers = ctx.execute(["sw_vers", "-productVersion"])  # expect: repo-rule-ambient
    ctx.file("BUILD.bazel", "")
    ctx.file("sdk.bzl", "XCODE = {}\nMACOS = {}\nDEVELOPER_DIR = {}\n".format(
        repr(_xcode_version(ctx)),
        repr(sw_vers.stdout.strip()),
        repr(developer_dir),
    ))

apple_sdk = repository_rule(
    implementation = _apple_sdk_impl,
    local = True,
)

def _mirrored_file_impl(rctx):
    base = rctx.getenv("CORP_ARTIFACT_MIRROR", "https://mirror.example.com")  # expect: repo-rule-ambient
    headers = {}
    if "CORP_MIRROR_TOKEN" in rctx.os.environ:  # expect: repo-rule-ambient
        headers["Authorization"] = ["Bearer " + rctx.os.environ["CORP_MIRROR_TOKEN"]]  # expect: repo-rule-ambient

    # ok: repo-rule-ambient (a pinned download)
    rctx.download(
        url = base + "/" + rctx.attr.path,
        output = "file/" + rctx.attr.path.split("/")[-1],
        sha256 = rctx.attr.sha256,
        headers = headers,
    )
    rctx.file("file/BUILD.bazel", 'exports_files(glob(["*"]))\n')

mirrored_file = repository_rule(
    implementation = _mirrored_file_impl,
    attrs = {
        "path": attr.string(mandatory = True),
        "sha256": attr.string(mandatory = True),
    },
)

def _generated_settings_impl(rctx):
    script = rctx.path(Label("//build_defs:gen_settings.sh"))
    result = rctx.execute([script, "--out", "settings.bzl"])  # ok: repo-rule-ambient (a label's path)
    if result.return_code != 0:
        fail("gen_settings.sh failed: " + result.stderr)
    uname = rctx.execute(["/usr/bin/uname", "-m"])  # ok: repo-rule-ambient (an absolute path, not a PATH lookup)
    rctx.file("BUILD.bazel", 'exports_files(["settings.bzl"])\n# built on {}\n'.format(uname.stdout.strip()))

generated_settings = repository_rule(implementation = _generated_settings_impl)
