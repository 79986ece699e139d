"""Every query compiles for its grammar(s) and uses only the declared capture names."""

from __future__ import annotations

import re
import tomllib

import pytest

from hermetic_scan import parse


def _grammars(name: str) -> list[str]:
    return [parse.BASH] if name.startswith("bash-") else [parse.STARLARK, parse.PYTHON]


@pytest.mark.parametrize("name", parse.query_files())
def test_query_compiles_and_captures_are_declared(name: str) -> None:
    source = parse.query_source(name)
    assert source.startswith("; grammar:"), "a query's header names its grammar"
    vocabulary = tomllib.loads(parse.query_source("CAPTURES.toml"))
    family = "bash" if name.startswith("bash-") else "starlark"
    for grammar in _grammars(name):
        query = parse.query(name, grammar)
        names = {query.capture_name(i) for i in range(query.capture_count)}
        public = {n for n in names if not n.startswith("_")}
        assert public <= set(vocabulary[family]), f"undeclared captures: {public - set(vocabulary[family])}"
    assert not re.search(r"#match\?", source), "prefer #eq?/#any-of? over regex predicates"
