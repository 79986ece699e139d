"""One macro per service: generated code, a lint pass and an image."""

load(":codegen.bzl", "docker_image", "proto_gen")

def service(name, protos, image_srcs, **kwargs):
    proto_gen(name = name + "_gen", srcs = protos, **kwargs)
    proto_gen(name = name + "_lint", srcs = protos, tags = ["lint"])
    docker_image(name = name + "_image", srcs = image_srcs + [":" + name + "_gen"])
