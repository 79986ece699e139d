"""Functions that run at fetch time (repository rule and module extension implementations, and the
helpers they hand their context to), found by syntax alone: they are never evaluated by the model."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from hermetic_scan.model.modules import ModuleModel

# Functions whose `implementation` runs on the machine that runs Bazel, with a context that can run
# host programs and read the host's environment.
FETCH_TIME = ("repository_rule", "module_extension")
CONTEXT_NAMES = ("repository_ctx", "rctx", "repo_ctx", "module_ctx", "mctx")


@dataclass(frozen=True)
class FetchFunction:
    name: str
    context: str  # the parameter holding the repository_ctx / module_ctx ("" when it takes none)
    # The repository rules / module extensions (by implementation name) that reach this function.
    roots: frozenset[str]


def fetch_functions(module: ModuleModel) -> dict[str, FetchFunction]:
    """Function name -> what runs it at fetch time, for repository rule and module extension
    implementations of this file and the same-file helpers they pass their context to. A function
    whose first parameter is conventionally named (`rctx`, `repository_ctx`...) counts too: it is
    a helper of a rule in another file."""
    contexts: dict[str, str] = {}
    roots: dict[str, set[str]] = {}
    for name in _declared_implementations(module):
        contexts[name] = ""
        roots[name] = {name}
    for name, function in module.functions.items():
        first = parameters(module, function)[:1]
        if name in contexts or (first and first[0] in CONTEXT_NAMES):
            contexts[name] = first[0] if first else ""
            roots.setdefault(name, {name})
    # Helpers that the implementations hand their context to, whatever the parameter is called.
    pending = [n for n, p in contexts.items() if p]
    while pending:
        caller = pending.pop()
        param = contexts[caller]
        for callee, index in calls_passing(module, module.functions[caller], param):
            params = parameters(module, module.functions[callee])
            if index >= len(params):
                continue
            known = roots.setdefault(callee, set())
            grew = not roots[caller] <= known
            known |= roots[caller]
            if contexts.get(callee) != params[index] or grew:
                contexts[callee] = params[index]
                pending.append(callee)
    return {name: FetchFunction(name, contexts[name], frozenset(roots[name])) for name in contexts}


def _declared_implementations(module: ModuleModel) -> list[str]:
    names = []
    for node in module.assignments.values():
        if node.type != "call" or module.text(node.child_by_field_name("function")) not in FETCH_TIME:
            continue
        args = node.child_by_field_name("arguments")
        for arg in args.named_children if args is not None else []:
            key = arg.child_by_field_name("name") if arg.type == "keyword_argument" else None
            value = (
                arg.child_by_field_name("value")
                if key is not None
                else arg
                if arg.type == "identifier"
                else None
            )
            if (
                (key is None or module.text(key) == "implementation")
                and value is not None
                and value.type == "identifier"
            ):
                names.append(module.text(value))
                break
    return names


def parameters(module: ModuleModel, function: Node) -> list[str]:
    params = function.child_by_field_name("parameters")
    out = []
    for param in params.named_children if params is not None else []:
        node = param if param.type == "identifier" else param.child_by_field_name("name")
        out.append(module.text(node) if node is not None else "")
    return out


def calls_passing(module: ModuleModel, function: Node, param: str) -> list[tuple[str, int]]:
    """(function name, positional index) for calls of same-file functions that receive `param`."""
    found = []
    stack = [function]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type != "call":
            continue
        callee = node.child_by_field_name("function")
        name = module.text(callee) if callee is not None and callee.type == "identifier" else ""
        if name not in module.functions:
            continue
        args = node.child_by_field_name("arguments")
        for index, arg in enumerate(args.named_children if args is not None else []):
            if arg.type == "identifier" and module.text(arg) == param:
                found.append((name, index))
            elif arg.type == "keyword_argument":  # `_write_build(rctx = rctx, ...)`
                key, value = arg.child_by_field_name("name"), arg.child_by_field_name("value")
                names = parameters(module, module.functions[name])
                if (
                    key is not None
                    and value is not None
                    and value.type == "identifier"
                    and module.text(value) == param
                    and module.text(key) in names
                ):
                    found.append((name, names.index(module.text(key))))
    return found
