"""Publishing rules: their implementation lives under private/, a directory with no BUILD file."""

load(":private/publish.bzl", _publish = "publish", _publish_local = "publish_local")

publish = _publish
publish_local = _publish_local
