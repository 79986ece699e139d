"""Read `bazel aquery` output (jsonproto, streamed jsonproto, binary proto) into an ActionGraph.

`load()` reads what `bazel aquery --output=jsonproto` prints (also `--output=streamed_jsonproto` and
binary `--output=proto`), in the shapes Bazel 4.x and later write:

- analysis_v2 (Bazel 4 default, and every later version): numeric ids, artifacts as `pathFragmentId`
  into `pathFragments`; newer versions add `templateContent`, `substitutions`, `fileContents`
  (`--include_file_write_contents`) and `executionPlatform`;
- the old v1 shape (`--noincompatible_proto_output_v2`): string ids starting at "0", `execPath`;
- streamed (Bazel 7+): one `{"action": {...}}` / `{"artifact": {...}}` / ... object per line;
- snake_case field names (`target_id`, ...) as well as camelCase; key/value lists or JSON objects.

No policy here: `hermetic_scan.crosscheck.aquery` compares the graph with the static model.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hermetic_scan.bazel import wire
from hermetic_scan.labels import normalize_label
from hermetic_scan.shape import (
    ShapeError,
    describe,
    expect_integer,
    expect_list,
    expect_object,
    expect_string,
    expect_strings,
    json_document,
    json_values,
    member,
)

# Mnemonics of Bazel's own bookkeeping actions. The static model never lists them: they create
# runfiles trees and symlinks, write files whose content the rule computed at analysis time, or
# group inputs, always run locally, and never run a user's tool.
IGNORED_MNEMONICS = frozenset(
    {
        "SymlinkTree",  # the runfiles tree of an executable or test
        "SourceSymlinkManifest",  # the MANIFEST of that tree
        "Middleman",  # an input-grouping pseudo action (runfiles middleman)
        "ExecutableSymlink",  # sh_binary / sh_test: the executable symlink to the script
        "FileWrite",  # ctx.actions.write, and files Bazel writes for native rules
        "TemplateExpand",  # ctx.actions.expand_template
        "Symlink",  # ctx.actions.symlink
        "SolibSymlink",  # C++ shared-library symlinks
    }
)

SHELLS = frozenset({"bash", "sh", "dash", "zsh", "ksh"})
SHELL_FLAGS = frozenset({"-c", "-ec", "-ce", "-euc", "-eu", "-ceu", "-uec", "-exc", "-xc", "-cx", "-euxc"})


class AqueryError(ValueError):
    """The input is not aquery output this module understands."""


# --------------------------------------------------------------------------------------------
# The action graph


@dataclass(frozen=True)
class Action:
    label: str | None
    rule_class: str | None
    mnemonic: str
    arguments: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    execution_info: tuple[tuple[str, str], ...]
    input_dep_sets: tuple[str, ...]
    outputs: tuple[str, ...]  # exec paths
    template_content: str | None = None
    substitutions: tuple[tuple[str, str], ...] = ()
    file_contents: str | None = None

    @property
    def internal(self) -> bool:
        return self.mnemonic in IGNORED_MNEMONICS

    @property
    def env_keys(self) -> frozenset[str]:
        return frozenset(k for k, _ in self.env)

    @property
    def default_shell_env(self) -> bool:
        """Under --incompatible_strict_action_env, PATH is there exactly when the default shell env is."""
        return "PATH" in self.env_keys

    @property
    def execution_keys(self) -> frozenset[str]:
        return frozenset(k for k, _ in self.execution_info)

    def shell_command(self) -> str | None:
        """The command of `bash -c COMMAND ...` (run_shell, genrule, run with a shell executable)."""
        args = self.arguments
        if not args or args[0].rsplit("/", 1)[-1] not in SHELLS:
            return None
        for i, arg in enumerate(args[1:-1], start=1):
            if arg in SHELL_FLAGS:
                return args[i + 1]
            if not arg.startswith("-"):
                return None
        return None


@dataclass
class ActionGraph:
    actions: list[Action]
    labels: dict[str, str | None]  # every target label in the output -> its rule class
    dep_sets: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict
    )  # id -> (direct paths, transitive ids)
    shape: str = "v2"  # "v1" | "v2" | "streamed" | "proto"

    def by_label(self) -> dict[str, list[Action]]:
        out: dict[str, list[Action]] = defaultdict(list)
        for action in self.actions:
            if action.label is not None:
                out[action.label].append(action)
        return dict(out)

    def inputs(self, action: Action) -> list[str]:
        """Exec paths of an action's inputs (dep sets expanded, each path once)."""
        seen: set[str] = set()
        out: list[str] = []
        stack = list(reversed(action.input_dep_sets))
        visited: set[str] = set()
        while stack:
            ident = stack.pop()
            if ident in visited or ident not in self.dep_sets:
                continue
            visited.add(ident)
            direct, transitive = self.dep_sets[ident]
            for path in direct:
                if path not in seen:
                    seen.add(path)
                    out.append(path)
            stack.extend(reversed(transitive))
        return out


def load(data: bytes | str | Mapping[str, Any]) -> ActionGraph:
    """aquery output: a parsed JSON document, JSON / streamed JSON text, or binary proto bytes."""
    if isinstance(data, Mapping):
        return parse_document(data)
    if isinstance(data, bytes):
        # A proto never starts with "{" or "[" (field 15 or 11 as a group, which analysis_v2 lacks).
        if data.lstrip()[:1] not in (b"{", b"[", b""):
            return parse_document(decode_proto(data), shape="proto")
        try:
            return load(data.decode("utf-8"))
        except (AqueryError, UnicodeDecodeError) as json_error:
            try:  # binary that happens to start with "{"
                return parse_document(decode_proto(data), shape="proto")
            except AqueryError:
                pass
            # It looked like JSON and is not a proto either: say what is wrong with the JSON.
            if isinstance(json_error, UnicodeDecodeError):
                raise AqueryError(
                    f"not aquery JSON output: not UTF-8 text (byte {json_error.start})"
                ) from None
            raise json_error from None
    text = data.strip()
    if not text:
        return ActionGraph([], {})
    try:
        document = json_document(text)
    except json.JSONDecodeError:
        document = None
    except ShapeError as error:
        raise AqueryError(f"not aquery JSON output: {error}") from None
    if isinstance(document, dict) and not _is_component(document):
        return parse_document(document)
    components = [document] if isinstance(document, dict) else _json_lines(text)
    return parse_document(_merge_components(components), shape="streamed")


def load_file(path: str | Path) -> ActionGraph:
    """`load` of a file; every AqueryError names the file."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise AqueryError(f"{path}: cannot read: {error.strerror or error}") from error
    try:
        return load(data)
    except AqueryError as error:
        raise AqueryError(f"{path}: {error}") from None


COMPONENT_KEYS = {
    "artifact": "artifacts",
    "action": "actions",
    "target": "targets",
    "depSetOfFiles": "depSetOfFiles",
    "dep_set_of_files": "depSetOfFiles",
    "configuration": "configuration",
    "aspectDescriptor": "aspectDescriptors",
    "aspect_descriptor": "aspectDescriptors",
    "ruleClass": "ruleClasses",
    "rule_class": "ruleClasses",
    "pathFragment": "pathFragments",
    "path_fragment": "pathFragments",
}


def _is_component(document: Mapping[str, Any]) -> bool:
    """One record of streamed output: `{"depSetOfFiles": {...}}`, not a document holding only a list."""
    if len(document) != 1:
        return False
    key, value = next(iter(document.items()))
    return key in COMPONENT_KEYS and isinstance(value, dict)


def _json_lines(text: str) -> list[dict[str, Any]]:
    out = []
    try:
        for value in json_values(text):
            if not isinstance(value, dict):
                raise AqueryError(
                    f"not aquery JSON output: record {len(out) + 1}: expected an object, got {describe(value)}"
                )
            out.append(value)
    except json.JSONDecodeError as error:
        raise AqueryError(f"not aquery JSON output: {error}") from error
    except ShapeError as error:
        raise AqueryError(f"not aquery JSON output: record {len(out) + 1}: {error}") from None
    return out


def _merge_components(components: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    merged: dict[str, list[Any]] = defaultdict(list)
    for component in components:
        for key, value in component.items():
            if key not in COMPONENT_KEYS:
                raise AqueryError(f"not aquery streamed output: unexpected field {key!r}")
            merged[COMPONENT_KEYS[key]].append(value)
    return merged


def _field(obj: Mapping[str, Any], camel: str) -> tuple[str, Any]:
    """(the key as written, its value): Bazel writes camelCase, protobuf's other printers snake_case."""
    if camel in obj:
        return camel, obj[camel]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()
    return (snake, obj[snake]) if snake in obj else (camel, None)


# The shape of an analysis_v2 document, checked field by field as parse_document reads it; fields it
# does not read (configuration, aspectDescriptors, primaryOutputId, ...) are not checked.
ID_LIMIT = 1 << 64  # ids are uint32 in analysis_v2, decimal strings in v1


def _objects(parent: Mapping[str, Any], camel: str, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """The objects of a repeated message field, each with its path (`actions[3]`)."""
    key, value = _field(parent, camel)
    if value is None:
        return []
    path = member(where, key)
    return [
        (member(path, index), expect_object(item, member(path, index)))
        for index, item in enumerate(expect_list(value, path, "a list of objects"))
    ]


def _id(obj: Mapping[str, Any], camel: str, where: str) -> str | int | None:
    key, value = _field(obj, camel)
    if value is None or isinstance(value, str):
        return value
    return expect_integer(value, member(where, key), 0, ID_LIMIT - 1)


def _ids(obj: Mapping[str, Any], camel: str, where: str) -> list[str]:
    key, value = _field(obj, camel)
    if value is None:
        return []
    path = member(where, key)
    out = []
    for index, item in enumerate(expect_list(value, path, "a list of ids")):
        if not isinstance(item, str):
            expect_integer(item, member(path, index), 0, ID_LIMIT - 1)
        out.append(str(item))
    return out


def _strings(obj: Mapping[str, Any], camel: str, where: str) -> list[str]:
    key, value = _field(obj, camel)
    return [] if value is None else expect_strings(value, member(where, key))


def _text(obj: Mapping[str, Any], camel: str, where: str) -> str | None:
    key, value = _field(obj, camel)
    return None if value is None else expect_string(value, member(where, key))


def _ident(value: str | int | None) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _pairs(obj: Mapping[str, Any], camel: str, where: str) -> tuple[tuple[str, str], ...]:
    """A repeated KeyValuePair (list of {key, value}) or a JSON object of strings."""
    key, value = _field(obj, camel)
    path = member(where, key)
    if not value:
        return ()
    if isinstance(value, dict):
        return tuple(
            (name, "" if text is None else expect_string(text, member(path, name)))
            for name, text in value.items()
        )
    out = []
    for item_path, item in _objects(obj, camel, where):
        name = _text(item, "key", item_path) or ""
        out.append((name, _text(item, "value", item_path) or ""))
    return tuple(out)


def parse_document(doc: Mapping[str, Any], shape: str | None = None) -> ActionGraph:
    """The graph of a decoded aquery document; AqueryError naming the field when it is not one."""
    if not isinstance(doc, Mapping):
        raise AqueryError(f"not aquery JSON output: expected an object, got {describe(doc)}")
    known = {
        "artifacts",
        "actions",
        "targets",
        "depSetOfFiles",
        "dep_set_of_files",
        "configuration",
        "ruleClasses",
        "rule_classes",
        "pathFragments",
        "path_fragments",
        "aspectDescriptors",
        "aspect_descriptors",
    }
    if doc and not (set(doc) & known):
        raise AqueryError("not aquery output: none of actions, artifacts, targets found")
    try:
        return _graph(doc, shape)
    except ShapeError as error:
        raise AqueryError(str(error)) from None


def _graph(doc: Mapping[str, Any], shape: str | None) -> ActionGraph:
    fragments: dict[str, tuple[str, str | None]] = {}
    for where, item in _objects(doc, "pathFragments"):
        fragments[str(_id(item, "id", where))] = (
            _text(item, "label", where) or "",
            _ident(_id(item, "parentId", where)),
        )

    def fragment_path(ident: str | None) -> str:
        parts: list[str] = []
        seen: set[str] = set()
        while ident is not None and ident in fragments and ident not in seen:
            seen.add(ident)
            label, parent = fragments[ident]
            parts.append(label)
            ident = parent
        return "/".join(reversed(parts))

    artifacts: dict[str, str] = {}
    v1 = False
    for where, item in _objects(doc, "artifacts"):
        exec_path = _text(item, "execPath", where)
        if exec_path is not None:
            v1 = True
            artifacts[str(_id(item, "id", where))] = exec_path
        else:
            path = fragment_path(_ident(_id(item, "pathFragmentId", where)))
            artifacts[str(_id(item, "id", where))] = path
    rule_classes = {
        str(_id(item, "id", where)): _text(item, "name", where) or ""
        for where, item in _objects(doc, "ruleClasses")
    }
    targets: dict[str, tuple[str, str | None]] = {}
    for where, item in _objects(doc, "targets"):
        raw_label = _text(item, "label", where) or ""
        label = normalize_label(raw_label) or raw_label
        rule_class = rule_classes.get(str(_id(item, "ruleClassId", where)))
        targets[str(_id(item, "id", where))] = (label, rule_class)
    dep_sets: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for where, item in _objects(doc, "depSetOfFiles"):
        direct = tuple(artifacts.get(a, f"<artifact {a}>") for a in _ids(item, "directArtifactIds", where))
        transitive = tuple(_ids(item, "transitiveDepSetIds", where))
        dep_sets[str(_id(item, "id", where))] = (direct, transitive)
    actions = []
    for where, item in _objects(doc, "actions"):
        target = targets.get(str(_id(item, "targetId", where)))
        actions.append(
            Action(
                label=target[0] if target else None,
                rule_class=target[1] if target else None,
                mnemonic=_text(item, "mnemonic", where) or "",
                arguments=tuple(_strings(item, "arguments", where)),
                env=_pairs(item, "environmentVariables", where),
                execution_info=_pairs(item, "executionInfo", where),
                input_dep_sets=tuple(_ids(item, "inputDepSetIds", where)),
                outputs=tuple(artifacts.get(o, f"<artifact {o}>") for o in _ids(item, "outputIds", where)),
                template_content=_text(item, "templateContent", where) or None,
                substitutions=_pairs(item, "substitutions", where),
                file_contents=_text(item, "fileContents", where),
            )
        )
    labels = {label: rule_class for label, rule_class in targets.values()}
    return ActionGraph(actions, labels, dep_sets, shape or ("v1" if v1 else "v2"))


# --------------------------------------------------------------------------------------------
# Binary `--output=proto` (analysis_v2.ActionGraphContainer), decoded without a protobuf library.

# Field number -> (name, kind) per message; kind: "u" uint32, "s" string, "b" bool, "m:<Message>".
_PROTO: dict[str, dict[int, tuple[str, str]]] = {
    "Container": {
        1: ("artifacts", "m:Artifact"),
        2: ("actions", "m:Action"),
        3: ("targets", "m:Target"),
        4: ("depSetOfFiles", "m:DepSet"),
        5: ("configuration", "m:Configuration"),
        6: ("aspectDescriptors", "m:Aspect"),
        7: ("ruleClasses", "m:RuleClass"),
        8: ("pathFragments", "m:PathFragment"),
    },
    "Artifact": {1: ("id", "u"), 2: ("pathFragmentId", "u"), 3: ("isTreeArtifact", "b")},
    "Action": {
        1: ("targetId", "u"),
        2: ("aspectDescriptorIds", "u*"),
        3: ("actionKey", "s"),
        4: ("mnemonic", "s"),
        5: ("configurationId", "u"),
        6: ("arguments", "s*"),
        7: ("environmentVariables", "m:Pair*"),
        8: ("inputDepSetIds", "u*"),
        9: ("outputIds", "u*"),
        10: ("discoversInputs", "b"),
        11: ("executionInfo", "m:Pair*"),
        13: ("primaryOutputId", "u"),
        14: ("executionPlatform", "s"),
        15: ("templateContent", "s"),
        16: ("substitutions", "m:Pair*"),
        17: ("fileContents", "s"),
    },
    "Target": {1: ("id", "u"), 2: ("label", "s"), 3: ("ruleClassId", "u")},
    "RuleClass": {1: ("id", "u"), 2: ("name", "s")},
    "Aspect": {1: ("id", "u"), 2: ("name", "s")},
    "DepSet": {1: ("id", "u"), 2: ("transitiveDepSetIds", "u*"), 3: ("directArtifactIds", "u*")},
    "Configuration": {
        1: ("id", "u"),
        2: ("mnemonic", "s"),
        3: ("platformName", "s"),
        4: ("checksum", "s"),
        5: ("isTool", "b"),
    },
    "PathFragment": {1: ("id", "u"), 2: ("label", "s"), 3: ("parentId", "u")},
    "Pair": {1: ("key", "s"), 2: ("value", "s")},
}
_REPEATED_TOP = {"Container"}


def decode_proto(data: bytes) -> dict[str, Any]:
    """Decode a binary analysis_v2.ActionGraphContainer into the same dict the JSON output parses to."""
    try:
        return _decode_message(memoryview(data), "Container", "")
    except ShapeError as error:
        raise AqueryError(f"not aquery --output=proto data: {error}") from None


def _decode_message(buf: memoryview, message: str, where: str) -> dict[str, Any]:
    """One message of `_PROTO`; ShapeError naming the field (`actions[2].arguments[0]`) where the
    bytes are not what the schema says. Recursion follows the schema, never the input's nesting."""
    specs = _PROTO[message]
    out: dict[str, Any] = {}
    items = wire.fields(buf)
    while True:
        try:
            item = next(items, None)
        except wire.WireError as error:
            raise ShapeError(f"{where or 'top level'}: {error}") from None
        if item is None:
            return out
        spec = specs.get(item.number)
        if spec is None:
            continue
        name, kind = spec
        repeated = kind.endswith("*") or message in _REPEATED_TOP
        path = member(member(where, name), len(out.get(name, []))) if repeated else member(where, name)
        out_values = _decode_field(item, kind.rstrip("*"), path, repeated)
        if repeated:
            out.setdefault(name, []).extend(out_values)
        else:
            out[name] = out_values[-1]


def _decode_field(item: wire.Field, kind: str, where: str, repeated: bool) -> list[Any]:
    chunk = item.chunk
    if kind.startswith("m:") or kind == "s":
        if chunk is None:
            raise ShapeError(f"{where}: expected a length-delimited field, got a varint")
        if kind == "s":
            try:
                return [bytes(chunk).decode("utf-8")]
            except UnicodeDecodeError as error:
                raise ShapeError(f"{where}: not UTF-8 text (byte {error.start})") from None
        return [_decode_message(chunk, kind[2:], where)]
    if chunk is None:
        return [bool(item.value) if kind == "b" else item.value]
    if not repeated:
        raise ShapeError(f"{where}: expected a varint, got a length-delimited field")
    values = []  # packed varints
    inner = 0
    while inner < len(chunk):
        try:
            value, inner = wire.varint(chunk, inner)
        except wire.WireError as error:
            raise ShapeError(f"{where}: {error}") from None
        values.append(value)
    return values
