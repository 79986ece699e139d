"""Public entry point: one macro per OpenTofu module."""

load(":rules.bzl", _tofu_fmt_test = "tofu_fmt_test", _tofu_module = "tofu_module", _tofu_validate = "tofu_validate")

def tofu_module_set(name, srcs, **kwargs):
    """Declares a module, its validation and its formatting test."""
    _tofu_module(name = name, srcs = srcs, **kwargs)
    _tofu_validate(name = name + "_validate", module = ":" + name)
    _tofu_fmt_test(name = name + "_fmt_test", module = ":" + name, size = "small")
