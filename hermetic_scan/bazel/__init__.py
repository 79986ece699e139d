"""Readers of Bazel's own formats (aquery graphs, execution logs, console output, .bazelrc): plain data, no policy."""
