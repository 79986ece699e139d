"""Flags every push passes."""

PUSH_FLAGS = ["--retries", "3"]
