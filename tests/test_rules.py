"""Every rule of the catalog: documented, and shown to fire on a crafted change of the seed.

The passing side of each rule is the closed loop (the example audits clean) and the seed
test (only its genuine inconsistencies are errors).
"""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from yusuan.audit.engine import audit_document
from yusuan.audit.rules import load_rules
from yusuan.audit.rules_doc import rules_markdown
from yusuan.extract.text import parse_text

#: rule id → (edits of the seed: (line, old, new), severity expected); None = the seed itself triggers it
TRIGGERS: dict[str, tuple[list[tuple[int, str, str]], str]] = {
    "completeness.table_missing": ([(1994, "预算13表", "附表13")], "error"),
    "completeness.empty_unexplained": (
        [(183, "我部门2025年没有使用政府性基金预算拨款安排的支出。", "（略）")],
        "warning",
    ),
    "table.column_identity": ([(765, "300.00 0 0 300.00 300.00", "300.00 0 0 300.00 310.00")], "error"),
    "table.line_identity": ([], "error"),
    "table.hierarchy_sum": ([(765, "300.00 0 0 300.00 300.00", "310.00 0 0 310.00 310.00")], "error"),
    "rounding.tail_difference": ([(765, "300.00 0 0 300.00 300.00", "300.01 0 0 300.01 300.01")], "info"),
    "cross.table_agreement": ([], "error"),
    "narrative.amount_mismatch": ([], "error"),
    "narrative.share_arithmetic": ([(133, "占3.21%", "占3.31%")], "error"),
    "narrative.growth_arithmetic": ([], "error"),
    "narrative.parts_sum": ([], "error"),
    "narrative.count_breakdown": ([], "error"),
    "classification.unknown_code": ([(767, "208 01 16 引进人才费用", "208 01 97 引进人才费用")], "warning"),
    "classification.name_mismatch": ([(1037, "208 01 04 综合业务管理", "208 01 04 信息化建设")], "warning"),
    "classification.econ_pair": ([(1149, "50206 公务接待费", "50101 工资奖金津补贴")], "warning"),
    "performance.targets_missing": ([(1743, "2025年老干部补助", "2025年老干部慰问")], "error"),
    "performance.execution_rate_as_indicator": ([], "warning"),
    "performance.satisfaction_missing": ([], "warning"),
    "performance.unquantified": ([], "info"),
    "performance.cost_vs_budget": ([], "warning"),
    "wording.placeholder": ([(133, "其中：基本支出", "其中：XX基本支出")], "error"),
    "wording.doubled_punctuation": ([(133, "其中：基本支出", "其中：基本支出，，")], "warning"),
    "wording.year": ([(113, "与上年相比，", "与2022年相比，")], "warning"),
    "narrative.year_self_comparison": ([(113, "与上年相比，", "与2025年相比，")], "error"),
    "wording.project_name_variant": ([], "warning"),
    "wording.number_format": ([(133, "占3.21%", "计4,04.19万元，占3.21%")], "warning"),
}
#: rules of documents read without a template profile; tested on crafted and corpus documents in test_generic.py
#: (completeness.template_tables, of a recognised template family, in test_families.py)
GENERIC_ONLY = {
    "table.code_hierarchy",
    "completeness.standard_tables",
    "completeness.template_tables",
    "summary.balance",
    "cross.generic_totals",
    "narrative.generic_totals",  # test_generic_checks.py
    "table.generic_columns",  # test_generic_checks.py
    "cross.generic_columns",  # test_generic_checks.py
    "cross.generic_sources",  # test_sources.py
    "table.unit_sum",  # test_unit_sums.py
    "reading.uncertain",  # test_certainty.py
    "reading.unreadable_table",  # test_certainty.py
}
#: narrative checks of sentences the seed does not write; tested on crafted text and corpus documents
#: in test_narrative_reading.py
NARRATIVE_CRAFTED = {
    "narrative.wrong_year",
    "narrative.comparison_words",
    "narrative.rate_arithmetic",
    "narrative.item_amount",
}


def test_every_rule_is_documented_and_has_a_trigger():
    rules = load_rules()
    assert set(rules) == set(TRIGGERS) | GENERIC_ONLY | NARRATIVE_CRAFTED
    for rule in rules.values():
        assert rule.title and rule.why and rule.severity in ("error", "warning", "info"), rule.id
        assert rule.check.__doc__ is None or rule.check.__doc__.strip()


def test_rules_doc_is_generated_from_the_catalog():
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == rules_markdown(), "docs/rules.md is stale: run `yusuan rules --markdown > docs/rules.md`"


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_rule_fires(seed_text, rule_id):
    edits, severity = TRIGGERS[rule_id]
    lines = seed_text.split("\n")
    for number, old, new in edits:
        assert old in lines[number - 1], (number, old)
        lines[number - 1] = lines[number - 1].replace(old, new, 1)
    report = audit_document(parse_text("\n".join(lines), path="seed.txt"))
    fired = [f for f in report.findings if f.rule == rule_id]
    assert fired, f"{rule_id} did not fire"
    assert any(f.severity == severity for f in fired)
    if edits:  # a crafted change is pointed at by the rule
        lines_hit = {p.line for f in fired for p in f.locations}
        assert any(number in lines_hit for number, _o, _n in edits) or rule_id.startswith("completeness."), lines_hit


def test_a_crashing_rule_is_reported_and_the_others_run(seed_text, monkeypatch):
    rules = dict(load_rules())
    from dataclasses import replace

    def boom(_ctx):
        raise RuntimeError("故意出错")

    rules["wording.placeholder"] = replace(rules["wording.placeholder"], check=boom)
    report = audit_document(parse_text(seed_text, path="seed.txt"), rules)
    assert any(f.rule == "audit.rule_crashed" and "wording.placeholder" in f.message for f in report.findings)
    assert any(f.rule == "narrative.growth_arithmetic" for f in report.findings)


def test_rules_share_no_private_helpers() -> None:
    """A helper two rule modules need is public in a module of its own (generic_figures.py,
    summary_lines.py …): no rule module imports another module's private (``_``) names."""
    import ast

    private = []
    for path in sorted((ROOT / "src" / "yusuan" / "audit" / "rules").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("yusuan"):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []
