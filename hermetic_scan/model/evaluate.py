"""A small abstract interpreter for Starlark: enough to follow strings, ctx, actions and macros.

It never executes anything: it walks statements in order, visits both branches of an `if`, runs a
loop body once, and answers `Unknown` for whatever it cannot know. Calls into functions of the same
or loaded files are followed to a bounded depth, which is how helpers that receive `ctx` or
`ctx.actions` are seen from the rule implementation that calls them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tree_sitter import Node

from hermetic_scan.labels import repository_of
from hermetic_scan.model.modules import Loader, ModuleModel
from hermetic_scan.model.native_rules import NATIVE_RULES, stands_in_for_native
from hermetic_scan.model.strings import decode_literal, decode_literal_once, decode_string
from hermetic_scan.model.values import (
    DECLARED_TOKEN,
    MAX_CHOICES,
    OPAQUE_TOKEN,
    ActionFn,
    Actions,
    AttrDecl,
    AttrFactory,
    BoundMethod,
    Builtin,
    CfgBuilder,
    Choice,
    Const,
    Ctx,
    CtxField,
    Declared,
    DictV,
    Function,
    LabelStr,
    ListV,
    Native,
    NativeRule,
    OutputFile,
    RuleClass,
    Str,
    StructV,
    Subrule,
    SymbolicMacro,
    Unknown,
    UnresolvedMember,
    UnresolvedSymbol,
    Value,
    alternatives,
    choice,
    known_truth,
)
from hermetic_scan.source import MappedText

# How deep calls are followed. rules_swift goes 9 to 11 deep from an implementation to its actions
# (177 of its targets were unknown at 8); 12 and 16 resolve the same on the sweep in the same time.
MAX_DEPTH = 12
# Shapes of nodes kept by the interpreter (Interpreter._shapes); rules_rust makes 36,000 (+15 MB).
MAX_SHAPES = 100_000
BUILTINS = {
    "DefaultInfo",
    "struct",
    "rule",
    "macro",
    "select",
    "provider",
    "Label",
    "depset",
    "str",
    "len",
    "dict",
    "list",
    "aspect",
    "repository_rule",
    "module_extension",
    "fail",
    "print",
    "glob",
    "package_name",
    "repository_name",
    "package",
    "RunEnvironmentInfo",
    "OutputGroupInfo",
    "transition",
    "subrule",
    "range",
    "enumerate",
    "sorted",
    "reversed",
    "type",
    # Starlark's other global functions (https://bazel.build/rules/lib/globals/all): not rules, so
    # their calls are neither targets nor `None`; `tuple` and `bool` are computed, the rest unknown.
    "tuple",
    "bool",
    "int",
    "hasattr",
    "getattr",
    "min",
    "max",
    "any",
    "all",
    "zip",
    "hash",
    "dir",
    "abs",
}


Guards = tuple[tuple[str, bool], ...]
Read = tuple[ModuleModel, str]
# The name read of a module when what was read of it is not known: any edit to it counts.
EVERY_NAME = "*"


class ReadSet:
    """The top-level names of modules an evaluation read (`Interpreter.tracked`), each global's
    own reads included: a global's value is computed once and then served from `globals_cache`,
    so what computing it read is kept with it (`ModuleModel.global_reads`) and added by every
    later reader. A rule's analysis is kept the same way (`Interpreter.rule_reads`)."""

    __slots__ = ("names", "_merged")

    def __init__(self) -> None:
        self.names: set[Read] = set()
        self._merged: dict[int, frozenset[Read]] = {}  # by id, each held so that no id is reused

    def add_all(self, reads: frozenset[Read]) -> None:
        if id(reads) not in self._merged:
            self._merged[id(reads)] = reads
            self.names |= reads


@dataclass
class ActionCall:
    """One call of a ctx.actions method, as seen during an implementation's analysis."""

    kind: str
    module: ModuleModel
    node: Node
    kwargs: dict[str, tuple[Node, Value]]
    positional: list[tuple[Node, Value]]
    forwards_kwargs: bool
    result: Value | None = None
    guards: Guards = ()  # what the rule's attributes must be for the call to run (Frame.guards)


@dataclass(slots=True)
class RuleCall:
    """A call that instantiates a rule (a target), seen in a BUILD file or a macro body."""

    callee: Value  # RuleClass, NativeRule, UnresolvedSymbol or Unknown
    kind: str
    module: ModuleModel
    node: Node
    kwargs: dict[str, tuple[Node, Value]]
    open_kwargs: bool = False  # a **splat may have passed arguments `kwargs` does not show
    # The rules it may instantiate when the callee is one of several (`r = _a if flag else _b`) and
    # the model cannot tell which: the target is made with the first, and is unknown.
    alternatives: tuple[str, ...] = ()


@dataclass(slots=True)
class Collector:
    actions: list[ActionCall] = field(default_factory=list)
    executables: list[tuple[Value, Node, ModuleModel]] = field(
        default_factory=list
    )  # DefaultInfo(executable=)
    rule_calls: list[RuleCall] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    functions_seen: set[int] = field(default_factory=set)
    outputs: dict[str, OutputFile] = field(default_factory=dict)
    # Function calls this analysis may make (None: no limit). Every undecided `if` runs both branches,
    # so helpers that call helpers can multiply: one rules_jvm_external helper took minutes.
    budget: int | None = None
    calls: int = 0
    # Statements this analysis may run. Past them it goes on coarsely, to the actions after the
    # costly part: a loop runs once with an item the model does not know, a call gives a value it
    # does not know. Unit tests of pure Starlark written as helpers (rules_py's PEP 508 evaluator,
    # rules_jvm_external's version parser) ran 30,000 to 108,000 statements on constants, a second
    # each (the budgets and what rules need: model/actions.py).
    statement_budget: int = sys.maxsize
    statements: int = 0
    spent: bool = False

    def over_budget(self) -> bool:
        """Whether this analysis ran out of statements; the first time, it says so."""
        if self.statements <= self.statement_budget:
            return False
        if not self.spent:
            self.spent = True
            self.unresolved.append(f"analysis budget of {self.statement_budget:,} statements reached")
        return True


@dataclass(slots=True)
class Frame:
    module: ModuleModel
    env: dict[str, Value]
    collector: Collector
    depth: int
    stack: tuple[int, ...] = ()
    returned: Value | None = None
    undecided: int = 0  # depth of branches entered on a condition the model could not decide
    # Conditions on the rule's attributes that must hold for this code to run, as (attribute, truthy):
    # `if ctx.attr.push:` adds ("push", True) in its body and ("push", False) in its else.
    guards: Guards = ()
    # A `return`, `break` or `continue` the model knows is taken (`_jump`): the statements after it
    # in its block, and the blocks around it up to its loop or function, do not run.
    jump: str | None = None
    loop_undecided: int = -1  # `undecided` where the innermost loop began (-1: in no loop)
    blind_loops: int = 0  # loops around this code whose items the model does not know all of


class Interpreter:
    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.seen_function_nodes: set[int] = set()
        self._runs: dict[UnresolvedSymbol, frozenset[str]] = {}
        # What the evaluator reads of a call, attribute, argument list, assignment or `if` node (its
        # fields, and names in it), once per node: a macro's body is walked again at every call, and
        # each field read goes through tree-sitter's C API and makes new Node objects. A Node hashes
        # and compares by its tree and position, so the fresh Node of a later walk finds the entry.
        # Shapes holding text also hold the module it was read from, and are read again in another.
        # Only in function bodies (depth > 0): a BUILD file's statements and a .bzl file's globals are
        # evaluated once, and their shapes would only cost memory (googleapis: +10 % peak RSS).
        self._shapes: dict[Node, tuple[Any, ...]] = {}
        # What is being read for (`ReadSet`): None when nothing records reads (a scan without the
        # cache). Set for the whole scan or not at all, since globals computed while nobody
        # listened are served to those who do.
        self.tracked: ReadSet | None = None
        self.rule_reads: dict[str, frozenset[Read]] = {}  # rule key -> what its analysis read

    def tracking(self) -> None:
        """Record what is read from now on: packages' watches (`model.PackageWatch`) take it."""
        self.tracked = ReadSet()

    def analyzing(self, key: str, analyze: Callable[[], Any]) -> Any:
        """`analyze()`, a rule's analysis, with what it reads kept apart under `key`."""
        outer = self.tracked
        if outer is None:
            return analyze()
        mine = self.tracked = ReadSet()
        try:
            return analyze()
        finally:
            self.tracked = outer
            self.rule_reads[key] = frozenset(mine.names)

    # -- module level -----------------------------------------------------------------------
    def global_value(self, module: ModuleModel, name: str, depth: int = 0) -> Value | None:
        tracked = self.tracked
        if name in module.globals_cache:
            if tracked is not None:
                reads = module.global_reads.get(name)
                if reads is not None:
                    tracked.add_all(reads)
                elif module.rel_path.endswith(".bzl"):  # computed while nothing recorded
                    tracked.names.add((module, EVERY_NAME))
            return module.globals_cache[name]  # type: ignore[return-value]
        # Only .bzl files' names are noted: a BUILD file is its package's own, and a pair naming
        # one would keep its syntax tree alive past its release (in a cycle, through
        # `global_reads`, which a scan with the collector off never frees).
        noted = tracked is not None and module.rel_path.endswith(".bzl")
        if noted:
            tracked.names.add((module, name))
        if name in module.not_globals:
            return None
        if name in module.evaluating or depth > 2 * MAX_DEPTH:
            return Unknown(f"{name} is defined in terms of itself")
        value: Value | None = None
        module.evaluating.add(name)
        mine = self.tracked = ReadSet() if tracked is not None else None
        try:
            if name in module.assignments:
                frame = Frame(module, {}, Collector(), 0)
                value = self.eval(module.assignments[name], frame)
                if isinstance(value, RuleClass) and value.name == "":
                    value = RuleClass(
                        module,
                        name,
                        value.node,
                        value.implementation,
                        value.attrs,
                        value.test,
                        value.executable,
                        value.toolchains,
                    )
                elif isinstance(value, SymbolicMacro) and value.name == "":
                    value = SymbolicMacro(module, name, value.implementation, value.defaults)
            elif name in module.functions:
                value = Function(module, module.functions[name], name)
            elif name in module.unpacked:
                node, position, count = module.unpacked[name]
                whole = self.eval(node, Frame(module, {}, Collector(), 0))
                if isinstance(whole, ListV) and whole.complete and len(whole.items) == count:
                    value = whole.items[position]
                elif isinstance(whole, UnresolvedMember):  # each part was made by the unavailable file
                    value = whole
                else:
                    value = Unknown(f"{name} is unpacked from a value the model does not know")
            else:
                self.loader.resolve_loads(module)
                bound = module.binding_of_load(name)
                if bound is not None:
                    load, exported = bound
                    if stands_in_for_native(load.label_text, exported, module.repo):
                        value = NativeRule(exported)
                    elif load.module is None:
                        value = UnresolvedSymbol(load.label_text, exported)
                    else:
                        value = self.global_value(load.module, exported, depth + 1)
                        if value is None:
                            value = Unknown(f"{load.label_text} does not define {exported}")
        finally:
            module.evaluating.discard(name)
            self.tracked = tracked
        if value is not None:
            module.globals_cache[name] = value
            if tracked is not None and mine is not None:
                if noted:
                    mine.names.add((module, name))
                reads = module.global_reads[name] = frozenset(mine.names)
                tracked.add_all(reads)
        elif tracked is not None and mine is not None:
            tracked.names |= mine.names
        if value is None and (
            name not in module.assignments
            and name not in module.functions
            and name not in module.unpacked
            and module.binding_of_load(name) is None
        ):
            module.not_globals.add(name)  # a builtin or native rule name: found elsewhere, every time
        return value

    def lookup(self, name: str, frame: Frame) -> Value:
        if name in frame.env:
            return frame.env[name]
        value = self.global_value(frame.module, name)
        if value is not None:
            return value
        if name in ("True", "False"):
            return Const(name == "True")
        if name == "None":
            return Const(None)
        if name == "native":
            return Native()
        if name == "attr":
            return Builtin("attr")
        if name == "testing":
            return Builtin("testing")
        if name in BUILTINS:
            return Builtin(name)
        if name in NATIVE_RULES:
            return NativeRule(name)
        return Unknown(f"unknown name {name}")

    # -- statements -------------------------------------------------------------------------
    def run_block(self, node: Node, frame: Frame) -> None:
        if not frame.depth:
            for statement in node.named_children:
                self.run_statement(statement, frame)
                if frame.jump is not None:
                    return
            return
        statements: tuple[tuple[str, Node, tuple[tuple[str, Node], ...]], ...] | None = self._shapes.get(node)
        if statements is None:  # each statement's type, and its parts' types for an expression statement
            statements = self._shapes[node] = tuple(
                (kind, statement, _expression_parts(statement) if kind == "expression_statement" else ())
                for statement in node.named_children
                for kind in (statement.type,)
            )
        collector = frame.collector
        for kind, statement, parts in statements:
            collector.statements += 1
            self._statement(kind, statement, parts, frame)
            if frame.jump is not None:
                return

    def run_statement(self, node: Node, frame: Frame) -> None:
        self._statement(node.type, node, None, frame)

    def _statement(
        self, kind: str, node: Node, parts: tuple[tuple[str, Node], ...] | None, frame: Frame
    ) -> None:
        """Run a statement of type `kind`; `parts` are an expression statement's named children with
        their types (None: read them here)."""
        if kind == "expression_statement":
            for child_kind, child in parts if parts is not None else _expression_parts(node):
                if child_kind == "assignment":
                    self._assign(child, frame)
                elif child_kind == "augmented_assignment":
                    self._augmented(child, frame)
                elif child_kind in _DOCSTRINGS:
                    pass  # a docstring: its value is dropped, and a literal calls nothing
                else:
                    self.eval(child, frame)
        elif kind == "return_statement":
            value = node.named_children[0] if node.named_children else None
            result = self.eval(value, frame) if value is not None else Const(None)
            if frame.returned is None:
                frame.returned = _maybe(result, frame)
            if frame.depth and not frame.undecided and not frame.blind_loops:
                frame.jump = _RETURN
        elif kind == "if_statement":
            self._if(node, frame)
        elif kind == "for_statement":
            self._for(node, frame)
        elif kind in _LOOP_JUMPS:
            # Taken for sure when in a loop, on no undecided branch of it.
            if frame.depth and frame.loop_undecided == frame.undecided:
                frame.jump = _LOOP_JUMPS[kind]
        elif kind == "function_definition":
            name = node.child_by_field_name("name")
            if name is not None:
                frame.env[frame.module.text(name)] = Function(frame.module, node, frame.module.text(name))
        elif kind == "block":
            self.run_block(node, frame)

    def _for(self, node: Node, frame: Frame) -> None:
        """Run the body once per item, or once with an unknown item when the items are not known. A
        `return` in it counts as taken only when every item is known: the loop may run no time."""
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        body = node.child_by_field_name("body")
        items = self.eval(right, frame) if right is not None else Unknown()
        if frame.collector.over_budget():
            items = Unknown("analysis budget")
        every_item = _every_item_known(items)
        outer_loop = frame.loop_undecided
        frame.loop_undecided = frame.undecided
        frame.blind_loops += not every_item
        try:
            for item in _loop_items(items):
                if left is not None:
                    self._bind(left, item, frame)
                if body is not None:
                    self.run_block(body, frame)
                if frame.jump is _CONTINUE:
                    frame.jump = None
                elif frame.jump is not None:
                    if frame.jump is _BREAK:
                        frame.jump = None
                    break
        finally:
            frame.loop_undecided = outer_loop
            frame.blind_loops -= not every_item

    def _if(self, node: Node, frame: Frame) -> None:
        """Run the branch a constant condition selects; with an unknown condition, every branch."""
        branches: tuple[tuple[Node | None, Node | None], ...] | None = (
            self._shapes.get(node) if frame.depth else None
        )
        if branches is None:
            found = [(node.child_by_field_name("condition"), node.child_by_field_name("consequence"))]
            for child in node.named_children:
                kind = child.type
                if kind == "elif_clause":
                    found.append(
                        (child.child_by_field_name("condition"), child.child_by_field_name("consequence"))
                    )
                elif kind == "else_clause":
                    found.append((None, child.child_by_field_name("body")))
            branches = tuple(found)
            if frame.depth:
                self._shapes[node] = branches
        undecided = False  # once a condition is undecided, every later branch (the else too) may not run
        outer = frame.guards
        earlier: Guards = ()  # earlier conditions on attributes, each false in the branches after it
        before = frame.env
        branch_envs: list[dict[str, Value]] = []  # what each undecided branch leaves bound
        for condition, body in branches:
            value = self.eval(condition, frame) if condition is not None else Const(True)
            truthy = known_truth(value)
            if truthy is False:
                continue
            undecided = undecided or truthy is None
            if undecided:
                frame.env = dict(before)
                branch_envs.append(frame.env)
            test = (
                self._attribute_test(condition, value, frame)
                if truthy is None and condition is not None
                else None
            )
            if body is not None:
                frame.undecided += undecided
                frame.guards = outer + earlier + ((test,) if test else ())
                self.run_block(body, frame)
                frame.guards = outer
                frame.undecided -= undecided
            if truthy:
                break
            if test is not None:
                earlier += ((test[0], not test[1]),)
        else:
            if undecided:
                branch_envs.append(before)  # no branch ran
        if branch_envs:
            frame.env = _merge_branches(branch_envs)

    def _attribute_test(self, condition: Node, value: Value, frame: Frame) -> tuple[str, bool] | None:
        """`ctx.attr.x` or `not ctx.attr.x` as a condition: (x, whether it must be truthy)."""
        if condition.type == "not_operator":
            argument = condition.child_by_field_name("argument")
            inner = self._attribute_test(argument, Unknown("not"), frame) if argument is not None else None
            return (inner[0], not inner[1]) if inner is not None else None
        if condition.type == "parenthesized_expression" and condition.named_children:
            return self._attribute_test(condition.named_children[0], value, frame)
        if condition.type != "attribute":
            return None
        if not isinstance(value, Declared):
            value = self.eval(condition, frame)
        if isinstance(value, Declared) and value.attr is not None and value.how == f"ctx.attr.{value.attr}":
            return (value.attr, True)
        return None

    def _assign(self, node: Node, frame: Frame) -> None:
        shape = self._shapes.get(node) if frame.depth else None
        if shape is None:
            shape = (node.child_by_field_name("left"), node.child_by_field_name("right"))
            if frame.depth:
                self._shapes[node] = shape
        left, right = shape
        if left is None or right is None:
            return
        self._bind(left, self.eval(right, frame), frame)

    def _augmented(self, node: Node, frame: Frame) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None or left.type != "identifier":
            return
        name = frame.module.text(left)
        current = frame.env.get(name) or self.lookup(name, frame)
        frame.env[name] = _add(current, self.eval(right, frame))

    def _bind(self, target: Node, value: Value, frame: Frame) -> None:
        kind = target.type
        if kind == "identifier":
            frame.env[frame.module.text(target)] = _maybe(value, frame)
        elif kind == "subscript":  # d[key] = value: a dict of this frame gains or changes a key
            name_node, key_node = target.child_by_field_name("value"), target.child_by_field_name("subscript")
            name = (
                frame.module.text(name_node)
                if name_node is not None and name_node.type == "identifier"
                else None
            )
            current = frame.env.get(name) if name is not None else None
            if isinstance(current, DictV) and key_node is not None:
                key = self.eval(key_node, frame)
                if isinstance(key, Str):
                    frame.env[name] = _maybe(_union(current, DictV(((key, value, key_node, None),))), frame)
                else:
                    frame.env[name] = DictV(current.items, conditional=True)  # some key, we cannot say which
        elif kind in ("pattern_list", "tuple_pattern", "tuple", "list_pattern", "list"):
            names = [c for c in target.named_children]
            items = value.items if isinstance(value, ListV) and len(value.items) == len(names) else None
            for i, child in enumerate(names):
                self._bind(child, items[i] if items else Unknown("unpacked"), frame)

    # -- expressions ------------------------------------------------------------------------
    def eval(self, node: Node | None, frame: Frame) -> Value:
        if node is None:
            return Unknown()
        evaluate = _EVALUATORS.get(node.type)
        if evaluate is not None:
            return evaluate(self, node, frame)
        for child in node.named_children:  # what the model does not read may still call macros
            self.eval(child, frame)
        return Unknown(node.type)

    # -- one method per kind of expression (`_EVALUATORS` maps node types to them) --------------
    def _literal(self, node: Node, frame: Frame) -> Value:
        """A `string` node (`eval` knows the type: not read again)."""
        source = frame.module.source
        if source.data[node.start_byte] in _QUOTES:  # not an f-string
            return Str((decode_literal_once if frame.depth else decode_literal)(node, source))
        return self._string(node, frame)

    def _string(self, node: Node, frame: Frame) -> Value:
        module = frame.module
        if node.type == "string" and module.source.data[node.start_byte] in _QUOTES:  # not an f-string
            return Str(decode_literal(node, module.source))
        if _maybe_f_string(node, module) and any(c.type == "interpolation" for c in node.children):
            return Unknown("f-string")
        return Str(decode_string(node, module.source))

    def _identifier(self, node: Node, frame: Frame) -> Value:
        module = frame.module
        if not frame.depth:
            return self.lookup(module.text(node), frame)
        shape = self._shapes.get(node)
        if shape is None or shape[0] is not module:
            shape = self._shapes[node] = (module, module.text(node))
        return self.lookup(shape[1], frame)

    def _integer(self, node: Node, frame: Frame) -> Value:
        try:
            return Const(int(frame.module.text(node), 0))
        except ValueError:
            return Unknown()

    def _unary(self, node: Node, frame: Frame) -> Value:
        """`-n`, `+n`, `~n` of an int the model knows (`s[-1]`, `range(n, -1, -1)`)."""
        value = self.eval(node.child_by_field_name("argument"), frame)
        operator = node.child_by_field_name("operator")
        if operator is None or not isinstance(value, Const) or type(value.value) is not int:
            return Unknown("unary")
        sign = frame.module.text(operator)
        number = value.value
        return Const(-number if sign == "-" else ~number if sign == "~" else number)

    def _parenthesized(self, node: Node, frame: Frame) -> Value:
        inner = node.named_children
        return self.eval(inner[0], frame) if inner else Unknown()

    def _sequence(self, node: Node, frame: Frame) -> Value:
        children = [c for c in node.named_children if c.type != "comment"]
        return ListV(tuple(self.eval(c, frame) for c in children), tuple(children))

    def _dictionary(self, node: Node, frame: Frame) -> Value:
        items = []
        for pair in node.named_children:
            if pair.type == "pair":
                k = pair.child_by_field_name("key")
                v = pair.child_by_field_name("value")
                items.append((self.eval(k, frame), self.eval(v, frame), k, v))
        return DictV(tuple(items))

    def _binary(self, node: Node, frame: Frame) -> Value:
        left = self.eval(node.child_by_field_name("left"), frame)
        right = self.eval(node.child_by_field_name("right"), frame)
        op = node.child_by_field_name("operator")
        op_text = frame.module.text(op) if op is not None else ""
        if op_text in _INT_OPERATORS and _is_int(left) and _is_int(right):
            return _int_arithmetic(op_text, left.value, right.value)  # type: ignore[attr-defined]
        if op_text == "+":
            return _add(left, right)
        if op_text == "%" and isinstance(left, Str):
            if isinstance(right, ListV) and any(isinstance(item, Choice) for item in right.items):
                return choice(
                    [
                        _percent(left, ListV(values), node, frame)
                        for values in _combinations(list(right.items))
                    ]
                )
            return choice([_percent(left, option, node, frame) for option in alternatives(right)])
        if op_text == "|" and isinstance(left, DictV) and isinstance(right, DictV):
            return _union(left, right)
        return Unknown("arithmetic")

    def _conditional(self, node: Node, frame: Frame) -> Value:
        """`body if condition else alternative`: both when the condition is not known."""
        parts = [self.eval(c, frame) for c in node.named_children if c.type != "comment"]
        if len(parts) != 3:
            return Unknown("conditional expression")
        truth = known_truth(parts[1])
        if truth is not None:
            return parts[0] if truth else parts[2]
        return choice((parts[0], parts[2]))

    def _lambda(self, node: Node, frame: Frame) -> Value:
        """`rule(implementation = lambda ctx: ...)`; inside a function it may close over locals."""
        return Function(frame.module, node, "<lambda>") if not frame.env else Unknown("lambda")

    def _boolean(self, node: Node, frame: Frame) -> Value:
        """`tags or []`, `a and b`: Starlark returns an operand."""
        left = self.eval(node.child_by_field_name("left"), frame)
        op = node.child_by_field_name("operator")
        is_or = op is not None and frame.module.text(op) == "or"
        truth = _operand_truth(left)
        if truth is not None and truth == is_or:
            return left  # `x or ...` with x true, `x and ...` with x false: the right side is not run
        right = self.eval(node.child_by_field_name("right"), frame)
        return right if truth is not None else choice((left, right))

    def _not(self, node: Node, frame: Frame) -> Value:
        inner = self.eval(node.child_by_field_name("argument"), frame)
        return Const(not inner.value) if isinstance(inner, Const) else Unknown("not")

    def _compare(self, node: Node, frame: Frame) -> Value:
        """`i < 10`, `name == "x"`, `"a" in tags`: decided when both sides are known constants."""
        module = frame.module
        shape = self._shapes.get(node) if frame.depth else None
        if shape is None or shape[0] is not module:
            shape = (
                module,
                tuple([c for c in node.named_children if c.type != "comment"]),
                " ".join([module.text(c) for c in node.children if not c.is_named]),
            )
            if frame.depth:
                self._shapes[node] = shape
        _module, operands, operator = shape
        if len(operands) != 2:
            return Unknown("comparison")
        left, right = (_constant(self.eval(o, frame)) for o in operands)
        if left is _NOT_CONSTANT or right is _NOT_CONSTANT:
            return Unknown("comparison")
        try:
            if operator == "==":
                return Const(left == right)
            if operator == "!=":
                return Const(left != right)
            if operator in ("in", "not in") and isinstance(right, (str, tuple)):
                found = left in right  # type: ignore[operator]
                return Const(found if operator == "in" else not found)
            if type(left) is type(right) and isinstance(left, (int, str)) and not isinstance(left, bool):
                results = {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}  # type: ignore[operator]
                if operator in results:
                    return Const(results[operator])
        except TypeError:
            pass
        return Unknown("comparison")

    def _comprehension(self, node: Node, frame: Frame) -> Value:
        """`[body for x in items if cond]` with one for-clause: evaluated per item (rule calls included)."""
        body = node.child_by_field_name("body")
        clauses = [c for c in node.named_children if c.type == "for_in_clause"]
        if body is None or len(clauses) != 1:
            return Unknown("comprehension")
        left = clauses[0].child_by_field_name("left")
        right = clauses[0].child_by_field_name("right")
        conditions = [c for c in node.named_children if c.type == "if_clause"]
        items = self.eval(right, frame)
        saved = dict(frame.env)
        results: list[Value] = []
        complete = _every_item_known(items)
        for item in _loop_items(items):
            if left is not None:
                self._bind(left, item, frame)
            kept = True
            for condition in (c.named_children[0] for c in conditions if c.named_children):
                value = self.eval(condition, frame)
                if isinstance(value, Const) and not value.value:
                    kept = False
                    break
                complete = complete and isinstance(value, Const)  # kept, but maybe not in Starlark
            if kept:
                results.append(self.eval(body, frame))
        frame.env = saved
        return (
            ListV(tuple(results), complete=complete) if isinstance(items, ListV) else Unknown("comprehension")
        )

    def _attribute_shape(
        self, node: Node, frame: Frame
    ) -> tuple[ModuleModel, Node | None, Node | None, str, str | None]:
        """(module, object node, attribute node, attribute name, the object's name when it is an
        identifier) of an `a.b` node."""
        module = frame.module
        shape = self._shapes.get(node) if frame.depth else None
        if shape is None or shape[0] is not module:
            obj_node = node.child_by_field_name("object")
            attr_node = node.child_by_field_name("attribute")
            shape = (
                module,
                obj_node,
                attr_node,
                module.text(attr_node) if attr_node is not None else "",
                module.text(obj_node) if obj_node is not None and obj_node.type == "identifier" else None,
            )
            if frame.depth:
                self._shapes[node] = shape
        return shape

    def _attribute(self, node: Node, frame: Frame) -> Value:
        _module, obj_node, _attr_node, name, _receiver = self._attribute_shape(node, frame)
        obj = self.eval(obj_node, frame)
        if isinstance(obj, Ctx):
            if name == "actions":
                return Actions()
            if name in (
                "attr",
                "file",
                "files",
                "executable",
                "outputs",
                "toolchains",
                "configuration",
                "var",
            ):
                return CtxField(name)
            if name in ("expand_location", "expand_make_variables", "resolve_command", "runfiles"):
                return BoundMethod(obj, name)
            if name in ("version_file", "info_file", "bin_dir", "genfiles_dir"):
                return Declared(f"ctx.{name}")
            return Unknown(f"ctx.{name}")
        if isinstance(obj, CtxField):
            if obj.name == "outputs" and name == "executable":
                return self._output_file("ctx.outputs.executable", frame.collector)
            if obj.name in ("file", "files", "executable"):
                return Declared(f"ctx.{obj.name}.{name}", attr=name)
            if obj.name == "attr":
                return Declared(f"ctx.attr.{name}", attr=name)
            return Declared(f"ctx.{obj.name}.{name}")
        if isinstance(obj, Actions):
            return ActionFn(name)
        if isinstance(obj, StructV):
            return obj.fields.get(name, Unknown(f"struct has no {name}"))
        if isinstance(obj, Native):
            return (
                NativeRule(name)
                if name not in ("package_name", "repository_name", "glob", "existing_rule", "existing_rules")
                else Builtin(name)
            )
        if isinstance(obj, Builtin) and obj.name == "attr":
            return AttrFactory(name)
        if isinstance(obj, Builtin) and obj.name == "testing" and name == "analysis_test":
            # https://bazel.build/rules/lib/toplevel/testing#analysis_test: a macro-callable built-in
            # that makes a test target whose checks run during analysis.
            return NativeRule("analysis_test")
        if isinstance(obj, Str):
            return BoundMethod(obj, name)
        if isinstance(obj, (Declared, OutputFile)):
            if name in (
                "path",
                "short_path",
                "dirname",
                "basename",
                "root",
                "owner",
                "files_to_run",
                "executable",
            ):
                return obj if name in ("files_to_run", "executable") else Declared(f"{_describe(obj)}.{name}")
            return Declared(f"{_describe(obj)}.{name}")
        if isinstance(obj, (ListV, DictV, CfgBuilder)):
            return BoundMethod(obj, name)
        if isinstance(obj, (UnresolvedSymbol, UnresolvedMember)):  # with_cfg(...).set(...).build()
            return UnresolvedMember(f"attribute {name}", obj.label, f"{obj.symbol}.{name}")
        return Unknown(f"attribute {name}")

    def _subscript(self, node: Node, frame: Frame) -> Value:
        value = self.eval(node.child_by_field_name("value"), frame)
        index_node = node.child_by_field_name("subscript")
        if index_node is not None and index_node.type == "slice":
            return _sliced(value, self._slice_bounds(index_node, frame))
        index = self.eval(index_node, frame)
        if isinstance(value, CtxField) and value.name == "toolchains":
            return Declared("toolchain")
        if isinstance(value, CtxField):
            return Declared(f"ctx.{value.name}[...]")
        if isinstance(value, Declared):
            return Declared(value.how + "[...]", value.attr)
        if isinstance(value, DictV) and isinstance(index, Str):
            return value.get(index.text.text) or Unknown("missing key")
        if isinstance(value, ListV) and isinstance(index, Const) and isinstance(index.value, int):
            try:
                return value.items[index.value]
            except IndexError:
                return Unknown("index")
        if isinstance(index, Const) and type(index.value) is int and (text := _known_text(value)) is not None:
            at = index.value
            if -len(text) <= at < len(text):
                return _sliced(value, (at, at + 1 if at != -1 else None))
            return Unknown("index")
        return Unknown("subscript")

    def _slice_bounds(self, node: Node, frame: Frame) -> tuple[int | None, int | None] | None:
        """`a:b` as (a, b) when each is absent or a known int; None with a step or anything unknown."""
        parts: list[Node | None] = [None]
        for child in node.children:
            if child.type == ":":
                parts.append(None)
            elif child.is_named and child.type != "comment":
                parts[-1] = child
        if len(parts) > 2:  # a step: `s[::2]`
            return None
        bounds: list[int | None] = []
        for part in parts + [None] * (2 - len(parts)):
            value = self.eval(part, frame) if part is not None else Const(None)
            if not isinstance(value, Const) or isinstance(value.value, bool):
                return None
            bounds.append(value.value)
        return bounds[0], bounds[1]

    # -- calls ------------------------------------------------------------------------------
    def arguments(
        self, args: Node | None, frame: Frame, only: frozenset[str] | None = None
    ) -> tuple[list[tuple[Node, Value]], dict[str, tuple[Node, Value]], bool]:
        """Evaluate a call's arguments; with `only`, keyword values outside it stay unevaluated."""
        positional: list[tuple[Node, Value]] = []
        keywords: dict[str, tuple[Node, Value]] = {}
        splat = False
        if args is None:
            return positional, keywords, splat
        module = frame.module
        shape = self._shapes.get(args) if frame.depth else None
        if shape is None or shape[0] is not module:
            shape = (module, _argument_shape(args, module))
            if frame.depth:
                self._shapes[args] = shape
        for kind, arg, key, value in shape[1]:
            if kind == _KEYWORD:
                keywords[key] = (
                    arg,
                    self.eval(value, frame) if only is None or key in only else NOT_EVALUATED,
                )
            elif kind == _DICTIONARY_SPLAT:
                for k, v, knode in _splat_items(self.eval(value, frame)):
                    keywords.setdefault(k, (knode or arg, v))
                # Whatever it holds here, a **splat forwards the caller's choices.
                splat = True
            elif kind == _LIST_SPLAT:
                splat = True
            else:
                positional.append((arg, self.eval(arg, frame)))
        return positional, keywords, splat

    def _call(self, node: Node, frame: Frame) -> Value:
        shape = self._shapes.get(node) if frame.depth else None
        if shape is None:
            callee_node = node.child_by_field_name("function")
            shape = (
                callee_node,
                callee_node.type if callee_node is not None else None,
                node.child_by_field_name("arguments"),
            )
            if frame.depth:
                self._shapes[node] = shape
        callee_node, callee_kind, arguments_node = shape
        if callee_kind == "attribute":
            mutated = self._mutation(callee_node, arguments_node, frame)
            if mutated is not None:
                return mutated
        callee = self.eval(callee_node, frame)
        alternatives: tuple[str, ...] = ()
        if isinstance(callee, Choice) and all(
            isinstance(option, (RuleClass, NativeRule, UnresolvedSymbol)) for option in callee.options
        ):
            kinds = tuple(dict.fromkeys(_rule_kind(option) for option in callee.options))
            callee = callee.options[0]
            alternatives = kinds if len(kinds) > 1 else ()
        if isinstance(callee, Builtin) and callee.name in _MESSAGES:
            # What fail() and print() say is not read: formatting it cost kythe 0.3 s, in a type check
            # `fail("... %s" % ...)` on a branch the model could not decide, called 12,514 times.
            return Unknown(f"{callee.name}()")
        rule_like = isinstance(callee, (RuleClass, NativeRule, UnresolvedSymbol)) or (
            isinstance(callee, Unknown) and callee_kind == "identifier"
        )
        only = None
        if rule_like:
            only = (
                NATIVE_RULE_ATTRIBUTES.get(callee.name, TARGET_ATTRIBUTES)
                if isinstance(callee, NativeRule)
                else _read_attributes(callee)
                if isinstance(callee, RuleClass)
                else self._loaded_rule_attributes(callee)
            )
        positional, keywords, splat = self.arguments(arguments_node, frame, only)
        module = frame.module
        if isinstance(callee, ActionFn):
            call = ActionCall(callee.kind, module, node, keywords, positional, splat, guards=frame.guards)
            frame.collector.actions.append(call)
            if callee.kind in ("declare_file", "declare_directory", "declare_symlink"):
                call.result = self._output_file(
                    f"{module.display_path}:{node.start_byte}", frame.collector, _kw_value(call, "filename")
                )
                return call.result
            if callee.kind == "args":
                return Declared("ctx.actions.args()")
            return Const(None)
        if isinstance(callee, Subrule) and isinstance(callee.implementation, Function):
            callee, positional = callee.implementation, [(node, Ctx()), *positional]
        if isinstance(callee, Function):
            return self.call_function(
                callee,
                positional,
                keywords,
                splat,
                frame.collector,
                frame.depth + 1,
                frame.stack,
                frame.guards,
            )
        if isinstance(callee, UnresolvedSymbol) and _is_with_cfg(callee) and positional:
            return CfgBuilder(positional[0][1])
        if isinstance(callee, UnresolvedSymbol) and any(
            isinstance(v, (Ctx, Actions)) for _, v in [*positional, *keywords.values()]
        ):
            ruleset = self.loader.known_ruleset(callee.label)
            if ruleset is not None and callee.symbol in ruleset.functions:
                return Unknown(f"{callee.symbol}() of {ruleset.name}")  # known to need nothing of the host
            frame.collector.unresolved.append(
                f"{callee.symbol}() from unresolved {callee.label} receives ctx"
            )
            return Unknown("unresolved helper")
        if isinstance(callee, (RuleClass, NativeRule, SymbolicMacro)) or isinstance(callee, UnresolvedSymbol):
            return self._rule_call(
                callee, node, keywords, frame, splat and self._open_arguments(node, frame), alternatives
            )
        if isinstance(callee, BoundMethod):
            return self._method(callee, positional, keywords, node, frame)
        if isinstance(callee, Builtin):
            return self._builtin(callee.name, positional, keywords, node, frame)
        if isinstance(callee, AttrFactory):
            return _attr_value(callee.kind, keywords)
        if isinstance(callee, Unknown) and callee_kind == "identifier":
            return self._rule_call(callee, node, keywords, frame, splat and self._open_arguments(node, frame))
        if isinstance(callee, UnresolvedMember) and not callee.called:
            return UnresolvedMember(f"{callee.symbol}()", callee.label, callee.symbol, called=True)
        return Unknown("call")

    def _loaded_rule_attributes(self, callee: Value) -> frozenset[str]:
        """TARGET_ATTRIBUTES and the attributes naming what a rule known from the knowledge base runs
        (run_binary's `tool`); remembered per symbol: asked at every call of a loaded rule
        (googleapis: 15,006 times, for a few dozen symbols)."""
        if not isinstance(callee, UnresolvedSymbol):
            return TARGET_ATTRIBUTES
        runs = self._runs.get(callee)
        if runs is None:
            ruleset = self.loader.known_ruleset(callee.label)
            known = ruleset.rules.get(callee.symbol) if ruleset is not None else None
            runs = self._runs[callee] = (
                TARGET_ATTRIBUTES
                | frozenset(known.runs if known is not None else ())
                | (WRITE_FILE_ATTRIBUTES if callee.symbol == "write_file" else frozenset())
            )
        return runs

    def _mutation(self, method: Node, arguments: Node | None, frame: Frame) -> Value | None:
        """`cmds.append(x)`, `cmds.extend(more)`, `env.update(...)` on a list or dict of this frame: the
        name is bound to the grown value. None when the call is not such a mutation."""
        _module, _receiver, name_node, operation, name = self._attribute_shape(method, frame)
        if name is None or name_node is None:  # the receiver is not a name
            return None
        current = frame.env.get(name)
        if operation not in _MUTATIONS or not isinstance(current, (ListV, DictV)):
            return None
        positional, keywords, _splat = self.arguments(arguments, frame)
        if operation == "pop":
            return self._pop(name, current, positional, frame)
        grown: Value = Unknown(f".{operation}()")
        if isinstance(current, ListV) and operation == "append" and len(positional) == 1:
            grown = ListV(
                current.items + (positional[0][1],), current.nodes + (positional[0][0],), current.complete
            )
        elif isinstance(current, ListV) and operation == "extend" and len(positional) == 1:
            grown = _add(current, positional[0][1])
        elif isinstance(current, DictV) and operation == "update":
            update = positional[0][1] if positional else DictV(())
            if isinstance(update, DictV):
                named = tuple(
                    (Str(MappedText(k, (None,) * len(k), None)), v, n, None) for k, (n, v) in keywords.items()
                )
                grown = _union(_union(current, update), DictV(named))
        elif isinstance(current, DictV) and operation == "setdefault" and positional:
            key = positional[0][1]
            if isinstance(key, Str) and current.get(key.text.text) is None and len(positional) > 1:
                grown = _union(current, DictV(((key, positional[1][1], positional[0][0], None),)))
            elif isinstance(key, Str):
                grown = current
        frame.env[name] = _maybe(grown, frame)
        return Const(None)

    def _pop(
        self, name: str, current: ListV | DictV, positional: list[tuple[Node, Value]], frame: Frame
    ) -> Value:
        """`kwargs.pop("tags", [])`: the value (or the default), and the dict without the key; macros
        take attributes out of `**kwargs` this way before adding their own."""
        key = positional[0][1] if positional else None
        if not isinstance(current, DictV) or not isinstance(key, Str) or not key.static:
            frame.env[name] = _maybe(Unknown(".pop()"), frame)
            return Unknown(".pop()")
        found = current.get(key.text.text)
        if found is None:  # absent, or a key the model cannot read
            if any(not isinstance(k, Str) for k, *_ in current.items):
                return Unknown(".pop()")
            return positional[1][1] if len(positional) > 1 else Unknown("missing key")
        rest = tuple(
            item
            for item in current.items
            if not (isinstance(item[0], Str) and item[0].text.text == key.text.text)
        )
        frame.env[name] = _maybe(DictV(rest, conditional=current.conditional), frame)
        return found

    def _open_arguments(self, call: Node, frame: Frame) -> bool:
        """Whether a call's splats may pass arguments the model does not see: a `*args`, or a
        `**kwargs` that is not a dict of known keys (a macro's own `**kwargs` is, when its caller
        passed keywords only)."""
        args = call.child_by_field_name("arguments")
        for arg in args.named_children if args is not None else []:
            if arg.type == "list_splat":
                return True
            if arg.type == "dictionary_splat":
                inner = self.eval(arg.named_children[0] if arg.named_children else None, frame)
                if not isinstance(inner, DictV) or any(not isinstance(k, Str) for k, *_ in inner.items):
                    return True
        return False

    def call_function(
        self,
        function: Function,
        positional: list[tuple[Node, Value]],
        keywords: dict[str, tuple[Node, Value]],
        splat: bool,
        collector: Collector,
        depth: int,
        stack: tuple[int, ...] = (),
        guards: Guards = (),
    ) -> Value:
        key = id(function.node)
        if depth > MAX_DEPTH or key in stack:
            collector.unresolved.append(f"call depth limit reached at {function.name}()")
            return Unknown("call depth")
        if collector.over_budget():
            return Unknown("analysis budget")
        collector.calls += 1
        if collector.budget is not None and collector.calls > collector.budget:
            if collector.calls == collector.budget + 1:
                collector.unresolved.append(
                    f"analysis budget of {collector.budget} calls reached at {function.name}()"
                )
            return Unknown("analysis budget")
        collector.functions_seen.add(key)
        if len(self._shapes) > MAX_SHAPES:
            self._shapes.clear()  # a bound on their memory (about 400 bytes each); they are read again
        self.loader.resolve_loads(function.module)
        env = self.bind_parameters(
            function, [v for _, v in positional], {k: v for k, (_, v) in keywords.items()}, splat
        )
        if _knows_its_context(env):
            self.seen_function_nodes.add(key)
        frame = Frame(function.module, env, collector, depth, stack + (key,), guards=guards)
        _module, body, is_lambda, _parameters = self._function_shape(function)
        if body is not None and is_lambda:
            return self.eval(body, frame)
        if body is not None:
            self.run_block(body, frame)
        return frame.returned or Const(None)

    def _function_shape(
        self, function: Function
    ) -> tuple[ModuleModel, Node | None, bool, tuple[tuple[str, str | None, Node | None], ...] | None]:
        """(module, body, whether it is a lambda, parameters) of a function: its parameters as
        (kind, name, default value node), None when it has no parameter list. Read once per function,
        not at every call."""
        module = function.module
        shape = self._shapes.get(function.node)
        if shape is None or shape[0] is not module:
            node = function.node
            params = node.child_by_field_name("parameters")
            parameters: tuple[tuple[str, str | None, Node | None], ...] | None = None
            if params is not None:
                found: list[tuple[str, str | None, Node | None]] = []
                for param in params.named_children:
                    kind = param.type
                    if kind == "identifier":
                        found.append((kind, module.text(param), None))
                    elif kind in ("default_parameter", "typed_default_parameter"):
                        name_node = param.child_by_field_name("name")
                        name = module.text(name_node) if name_node is not None else "?"
                        found.append(("default_parameter", name, param.child_by_field_name("value")))
                    elif kind in ("dictionary_splat_pattern", "list_splat_pattern"):
                        inner = param.named_children[0] if param.named_children else None
                        found.append((kind, module.text(inner) if inner is not None else None, None))
                parameters = tuple(found)
            shape = self._shapes[node] = (
                module,
                node.child_by_field_name("body"),
                node.type == "lambda",
                parameters,
            )
        return shape  # type: ignore[return-value]

    def bind_parameters(
        self, function: Function, positional: list[Value], keywords: dict[str, Value], splat: bool
    ) -> dict[str, Value]:
        env: dict[str, Value] = {}
        params = self._function_shape(function)[3]
        remaining = dict(keywords)
        index = 0
        if params is None:
            return env
        frame: Frame | None = None  # for default values, made when one is needed (most calls pass all)
        for kind, param_name, default in params:
            if kind == "identifier":
                name: str = param_name  # type: ignore[assignment]
                if index < len(positional):
                    env[name] = positional[index]
                    index += 1
                else:
                    env[name] = remaining.pop(name, Unknown(f"parameter {name}"))
            elif kind == "default_parameter":
                name = param_name  # type: ignore[assignment]
                if index < len(positional):
                    env[name] = positional[index]
                    index += 1
                elif name in remaining:
                    env[name] = remaining.pop(name)
                elif splat:
                    env[name] = Unknown(f"parameter {name} (from **kwargs)")
                else:
                    if frame is None:
                        frame = Frame(function.module, {}, Collector(), MAX_DEPTH)
                    env[name] = self.eval(default, frame)
            elif kind == "dictionary_splat_pattern":
                if param_name is not None:
                    items = tuple(
                        (Str(MappedText(k, (None,) * len(k), None)), v, None, None)
                        for k, v in remaining.items()
                    )
                    env[param_name] = DictV(items + ((_OPEN, _OPEN, None, None),) if splat else items)
            elif kind == "list_splat_pattern":
                if param_name is not None:
                    env[param_name] = ListV(tuple(positional[index:]))
        return env

    def _rule_call(
        self,
        callee: Value,
        node: Node,
        keywords: dict[str, tuple[Node, Value]],
        frame: Frame,
        splat: bool = False,
        alternatives: tuple[str, ...] = (),
    ) -> Value:
        if isinstance(callee, SymbolicMacro) and isinstance(callee.implementation, Function):
            args = dict(callee.defaults) | {k: v for k, (_, v) in keywords.items()}
            self.call_function(
                callee.implementation,
                [],
                {k: (node, v) for k, v in args.items()},
                False,
                frame.collector,
                frame.depth + 1,
                frame.stack,
            )
            return Const(None)
        kind = (
            callee.name
            if isinstance(callee, (RuleClass, NativeRule))
            else callee.symbol
            if isinstance(callee, UnresolvedSymbol)
            else frame.module.text(node.child_by_field_name("function"))  # type: ignore[arg-type]
        )
        if isinstance(callee, UnresolvedMember) and callee.called:
            callee = UnresolvedSymbol(callee.label, callee.symbol)  # a rule the unavailable file made
        frame.collector.rule_calls.append(
            RuleCall(callee, kind, frame.module, node, keywords, splat, alternatives)
        )
        if isinstance(callee, (RuleClass, NativeRule)):
            return Const(None)  # instantiating a rule gives None
        # A name the model does not know, or a symbol of a file it cannot read: maybe a rule, maybe a
        # function whose value is read (`if not hasattr(cc_common, "...")`); its value is not None.
        if isinstance(callee, UnresolvedSymbol):  # what it made keeps where it came from
            return UnresolvedMember(f"value of {kind}()", callee.label, callee.symbol, called=True)
        return Unknown(f"value of {kind}()")

    def _method(
        self,
        method: BoundMethod,
        positional: list[tuple[Node, Value]],
        keywords: dict[str, tuple[Node, Value]],
        node: Node,
        frame: Frame,
    ) -> Value:
        receiver, name = method.receiver, method.name
        if isinstance(receiver, CfgBuilder):  # set(), extend(), resettable(), reset_on_attrs(): the builder
            if name == "build":  # the rule, and a second value its README calls internal
                return ListV((receiver.kind, Unknown("with_cfg's internal value")))
            return receiver
        if isinstance(receiver, Choice):
            return choice(
                [
                    self._method(BoundMethod(option, name), positional, keywords, node, frame)
                    for option in receiver.options
                ]
            )
        if isinstance(receiver, Str):
            if name == "format":
                return choice(
                    [
                        _format(
                            receiver,
                            list(zip([n for n, _ in positional], values, strict=True)),
                            named,
                            node,
                            frame,
                        )
                        for values, named in _argument_choices(positional, keywords)
                    ]
                )
            if name == "join":
                items = positional[0][1] if positional else None
                if isinstance(items, ListV) and any(isinstance(item, Choice) for item in items.items):
                    return choice(
                        [
                            self._method(method, [(positional[0][0], ListV(combination))], {}, node, frame)
                            for combination in _combinations(list(items.items))
                        ]
                    )
                if isinstance(items, ListV):
                    out: Value | None = None
                    for item in items.items:
                        piece = Str(as_text(item, frame.module, node))
                        out = piece if out is None else _add(_add(out, receiver), piece)
                    return out or Str(MappedText.empty(frame.module.source, node.start_byte))
                return Unknown("join")
            tested = _string_test(receiver, name, positional, keywords) or _string_search(
                receiver, name, positional, keywords
            )
            if tested is not None:
                return tested
            return Unknown(f"str.{name}")
        if isinstance(receiver, Ctx) and name in ("expand_location", "expand_make_variables") and positional:
            value = positional[0][1]
            if isinstance(value, Str):
                return Str(mask_make_variables(value.text))
            return value
        if isinstance(receiver, DictV) and name in ("items", "keys", "values") and not receiver.conditional:
            complete = all(k is not _OPEN for k, _, _, _ in receiver.items)  # no key a **splat hides
            if name == "keys":
                return ListV(tuple(k for k, _, _, _ in receiver.items), complete=complete)
            if name == "values":
                return ListV(tuple(v for _, v, _, _ in receiver.items), complete=complete)
            return ListV(tuple(ListV((k, v)) for k, v, _, _ in receiver.items), complete=complete)
        if isinstance(receiver, DictV) and name == "get" and positional:
            key = positional[0][1]
            if isinstance(key, Str):
                found = receiver.get(key.text.text)
                if found is not None:
                    return found
                return positional[1][1] if len(positional) > 1 else Const(None)
        return Unknown(f".{name}()")

    def _toolchain_types(self, toolchains: ListV, frame: Frame) -> Iterable[str]:
        """The toolchain types of `rule(toolchains = [...])`: label strings, and the names given to
        `config_common.toolchain_type(name, mandatory = ...)`
        (https://bazel.build/rules/lib/toplevel/config_common#toolchain_type)."""
        for item, node in zip(toolchains.items, toolchains.nodes, strict=False):
            if isinstance(item, Str):
                yield item.text.text
                continue
            callee = (
                node.child_by_field_name("function") if node is not None and node.type == "call" else None
            )
            if callee is None or not (callee.text or b"").endswith(b"toolchain_type"):
                continue
            if frame.module.source.data[node.start_byte : node.end_byte] != node.text:
                continue  # the list was written in another file: its nodes are not this frame's
            args = node.child_by_field_name("arguments")
            for arg in args.named_children if args is not None else []:
                name = arg.child_by_field_name("name") if arg.type == "keyword_argument" else None
                if name is not None and name.text != b"name":
                    continue
                value = self.eval(arg.child_by_field_name("value") if name is not None else arg, frame)
                if isinstance(value, Str):
                    yield value.text.text
                break

    def _builtin(
        self,
        name: str,
        positional: list[tuple[Node, Value]],
        keywords: dict[str, tuple[Node, Value]],
        node: Node,
        frame: Frame,
    ) -> Value:
        if name == "DefaultInfo" and "executable" in keywords:
            arg_node, value = keywords["executable"]
            frame.collector.executables.append((value, arg_node, frame.module))
            return Unknown("DefaultInfo")
        if name == "Label" and positional and isinstance(positional[0][1], Str):
            return _label_of_module(positional[0][1], frame.module)
        if name == "struct":
            return StructV({k: v for k, (_, v) in keywords.items()})
        if name == "rule":
            impl = keywords.get("implementation", (None, positional[0][1] if positional else Unknown()))[1]
            attrs: dict[str, AttrDecl] = {}
            attrs_value = keywords.get("attrs", (None, None))[1]
            if isinstance(attrs_value, DictV):
                for k, v, _, _ in attrs_value.items:
                    if isinstance(k, Str) and isinstance(v, _AttrValue):
                        attrs[k.text.text] = v.decl
            toolchains = keywords.get("toolchains", (None, None))[1]
            names: tuple[str, ...] = ()
            if isinstance(toolchains, ListV):
                names = tuple(self._toolchain_types(toolchains, frame))
            return RuleClass(
                frame.module,
                "",
                node,
                impl,
                attrs,
                _truthy(keywords.get("test")),
                _truthy(keywords.get("executable")),
                names,
            )
        if name == "macro":
            impl = keywords.get("implementation", (None, Unknown()))[1]
            attrs = keywords.get("attrs", (None, None))[1]
            defaults = tuple(
                (k.text.text, v.decl.default)
                for k, v, _, _ in (attrs.items if isinstance(attrs, DictV) else ())
                if isinstance(k, Str) and isinstance(v, _AttrValue) and v.decl.default is not None
            )
            return SymbolicMacro(frame.module, "", impl, defaults)
        if name == "subrule":
            return Subrule(
                keywords.get("implementation", (None, positional[0][1] if positional else Unknown()))[1]
            )
        if name == "type" and len(positional) == 1 and not keywords:
            return _type_of(positional[0][1])
        if name == "len" and len(positional) == 1 and not keywords:
            # Of text only: a list or dict may have grown through another name for it (a struct
            # field, an argument), which the model does not follow.
            text = _known_text(positional[0][1])
            if text is not None:
                return Const(len(text))
        if name == "bool" and len(positional) == 1 and not keywords:
            truth = known_truth(positional[0][1])
            return Const(truth) if truth is not None else Unknown("bool()")
        if name == "str" and positional:
            if isinstance(positional[0][1], LabelStr):
                return Unknown("str(Label(...))")
            return Str(as_text(positional[0][1], frame.module, node))
        if name in ("list", "tuple") and len(positional) <= 1 and not keywords:
            items = positional[0][1] if positional else ListV(())
            # A copy of a list is that list; of a Choice of lists, the same choice.
            if isinstance(items, ListV) or (
                isinstance(items, Choice) and all(isinstance(o, ListV) for o in items.options)
            ):
                return items
            return Unknown(f"{name}()")
        if name == "dict":
            base = positional[0][1] if positional else DictV(())
            if len(positional) > 1 or not isinstance(base, DictV):
                return Unknown("dict()")  # from pairs, or from something the model does not know
            added = DictV(
                tuple(
                    (Str(MappedText(k, (None,) * len(k), None)), v, None, None)
                    for k, (_, v) in keywords.items()
                )
            )
            return _union(base, added)
        if name == "range" and positional and all(isinstance(v, Const) for _, v in positional):
            bounds = [v.value for _, v in positional]  # type: ignore[attr-defined]
            if all(isinstance(b, int) and not isinstance(b, bool) for b in bounds) and len(bounds) <= 3:
                numbers = range(*bounds)  # type: ignore[arg-type]
                if len(numbers) <= MAX_LOOP_ITEMS:
                    return ListV(tuple(Const(n) for n in numbers))
                # Starlark has no `while`: `for i in range(BIG)` with a `break` is how it loops until
                # done. Running the body for its first MAX_LOOP_ITEMS numbers would cost that many
                # times the body and still not say how many times it runs; once with a number the
                # model does not know says the same.
                return ListV((Unknown("range item"),), complete=False)
        if name in ("sorted", "reversed") and positional and isinstance(positional[0][1], ListV):
            items, complete = positional[0][1].items, positional[0][1].complete
            if name == "reversed":
                return ListV(tuple(reversed(items)), complete=complete)
            if all(isinstance(item, Str) for item in items) and not keywords:
                ordered = tuple(sorted(items, key=lambda item: item.text.text))  # type: ignore[attr-defined]
                return ListV(ordered, complete=complete)
            return ListV(items, complete=complete)  # the order matters less to the model than the items
        if name == "enumerate" and positional and isinstance(positional[0][1], ListV):
            items, complete = positional[0][1].items, positional[0][1].complete
            return ListV(tuple(ListV((Const(i), item)) for i, item in enumerate(items)), complete=complete)
        if name == "select":
            # https://bazel.build/reference/be/functions#select: one of the dict's values, chosen by
            # the configuration, which the model does not know.
            branches = positional[0][1] if positional else None
            if isinstance(branches, DictV) and branches.items:
                return choice([value for _, value, _, _ in branches.items])
            return Unknown("select()")
        return Unknown(f"{name}()")

    def _output_file(self, key: str, collector: Collector, name: Value | None = None) -> OutputFile:
        """One OutputFile per declaration within an analysis, so writes and uses meet."""
        if key not in collector.outputs:
            filename = name.text.text if isinstance(name, Str) else None
            collector.outputs[key] = OutputFile(key, filename=filename)
        return collector.outputs[key]


def _splat_items(value: Value) -> list[tuple[str, Value, Node | None]]:
    """The keyword arguments `**value` passes that the model knows. Of a dict that an undecided `if`
    may have changed (a choice of dicts: `if cond: kwargs["x"] = y`), those every option holds alike."""
    if isinstance(value, DictV):
        return [(k.text.text, v, knode) for k, v, knode, _ in value.items if isinstance(k, Str)]
    if not isinstance(value, Choice) or not all(isinstance(option, DictV) for option in value.options):
        return []
    first, *others = [_splat_items(option) for option in value.options]
    held = [{k: v for k, v, _ in reversed(items)} for items in others]  # the first of a key counts
    return [(k, v, knode) for k, v, knode in first if all(options.get(k, _ABSENT) is v for options in held)]


def _merge_branches(envs: list[dict[str, Value]]) -> dict[str, Value]:
    """The names bound after an `if` the model cannot decide: a name each branch binds alike keeps its
    value; one bound differently (or in some branches only) is a choice among them."""
    merged = dict(envs[0])
    if len(envs) == 2:  # `if` without `else`, or `if`/`else`: most merges, one pass over the second env
        first, second = envs
        for name, value in second.items():
            if first.get(name, _ABSENT) is not value:
                merged[name] = choice([first[name], value] if name in first else [value])
        return merged
    for name in {name for env in envs[1:] for name in env}:
        values = [env[name] for env in envs if name in env]
        first = values[0]
        if len(values) < len(envs) or any(value is not first for value in values):
            merged[name] = choice(values)
    return merged


_ABSENT = object()


def _combinations(values: list[Value]) -> list[tuple[Value, ...]]:
    """Every combination of the options of `values` (each a choice or a plain value), at most
    MAX_CHOICES of them."""
    combinations: list[tuple[Value, ...]] = [()]
    for value in values:
        combinations = [(*done, option) for done in combinations for option in alternatives(value)]
        del combinations[MAX_CHOICES:]
    return combinations


def _argument_choices(
    positional: list[tuple[Node, Value]], keywords: dict[str, tuple[Node, Value]]
) -> list[tuple[tuple[Value, ...], dict[str, tuple[Node, Value]]]]:
    """The arguments of a call, once per combination of the choices among them."""
    names = list(keywords)
    out = []
    for combination in _combinations([v for _, v in positional] + [v for _, v in keywords.values()]):
        given = combination[: len(positional)]
        named = {
            name: (keywords[name][0], value)
            for name, value in zip(names, combination[len(positional) :], strict=True)
        }
        out.append((given, named))
    return out


def _union(left: DictV, right: DictV) -> DictV:
    """`left | right`: the keys of both, the values of `right` where both have a key."""
    keys = {k.text.text for k, *_ in right.items if isinstance(k, Str)}
    kept = tuple(item for item in left.items if not (isinstance(item[0], Str) and item[0].text.text in keys))
    return DictV(kept + right.items, conditional=left.conditional or right.conditional)


def _maybe(value: Value, frame: Frame) -> Value:
    """`value` as bound or returned in `frame`: marked conditional inside an undecided branch."""
    if frame.undecided and isinstance(value, DictV) and not value.conditional:
        return DictV(value.items, conditional=True)
    return value


_DOCSTRINGS = frozenset({"string", "concatenated_string"})


def _expression_parts(statement: Node) -> tuple[tuple[str, Node], ...]:
    return tuple((child.type, child) for child in statement.named_children)


# What an entry of an argument list is (_argument_shape).
_KEYWORD, _DICTIONARY_SPLAT, _LIST_SPLAT, _POSITIONAL = range(4)


def _argument_shape(args: Node, module: ModuleModel) -> tuple[tuple[int, Node, str | None, Node | None], ...]:
    """The entries of an argument list as (kind, argument, keyword, value node); a keyword argument
    without its name or value, and comments, are left out."""
    entries: list[tuple[int, Node, str | None, Node | None]] = []
    for arg in args.named_children:
        kind = arg.type
        if kind == "keyword_argument":
            name = arg.child_by_field_name("name")
            value = arg.child_by_field_name("value")
            if name is not None and value is not None:
                entries.append((_KEYWORD, arg, module.text(name), value))
        elif kind == "dictionary_splat":
            entries.append(
                (_DICTIONARY_SPLAT, arg, None, arg.named_children[0] if arg.named_children else None)
            )
        elif kind == "list_splat":
            entries.append((_LIST_SPLAT, arg, None, None))
        elif kind != "comment":
            entries.append((_POSITIONAL, arg, None, None))
    return tuple(entries)


_MUTATIONS = frozenset({"append", "extend", "update", "setdefault", "pop"})
MAX_LOOP_ITEMS = 256
# The attributes of a target the model reads; the others are not evaluated (a large BUILD file is
# mostly srcs and deps lists).
TARGET_ATTRIBUTES = frozenset(
    {"name", "tags", "cmd", "cmd_bash", "local", "stamp", "env_inherit", "testonly"}
)
# bazel_skylib's write_file (aspect_bazel_lib re-exports it): macros write test scripts with it, whose
# text is its `content` (model._written_file_script).
WRITE_FILE_ATTRIBUTES = frozenset({"out", "content"})
# Native rules whose other attributes the model reads too: the script of sh_* (and the sh_binary programs
# an sh_test's data holds), what a filegroup or alias
# stands for (to follow a script named through one), the files a genrule writes (a script it writes
# with a here-document), a C++ rule's compiler and linker flags.
_CC_FLAGS = TARGET_ATTRIBUTES | {"copts", "linkopts", "includes"}
NATIVE_RULE_ATTRIBUTES = {
    "sh_test": TARGET_ATTRIBUTES | {"srcs", "data", "args"},
    "sh_binary": TARGET_ATTRIBUTES | {"srcs"},
    "filegroup": TARGET_ATTRIBUTES | {"srcs"},
    "alias": TARGET_ATTRIBUTES | {"actual"},
    "genrule": TARGET_ATTRIBUTES | {"outs", "tools"},
    "cc_binary": _CC_FLAGS,
    "cc_library": _CC_FLAGS,
    "cc_test": _CC_FLAGS,
}
NOT_EVALUATED = Unknown("not evaluated")


@lru_cache(maxsize=4096)  # asked for at every call of the rule; RuleClass hashes by identity
def _read_attributes(rule: RuleClass) -> frozenset[str]:
    """The attributes of a custom rule's target the model evaluates."""
    return TARGET_ATTRIBUTES | tool_attributes(rule)


def tool_attributes(rule: RuleClass) -> frozenset[str]:
    """A custom rule's attributes that name programs its actions run (`executable = True` or
    `cfg = "exec"` labels): the model reads them to know what each target runs."""
    return frozenset(
        name
        for name, decl in rule.attrs.items()
        if decl.kind in ("label", "label_list") and (decl.executable or decl.cfg == "exec")
    )


_EVALUATORS: dict[str, Callable[[Interpreter, Node, Frame], Value]] = {
    "string": Interpreter._literal,
    "concatenated_string": Interpreter._string,
    "identifier": Interpreter._identifier,
    "call": Interpreter._call,
    "attribute": Interpreter._attribute,
    "true": lambda _self, _node, _frame: Const(True),
    "false": lambda _self, _node, _frame: Const(False),
    "none": lambda _self, _node, _frame: Const(None),
    "integer": Interpreter._integer,
    "parenthesized_expression": Interpreter._parenthesized,
    "list": Interpreter._sequence,
    "tuple": Interpreter._sequence,
    "dictionary": Interpreter._dictionary,
    "binary_operator": Interpreter._binary,
    "subscript": Interpreter._subscript,
    "conditional_expression": Interpreter._conditional,
    "list_comprehension": Interpreter._comprehension,
    "dictionary_comprehension": lambda _self, _node, _frame: Unknown("comprehension"),
    "lambda": Interpreter._lambda,
    "boolean_operator": Interpreter._boolean,
    "comparison_operator": Interpreter._compare,
    "not_operator": Interpreter._not,
    "unary_operator": Interpreter._unary,
}

_NOT_CONSTANT = object()


def _constant(value: Value) -> object:
    """A value as a Python constant (int, bool, None, str, tuple of those), or _NOT_CONSTANT."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Str):
        return value.text.text if value.static else _NOT_CONSTANT
    if isinstance(value, ListV):
        items = tuple(_constant(item) for item in value.items)
        return _NOT_CONSTANT if any(item is _NOT_CONSTANT for item in items) else items
    return _NOT_CONSTANT


def _operand_truth(value: Value) -> bool | None:
    """The truth of an `and`/`or` operand: a list or dict the model knows whole is true when it has
    items (`tags or []`, `[] or defaults`)."""
    if isinstance(value, ListV) or (isinstance(value, DictV) and not value.conditional):
        return bool(value.items)
    return known_truth(value)


def _rule_kind(callee: Value) -> str:
    if isinstance(callee, (RuleClass, NativeRule)):
        return callee.name
    return callee.symbol if isinstance(callee, UnresolvedSymbol) else "?"


def _is_int(value: Value) -> bool:
    return isinstance(value, Const) and type(value.value) is int


# Starlark's int operators (https://bazel.build/rules/lib/core/int): `//` and `%` round towards
# minus infinity, as Python's do; `/` gives a float, which the model does not hold.
_INT_OPERATORS = frozenset({"+", "-", "*", "//", "%"})


def _int_arithmetic(op: str, left: int, right: int) -> Value:
    if op in ("//", "%") and right == 0:
        return Unknown("division by zero")  # an error in Starlark
    if op == "+":
        return Const(left + right)
    if op == "-":
        return Const(left - right)
    if op == "*":
        return Const(left * right)
    return Const(left // right if op == "//" else left % right)


_MESSAGES = frozenset({"fail", "print"})
_RETURN, _BREAK, _CONTINUE = "return", "break", "continue"
_LOOP_JUMPS = {"break_statement": _BREAK, "continue_statement": _CONTINUE}


def _is_with_cfg(symbol: UnresolvedSymbol) -> bool:
    """`with_cfg` of the with_cfg.bzl module (`load("@with_cfg.bzl", "with_cfg")`)."""
    return symbol.symbol == "with_cfg" and repository_of(symbol.label) == "with_cfg.bzl"


def _knows_its_context(env: dict[str, Value]) -> bool:
    """Whether a call gave the function a rule's `ctx` or `actions` the model knows. A function
    reached only without one (rules_apple's `ctx = common_variables.ctx`, a struct of an unavailable
    repository) registered no action the model saw: it is analyzed on its own, as a helper, too."""
    for name, kind in (("ctx", Ctx), ("actions", Actions)):
        value = env.get(name)
        if isinstance(value, kind) or (
            isinstance(value, Choice) and any(isinstance(option, kind) for option in value.options)
        ):
            return True
    return False


def _every_item_known(items: Value) -> bool:
    """Whether a loop over `items` runs once per item of `_loop_items`, neither more nor fewer times."""
    return isinstance(items, ListV) and items.complete and 0 < len(items.items) <= MAX_LOOP_ITEMS


def _loop_items(items: Value) -> list[Value]:
    if isinstance(items, ListV) and items.items:
        return list(items.items[:MAX_LOOP_ITEMS])
    return [Unknown("loop item")]


def _kw_value(call: ActionCall, name: str) -> Value | None:
    if name in call.kwargs:
        return call.kwargs[name][1]
    return call.positional[0][1] if call.positional else None


@dataclass(frozen=True, eq=False)
class _AttrValue(Value):
    decl: AttrDecl


_OPEN = Unknown("more keyword arguments")


def _attr_value(kind: str, keywords: dict[str, tuple[Node, Value]]) -> Value:
    default = keywords.get("default", (None, None))[1]
    cfg = keywords.get("cfg", (None, None))[1]
    return _AttrValue(
        AttrDecl(
            kind,
            default,
            _truthy(keywords.get("executable")),
            cfg.text.text if isinstance(cfg, Str) else None,
        )
    )


def _truthy(entry: tuple[Node, Value] | None) -> bool:
    return entry is not None and isinstance(entry[1], Const) and bool(entry[1].value)


def _describe(value: Value) -> str:
    if isinstance(value, Declared):
        return value.how
    if isinstance(value, OutputFile):
        return "output"
    return "value"


def as_text(value: Value, module: ModuleModel, node: Node) -> MappedText:
    """The text a value contributes to a string; opaque holes anchor at `node`."""
    if isinstance(value, Str):
        return value.text
    if isinstance(value, Const) and value.value is not None:
        text = str(value.value)  # True, False and integers print as Starlark prints them
        return MappedText.opaque(str(text), module.source, node.start_byte)
    if isinstance(value, (Declared, OutputFile)):
        return MappedText.opaque(DECLARED_TOKEN + declared_hint(value), module.source, node.start_byte)
    return MappedText.opaque(OPAQUE_TOKEN, module.source, node.start_byte)


PATH_FIELDS = {"path", "short_path", "dirname", "basename", "root", "files_to_run", "executable", "[...]"}


_LOCATION_VARIABLE = re.compile(r"\$\((?:location|execpath|rootpath)s?\s+([^)\s]+)\s*\)")


def _make_variable_hint(variable: str) -> str:
    """`docker__` for `$(location @multitool//tools/docker)`: which declared program a genrule runs."""
    found = _LOCATION_VARIABLE.fullmatch(variable)
    if found is None:
        return ""
    name = found.group(1).rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    hint = "".join(c if c.isalnum() else "_" for c in name).strip("_")
    return f"{hint}__" if hint else ""


def declared_hint(value: Value) -> str:
    """`tofu__` for ctx.executable._tofu.path: lets shell rules know which declared program runs."""
    if not isinstance(value, Declared):
        return ""
    parts = [p for p in value.how.replace("[...]", ".").split(".") if p and p not in PATH_FIELDS]
    if not parts:
        return ""
    hint = "".join(c for c in parts[-1].lstrip("_") if c.isalnum() or c == "_")
    return f"{hint}__" if hint and parts[-1] not in ("ctx", "toolchain") else ""


def _add(left: Value, right: Value) -> Value:
    if isinstance(left, Choice) or isinstance(right, Choice):
        return choice([_add(a, b) for a in alternatives(left) for b in alternatives(right)])
    if isinstance(left, Str) and isinstance(right, Str):
        return Str(left.text + right.text)
    if isinstance(left, Str) and isinstance(right, (Declared, OutputFile, Unknown)):
        return Str(
            left.text
            + MappedText.opaque(
                DECLARED_TOKEN if not isinstance(right, Unknown) else OPAQUE_TOKEN,
                left.text.source,
                left.text.origin(len(left.text.text)),
            )
        )
    if isinstance(right, Str) and isinstance(left, (Declared, OutputFile, Unknown)):
        token = DECLARED_TOKEN if not isinstance(left, Unknown) else OPAQUE_TOKEN
        return Str(MappedText.opaque(token, right.text.source, right.text.origin(0)) + right.text)
    if isinstance(left, ListV) and isinstance(right, ListV):
        return ListV(left.items + right.items, left.nodes + right.nodes, left.complete and right.complete)
    return Unknown("+")


# String methods that answer a yes or no about a string's characters (Starlark's are Python's,
# https://bazel.build/rules/lib/core/string): decided here for text the model knows in full, so that a
# branch on them (`if c.isdigit():` in a version parser walking a string) runs one way, not both.
_STRING_PREDICATES = frozenset(("isalnum", "isalpha", "isdigit", "islower", "isspace", "istitle", "isupper"))


def _type_of(value: Value) -> Value:
    """`type(x)` where the model knows what x is (https://bazel.build/rules/lib/globals/all#type). A
    list and a tuple are one kind of value in the model: their type is unknown."""
    names = {_type_name(option) for option in alternatives(value)}
    name = names.pop() if len(names) == 1 else None
    return Str(MappedText(name, (None,) * len(name), None)) if name else Unknown("type()")


def _type_name(value: Value) -> str | None:
    if isinstance(value, LabelStr):
        return "Label"
    if isinstance(value, Str):
        return "string"
    if isinstance(value, Const):
        return "NoneType" if value.value is None else "bool" if isinstance(value.value, bool) else "int"
    if isinstance(value, DictV):
        return "dict"
    if isinstance(value, StructV):
        return "struct"
    if isinstance(value, Function):
        return "function"
    return None


def _known_text(value: Value) -> str | None:
    """The text of a string the model knows in full (no declared or opaque part), ASCII only: the
    character classes of the rest are Unicode's, which Starlark implementations need not agree on."""
    if not isinstance(value, Str) or isinstance(value, LabelStr):
        return None
    text = value.text.text
    if DECLARED_TOKEN in text or OPAQUE_TOKEN in text or not text.isascii():
        return None
    return text


def _sliced(value: Value, bounds: tuple[int | None, int | None] | None) -> Value:
    """`s[a:b]` for text the model knows in full (Python's slice rules). Not of lists: a list may
    have grown through another name for it, which the model does not follow."""
    if bounds is None or not isinstance(value, Str) or _known_text(value) is None:
        return Unknown("slice")
    start, stop, _ = slice(*bounds).indices(len(value.text.text))
    return Str(value.text.slice(start, max(start, stop)))


def _string_search(
    receiver: Str, name: str, positional: list[tuple[Node, Value]], keywords: dict[str, tuple[Node, Value]]
) -> Value | None:
    """`s.find(x)`, `s.rfind(x)`, `s.index(x)`, `s.rindex(x)` for known text and a known x."""
    text = _known_text(receiver)
    if text is None or keywords or len(positional) != 1 or name not in ("find", "rfind", "index", "rindex"):
        return None
    needle = _known_text(positional[0][1])
    if needle is None:
        return None
    found = text.rfind(needle) if name in ("rfind", "rindex") else text.find(needle)
    return Const(found) if found >= 0 or name in ("find", "rfind") else Unknown(f".{name}()")


def _string_test(
    receiver: Str, name: str, positional: list[tuple[Node, Value]], keywords: dict[str, tuple[Node, Value]]
) -> Value | None:
    """`s.isdigit()` and the like, `s.startswith(x)` and `s.endswith(x)` (x a string or a tuple of
    strings), for known text; None otherwise."""
    text = _known_text(receiver)
    if text is None or keywords:
        return None
    if name in _STRING_PREDICATES and not positional:
        return Const(getattr(text, name)())
    if name in ("startswith", "endswith") and len(positional) == 1:
        argument = positional[0][1]
        options = argument.items if isinstance(argument, ListV) else (argument,)
        texts = [_known_text(option) for option in options]
        if not texts or any(t is None for t in texts):
            return None
        test = text.startswith if name == "startswith" else text.endswith
        return Const(any(test(t) for t in texts if t is not None))
    return None


def _format(
    template: Str,
    positional: list[tuple[Node, Value]],
    keywords: dict[str, tuple[Node, Value]],
    node: Node,
    frame: Frame,
) -> Value:
    text = template.text
    raw = text.text
    pieces: list[MappedText] = []  # joined once at the end: adding a character at a time is quadratic
    literal = 0  # where the pending run of literal text starts
    i = 0
    auto = 0
    while True:
        brace = _BRACE.search(raw, i)  # only braces matter: skip the literal text between them at once
        if brace is None:
            break
        i = brace.start()
        ch = raw[i]
        if i + 1 < len(raw) and raw[i + 1] == ch:
            pieces.append(text.slice(literal, i + 1))  # `{{` is one `{`
            i += 2
            literal = i
            continue
        if ch == "{":
            close = raw.find("}", i)
            if close == -1:
                return Unknown("bad format string")
            field_name = raw[i + 1 : close].split("!")[0].split(":")[0]
            if field_name == "":
                value = positional[auto][1] if auto < len(positional) else Unknown()
                arg_node = positional[auto][0] if auto < len(positional) else node
                auto += 1
            elif field_name.isdigit():
                n = int(field_name)
                value = positional[n][1] if n < len(positional) else Unknown()
                arg_node = positional[n][0] if n < len(positional) else node
            else:
                entry = keywords.get(field_name)
                value = entry[1] if entry else Unknown(f"format field {field_name}")
                arg_node = entry[0] if entry else node
            piece = as_text(value, frame.module, arg_node)
            if piece.source is not text.source or not isinstance(value, Str):
                piece = MappedText(piece.text, (None,) * len(piece.text), text.source, text.origin(i))
            pieces += [text.slice(literal, i), piece]
            i = close + 1
            literal = i
            continue
        i += 1
    pieces.append(text.slice(literal, len(raw)))
    return Str(MappedText.join(pieces, text.source, text.anchor))


_BRACE = re.compile(r"[{}]")


def _percent(template: Str, right: Value, node: Node, frame: Frame) -> Value:
    values = list(right.items) if isinstance(right, ListV) else [right]
    text = template.text
    raw = text.text
    pieces: list[MappedText] = []
    literal = 0
    i = 0
    while True:
        i = raw.find("%", i)  # only `%` matters: skip the literal text between them at once
        if i == -1:
            break
        if i + 1 < len(raw):
            spec = raw[i + 1]
            if spec == "%":
                pieces.append(text.slice(literal, i + 1))  # `%%` is one `%`
                i += 2
                literal = i
                continue
            if spec in "sdr" and values:
                value = values.pop(0)
                piece = as_text(value, frame.module, node)
                if not isinstance(value, Str) or piece.source is not text.source:
                    piece = MappedText(piece.text, (None,) * len(piece.text), text.source, text.origin(i))
                pieces += [text.slice(literal, i), piece]
                i += 2
                literal = i
                continue
        i += 1
    pieces.append(text.slice(literal, len(raw)))
    return Str(MappedText.join(pieces, text.source, text.anchor))


_QUOTES = frozenset(b"\"'")


def _maybe_f_string(node: Node, module: ModuleModel) -> bool:
    """Only a literal with an f prefix can hold interpolations (not Starlark, but the Python fallback grammar parses them)."""
    if node.type == "concatenated_string":
        return True
    if module.source.data[node.start_byte] in _QUOTES:
        return False  # no prefix at all: the common case
    head = module.source.data[node.start_byte : node.start_byte + 3]
    return b"f" in head.split(b'"')[0].split(b"'")[0].lower()


def _label_of_module(text: Str, module: ModuleModel) -> LabelStr:
    """`Label("//x:y")` in a .bzl file names a target of the .bzl file's repository, wherever the
    macro is called (https://bazel.build/rules/lib/builtins/Label#Label): the label as a string a
    BUILD file of any repository reads the same way."""
    value = text.text.text
    if value.startswith(":"):
        value = f"//{module.package}{value}"
    elif not value.startswith(("//", "@")):
        value = f"//{module.package}:{value}"
    if value.startswith("//") and module.repo.name:  # an external or a nested repository's
        value = f"@{module.repo.name}{value}"
    if value == text.text.text:
        return LabelStr(text.text)
    return LabelStr(MappedText(value, (None,) * len(value), None))


def mask_make_variables(text: MappedText) -> MappedText:
    """Replace Bazel make variables with declared-path tokens and un-escape `$$`.

    https://bazel.build/reference/be/make-variables
    """
    raw = text.text
    if "$" not in raw:
        return text
    pieces: list[MappedText] = []
    i = 0
    start = 0
    while True:
        i = raw.find("$", i)
        if i == -1 or i + 1 >= len(raw):
            break
        nxt = raw[i + 1]
        if nxt == "$":
            pieces.append(text.slice(start, i + 1))
            i += 2
            start = i
            continue
        end = -1
        if nxt == "(":
            depth = 0
            j = i + 1
            while j < len(raw):
                if raw[j] == "(":
                    depth += 1
                elif raw[j] == ")":
                    depth -= 1
                    if depth == 0:
                        end = j + 1
                        break
                j += 1
        elif nxt in "@<^":
            end = i + 2
        if end == -1:
            i += 1
            continue
        word = DECLARED_TOKEN + _make_variable_hint(raw[i:end])
        token = MappedText(word, (text.offsets[i],) * len(word), text.source, text.origin(i))
        pieces += [text.slice(start, i), token]
        i = end
        start = end
    pieces.append(text.slice(start, len(raw)))
    return MappedText.join(pieces, text.source, text.anchor)
