"""One bad file never stops the scan: an unexpected exception while analyzing a file becomes an
`internal-error` finding for that file (rules/internal_error.py) and the analysis goes on."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

# Nesting depth is bounded by Python's limit on nested calls (sys.getrecursionlimit(), 1000 by
# default): the evaluator and the rules walk syntax trees recursively, a few frames per level, so some
# 150 to 300 levels of brackets, calls or `+` terms are analyzed (no real BUILD or .bzl file comes
# close) and anything deeper raises RecursionError, reported as too complex for that file alone. The
# limit is not raised: deeper Python recursion through C-level calls could exhaust the C stack.


def describe(error: BaseException) -> str:
    """The finding's message for an exception raised while analyzing a file."""
    if isinstance(error, RecursionError):
        return "too deeply nested to analyze (over the nesting limit); findings of this file may be missing"
    return (
        f"internal error while analyzing this file ({type(error).__name__}); "
        "the rest of the workspace was analyzed"
    )


def guarded(
    problems: list[tuple[str, str]],
    path: str,
    fallback: T,
    work: Callable[P, T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`work(*args)`; an exception becomes a problem of `path` (the file analyzed) and `fallback` is
    returned. Interrupts, exits and memory exhaustion still stop the run."""
    try:
        return work(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - a bug in one file's analysis is reported, not fatal
        if interrupted(error):
            raise KeyboardInterrupt from error
        problems.append((path, describe(error)))
        return fallback


def interrupted(error: BaseException) -> bool:
    """Whether Ctrl-C is behind the exception: a KeyboardInterrupt raised inside a callback of a C
    extension (tree-sitter runs query predicates in Python) can come back wrapped in a SystemError."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False
