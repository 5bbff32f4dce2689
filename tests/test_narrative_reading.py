"""The narrative read wherever it stands, its sentence structure, and the checks of its own words
(crafted documents of the generic layout, read with ``parse_text``)."""

from __future__ import annotations

from tests.conftest import corpus_file
from tests.test_generic_checks import _document
from yusuan.audit.engine import audit_document, audit_path
from yusuan.audit.finding import Finding
from yusuan.extract.text import parse_text


def _audit(text: str) -> list[Finding]:
    report = audit_document(parse_text(text, path="crafted.txt"))
    # the crafted tables' 某某局 is a placeholder: not what these tests are about
    return [
        f for f in report.findings if f.rule.startswith(("narrative.", "wording.")) and f.rule != "wording.placeholder"
    ]


def _errors(text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.actual) for f in _audit(text) if f.severity == "error"]


def _after_tables(*sentences: str) -> str:
    """The crafted tables (表1 收支总表 120.00 …), then a part of narrative printed after them."""
    return _document() + "\f" + "\n".join(["第三部分 2026年部门预算情况说明", *sentences]) + "\n"


def _before_tables(*sentences: str) -> str:
    return _document(narrative=("第二部分 2026年部门预算情况说明", *sentences, "\f"))


# --- 1. where the narrative stands ---------------------------------------------------------------


def test_narrative_after_the_tables_is_read() -> None:
    assert _errors(_after_tables("一、收支预算总体情况", "收支总预算130.00万元。")) == [
        ("narrative.generic_totals", "130.00")
    ]
    assert _errors(_after_tables("一、收支预算总体情况", "收支总预算120.00万元。")) == []


def test_a_page_number_at_a_page_break_is_not_part_of_a_sentence() -> None:
    # '收支总预算' | '3' (the page number) | next page '120.00万元。': not 3120.00 万元
    text = _before_tables("一、收支预算总体情况", "甲局收支总预算", "3", "\f120.00万元。")
    assert _errors(text) == []
    text = _before_tables("一、收支预算总体情况", "甲局收支总预算", "- 3 -", "\f125.00万元。")
    assert _errors(text) == [("narrative.generic_totals", "125.00")]
