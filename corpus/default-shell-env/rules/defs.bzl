"""Public entry point for the shellenv fixture rules."""

load(
    "//rules/private:compile.bzl",
    _proto_descriptor = "proto_descriptor",
    _proto_lint = "proto_lint",
    _proto_stubs = "proto_stubs",
    _schema_bundle = "schema_bundle",
)
load(
    "//rules/private:package.bzl",
    _checksums = "checksums",
    _concat = "concat",
    _pkg_tar = "pkg_tar",
    _release_notes = "release_notes",
    _vendored_copy = "vendored_copy",
)

proto_descriptor = _proto_descriptor
proto_lint = _proto_lint
proto_stubs = _proto_stubs
schema_bundle = _schema_bundle

checksums = _checksums
concat = _concat
pkg_tar = _pkg_tar
release_notes = _release_notes
vendored_copy = _vendored_copy
