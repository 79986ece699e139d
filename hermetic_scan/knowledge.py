"""What is known about widely used external rules, used only when their source is not available.

Each entry names the ruleset, the action mnemonics its rule registers and whether those actions are
designed to run on a remote executor. Targets resolved through this table carry
`provenance: "knowledge"` in the inventory, so nobody mistakes it for analysis of real source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KnownRule:
    ruleset: str
    mnemonics: tuple[str, ...]
    remote_ok: bool
    test: bool = False
    note: str = ""


# Keyed by (repository apparent name, symbol). Mnemonics are the ones the rulesets' docs and
# `bazel aquery` output show; they are descriptive, not used to match anything.
KNOWN_RULES: dict[tuple[str, str], KnownRule] = {
    ("bazel_skylib", "copy_file"): KnownRule("bazel_skylib", ("CopyFile",), True),
    ("bazel_skylib", "write_file"): KnownRule("bazel_skylib", ("FileWrite",), True),
    ("bazel_skylib", "diff_test"): KnownRule("bazel_skylib", ("TestRunner",), True, test=True),
    ("bazel_skylib", "build_test"): KnownRule("bazel_skylib", ("TestRunner",), True, test=True),
    ("bazel_skylib", "native_binary"): KnownRule("bazel_skylib", ("Symlink",), True),
    ("rules_shell", "sh_binary"): KnownRule("rules_shell", (), True),
    ("rules_shell", "sh_library"): KnownRule("rules_shell", (), True),
    ("rules_shell", "sh_test"): KnownRule("rules_shell", ("TestRunner",), True, test=True),
    ("rules_pkg", "pkg_tar"): KnownRule("rules_pkg", ("PackageTar",), True),
    ("rules_pkg", "pkg_zip"): KnownRule("rules_pkg", ("PackageZip",), True),
    ("rules_pkg", "pkg_files"): KnownRule("rules_pkg", (), True),
    ("rules_python", "py_binary"): KnownRule("rules_python", ("PyZip",), True),
    ("rules_python", "py_library"): KnownRule("rules_python", (), True),
    ("rules_python", "py_test"): KnownRule("rules_python", ("TestRunner",), True, test=True),
    ("aspect_rules_js", "js_library"): KnownRule("aspect_rules_js", ("CopyFile",), True),
    ("aspect_rules_js", "js_binary"): KnownRule("aspect_rules_js", ("CopyFile",), True),
    ("aspect_rules_js", "js_test"): KnownRule("aspect_rules_js", ("TestRunner",), True, test=True),
    ("aspect_rules_js", "js_run_binary"): KnownRule("aspect_rules_js", ("JsRunBinary",), True),
    ("aspect_rules_ts", "ts_project"): KnownRule("aspect_rules_ts", ("TsProject",), True),
    ("rules_oci", "oci_image"): KnownRule("rules_oci", ("OCIImage",), True),
    ("rules_oci", "oci_push"): KnownRule("rules_oci", (), True, note="pushes only under bazel run"),
    ("rules_go", "go_binary"): KnownRule("rules_go", ("GoCompilePkg", "GoLink"), True),
    ("rules_go", "go_library"): KnownRule("rules_go", ("GoCompilePkg",), True),
    ("rules_go", "go_test"): KnownRule("rules_go", ("GoCompilePkg", "GoLink", "TestRunner"), True, test=True),
    ("io_bazel_rules_go", "go_binary"): KnownRule("rules_go", ("GoCompilePkg", "GoLink"), True),
    ("io_bazel_rules_go", "go_library"): KnownRule("rules_go", ("GoCompilePkg",), True),
    ("io_bazel_rules_go", "go_test"): KnownRule(
        "rules_go", ("GoCompilePkg", "GoLink", "TestRunner"), True, test=True
    ),
}


def known_rule(label_text: str, symbol: str) -> KnownRule | None:
    if not label_text.startswith("@"):
        return None
    repo = label_text.lstrip("@").split("//", 1)[0]
    return KNOWN_RULES.get((repo, symbol))


# Native rules with no actions of their own (https://bazel.build/reference/be/overview).
ACTIONLESS_NATIVE = frozenset(
    {
        "filegroup",
        "alias",
        "exports_files",
        "config_setting",
        "test_suite",
        "sh_library",
        "platform",
        "constraint_setting",
        "constraint_value",
        "toolchain",
        "toolchain_type",
        "label_flag",
        "label_setting",
        "package_group",
        "licenses",
        "environment_group",
    }
)
