"""Targets: every rule instantiation in every BUILD file, through macros and native rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from hermetic_scan.labels import Label, LabelError, parse_label
from hermetic_scan.model.evaluate import Collector, Frame, Interpreter, RuleCall, mask_make_variables
from hermetic_scan.model.modules import ModuleModel
from hermetic_scan.model.values import Const, ListV, RuleClass, Str, Unknown, Value, alternatives
from hermetic_scan.source import MappedText


@dataclass(eq=False, slots=True)
class Target:
    label: Label
    kind: str
    build: ModuleModel
    call: RuleCall
    top_node: Node  # the statement in the BUILD file that created it (macro call or rule call)
    generator: str | None  # name of the macro that created it
    tags: list[str] = field(default_factory=list)
    tags_node: Node | None = None
    # Asked for by every rule and verdict, tens of thousands of times: computed once, up front.
    text: str = field(init=False)  # the label as written in reports
    key: str = field(init=False)
    is_test: bool = field(init=False)
    _genrule_commands: list[Str] | None = field(init=False, default=None)  # None: not computed yet

    def __post_init__(self) -> None:
        self.text = str(self.label)
        self.key = f"target:{self.text}"
        callee = self.call.callee
        self.is_test = callee.test if isinstance(callee, RuleClass) else self.kind.endswith("_test")

    @property
    def callee(self) -> Value:
        return self.call.callee

    def attr(self, name: str) -> Value | None:
        entry = self.call.kwargs.get(name)
        return entry[1] if entry else None

    def attr_node(self, name: str) -> Node | None:
        entry = self.call.kwargs.get(name)
        return entry[0] if entry else None

    @property
    def genrule_commands(self) -> list[Str]:
        """The genrule's command, one per choice (a `select()`, a conditional), with make variables
        masked (computed once)."""
        if self._genrule_commands is None:
            self._genrule_commands = _genrule_commands(self)
        return self._genrule_commands

    def tag_nodes(self, tag: str) -> list[Node]:
        """Where `tag` is written in this target's tags (string literals), or the tags argument itself."""
        if tag not in self.tags or self.tags_node is None:
            return []
        found = []
        stack = [self.tags_node.child_by_field_name("value") or self.tags_node]
        while stack:
            node = stack.pop()
            if node.type == "string" and self.call_module.text(node).strip("\"'") == tag:
                found.append(node)
            stack.extend(node.named_children)
        return sorted(found, key=lambda n: n.start_byte) or [self.tags_node]

    @property
    def call_module(self) -> ModuleModel:
        """The file holding the rule call: the BUILD file, or the .bzl of the macro that made it."""
        return self.call.module

    def bool_attr(self, name: str) -> bool:
        value = self.attr(name)
        return isinstance(value, Const) and bool(value.value)


def targets_of_build_file(interpreter: Interpreter, build: ModuleModel) -> list[Target]:
    interpreter.loader.resolve_loads(build)
    targets: list[Target] = []
    loads = {node.start_byte for node in build.load_nodes}  # resolved by the loader: nothing to evaluate
    for statement in build.root.named_children:
        if statement.type != "expression_statement" or statement.start_byte in loads:
            continue
        collector = Collector()
        frame = Frame(build, {}, collector, 0)
        interpreter.run_statement(statement, frame)
        generator = None
        top_call = statement.named_children[0] if statement.named_children else None
        if top_call is not None and top_call.type == "call":
            fn = top_call.child_by_field_name("function")
            generator = build.text(fn) if fn is not None else None
        for call in collector.rule_calls:
            name = call.kwargs.get("name")
            if name is None:
                continue
            # A name chosen by a condition the model cannot decide: each option may be the target.
            for option in alternatives(name[1]):
                target_name = _readable_name(option.text.text) if isinstance(option, Str) else ""
                if not target_name or ":" in target_name:
                    # https://bazel.build/concepts/labels#target-names: no `:` in a target's name.
                    # Such a name is an option Bazel would reject (a branch the model could not
                    # decide, e.g. a label cut into a name), not a target.
                    continue
                macro = generator if call.node is not top_call else None
                target = Target(
                    Label(build.repo.name, build.package, target_name),
                    call.kind,
                    build,
                    call,
                    statement,
                    macro,
                )
                tags = call.kwargs.get("tags")
                if tags is not None and isinstance(tags[1], ListV):
                    target.tags = [t.text.text for t in tags[1].items if isinstance(t, Str)]
                    target.tags_node = tags[0]
                targets.append(target)
    return targets


def _readable_name(name: str) -> str:
    """A target name with computed parts shown as `*` (e.g. `*_moc` for `h.split(".")[0] + "_moc"`)."""
    return _COMPUTED_PART.sub("*", name) if "__hs_" in name else name


# Only a declared program's token carries a name hint (`__hs_declared__docker__`); an opaque one is
# followed by the name's own text, which may start with `__`.
_COMPUTED_PART = re.compile(r"__hs_opaque__|__hs_declared__(?:[A-Za-z0-9_]*?__)?")


def _genrule_commands(target: Target) -> list[Str]:
    for attribute in ("cmd_bash", "cmd"):
        value = target.attr(attribute)
        commands = [
            Str(mask_make_variables(o.text)) for o in alternatives(value or Unknown()) if isinstance(o, Str)
        ]
        if commands:
            return commands
    return []


def script_labels(target: Target) -> list[tuple[Label, Node]]:
    """Labels in `srcs` of an sh_test / sh_binary (the first is the script Bazel runs)."""
    srcs = target.attr("srcs")
    if not isinstance(srcs, ListV):
        return []
    out = []
    for item, node in zip(srcs.items, srcs.nodes, strict=False):
        if isinstance(item, Str) and item.static:
            try:
                out.append((parse_label(item.text.text, target.label.repo, target.label.package), node))
            except LabelError:
                continue
    return out


__all__ = ["MappedText", "Target", "script_labels", "targets_of_build_file"]
