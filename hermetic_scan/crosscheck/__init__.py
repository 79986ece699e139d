"""Comparisons of the static model with what Bazel did or would do: aquery join, verify, rollout evidence."""
