from __future__ import annotations

import pytest

from hermetic_scan.labels import Label, LabelError, parse_label


@pytest.mark.parametrize(
    ("text", "repo", "package", "name", "canonical"),
    [
        ("//pkg:file.bzl", "", "pkg", "file.bzl", False),
        (":file.bzl", "", "here", "file.bzl", False),
        ("file.bzl", "", "here", "file.bzl", False),
        ("//pkg/sub", "", "pkg/sub", "sub", False),
        ("@repo//pkg:x", "repo", "pkg", "x", False),
        ("@@canonical~1.0//a:b", "canonical~1.0", "a", "b", True),
        ("@//pkg:x", "", "pkg", "x", False),
        ("@rules_foo", "rules_foo", "", "rules_foo", False),
        ("//:defs.bzl", "", "", "defs.bzl", False),
    ],
)
def test_parse_label(text: str, repo: str, package: str, name: str, canonical: bool) -> None:
    label = parse_label(text, "", "here")
    assert (label.repo, label.package, label.name, label.canonical) == (repo, package, name, canonical)


@pytest.mark.parametrize("text", ["//../x:y.bzl", "//a/../b:c", "", ":../x"])
def test_refused_labels(text: str) -> None:
    with pytest.raises(LabelError):
        parse_label(text)


def test_str_round_trip() -> None:
    assert str(Label("", "a/b", "c")) == "//a/b:c"
    assert str(parse_label("@r//p:n")) == "@r//p:n"
