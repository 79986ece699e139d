"""Every rule is documented, registered once, and docs/rules.md is current."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

from hermetic_scan.rules import DOC_SECTIONS, RULE_MODULES, all_rules, rule_doc, rules_markdown
from hermetic_scan.rules.base import SCOPES


@pytest.mark.parametrize("module", RULE_MODULES, ids=lambda m: m.META.id)
def test_rule_has_every_doc_section(module) -> None:
    doc = module.__doc__ or ""
    assert doc.startswith(f"{module.META.id}:"), "the docstring's first line starts with the rule id"
    headings = re.findall(r"^## (.+)$", doc, re.M)
    assert headings == list(DOC_SECTIONS)
    references = doc.split("## References", 1)[1]
    assert "https://" in references, "References cite the doc the rule relies on"


@pytest.mark.parametrize("module", RULE_MODULES, ids=lambda m: m.META.id)
def test_rule_module_is_named_after_its_id(module) -> None:
    assert module.__name__.rsplit(".", 1)[-1] == module.META.id.replace("-", "_")
    for scope in module.META.scopes:
        assert scope in SCOPES
        assert callable(getattr(module, f"check_{scope}"))


def test_ids_are_unique() -> None:
    ids = [m.id for m in all_rules()]
    assert len(ids) == len(set(ids))


def test_docs_rules_md_is_generated_from_the_modules() -> None:
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: run `hermetic-scan explain --markdown > docs/rules.md`"
    )


def test_explain_prints_the_doc() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "hermetic_scan", "explain", "ambient-tool"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == rule_doc("ambient-tool")
    bad = subprocess.run(
        [sys.executable, "-m", "hermetic_scan", "explain", "no-such-rule"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "unknown rule" in bad.stderr
