"""Public API of the OpenTofu rules."""

load("//rules/private:plan.bzl", _tofu_plan = "tofu_plan")
load(
    "//rules/private:testing.bzl",
    _tofu_apply = "tofu_apply",
    _tofu_conformance_test = "tofu_conformance_test",
    _tofu_smoke_test = "tofu_smoke_test",
)
load("//rules/private:validate.bzl", _tofu_lint = "tofu_lint", _tofu_validate = "tofu_validate")

tofu_apply = _tofu_apply
tofu_conformance_test = _tofu_conformance_test
tofu_lint = _tofu_lint
tofu_plan = _tofu_plan
tofu_smoke_test = _tofu_smoke_test
tofu_validate = _tofu_validate
