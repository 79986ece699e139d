#!/usr/bin/env python3
"""Write stand-ins for repositories Bazel generates with repository rules (as for Bazel 8.4.2)
under ROOT/<name> (argv[1], default /work/rulesets): cc_compatibility_proxy (rules_cc), compatibility_proxy (rules_java),
bazel_features_version and bazel_features_globals (bazel_features), rules_python_internal."""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/rulesets")
BAZEL = (8, 4, 2)


def extract(path: Path, marker: str, index: int) -> str:
    """The index-th triple-quoted string after `marker` in path."""
    text = path.read_text()
    text = text[text.index(marker) :]
    return re.findall(r'"""(.*?)"""', text, re.S)[index]


def write(name: str, files: dict[str, str]) -> None:
    folder = ROOT / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, content in files.items():
        (folder / file).write_text(content.lstrip("\n"))
    (folder / "MODULE.bazel").write_text(f'module(name = "{name}")\n')


# rules_cc: the `else` branch (Bazel < 9.0.0-pre.20250911): BUILD, proxy.bzl, symbols.bzl
ext = ROOT / "rules_cc/cc/extensions.bzl"
write(
    "cc_compatibility_proxy",
    {
        "BUILD": extract(ext, "    else:\n        rctx.file(", 0),
        "proxy.bzl": extract(ext, "    else:\n        rctx.file(", 1),
        "symbols.bzl": extract(ext, "    else:\n        rctx.file(", 2),
    },
)

# rules_java: the branch for Bazel < 8 is the native one; for Bazel 8 rules_java uses its own
# Starlark rules: read which branch applies.
deps = (ROOT / "rules_java/java/rules_java_deps.bzl").read_text()
strings = re.findall(r'"""(.*?)"""', deps[deps.index("def _compatibility_proxy_repo_impl") :], re.S)
write("compatibility_proxy", {"BUILD.bazel": strings[0], "proxy.bzl": strings[1]})  # Bazel >= 8.0.0 branch

# bazel_features: version.bzl and globals.bzl as the repository rules write them
write(
    "bazel_features_version",
    {
        "BUILD.bazel": 'exports_files(["version.bzl"])\n',
        "version.bzl": "version = '{}.{}.{}'\n".format(*BAZEL),
    },
)
tree = ast.parse((ROOT / "bazel_features/private/globals.bzl").read_text())
globals_ = ast.literal_eval(next(n.value for n in tree.body if isinstance(n, ast.Assign)))


def parse(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version.split("-")[0])[:3]) if version else ()


lines = ["globals = struct("]
for name, (low, high) in globals_.items():
    present = (not low or BAZEL >= parse(low)) and (not high or BAZEL < parse(high))
    value = name if present else "None"
    lines.append(f"    {name} = getattr(getattr(native, 'legacy_globals', None), '{name}', {value}),")
lines.append(")")
write(
    "bazel_features_globals",
    {"BUILD.bazel": 'exports_files(["globals.bzl"])\n', "globals.bzl": "\n".join(lines) + "\n"},
)

# rules_python_internal: Bazel 8, pystar enabled (the default), no deprecation warnings
write(
    "rules_python_internal",
    {
        "BUILD": 'package(default_visibility = ["//visibility:public"])\n',
        "rules_python_config.bzl": """config = struct(
  enable_pystar = True,
  enable_deprecation_warnings = False,
  BuiltinPyInfo = getattr(getattr(native, "legacy_globals", None), "PyInfo", None),
  BuiltinPyRuntimeInfo = getattr(getattr(native, "legacy_globals", None), "PyRuntimeInfo", None),
  BuiltinPyCcLinkParamsProvider = getattr(getattr(native, "legacy_globals", None), "PyCcLinkParamsProvider", None),
)
""",
        "py_internal.bzl": """load("@rules_python//tools/build_defs/python/private:py_internal_renamed.bzl", "py_internal_renamed")
py_internal_impl = py_internal_renamed
""",
    },
)

# aspect_tools_telemetry: the `telemetry` extension's report repository (rules_js & co. load TELEMETRY
# from it and never use it in a rule)
write(
    "aspect_tools_telemetry_report",
    {
        "BUILD.bazel": 'exports_files(["defs.bzl"])\n',
        "defs.bzl": "TELEMETRY = {}\n",
    },
)
