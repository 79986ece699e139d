"""Abstract values of the Starlark evaluator. Anything it cannot know is `Unknown` or an opaque hole."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hermetic_scan.source import MappedText

if TYPE_CHECKING:
    from tree_sitter import Node

    from hermetic_scan.model.modules import ModuleModel

# Tokens standing for values the evaluator cannot see, inside shell text. The shell analysis
# treats a command word containing one as a declared (or at least not ambient) program.
DECLARED_TOKEN = "__hs_declared__"
OPAQUE_TOKEN = "__hs_opaque__"


class Value:
    pass


@dataclass(frozen=True, eq=False)
class Str(Value):
    text: MappedText

    @property
    def static(self) -> bool:
        return None not in self.text.offsets or (
            DECLARED_TOKEN not in self.text.text and OPAQUE_TOKEN not in self.text.text
        )


@dataclass(frozen=True)
class Const(Value):
    value: bool | int | None


@dataclass(frozen=True)
class Unknown(Value):
    why: str = "not statically known"


@dataclass(frozen=True)
class Ctx(Value):
    pass


@dataclass(frozen=True)
class CtxField(Value):
    name: str  # "attr", "file", "files", "executable", "outputs", "toolchains", "configuration", ...


@dataclass(frozen=True)
class Actions(Value):
    pass


@dataclass(frozen=True)
class ActionFn(Value):
    kind: str  # run, run_shell, write, expand_template, symlink, declare_file, args, ...


@dataclass(frozen=True)
class Declared(Value):
    """A file or path the rule declares: ctx.file.x, ctx.executable.x, a toolchain's tool."""

    how: str  # e.g. "ctx.executable.tofu", "toolchain", "ctx.attr.srcs"
    attr: str | None = None


@dataclass(frozen=True, eq=False)
class OutputFile(Value):
    """A file declared with ctx.actions.declare_file (or ctx.outputs.executable)."""

    key: str  # identity within one implementation analysis
    script: list[Script] = field(default_factory=list)  # filled when written
    filename: str | None = None  # as declared, when static


@dataclass(frozen=True, eq=False)
class Script:
    """Shell text written to a file by ctx.actions.write or expand_template."""

    text: MappedText
    is_executable: bool
    origin: str  # "write" or "expand_template"


@dataclass(frozen=True, eq=False)
class Function(Value):
    module: ModuleModel
    node: Node
    name: str


@dataclass(frozen=True, eq=False)
class RuleClass(Value):
    module: ModuleModel
    name: str
    node: Node  # the rule(...) call
    implementation: Value
    attrs: dict[str, AttrDecl]
    test: bool
    executable: bool
    toolchains: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"rule:{self.module.display_path}:{self.name}"


@dataclass(frozen=True, eq=False)
class SymbolicMacro(Value):
    module: ModuleModel
    name: str
    implementation: Value


@dataclass(frozen=True)
class AttrDecl:
    kind: str  # label, label_list, string, bool, ...
    default: Value | None
    executable: bool
    cfg: str | None


@dataclass(frozen=True)
class AttrFactory(Value):
    kind: str


@dataclass(frozen=True, eq=False)
class ListV(Value):
    items: tuple[Value, ...]
    nodes: tuple[Node | None, ...] = ()


@dataclass(frozen=True, eq=False)
class DictV(Value):
    items: tuple[tuple[Value, Value, Node | None, Node | None], ...]

    def get(self, key: str) -> Value | None:
        for k, v, _, _ in self.items:
            if isinstance(k, Str) and k.text.text == key:
                return v
        return None


@dataclass(frozen=True, eq=False)
class StructV(Value):
    fields: dict[str, Value]


@dataclass(frozen=True)
class Native(Value):
    """The `native` module inside macros."""


@dataclass(frozen=True)
class NativeRule(Value):
    name: str


@dataclass(frozen=True)
class Builtin(Value):
    name: str  # DefaultInfo, struct, rule, select, ...


@dataclass(frozen=True, eq=False)
class BoundMethod(Value):
    receiver: Value
    name: str


@dataclass(frozen=True)
class UnresolvedSymbol(Value):
    """A name bound by a load() whose file could not be found."""

    label: str
    symbol: str
