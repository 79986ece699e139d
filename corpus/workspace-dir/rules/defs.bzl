"""Public entry point for the wsdir fixture rules."""

load(
    "//rules/private:codegen.bzl",
    _config_header = "config_header",
    _source_manifest = "source_manifest",
    _tree_listing = "tree_listing",
    _workspace_stamp = "workspace_stamp",
)
load(
    "//rules/private:launcher.bzl",
    _dev_launcher = "dev_launcher",
    _workspace_runner = "workspace_runner",
)
load(
    "//rules/private:testing.bzl",
    _golden_test = "golden_test",
    _layout_test = "layout_test",
    _script_check_test = "script_check_test",
)
load(
    "//rules/private:wrapper.bzl",
    _templated_render = "templated_render",
    _wrapped_render = "wrapped_render",
)

config_header = _config_header
source_manifest = _source_manifest
tree_listing = _tree_listing
workspace_stamp = _workspace_stamp

dev_launcher = _dev_launcher
workspace_runner = _workspace_runner

golden_test = _golden_test
layout_test = _layout_test
script_check_test = _script_check_test

templated_render = _templated_render
wrapped_render = _wrapped_render
