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
import sys
import tomllib
from collections.abc import Callable
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
    # tomllib recurses once per nesting level and its int() is capped at sys.get_int_max_str_digits().
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read") from None
    except ValueError:
        raise ConfigError(f"{path}: a number of over {sys.get_int_max_str_digits()} digits") from None
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
    reader = _Reader(Config(path=path), text, path)
    for key, value in data.items():
        read = _KEYS.get(key)
        if read is None:
            raise reader.fail(key, f"unknown key (expected one of: {', '.join(sorted(_KEYS))})")
        read(reader, key, value)
    return reader.config


class _Reader:
    """Reads `[tool.hermetic-scan]` into a Config, one method per key (`_KEYS`); errors name the file,
    the line and the key."""

    def __init__(self, config: Config, text: str, path: Path) -> None:
        self.config, self.text, self.path = config, text, path

    def fail(self, key: str, message: str, line_key: str | None = None) -> ConfigError:
        line = _line(self.text, line_key or key.rsplit(".", 1)[-1])
        return ConfigError(f"{self.path}:{line}: {key}: {message}")

    def string_list(self, key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "expected a list of strings")
        return list(value)

    def relative_path(self, key: str, value: str) -> Path:
        """`value` relative to the configuration file's directory."""
        if "\0" in value:  # the operating system cannot name such a file: Path.resolve raises ValueError
            raise self.fail(key, "a path cannot contain a NUL character")
        candidate = Path(value)
        return (candidate if candidate.is_absolute() else self.path.parent / candidate).resolve()

    def rule_ids(self, key: str, value: Any) -> list[str]:
        ids = self.string_list(key, value)
        for rule_id in ids:
            if rule_meta(rule_id) is None:
                raise self.fail(key, f"unknown rule {rule_id!r}")
        return ids

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, "expected true or false")
        return value

    def table(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "expected a table", f"\\[{key}\\]")
        return value

    # -- the keys ------------------------------------------------------------------------------
    def fail_on(self, key: str, value: Any) -> None:
        if value not in FAIL_ON:
            raise self.fail(key, f"expected one of {', '.join(FAIL_ON)}")
        self.config.fail_on = value

    def exclude(self, key: str, value: Any) -> None:
        self.config.exclude = self.string_list(key, value)

    def bazel_version(self, key: str, value: Any) -> None:
        if not isinstance(value, str):
            raise self.fail(key, "expected a string")
        self.config.bazel_version = value

    def strict(self, key: str, value: Any) -> None:
        self.config.strict = self.boolean(key, value)

    def auto_external(self, key: str, value: Any) -> None:
        self.config.auto_external = self.boolean(key, value)

    def knowledge(self, key: str, value: Any) -> None:
        files = [self.relative_path(key, item) for item in self.string_list(key, value)]
        digest = hashlib.sha256()
        for file in files:
            try:
                digest.update(read_file(file, CONFIG_BYTES) + b"\0")
            except OSError as error:
                raise self.fail(key, f"{file}: {error.strerror or error}") from error
        try:
            load_knowledge(files)
        except (OSError, KnowledgeError) as error:
            raise self.fail(key, str(error)) from error
        self.config.knowledge_files, self.config.knowledge_digest = files, digest.hexdigest()

    def rules(self, key: str, value: Any) -> None:
        for sub, item in self.table(key, value).items():
            if sub == "enable":
                self.config.enable = self.rule_ids("rules.enable", item)
            elif sub == "disable":
                self.config.disable = self.rule_ids("rules.disable", item)
            elif sub == "severity":
                if not isinstance(item, dict):
                    raise self.fail("rules.severity", "expected a table of rule = severity")
                for rule_id, severity in item.items():
                    self.rule_ids("rules.severity", [rule_id])
                    if severity not in SEVERITIES:
                        raise self.fail(
                            f"rules.severity.{rule_id}", f"expected one of {', '.join(SEVERITIES)}", rule_id
                        )
                    self.config.severity[rule_id] = severity
            else:
                raise self.fail(f"rules.{sub}", "unknown key (expected enable, disable, severity)", sub)

    def profile(self, key: str, value: Any) -> None:
        for sub, item in self.table(key, value).items():
            if sub == "add":
                self.config.profile_add = self.string_list("profile.add", item)
            elif sub == "tools":
                self.config.profile_tools = self.string_list("profile.tools", item)
            else:
                raise self.fail(f"profile.{sub}", "unknown key (expected add, tools)", sub)

    def repos(self, key: str, value: Any) -> None:
        for name, item in self.table(key, value).items():
            if not isinstance(item, str):
                raise self.fail(f"repos.{name}", "expected a path string", name)
            self.config.repos[name] = self.relative_path(f"repos.{name}", item)


_KEYS: dict[str, Callable[[_Reader, str, Any], None]] = {
    "fail-on": _Reader.fail_on,
    "exclude": _Reader.exclude,
    "bazel-version": _Reader.bazel_version,
    "strict": _Reader.strict,
    "auto-external": _Reader.auto_external,
    "knowledge": _Reader.knowledge,
    "rules": _Reader.rules,
    "profile": _Reader.profile,
    "repos": _Reader.repos,
}
