"""Public API of the test rules."""

load("//rules/private:e2e.bzl", _e2e_test = "e2e_test")

e2e_test = _e2e_test
