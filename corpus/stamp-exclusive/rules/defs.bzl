"""Public API: stamping rules and test rules."""

load("//rules/private:stamp.bzl", _build_info = "build_info", _release_tarball = "release_tarball", _version_header = "version_header")
load("//rules/private:testing.bzl", _integration_test = "integration_test", _smoke_test = "smoke_test")

build_info = _build_info
integration_test = _integration_test
release_tarball = _release_tarball
smoke_test = _smoke_test
version_header = _version_header
