"""Bazel's native rules, and the rulesets that now hold what used to be native rules."""

from __future__ import annotations

from hermetic_scan.labels import repository_of
from hermetic_scan.workspace import Repository

_CC_RULES = frozenset({"cc_binary", "cc_library", "cc_test", "cc_import", "cc_shared_library"})
_JAVA_RULES = frozenset(
    {
        "java_binary",
        "java_library",
        "java_test",
        "java_import",
        "java_plugin",
        "java_toolchain",
        "java_runtime",
        "java_package_configuration",
    }
)
# Rulesets that now hold what used to be native rules (https://bazel.build/reference/be/overview lists
# the native ones; https://github.com/bazelbuild/rules_shell and its siblings say they move there, and
# Bazel 8 needs the load). A rule loaded from one of them is the native rule it stands for, whether or
# not the ruleset's source is on disk: its script in `srcs` is analyzed and its verdict is the native
# rule's.
NATIVE_STAND_INS: dict[str, frozenset[str]] = {
    "rules_shell": frozenset({"sh_test", "sh_binary", "sh_library"}),
    "rules_cc": _CC_RULES,
    "rules_python": frozenset({"py_binary", "py_library", "py_test"}),
    "rules_java": _JAVA_RULES,
    # The repositories rules_cc and rules_java generate to pick the native rule or their own Starlark
    # one by Bazel version (`@cc_compatibility_proxy//:proxy.bzl`, `@compatibility_proxy//:proxy.bzl`):
    # the rulesets' own .bzl files load their rules from there, so with the ruleset's source present
    # and the generated repository absent, what the proxy hands out is still the native rule.
    # (rules_cc's own `cc_toolchain` is also a newer, rule-based macro of the same name: not native.)
    "cc_compatibility_proxy": _CC_RULES | {"cc_toolchain"},
    "compatibility_proxy": _JAVA_RULES,
    "rules_proto": frozenset({"proto_library"}),
    "protobuf": frozenset({"proto_library"}),
    "com_google_protobuf": frozenset({"proto_library"}),
}


def stands_in_for_native(label_text: str, symbol: str, loading_repo: Repository) -> bool:
    """Whether `symbol` loaded from `label_text` is a native rule kept in a ruleset.

    `@rules_shell+`, `@rules_shell~` and `@rules_shell~0.4.0` are Bazel's canonical names of one
    repository (https://bazel.build/external/module#repository_names_and_strict_deps); a label with no
    repository, inside the ruleset's own repository, names it too.
    """
    if label_text.startswith("@"):
        repo = repository_of(label_text)
        for separator in ("+", "~"):
            repo = repo.split(separator, 1)[0]
    else:
        repo = loading_repo.module_name or loading_repo.name
    return symbol in NATIVE_STAND_INS.get(repo, ())


# Native rules whose actions run tools of Bazel's own toolchains (compilers, linkers, protoc) or Bazel
# itself (genquery, starlark_doc_extract): what the built-in rules do is known, not read from source.
TOOLCHAIN_NATIVE = frozenset(
    {
        "cc_library",
        "cc_binary",
        "cc_test",
        "cc_import",
        "cc_shared_library",
        "java_library",
        "java_binary",
        "java_test",
        "java_import",
        "py_library",
        "py_binary",
        "py_test",
        "proto_library",
        "cc_proto_library",
        "java_proto_library",
        "java_lite_proto_library",
        "java_plugin",
        "genquery",
        "starlark_doc_extract",
    }
)


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
        # Constraint environments for compatible_with / restricted_to: a native rule Bazel keeps
        # undocumented (https://github.com/bazelbuild/bazel/issues/10849), with no action.
        "environment",
        # Extra actions (https://bazel.build/reference/be/extra-actions): an action_listener "doesn't
        # produce any output itself"; an extra_action's `cmd` runs only beside the actions a listener
        # named by --experimental_action_listener picks, and is read as a genrule's (model).
        "action_listener",
        "extra_action",
        # Toolchain and runtime declarations: providers for other rules' actions, none of their own.
        "java_toolchain",
        "java_runtime",
        "java_package_configuration",
        "cc_toolchain",
        "cc_toolchain_suite",
        "proto_lang_toolchain",
        "py_runtime",
        # testing.analysis_test (https://bazel.build/rules/lib/toplevel/testing#analysis_test): its
        # assertions run during analysis; its test action only reports the result.
        "analysis_test",
    }
)

# Rules Bazel provides without a load (https://bazel.build/reference/be/overview): those above, and
# the ones whose work the model reads from their attributes (a genrule's command, an sh_* script).
# Some were native until Bazel 8 moved them to rulesets (autoloaded there): Bazel 7 workspaces call
# cc_proto_library, java_plugin and the toolchain declarations bare.
NATIVE_RULES = (TOOLCHAIN_NATIVE | ACTIONLESS_NATIVE | {"genrule", "sh_test", "sh_binary"}) - {
    "analysis_test"
}
