"""The rule registry: one module per rule, registered here once, in the order docs list them."""

from __future__ import annotations

from types import ModuleType

from hermetic_scan.rules import (
    ambient_tool,
    default_shell_env,
    io_error,
    load_cycle,
    missing_mnemonic,
    parse_error,
    rc_env_placeholder,
    rc_unknown_mnemonic,
    tags_not_propagated,
    unresolved_load,
    workspace_dir,
)
from hermetic_scan.rules.base import DOC_SECTIONS, RuleMeta

RULE_MODULES: tuple[ModuleType, ...] = (
    workspace_dir,
    default_shell_env,
    missing_mnemonic,
    ambient_tool,
    parse_error,
    io_error,
    unresolved_load,
    load_cycle,
    rc_env_placeholder,
    rc_unknown_mnemonic,
    tags_not_propagated,
)

# Renamed rule IDs keep working: old id -> new id. IDs are never reused.
REDIRECTS: dict[str, str] = {}


def all_rules() -> list[RuleMeta]:
    return [module.META for module in RULE_MODULES]


def rule_module(rule_id: str) -> ModuleType | None:
    rule_id = REDIRECTS.get(rule_id, rule_id)
    for module in RULE_MODULES:
        if module.META.id == rule_id:
            return module
    return None


def rule_meta(rule_id: str) -> RuleMeta | None:
    module = rule_module(rule_id)
    return module.META if module else None


def rule_doc(rule_id: str) -> str:
    module = rule_module(rule_id)
    if module is None:
        raise KeyError(rule_id)
    return (module.__doc__ or "").strip()


__all__ = ["DOC_SECTIONS", "RULE_MODULES", "REDIRECTS", "all_rules", "rule_doc", "rule_meta", "rule_module"]
