"""Public API of the codegen rules.

Users load everything from here; nothing in this file creates actions.
"""

load("//codegen/private:bundle.bzl", _bundle = "bundle", _render = "render")
load(
    "//codegen/private:rules.bzl",
    _checksums = "checksums",
    _config_header = "config_header",
    _lint_aspect = "lint_aspect",
    _stamped_files = "stamped_files",
)

bundle = _bundle
checksums = _checksums
config_header = _config_header
lint_aspect = _lint_aspect
render = _render
stamped_files = _stamped_files
