"""Public API: proto lint and codegen actions, integration tests, the dev server launcher."""

load("//rules/private:lint.bzl", _proto_codegen = "proto_codegen", _proto_lint = "proto_lint")
load("//rules/private:testing.bzl", _dev_server = "dev_server", _integration_test = "integration_test")

dev_server = _dev_server
integration_test = _integration_test
proto_codegen = _proto_codegen
proto_lint = _proto_lint
