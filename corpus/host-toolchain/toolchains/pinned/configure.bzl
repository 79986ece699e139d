"""Downloads a pinned zstd: the toolchain's program is a file of the fetched repository."""

_BUILD = """
zstd_toolchain(name = "pinned", zstd = ":bin/zstd")

toolchain(
    name = "pinned_toolchain",
    toolchain = ":pinned",
    toolchain_type = "@com_example_docs//toolchains/pinned:toolchain_type",
)
"""

def _pinned_configure_impl(rctx):
    rctx.download_and_extract(
        url = "https://mirror.example.com/zstd-1.5.6-linux-x86_64.tar.gz",
        sha256 = "8c29e06cf42aacc1eafc4077ae2ec6c6fcb96a626157e0593d5e82a34fd403c1",
    )
    rctx.file("BUILD", _BUILD)

pinned_configure = repository_rule(implementation = _pinned_configure_impl)
