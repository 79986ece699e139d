"""`.hermetic-scan.toml`: the team's settings, validated with errors that name the key and line.

```toml
fail-on = "warning"              # error | warning | info | never
exclude = ["third_party/**"]     # globs, relative to the workspace root
bazel-version = "6.5.0"
strict = false
auto-external = true             # read fetched external sources from the output base (bazel-* links)
knowledge = ["tools/rules_acme.toml"]  # the team's rulesets, in docs/knowledge.md's format

[rules]
disable = ["missing-mnemonic"]   # or enable = [...] to run only those
severity = { default-shell-env = "info" }

[profile]
add = ["tofu"]                   # tools the worker image provides, besides the default
# tools = ["bash", "cp"]         # or: replace the default profile

[repos]
rules_tf = "../rules_tf"         # sources of external repositories
```
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hermetic_scan.knowledge import KnowledgeError
from hermetic_scan.knowledge import load as load_knowledge
from hermetic_scan.rules import rule_meta
from hermetic_scan.workspace import read_file

FILE_NAME = ".hermetic-scan.toml"
CONFIG_BYTES = 1024 * 1024  # a configuration file is a few lines; anything larger is refused
FAIL_ON = ("error", "warning", "info", "never")
SEVERITIES = ("error", "warning", "info")


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: Path | None = None
    fail_on: str = "warning"
    exclude: list[str] = field(default_factory=list)
    bazel_version: str | None = None
    strict: bool = False
    enable: list[str] | None = None
    disable: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    profile_add: list[str] = field(default_factory=list)
    profile_tools: list[str] | None = None
    repos: dict[str, Path] = field(default_factory=dict)
    auto_external: bool = True
    knowledge_files: list[Path] = field(default_factory=list)  # the team's rulesets (docs/knowledge.md)
    knowledge_digest: str = ""  # of their contents, for the cache key

    def to_toml(self) -> str:
        def strings(values: list[str]) -> str:
            return "[" + ", ".join(f'"{v}"' for v in values) + "]"

        lines = [
            f"# effective configuration ({self.path or 'defaults'})",
            f'fail-on = "{self.fail_on}"',
            f"exclude = {strings(self.exclude)}",
            f"strict = {'true' if self.strict else 'false'}",
            f"auto-external = {'true' if self.auto_external else 'false'}",
        ]
        if self.bazel_version:
            lines.append(f'bazel-version = "{self.bazel_version}"')
        if self.knowledge_files:
            lines.append(f"knowledge = {strings([str(f) for f in self.knowledge_files])}")
        lines += ["", "[rules]"]
        if self.enable is not None:
            lines.append(f"enable = {strings(self.enable)}")
        lines.append(f"disable = {strings(self.disable)}")
        lines.append(
            "severity = {" + ", ".join(f'{k} = "{v}"' for k, v in sorted(self.severity.items())) + "}"
        )
        lines += ["", "[profile]", f"add = {strings(self.profile_add)}"]
        if self.profile_tools is not None:
            lines.append(f"tools = {strings(self.profile_tools)}")
        lines += ["", "[repos]"] + [f'{k} = "{v}"' for k, v in sorted(self.repos.items())]
        return "\n".join(lines) + "\n"


def load_config(root: Path, explicit: Path | None = None) -> Config:
    path = explicit if explicit is not None else root / FILE_NAME
    if not path.is_file():
        if explicit is not None:
            raise ConfigError(f"{explicit}: no such config file")
        return Config()
    try:
        text = read_file(path, CONFIG_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from error
    return _validate(data, text, path)


def _line(text: str, key: str) -> int:
    """1-based line of `key = ...` (at a line start, else inside an inline table)."""
    escaped = re.escape(key)
    match = re.search(rf"^[ \t]*\"?{escaped}\"?[ \t]*=", text, re.M) or re.search(
        rf"(?<![\w-])\"?{escaped}\"?[ \t]*=", text
    )
    if match is None:
        match = re.search(escaped, text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _validate(data: dict[str, Any], text: str, path: Path) -> Config:
    config = Config(path=path)

    def fail(key: str, message: str, line_key: str | None = None) -> ConfigError:
        return ConfigError(f"{path}:{_line(text, line_key or key.rsplit('.', 1)[-1])}: {key}: {message}")

    def string_list(key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "expected a list of strings")
        return list(value)

    def rule_ids(key: str, value: Any) -> list[str]:
        ids = string_list(key, value)
        for rule_id in ids:
            if rule_meta(rule_id) is None:
                raise fail(key, f"unknown rule {rule_id!r}")
        return ids

    top = {
        "fail-on",
        "exclude",
        "bazel-version",
        "strict",
        "auto-external",
        "knowledge",
        "rules",
        "profile",
        "repos",
    }
    for key, value in data.items():
        if key not in top:
            raise fail(key, f"unknown key (expected one of: {', '.join(sorted(top))})")
        if key == "fail-on":
            if value not in FAIL_ON:
                raise fail(key, f"expected one of {', '.join(FAIL_ON)}")
            config.fail_on = value
        elif key == "exclude":
            config.exclude = string_list(key, value)
        elif key == "bazel-version":
            if not isinstance(value, str):
                raise fail(key, "expected a string")
            config.bazel_version = value
        elif key == "strict":
            if not isinstance(value, bool):
                raise fail(key, "expected true or false")
            config.strict = value
        elif key == "knowledge":
            files = [
                (Path(item) if Path(item).is_absolute() else path.parent / item).resolve()
                for item in string_list(key, value)
            ]
            digest = hashlib.sha256()
            try:
                for file in files:
                    digest.update(read_file(file, CONFIG_BYTES) + b"\0")
                load_knowledge(files)
            except (OSError, KnowledgeError) as error:
                raise fail(key, str(error)) from error
            config.knowledge_files, config.knowledge_digest = files, digest.hexdigest()
        elif key == "auto-external":
            if not isinstance(value, bool):
                raise fail(key, "expected true or false")
            config.auto_external = value
        elif key in ("rules", "profile", "repos") and not isinstance(value, dict):
            raise fail(key, "expected a table", f"\\[{key}\\]")
        elif key == "rules":
            for sub, item in value.items():
                if sub == "enable":
                    config.enable = rule_ids("rules.enable", item)
                elif sub == "disable":
                    config.disable = rule_ids("rules.disable", item)
                elif sub == "severity":
                    if not isinstance(item, dict):
                        raise fail("rules.severity", "expected a table of rule = severity")
                    for rule_id, severity in item.items():
                        rule_ids("rules.severity", [rule_id])
                        if severity not in SEVERITIES:
                            raise fail(
                                f"rules.severity.{rule_id}",
                                f"expected one of {', '.join(SEVERITIES)}",
                                rule_id,
                            )
                        config.severity[rule_id] = severity
                else:
                    raise fail(f"rules.{sub}", "unknown key (expected enable, disable, severity)", sub)
        elif key == "profile":
            for sub, item in value.items():
                if sub == "add":
                    config.profile_add = string_list("profile.add", item)
                elif sub == "tools":
                    config.profile_tools = string_list("profile.tools", item)
                else:
                    raise fail(f"profile.{sub}", "unknown key (expected add, tools)", sub)
        elif key == "repos":
            for name, item in value.items():
                if not isinstance(item, str):
                    raise fail(f"repos.{name}", "expected a path string", name)
                candidate = Path(item)
                config.repos[name] = (
                    candidate if candidate.is_absolute() else path.parent / candidate
                ).resolve()
    return config
