"""Finds the converter on the machine that fetches this repository."""

def _write(rctx, converter):
    rctx.template(
        "BUILD",
        Label("//toolchains/pdf:BUILD.tpl"),
        substitutions = {"{CONVERTER}": str(converter)},
    )

def _pdf_configure_impl(rctx):
    converter = rctx.which("wkhtmltopdf")  # expect: repo-rule-ambient
    if converter == None:
        fail("wkhtmltopdf is not installed")
    _write(rctx = rctx, converter = converter)

pdf_configure = repository_rule(
    implementation = _pdf_configure_impl,
    environ = ["PATH"],
    local = True,
)
