"""Packaging rules: release tarballs, build info and Java resource jars.

Older versions copied the notice from /usr/local/share/release/NOTICE; see CHANGELOG.
"""

def _release_tarball_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [out],
        command = """\
set -euo pipefail
stage="$(mktemp -d /tmp/release.XXXXXX)"  # ok: host-path (/tmp)
trap 'rm -rf "$stage"' EXIT
export PATH="/opt/release-tools/bin:$PATH"  # expect: host-path
signer=/usr/local/bin/release-sign  # ok: host-path (run below: an ambient-tool finding there)
umask_file="$stage/.umask"  # ok: host-path (inside the stage)
for f in {srcs}; do
  install -m 0644 "$f" "$stage/"
done
cp ~/.config/release/NOTICE "$stage/NOTICE"  # expect: host-path
install -m 0644 "$HOME/.config/release/VERSION" "$stage/VERSION"  # expect: host-path
cp external/corp_branding/LICENSE "$stage/LICENSE"  # ok: host-path (relative)
"$signer" --check "$stage/NOTICE"  # expect: ambient-tool
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "{out}" -C "$stage" .
""".format(
            out = out.path,
            srcs = " ".join([f.path for f in ctx.files.srcs]),
        ),
        mnemonic = "ReleaseTarball",
        progress_message = "Packing %{output}",
    )
    return [DefaultInfo(files = depset([out]))]

release_tarball = rule(
    implementation = _release_tarball_impl,
    attrs = {"srcs": attr.label_list(allow_files = True, mandatory = True)},
)

_GEN_BUILD_INFO = """\
#!/bin/bash
set -euo pipefail
out="$1"
{
  echo "build.user=${USER:-unknown}"
  echo "build.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  if [ -r "${HOME}/.config/release/channel" ]; then  # expect: host-path
    printf 'build.channel=%s\\n' "$(cat ${HOME}/.config/release/channel)"  # expect: host-path
  fi
  grep -m1 '^VERSION_ID=' /etc/os-release  # ok: host-path (/etc)
} > "$out"
"""

def _build_info_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + "_gen.sh")
    ctx.actions.write(
        output = script,
        content = _GEN_BUILD_INFO,
        is_executable = True,
    )
    out = ctx.actions.declare_file(ctx.label.name + ".properties")
    ctx.actions.run(
        executable = script,
        arguments = [out.path],
        outputs = [out],
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",  # expect: host-path
            "TMPDIR": "/tmp",  # ok: host-path
        },
        mnemonic = "BuildInfo",
    )
    return [DefaultInfo(files = depset([out]))]

build_info = rule(implementation = _build_info_impl)

def _resource_jar_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".jar")
    manifest = ctx.actions.declare_file(ctx.label.name + ".MF")
    ctx.actions.write(manifest, "Manifest-Version: 1.0\nCreated-By: resource_jar\n")
    ctx.actions.run_shell(
        inputs = ctx.files.resources + [manifest],
        outputs = [out],
        command = '"$JAVA_HOME/bin/jar" cfm "$1" "$2" "${@:3}"',
        arguments = [out.path, manifest.path] + [f.path for f in ctx.files.resources],
        env = {
            "JAVA_HOME": "/opt/corp/jdk-17.0.9",  # expect: host-path
            "LC_ALL": "C.UTF-8",
        },
        mnemonic = "ResourceJar",
    )
    return [DefaultInfo(files = depset([out]))]

resource_jar = rule(
    implementation = _resource_jar_impl,
    attrs = {"resources": attr.label_list(allow_files = True)},
)
