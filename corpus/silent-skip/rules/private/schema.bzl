"""schema_test: validates generated data against a JSON schema, from a template."""

def _schema_test_impl(ctx):
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = executable,
        substitutions = {
            "%{baseline}": ctx.file.baseline.short_path,
            "%{schema}": ctx.file.schema.short_path,
            "%{validator}": ctx.executable._validator.short_path,
        },
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = [ctx.file.schema, ctx.file.baseline])
    runfiles = runfiles.merge(ctx.attr._validator[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = executable, runfiles = runfiles)]

schema_test = rule(
    implementation = _schema_test_impl,
    attrs = {
        "baseline": attr.label(allow_single_file = [".json"], mandatory = True),
        "schema": attr.label(allow_single_file = [".json"], mandatory = True),
        "_template": attr.label(
            default = "//rules/private:schema_test.sh.tpl",
            allow_single_file = True,
        ),
        "_validator": attr.label(
            default = "//tools:validator",
            executable = True,
            cfg = "target",
        ),
    },
    test = True,
)
