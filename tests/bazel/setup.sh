#!/usr/bin/env bash
# Offline set-up for Debian's Bazel 4.2.3 (packages bazel-bootstrap and bazel-rules-java; see
# tests/bazel/install.sh). Bazel 4.2.3 tries to download a few repositories even for a workspace with
# only custom Starlark rules, genrule, sh_binary and sh_test; this script writes local stand-ins for
# them and a bazelrc fragment that points Bazel at them.
#
# Usage: tests/bazel/setup.sh DIR
#   Writes DIR/remote_coverage_tools, DIR/rules_cc and DIR/offline.bazelrc, and prints the absolute path
#   of DIR/offline.bazelrc on stdout. Pass it as `bazel --bazelrc=FRAGMENT <command> ...`.
#
# Stand-ins:
#   @remote_coverage_tools  every test rule has an implicit dependency on its coverage tools
#                           (coverage_report_generator, lcov_merger); we provide no-op scripts.
#   @rules_cc               @bazel_tools refers to @rules_cc//cc:defs.bzl; Debian's copy does not match
#                           4.2.3, so the stand-in forwards every symbol to the native cc rules.
#   @rules_java             Debian's bazel-rules-java, /usr/share/bazel/rules/java (used as is).
set -euo pipefail

dir=${1:?usage: tests/bazel/setup.sh DIR}
java_rules=/usr/share/bazel/rules/java

command -v bazel >/dev/null 2>&1 || { echo "setup.sh: bazel is not installed (run tests/bazel/install.sh)" >&2; exit 1; }
[[ -f "$java_rules/WORKSPACE" ]] || { echo "setup.sh: $java_rules missing (apt-get install bazel-rules-java)" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)   # --override_repository needs an absolute path

# @remote_coverage_tools
cov="$dir/remote_coverage_tools"
mkdir -p "$cov"
: > "$cov/WORKSPACE"
cat > "$cov/noop.sh" <<'SH'
#!/bin/sh
# Stand-in for Bazel's coverage tools: offline tests do not collect coverage.
exit 0
SH
chmod 0755 "$cov/noop.sh"
cat > "$cov/BUILD" <<'BUILD'
package(default_visibility = ["//visibility:public"])

sh_binary(
    name = "coverage_report_generator",
    srcs = ["noop.sh"],
)

filegroup(
    name = "lcov_merger",
    srcs = ["noop.sh"],
)

filegroup(
    name = "coverage_output_generator",
    srcs = ["noop.sh"],
)
BUILD

# @rules_cc
cc="$dir/rules_cc"
mkdir -p "$cc/cc"
: > "$cc/WORKSPACE"
: > "$cc/BUILD"
cat > "$cc/cc/BUILD" <<'BUILD'
package(default_visibility = ["//visibility:public"])

alias(
    name = "toolchain_type",
    actual = "@bazel_tools//tools/cpp:toolchain_type",
)
BUILD
{
  echo '"""Stand-in for rules_cc: forwards to the native rules of Bazel 4.2.3."""'
  for sym in cc_binary cc_import cc_library cc_proto_library cc_shared_library cc_test \
             cc_toolchain cc_toolchain_suite fdo_prefetch_hints fdo_profile objc_import objc_library; do
    echo "$sym = getattr(native, \"$sym\", None)"
  done
} > "$cc/cc/defs.bzl"

# The fragment.
tmp="$dir/offline.bazelrc.tmp.$$"
cat > "$tmp" <<RC
# Written by tests/bazel/setup.sh: run Debian's Bazel 4.2.3 with no network.
common --override_repository=remote_coverage_tools=$cov
common --override_repository=rules_cc=$cc
common --override_repository=rules_java=$java_rules
RC
mv -f "$tmp" "$dir/offline.bazelrc"
echo "$dir/offline.bazelrc"
