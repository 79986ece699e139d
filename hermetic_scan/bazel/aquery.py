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

from hermetic_scan import jsonstream
from hermetic_scan.bazel import wire
from hermetic_scan.labels import normalize_label

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
        if data.lstrip()[:1] not in (b"{", b"") or not _is_text(data):
            return parse_document(decode_proto(data), shape="proto")
        try:
            return load(data.decode("utf-8"))
        except (AqueryError, UnicodeDecodeError):
            return parse_document(decode_proto(data), shape="proto")  # binary that happens to start with "{"
    text = data.strip()
    if not text:
        return ActionGraph([], {})
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    if isinstance(document, dict) and not _is_component(document):
        return parse_document(document)
    components = [document] if isinstance(document, dict) else _json_lines(text)
    return parse_document(_merge_components(components), shape="streamed")


def load_file(path: str | Path) -> ActionGraph:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise AqueryError(f"cannot read {path}: {error.strerror or error}") from error
    return load(data)


def _is_text(data: bytes) -> bool:
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
    return len(document) == 1 and next(iter(document)) in COMPONENT_KEYS


def _json_lines(text: str) -> list[dict[str, Any]]:
    out = []
    try:
        for value in jsonstream.values(text):
            if not isinstance(value, dict):
                raise AqueryError("not aquery JSON output: expected objects")
            out.append(value)
    except json.JSONDecodeError as error:
        raise AqueryError(f"not aquery JSON output: {error}") from error
    return out


def _merge_components(components: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    merged: dict[str, list[Any]] = defaultdict(list)
    for component in components:
        for key, value in component.items():
            if key not in COMPONENT_KEYS:
                raise AqueryError(f"not aquery streamed output: unexpected field {key!r}")
            merged[COMPONENT_KEYS[key]].append(value)
    return merged


def _get(obj: Mapping[str, Any], camel: str, default: Any = None) -> Any:
    if camel in obj:
        return obj[camel]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()
    return obj.get(snake, default)


def _list(obj: Mapping[str, Any], camel: str) -> list[Any]:
    value = _get(obj, camel, None)
    if value is None:
        return []
    if not isinstance(value, list):
        raise AqueryError(f"field {camel} is not a list")
    return value


def _ident(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    """A repeated KeyValuePair (list of {key, value}) or a JSON object."""
    if not value:
        return ()
    if isinstance(value, Mapping):
        return tuple((str(k), "" if v is None else str(v)) for k, v in value.items())
    out = []
    for item in value:
        if isinstance(item, Mapping):
            out.append((str(item.get("key", "")), str(item.get("value", "") or "")))
    return tuple(out)


def parse_document(doc: Mapping[str, Any], shape: str | None = None) -> ActionGraph:
    if not isinstance(doc, Mapping):
        raise AqueryError("not aquery JSON output: expected an object")
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
    fragments: dict[str, tuple[str, str | None]] = {}
    for item in _list(doc, "pathFragments"):
        fragments[str(item.get("id"))] = (str(item.get("label", "")), _ident(_get(item, "parentId")))

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
    for item in _list(doc, "artifacts"):
        exec_path = _get(item, "execPath")
        if exec_path is not None:
            v1 = True
            artifacts[str(item.get("id"))] = str(exec_path)
        else:
            artifacts[str(item.get("id"))] = fragment_path(_ident(_get(item, "pathFragmentId")))
    rule_classes = {str(item.get("id")): str(item.get("name", "")) for item in _list(doc, "ruleClasses")}
    targets: dict[str, tuple[str, str | None]] = {}
    for item in _list(doc, "targets"):
        raw_label = str(item.get("label", ""))
        label = normalize_label(raw_label) or raw_label
        targets[str(item.get("id"))] = (label, rule_classes.get(str(_get(item, "ruleClassId"))))
    dep_sets: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for item in _list(doc, "depSetOfFiles"):
        direct = tuple(artifacts.get(str(a), f"<artifact {a}>") for a in _list(item, "directArtifactIds"))
        transitive = tuple(str(t) for t in _list(item, "transitiveDepSetIds"))
        dep_sets[str(item.get("id"))] = (direct, transitive)
    actions = []
    for item in _list(doc, "actions"):
        target = targets.get(str(_get(item, "targetId")))
        actions.append(
            Action(
                label=target[0] if target else None,
                rule_class=target[1] if target else None,
                mnemonic=str(item.get("mnemonic", "")),
                arguments=tuple(str(a) for a in _list(item, "arguments")),
                env=_pairs(_get(item, "environmentVariables")),
                execution_info=_pairs(_get(item, "executionInfo")),
                input_dep_sets=tuple(str(i) for i in _list(item, "inputDepSetIds")),
                outputs=tuple(artifacts.get(str(o), f"<artifact {o}>") for o in _list(item, "outputIds")),
                template_content=_get(item, "templateContent") or None,
                substitutions=_pairs(_get(item, "substitutions")),
                file_contents=_get(item, "fileContents") if _get(item, "fileContents") is not None else None,
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
        return _decode_message(memoryview(data), "Container")
    except (IndexError, ValueError, UnicodeDecodeError) as error:
        raise AqueryError(f"not aquery --output=proto data: {error}") from error


def _decode_message(buf: memoryview, message: str) -> dict[str, Any]:
    specs = _PROTO[message]
    out: dict[str, Any] = {}
    for item in wire.fields(buf):
        spec = specs.get(item.number)
        if spec is None:
            continue
        name, kind = spec
        repeated = kind.endswith("*") or message in _REPEATED_TOP
        base = kind.rstrip("*")
        chunk = item.chunk
        if base.startswith("m:"):
            if chunk is None:
                raise ValueError(f"field {name} is not a message")
            values: list[Any] = [_decode_message(chunk, base[2:])]
        elif base == "s":
            if chunk is None:
                raise ValueError(f"field {name} is not a string")
            values = [bytes(chunk).decode("utf-8")]
        elif chunk is not None:  # packed varints
            values = []
            inner = 0
            while inner < len(chunk):
                value, inner = wire.varint(chunk, inner)
                values.append(value)
        else:
            values = [bool(item.value) if base == "b" else item.value]
        if repeated:
            out.setdefault(name, []).extend(values)
        else:
            out[name] = values[-1]
    return out
