"""In package //publish: `:private/...` below names publish/private/..., not publish/private/private/."""

load(":private/flags.bzl", "PUSH_FLAGS")

_PUSHER = {
    "image": attr.label(allow_single_file = True),
    "_pusher": attr.label(
        default = Label("@modern_bazel//publish:pusher"),
        executable = True,
        cfg = "exec",
    ),
}

def _push(ctx, requirements):
    receipt = ctx.actions.declare_file(ctx.label.name + ".receipt")
    ctx.actions.run(
        executable = ctx.executable._pusher,
        arguments = PUSH_FLAGS + [ctx.file.image.path, receipt.path],
        inputs = [ctx.file.image],
        outputs = [receipt],
        mnemonic = "PublishImage",
        execution_requirements = requirements,
    )
    return [DefaultInfo(files = depset([receipt]))]

def _publish_impl(ctx):
    return _push(ctx, {})

def _publish_local_impl(ctx):
    return _push(ctx, {"no-remote-exec": "1"})

publish = rule(implementation = _publish_impl, attrs = _PUSHER)
publish_local = rule(implementation = _publish_local_impl, attrs = _PUSHER)
