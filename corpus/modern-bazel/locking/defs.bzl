"""Macros that pick their own tags and rules the way rulesets' macros do."""

load("@rules_shell//shell:sh_test.bzl", "sh_test")

def probe_test(name, script, tags = None, **kwargs):
    """A test that calls a live service: the macro keeps it off remote executors itself."""
    tags = tags or []
    tags.append("requires-network")
    tags.append("no-remote-exec")
    attrs = {
        "srcs": [script],
        "tags": tags,
    }
    sh_test(name = name, **dict(attrs, **kwargs))

def _stage_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".staged")
    ctx.actions.run(
        outputs = [out],
        inputs = [ctx.file.src],
        executable = ctx.executable._stager,
        arguments = [ctx.file.src.path, out.path],
        mnemonic = "Stage",
    )
    return [DefaultInfo(files = depset([out]))]

_ATTRS = {
    "src": attr.label(allow_single_file = True),
    "_stager": attr.label(default = ":stager", executable = True, cfg = "exec"),
}

_stage = rule(implementation = _stage_impl, attrs = _ATTRS)

_stage_executable = rule(implementation = _stage_impl, attrs = _ATTRS, executable = True)

def staged(name, executable = False, **kwargs):
    """Chooses its rule by a parameter, as copy_file does with is_executable."""
    stage_rule = _stage_executable if executable else _stage
    stage_rule(name = name, **kwargs)

def _stage_outputs_test_impl(env, target):
    env.expect.that_target(target).default_outputs().contains_exactly(["{package}/{name}.staged"])

def stage_outputs_test(name, target):
    """An analysis test made with Bazel's built-in testing.analysis_test."""
    testing.analysis_test(
        name = name,
        impl = _stage_outputs_test_impl,
        targets = {"target": target},
    )
