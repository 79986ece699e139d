load("@com_example_docs//toolchains/pdf:pdf_toolchain.bzl", "pdf_toolchain")

pdf_toolchain(
    name = "host_pdf",
    path = "{CONVERTER}",
)

toolchain(
    name = "host_pdf_toolchain",
    toolchain = ":host_pdf",
    toolchain_type = "@com_example_docs//toolchains/pdf:toolchain_type",
)
