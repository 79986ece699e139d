"""The action model of a rule implementation: what each ctx.actions call does, and what scripts run.

Contexts in which shell text runs:
- "action": a run_shell command, or a written script that ctx.actions.run executes;
- "test": the script a `test = True` rule returns as its executable (Bazel runs it as the TestRunner
  action, https://bazel.build/reference/test-encyclopedia);
- "launcher": the script an `executable = True` rule returns, run by `bazel run` on the host, where
  BUILD_WORKSPACE_DIRECTORY is set (https://bazel.build/docs/user-manual#run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node

from hermetic_scan.labels import LabelError, parse_label
from hermetic_scan.model.evaluate import ActionCall, Collector, Guards, Interpreter, as_text
from hermetic_scan.model.modules import ModuleModel, context_parameters
from hermetic_scan.model.values import (
    Actions,
    Const,
    Ctx,
    Declared,
    DictV,
    Function,
    ListV,
    OutputFile,
    RuleClass,
    Script,
    Str,
    Unknown,
    UnresolvedSymbol,
    Value,
    alternatives,
)
from hermetic_scan.shell import declared_program
from hermetic_scan.source import DECLARED_TOKEN, MappedText, SourceFile

SHELL_ACTIONS = ("run", "run_shell")
# Calls a helper analyzed on its own may make. Measured on the sweep (docs/performance.md): the
# largest helper of eight rulesets makes 3,096 calls (rules_cc), most fewer than 300; a few helpers of
# rules_jvm_external, whose undecided branches multiply, made the check take 5 minutes instead of 19 s.
# Past the budget the helper is unresolved ("analysis budget ... reached"): its targets become unknown.
FREE_FUNCTION_CALLS = 5000
# Statements an analysis may run before it goes on coarsely (evaluate.Collector.statement_budget):
# a helper's, and a rule's, whose targets are unknown past it. Measured on 48 repositories: helpers
# other than unit tests run at most 6,100 (rules_cc); rules at most 7,300 but toolchains_llvm's test
# writer (37,000), rules_cuda's cuda_objects (52,000) and cuda_library (103,000), whose toolchain
# configuration is Starlark; rules_cuda's unit tests of it, written as rules, 662,000 each.
FREE_FUNCTION_STATEMENTS = 20_000
RULE_STATEMENTS = 150_000


SHELLS = frozenset({"bash", "sh", "dash", "zsh", "ksh"})


# Languages a script's file name gives away when it has no shebang (a template run by a toolchain's
# interpreter, e.g. an `.mjs` file expanded for node).
_EXTENSIONS = {
    ".js": "node",
    ".mjs": "node",
    ".cjs": "node",
    ".ts": "node",
    ".py": "python3",
    ".rb": "ruby",
    ".pl": "perl",
}


def script_language(text: str, filename: str | None = None, template: str | None = None) -> str:
    """ "shell", "batch", or the interpreter a shebang or file name names (python3, node, ...)."""
    if filename and filename.lower().endswith((".bat", ".cmd", ".ps1")):
        return "batch"
    for name in (filename, template):
        suffix = Path(name).suffix.lower() if name else ""
        if suffix in _EXTENSIONS and not text.lstrip("\n").startswith("#!"):
            return _EXTENSIONS[suffix]
    head = text.lstrip("\n")
    if head[:1] == "@" or head[:4].lower() == "rem ":
        return "batch"
    if head.startswith("#!"):
        words = head[2:].split("\n", 1)[0].split()
        if words:
            program = words[0].rsplit("/", 1)[-1]
            if DECLARED_TOKEN in words[0]:
                # `#!{sh_toolchain.path}`: a declared interpreter, not the worker's. One the model can
                # name and is no shell is kept as its token (no rule reads it as a host program); an
                # unnamed one is taken for the shell toolchain's, the common case (rules_shell's
                # launchers), so that its script is still read.
                named = declared_program(words[0])
                return "shell" if named is None or named in SHELLS else words[0]
            if program == "env":
                rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
                program = rest[0].rsplit("/", 1)[-1] if rest else "sh"
            if program not in SHELLS:
                return program
    return "shell"


@dataclass(eq=False, slots=True)
class ShellSite:
    text: MappedText
    context: str  # "action" | "test" | "launcher"
    owner: str
    action: ActionModel | None = None
    language: str = "shell"  # see script_language(); rules analyze only "shell" sites as shell
    # Functions of the workspace files this script sources, when every one of them was found; None
    # when it sources none, or one the model could not read.
    library_functions: frozenset[str] | None = None
    # Variables the script that sources this one sets (`BUILD_WORKSPACE_DIRECTORY=$TEST_TMPDIR source
    # lib.sh`): this file reads the caller's values.
    preset: frozenset[str] = frozenset()

    @property
    def is_shell(self) -> bool:
        return self.language == "shell"


@dataclass(eq=False)
class ActionModel:
    kind: str
    module: ModuleModel
    node: Node
    owner: str
    mnemonic: str | None
    mnemonic_source: str  # "literal" | "default" | "dynamic"
    forwards_kwargs: bool
    shell_env: str  # "absent" | "true" | "false" | "dynamic"
    shell_env_node: Node | None
    shell_env_why: str
    env: DictV | None
    execution_requirements: frozenset[str]
    executable: str | None  # provenance: "declared", "toolchain", "script", "ambient", "unknown"
    executable_name: str | None
    executable_node: Node | None
    sites: list[ShellSite] = field(default_factory=list)
    guards: Guards = ()  # what the rule's attributes must be for this call to run (`Frame.guards`)

    @property
    def key(self) -> str:
        return f"action:{self.module.display_path}:{self.node.start_byte}"

    @property
    def effective_mnemonic(self) -> str:
        return self.mnemonic or "Action"

    @property
    def line(self) -> int:
        return self.module.source.line_of(self.node.start_byte)


@dataclass(eq=False)
class ImplementationModel:
    """What one analysis (of a rule implementation or a free helper) found."""

    owner: str
    actions: list[ActionModel] = field(default_factory=list)
    sites: list[ShellSite] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    function_ids: set[int] = field(default_factory=set)  # def nodes the analysis went through
    # Executable scripts a build rule writes and none of its own actions runs (rules_js' `.bin`
    # shims): whoever runs the target runs them, so they become sites of that target's action
    # (model.tools_run), not of the rule's.
    written: list[ShellSite] = field(default_factory=list)


class ActionAnalyzer:
    def __init__(self, interpreter: Interpreter, template_reader: TemplateReader) -> None:
        self.interpreter = interpreter
        self.templates = template_reader

    def analyze_rule(self, rule: RuleClass) -> ImplementationModel:
        result = ImplementationModel(rule.key)
        impl = rule.implementation
        if isinstance(impl, UnresolvedSymbol):
            result.unresolved.append(f"implementation {impl.symbol} comes from unresolved {impl.label}")
            return result
        if not isinstance(impl, Function):
            result.unresolved.append("implementation function not found")
            return result
        collector = Collector(statement_budget=RULE_STATEMENTS)
        self.interpreter.call_function(impl, [(impl.node, Ctx())], {}, False, collector, 1)
        context = "test" if rule.test else "launcher" if rule.executable else None
        self._build(result, collector, rule, context)
        return result

    def analyze_free_function(self, function: Function) -> ImplementationModel:
        """A top-level function with a `ctx` or `actions` parameter, analyzed on its own."""
        collector = Collector(budget=FREE_FUNCTION_CALLS, statement_budget=FREE_FUNCTION_STATEMENTS)
        env_overrides: dict[str, tuple[Node, Value]] = {
            name: (param, Ctx() if name == "ctx" else Actions())
            for name, param in context_parameters(function.node, function.module.source.data).items()
        }
        result = ImplementationModel(f"function:{function.module.display_path}:{function.name}")
        if not env_overrides:
            return result
        self.interpreter.call_function(function, [], env_overrides, True, collector, 1)
        self._build(result, collector, None, None)
        return result

    # ---------------------------------------------------------------------------------------
    def _build(
        self, result: ImplementationModel, collector: Collector, rule: RuleClass | None, context: str | None
    ) -> None:
        result.unresolved.extend(collector.unresolved)
        result.function_ids |= collector.functions_seen
        scripts: dict[int, list[Script]] = {}
        for call in collector.actions:
            if call.kind in ("write", "expand_template"):
                output = _kw(call, "output", 0)
                for script in self._scripts(call, rule):
                    if isinstance(output, OutputFile):
                        scripts.setdefault(id(output), []).append(script)
                        output.script.append(script)
        used: set[int] = set()
        for call in collector.actions:
            if call.kind not in SHELL_ACTIONS:
                continue
            action = self._action(call, result.owner)
            result.actions.append(action)
            if call.kind == "run_shell":
                for command in alternatives(_kw(call, "command", None) or Unknown()):
                    texts = command.items if isinstance(command, ListV) else (command,)
                    for text in (option for item in texts for option in alternatives(item)):
                        if isinstance(text, Str):
                            action.sites.append(ShellSite(text.text, "action", result.owner, action))
            else:
                executable = _kw(call, "executable", None)
                if isinstance(executable, OutputFile) and executable.script:
                    used.add(id(executable))
                    for script in executable.script:
                        action.sites.append(_script_site(script, executable, "action", result.owner, action))
                arguments = _kw(call, "arguments", None)
                if action.executable_name in (
                    "bash",
                    "sh",
                    "/bin/bash",
                    "/bin/sh",
                    "/usr/bin/bash",
                ) and isinstance(arguments, ListV):
                    items = list(arguments.items)
                    for i, item in enumerate(items[:-1]):
                        if isinstance(item, Str) and item.text.text in ("-c", "-ec", "-euc", "-eu"):
                            for nxt in alternatives(items[i + 1]):
                                if isinstance(nxt, Str):
                                    action.sites.append(ShellSite(nxt.text, "action", result.owner, action))
            result.sites.extend(action.sites)
        launched = [
            v for v, _node, _module in collector.executables if isinstance(v, OutputFile) and v.script
        ]
        implicit = collector.outputs.get("ctx.outputs.executable")
        if not launched and implicit is not None and implicit.script:
            launched = [implicit]  # Bazel runs ctx.outputs.executable when DefaultInfo names none
        for value in launched:
            if context is None:
                continue
            used.add(id(value))
            for script in value.script:
                result.sites.append(_script_site(script, value, context, result.owner, None))
        outputs = {id(o): o for o in collector.outputs.values()}
        for key, written in scripts.items():
            for script in written:
                if key in used or not script.is_executable:
                    continue
                site = _script_site(script, outputs.get(key), context or "action", result.owner, None)
                (result.written if rule is not None and context is None else result.sites).append(site)

    def _scripts(self, call: ActionCall, rule: RuleClass | None) -> list[Script]:
        """What a write or expand_template call may write: one script per choice of its content."""
        executable = _kw(call, "is_executable", None)
        is_exec = isinstance(executable, Const) and bool(executable.value)
        if call.kind == "write":
            content = _kw(call, "content", 1)
            return [
                Script(option.text, is_exec, "write")
                for option in alternatives(content or Unknown())
                if isinstance(option, Str)
            ]
        template = _kw(call, "template", None)
        text = self.templates.read(template, rule, call.module)
        if text is None:
            return []
        substitutions = _kw(call, "substitutions", None)
        if isinstance(substitutions, DictV):
            for key, value, _knode, vnode in substitutions.items:
                if isinstance(key, Str):
                    text = text.replace_all(key.text.text, as_text(value, call.module, vnode or call.node))
        return [Script(text, is_exec, "expand_template")]

    def _action(self, call: ActionCall, owner: str) -> ActionModel:
        mnemonic_entry = call.kwargs.get("mnemonic")
        if mnemonic_entry is not None:
            value = mnemonic_entry[1]
            if isinstance(value, Str) and value.static:  # literals, joined across files too
                mnemonic, source = value.text.text, "literal"
            elif isinstance(value, Const) and value.value is None:
                # `mnemonic = None` (often a helper's default): Bazel names the action as if none was
                # given (https://bazel.build/rules/lib/builtins/actions#run_shell.mnemonic).
                mnemonic, source = None, "default"
            else:
                mnemonic, source = None, "dynamic"
        elif call.forwards_kwargs:
            mnemonic, source = None, "dynamic"
        else:
            mnemonic, source = None, "default"
        env_entry = call.kwargs.get("use_default_shell_env")
        shell_env, shell_env_node, why = "absent", None, ""
        if env_entry is not None:
            shell_env_node = env_entry[0]
            value = env_entry[1]
            if isinstance(value, Const):
                # A helper's parameter with the value this call chain gives it (its caller's argument
                # or its default): each rule calling the helper gets the action it really runs.
                shell_env = "true" if value.value else "false"
            else:
                shell_env = "dynamic"
                why = _why(value, env_entry[0], call.module)
        elif call.forwards_kwargs:
            shell_env = "dynamic"
            why = "**kwargs"
        env_value = _kw(call, "env", None)
        requirements = _kw(call, "execution_requirements", None)
        req_keys = (
            frozenset(k.text.text for k, *_ in requirements.items if isinstance(k, Str))
            if isinstance(requirements, DictV) and not requirements.conditional
            else frozenset()
        )
        provenance, name, exe_node = None, None, None
        if call.kind == "run":
            entry = call.kwargs.get("executable")
            if entry is not None:
                exe_node = entry[0]
                provenance, name = _executable_provenance(entry[1])
        return ActionModel(
            call.kind,
            call.module,
            call.node,
            owner,
            mnemonic,
            source,
            call.forwards_kwargs,
            shell_env,
            shell_env_node,
            why,
            env_value if isinstance(env_value, DictV) else None,
            req_keys,
            provenance,
            name,
            exe_node,
            guards=call.guards,
        )


def _script_site(
    script: Script, output: OutputFile | None, context: str, owner: str, action: ActionModel | None
) -> ShellSite:
    template = script.text.source.path if script.origin == "expand_template" and script.text.source else None
    language = script_language(script.text.text, output.filename if output is not None else None, template)
    return ShellSite(script.text, context, owner, action, language)


def _why(value: Value, node: Node, module: ModuleModel) -> str:
    value_node = node.child_by_field_name("value") if node.type == "keyword_argument" else node
    text = module.text(value_node) if value_node is not None else "?"
    return text


def _executable_provenance(value: Value) -> tuple[str, str | None]:
    if isinstance(value, Str):
        return ("ambient", value.text.text) if None not in value.text.offsets else ("unknown", None)
    if isinstance(value, OutputFile):
        return ("script", None) if value.script else ("declared", None)
    if isinstance(value, Declared):
        return ("toolchain" if value.how.startswith("toolchain") else "declared", value.how)
    return ("unknown", None)


def _kw(call: ActionCall, name: str, position: int | None) -> Value | None:
    if name in call.kwargs:
        return call.kwargs[name][1]
    if position is not None and position < len(call.positional):
        return call.positional[position][1]
    return None


class TemplateReader:
    """Reads expand_template templates named by an attribute's default label."""

    def __init__(self, loader: object) -> None:
        self.loader = loader
        self._cache: dict[Path, MappedText | None] = {}
        self.sources: dict[str, SourceFile] = {}

    def read(self, template: Value | None, rule: RuleClass | None, module: ModuleModel) -> MappedText | None:
        if not isinstance(template, Declared) or template.attr is None or rule is None:
            return None
        decl = rule.attrs.get(template.attr)
        if decl is None or not isinstance(decl.default, Str):
            return None
        try:
            label = parse_label(decl.default.text.text, "", rule.module.package)
        except LabelError:
            return None
        found = self.loader.resolve(label, rule.module.repo)  # type: ignore[attr-defined]
        if found is None:
            return None
        repo, path = found
        if path in self._cache:
            return self._cache[path]
        try:
            data = self.loader.workspace.read(path)  # type: ignore[attr-defined]
        except OSError:
            self._cache[path] = None
            return None
        source = SourceFile(repo.display(label.path), data, origin=path)
        self.sources[source.path] = source
        text = MappedText.from_file(source)
        self._cache[path] = text
        return text


__all__ = ["ActionAnalyzer", "ActionModel", "ImplementationModel", "ShellSite", "TemplateReader", "Unknown"]
