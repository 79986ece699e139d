"""Test rules (`bazel test`) and the publish launcher (`bazel run`)."""

def _runfiles_dir(f):
    """The directory of a file, as seen from the test's runfiles root."""
    return f.short_path.rpartition("/")[0]

_CHART_TEST = """\
#!/usr/bin/env bash
set -euo pipefail

readonly CHART="{chart}"
readonly VALUES="{values}"
readonly WORK="${{TEST_TMPDIR:?}}/chart"

fail() {{
  echo "FAIL: $*" >&2
  exit 1
}}

refresh_repos() {{
  helm repo add bitnami https://charts.bitnami.com/bitnami --force-update  # expect: ambient-tool, network-access
  helm repo update bitnami  # expect: ambient-tool, network-access
}}

mkdir -p "$WORK"
cp -R "$CHART/." "$WORK/"
refresh_repos
helm dependency build "$WORK" || fail "dependencies of $CHART"  # expect: ambient-tool, network-access
helm lint --strict "$WORK" -f "$VALUES"  # expect: ambient-tool
helm template smoke "$WORK" -f "$VALUES" > "$WORK/rendered.yaml"  # expect: ambient-tool
# ok: network-access (lint and template render the local chart)
grep -q 'kind: Deployment' "$WORK/rendered.yaml" || fail "no Deployment rendered"

# Server-side validation against whatever cluster the current kube context points at.
kubectl apply --dry-run=server -f "$WORK/rendered.yaml"  # expect: ambient-tool, network-access
echo "PASS"
"""

def _chart_test_impl(ctx):
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = executable,
        content = _CHART_TEST.format(
            chart = _runfiles_dir(ctx.file.chart_yaml),
            values = ctx.file.values.short_path,
        ),
        is_executable = True,
    )
    return [DefaultInfo(
        executable = executable,
        runfiles = ctx.runfiles(files = ctx.files.srcs + [ctx.file.chart_yaml, ctx.file.values]),
    )]

chart_test = rule(
    implementation = _chart_test_impl,
    attrs = {
        "chart_yaml": attr.label(allow_single_file = ["Chart.yaml"], mandatory = True),
        "srcs": attr.label_list(allow_files = True),
        "values": attr.label(allow_single_file = [".yaml"], mandatory = True),
    },
    test = True,
)

def _deps_test_impl(ctx):
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = executable,
        substitutions = {
            "%{crate_dir}": _runfiles_dir(ctx.file.cargo_lock),
            "%{image}": ctx.attr.image,
            "%{package_dir}": _runfiles_dir(ctx.file.package_json),
        },
        is_executable = True,
    )
    return [DefaultInfo(
        executable = executable,
        runfiles = ctx.runfiles(files = ctx.files.srcs + [ctx.file.package_json, ctx.file.cargo_lock]),
    )]

deps_test = rule(
    implementation = _deps_test_impl,
    attrs = {
        "cargo_lock": attr.label(allow_single_file = ["Cargo.lock"], mandatory = True),
        "image": attr.string(mandatory = True),
        "package_json": attr.label(allow_single_file = ["package.json"], mandatory = True),
        "srcs": attr.label_list(allow_files = True),
        "_template": attr.label(
            default = "//rules/private:deps_test.sh.tpl",
            allow_single_file = True,
        ),
    },
    test = True,
)

_PUBLISH = """\
#!/usr/bin/env bash
# `bazel run` launcher: pushes the image and tells the cluster. Runs on the developer's machine.
set -euo pipefail

readonly IMAGE="{image}"
readonly TARBALL="{tarball}"

docker load --input "$TARBALL"  # ok: ambient-tool (launcher context)
docker push "$IMAGE"  # ok: network-access (launcher context)
gcloud auth configure-docker --quiet europe-docker.pkg.dev  # ok: network-access (launcher context)
aws ecr get-login-password | docker login --username AWS --password-stdin "${{IMAGE%%/*}}"  # ok: network-access
kubectl set image deployment/web web="$IMAGE"  # ok: network-access (launcher context)
curl -fsS -X POST --data "deployed $IMAGE" "${{SLACK_WEBHOOK:?}}"  # ok: network-access (launcher context)
"""

def _publish_impl(ctx):
    launcher = ctx.actions.declare_file(ctx.label.name + ".publish.sh")
    ctx.actions.write(
        output = launcher,
        content = _PUBLISH.format(
            image = ctx.attr.image,
            tarball = ctx.file.tarball.short_path,
        ),
        is_executable = True,
    )
    return [DefaultInfo(
        executable = launcher,
        runfiles = ctx.runfiles(files = [ctx.file.tarball]),
    )]

publish = rule(
    implementation = _publish_impl,
    attrs = {
        "image": attr.string(mandatory = True),
        "tarball": attr.label(allow_single_file = [".tar"], mandatory = True),
    },
    executable = True,
)
