"""Mirroring rules: a written script (git_mirror) and a template (provider_mirror), run as actions."""

_GIT_MIRROR = """\
#!/usr/bin/env bash
# Usage: mirror.sh OUT_TAR REMOTE REF ARCHIVE_URL
set -euo pipefail

readonly out="$1" remote="$2" ref="$3" archive_url="$4"
readonly dest="$(mktemp -d)"

log() {
  echo "[git_mirror] $*" >&2
}

download() {
  local url="$1" target="$2"
  wget --quiet --tries=3 --output-document="$target" "$url"  # expect: ambient-tool, network-access
}

env GIT_TERMINAL_PROMPT=0 git ls-remote --exit-code "$remote" "$ref" > /dev/null  # expect: ambient-tool, network-access
timeout 300 git clone --depth 1 --branch "$ref" "$remote" "$dest/src"  # expect: ambient-tool, network-access
git -C "$dest/src" fetch --depth 1 origin "refs/tags/$ref:refs/tags/$ref" || log "no tag $ref"  # expect: ambient-tool, network-access
commit="$(git -C "$dest/src" rev-parse HEAD)"  # expect: ambient-tool
git -C "$dest/src" log -1 --format=%cI > "$dest/src/.mirror-date"  # expect: ambient-tool
# ok: network-access (rev-parse and log only read the local clone)

[ -f "$dest/src/.gitmodules" ] || download "$archive_url" "$dest/extra.tar.gz"  # ok: network-access (calls a function)

# The notes written below name the commands a developer would use; they run nothing.
# ok: network-access (heredoc body is text)
cat > "$dest/src/MIRROR.md" <<EOF
Mirrored from $remote at $commit.
To refresh by hand: curl -fsSLO $archive_url, or git pull in a checkout.
EOF
echo 'offline copy: do not run "git pull" or "curl" here' >> "$dest/src/MIRROR.md"  # ok: network-access (single-quoted text)

log "mirrored $remote@$commit"
tar -C "$dest/src" --exclude=.git -czf "$out" .
rm -rf "$dest"
"""

def _git_mirror_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".mirror.sh")
    ctx.actions.write(output = script, content = _GIT_MIRROR, is_executable = True)
    out = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    ctx.actions.run(
        executable = script,
        arguments = [out.path, ctx.attr.remote, ctx.attr.ref, ctx.attr.archive_url],
        outputs = [out],
        mnemonic = "GitMirror",
        progress_message = "Mirroring %s" % ctx.attr.remote,
    )
    return [DefaultInfo(files = depset([out]))]

git_mirror = rule(
    implementation = _git_mirror_impl,
    attrs = {
        "archive_url": attr.string(),
        "ref": attr.string(default = "main"),
        "remote": attr.string(mandatory = True),
    },
)

def _provider_mirror_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".providers.sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        substitutions = {
            "%{module_dir}": ctx.file.lock.dirname,
            "%{offline}": "1" if ctx.files.plugins else "0",
        },
        is_executable = True,
    )
    out = ctx.actions.declare_directory(ctx.label.name + "_providers")
    ctx.actions.run(
        executable = script,
        arguments = [out.path] + [f.path for f in ctx.files.plugins],
        inputs = [ctx.file.lock] + ctx.files.srcs + ctx.files.plugins,
        outputs = [out],
        mnemonic = "TofuProviders",
    )
    return [DefaultInfo(files = depset([out]))]

provider_mirror = rule(
    implementation = _provider_mirror_impl,
    attrs = {
        "lock": attr.label(allow_single_file = [".hcl"], mandatory = True),
        "plugins": attr.label_list(allow_files = True),
        "srcs": attr.label_list(allow_files = [".tf"]),
        "_template": attr.label(
            default = "//rules/private:providers.sh.tpl",
            allow_single_file = True,
        ),
    },
)
