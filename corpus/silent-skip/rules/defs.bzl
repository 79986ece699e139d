"""Public API of the lint rules."""

load("//rules/private:lint.bzl", _lint_fix = "lint_fix", _lint_report = "lint_report", _lint_test = "lint_test")
load("//rules/private:schema.bzl", _schema_test = "schema_test")

lint_fix = _lint_fix
lint_report = _lint_report
lint_test = _lint_test
schema_test = _schema_test
