"""Abstract values of the Starlark evaluator. Anything it cannot know is `Unknown` or an opaque hole."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hermetic_scan.source import DECLARED_TOKEN, OPAQUE_TOKEN, MappedText

if TYPE_CHECKING:
    from tree_sitter import Node

    from hermetic_scan.model.modules import ModuleModel


class Value:
    # Values are created by the hundred thousand: slotted, and not frozen (a frozen dataclass's
    # __init__ costs about five times as much). Nothing mutates them.
    __slots__ = ()


@dataclass(eq=False, slots=True)
class Str(Value):
    text: MappedText

    @property
    def static(self) -> bool:
        return None not in self.text.offsets or (
            DECLARED_TOKEN not in self.text.text and OPAQUE_TOKEN not in self.text.text
        )


@dataclass(eq=False, slots=True)
class LabelStr(Str):
    """A `Label("//x:y")` object, held as the label text a BUILD file of any repository reads the same
    way. Where a string is taken from it (`str(Label(...))`), Bazel gives the canonical form, which
    depends on Bzlmod (`@@//x:y`, `@@rules_x+//x:y`): the model does not know it."""


@dataclass(unsafe_hash=True, slots=True)
class Const(Value):
    value: bool | int | None


@dataclass(unsafe_hash=True, slots=True)
class Unknown(Value):
    why: str = "not statically known"


@dataclass(unsafe_hash=True, slots=True)
class Ctx(Value):
    pass


@dataclass(unsafe_hash=True, slots=True)
class CtxField(Value):
    name: str  # "attr", "file", "files", "executable", "outputs", "toolchains", "configuration", ...


@dataclass(unsafe_hash=True, slots=True)
class Actions(Value):
    pass


@dataclass(unsafe_hash=True, slots=True)
class ActionFn(Value):
    kind: str  # run, run_shell, write, expand_template, symlink, declare_file, args, ...


@dataclass(unsafe_hash=True, slots=True)
class Declared(Value):
    """A file or path the rule declares: ctx.file.x, ctx.executable.x, a toolchain's tool."""

    how: str  # e.g. "ctx.executable.tofu", "toolchain", "ctx.attr.srcs"
    attr: str | None = None


@dataclass(eq=False, slots=True)
class OutputFile(Value):
    """A file declared with ctx.actions.declare_file (or ctx.outputs.executable)."""

    key: str  # identity within one implementation analysis
    script: list[Script] = field(default_factory=list)  # filled when written
    filename: str | None = None  # as declared, when static


@dataclass(eq=False, slots=True)
class Script:
    """Shell text written to a file by ctx.actions.write or expand_template."""

    text: MappedText
    is_executable: bool
    origin: str  # "write" or "expand_template"


@dataclass(eq=False, slots=True)
class Function(Value):
    module: ModuleModel
    node: Node
    name: str


@dataclass(eq=False, slots=True)
class RuleClass(Value):
    module: ModuleModel
    name: str
    node: Node  # the rule(...) call
    implementation: Value
    attrs: dict[str, AttrDecl]
    test: bool
    executable: bool
    toolchains: tuple[str, ...]
    key: str = field(init=False)  # asked for once per target and per finding: built once

    def __post_init__(self) -> None:
        self.key = f"rule:{self.module.display_path}:{self.name}"


@dataclass(eq=False, slots=True)
class SymbolicMacro(Value):
    module: ModuleModel
    name: str
    implementation: Value
    # Attribute defaults the implementation receives when the caller passes none
    # (https://bazel.build/extending/macros#attributes).
    defaults: tuple[tuple[str, Value], ...] = ()


@dataclass(eq=False, slots=True)
class Subrule(Value):
    """`subrule(implementation = f)`: called from a rule implementation, `f` gets a ctx of its own first
    (https://bazel.build/rules/lib/globals/bzl#subrule)."""

    implementation: Value


@dataclass(unsafe_hash=True, slots=True)
class AttrDecl:
    kind: str  # label, label_list, string, bool, ...
    default: Value | None
    executable: bool
    cfg: str | None


@dataclass(unsafe_hash=True, slots=True)
class AttrFactory(Value):
    kind: str


@dataclass(eq=False, slots=True)
class ListV(Value):
    items: tuple[Value, ...]
    nodes: tuple[Node | None, ...] = ()
    # False when the items stand for a list the model does not know all of (a comprehension over
    # unknown items or with a condition it cannot decide, a range longer than MAX_LOOP_ITEMS): it may
    # hold other items, more or fewer, or none.
    complete: bool = True


@dataclass(eq=False, slots=True)
class DictV(Value):
    items: tuple[tuple[Value, Value, Node | None, Node | None], ...]
    # Bound or returned under a condition the model could not decide: the dict may not be the one
    # in use. Findings still read it; what it would waive (execution requirements) does not count.
    conditional: bool = False

    def get(self, key: str) -> Value | None:
        for k, v, _, _ in self.items:
            if isinstance(k, Str) and k.text.text == key:
                return v
        return None


@dataclass(eq=False, slots=True)
class StructV(Value):
    fields: dict[str, Value]


@dataclass(unsafe_hash=True, slots=True)
class Native(Value):
    """The `native` module inside macros."""


@dataclass(unsafe_hash=True, slots=True)
class NativeRule(Value):
    name: str


@dataclass(unsafe_hash=True, slots=True)
class Builtin(Value):
    name: str  # DefaultInfo, struct, rule, select, ...


@dataclass(eq=False, slots=True)
class BoundMethod(Value):
    receiver: Value
    name: str


@dataclass(eq=False, slots=True)
class CfgBuilder(Value):
    """with_cfg.bzl's builder, `with_cfg(kind)`: its `build()` gives a rule to use "just like" `kind`,
    with other Bazel settings applied through a transition (https://github.com/fmeum/with_cfg.bzl).
    Settings do not change what the rule's actions run, so its targets are judged as `kind`'s."""

    kind: Value


@dataclass(unsafe_hash=True, slots=True)
class UnresolvedSymbol(Value):
    """A name bound by a load() whose file could not be found."""

    label: str
    symbol: str


@dataclass(unsafe_hash=True, slots=True)
class UnresolvedMember(Unknown):
    """A member of a name loaded from a file that could not be found (`analysistest.make`), or what
    calling it returned (`called`). Unknown like any value the model cannot read, but a rule made by
    such a call (`my_test = analysistest.make(_impl)`) keeps where it came from, so its targets can be
    judged by the knowledge base (symbol `analysistest.make`) instead of "not defined or loaded"."""

    label: str = ""
    symbol: str = ""
    called: bool = False


@dataclass(eq=False, slots=True)
class Choice(Value):
    """One of several values where the model cannot tell which: the branches of `x if c else y`, of an
    `if` the model cannot decide, or of a `select()`. A hazard in any option counts."""

    options: tuple[Value, ...]


# Options kept per choice (and per combination of choices): enough for the branches people write,
# bounded so that a chain of choices cannot multiply without end.
MAX_CHOICES = 8


def choice(values: tuple[Value, ...] | list[Value]) -> Value:
    """The value that is one of `values` (nested choices flattened, repeats dropped)."""
    options: list[Value] = []
    for value in values:
        for option in value.options if isinstance(value, Choice) else (value,):
            if len(options) < MAX_CHOICES:
                for seen in options:  # a loop, not any(): choice() is made for every merged branch
                    if option is seen:
                        break
                else:
                    options.append(option)
    return options[0] if len(options) == 1 else Choice(tuple(options))


def alternatives(value: Value) -> tuple[Value, ...]:
    """The options a value may be: its choices, or the value alone."""
    return value.options if isinstance(value, Choice) else (value,)


def known_truth(value: Value) -> bool | None:
    """Starlark's truth of `value`, where the model knows it exactly: a constant, or a string with no
    part of unknown origin; None otherwise."""
    if isinstance(value, Choice):
        truths = {known_truth(option) for option in value.options}
        return truths.pop() if len(truths) == 1 else None
    if isinstance(value, Const):
        return bool(value.value)
    if isinstance(value, Str) and None not in value.text.offsets:
        return bool(value.text.text)
    return None
