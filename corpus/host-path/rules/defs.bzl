"""Public API of the packaging rules."""

load("//rules/private:package.bzl", _build_info = "build_info", _release_tarball = "release_tarball", _resource_jar = "resource_jar")
load("//rules/private:testing.bzl", _dev_server = "dev_server", _schema_test = "schema_test")

build_info = _build_info
dev_server = _dev_server
release_tarball = _release_tarball
resource_jar = _resource_jar
schema_test = _schema_test
