"""An executable rule whose launcher loads an image into the Docker daemon of whoever runs it
(rules_oci's oci_load does this): building it is fine anywhere, running it needs the daemon."""

def _image_loader_impl(ctx):
    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = launcher,
        content = "#!/usr/bin/env bash\nset -o errexit\ndocker load --input \"$1\"\n",  # expect: ambient-tool
        is_executable = True,
    )
    return [DefaultInfo(executable = launcher)]

image_loader = rule(
    implementation = _image_loader_impl,
    executable = True,
)
