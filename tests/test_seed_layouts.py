"""The seed printed as other Henan departments print the same template: its tables read back to the
same findings (the reading must not turn a layout into errors, nor lose the real ones)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SEED
from yusuan.audit.engine import audit_document
from yusuan.extract.text import parse_text


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip("../shared is absent")
    return SEED.read_text(encoding="utf-8")


def _errors(text: str) -> list[tuple[str, str]]:
    report = audit_document(parse_text(text))
    return sorted((f.rule, f.message) for f in report.findings if f.severity == "error")


def _table_lines(text: str, change) -> str:
    """Each table line (two amounts or more) changed, the narrative left as it is."""
    return "\n".join(change(line) if len(re.findall(r"\d+\.\d\d", line)) >= 2 else line for line in text.split("\n"))


def test_amounts_printed_as_bare_integers_read_the_same(seed_text: str) -> None:
    """Excel's General format: '300' for 300.00 — in 03/05 coded rows, 07/12 item rows on their own
    line ('300 300'), 15表 project rows."""
    bare = _table_lines(seed_text, lambda line: re.sub(r"(\d+)\.00\b", r"\1", line))
    assert bare != seed_text
    assert _errors(bare) == _errors(seed_text)


def test_thousands_separators_read_the_same(seed_text: str) -> None:
    grouped = _table_lines(seed_text, lambda line: re.sub(r"\b(\d{1,3})(\d{3})\.(\d\d)\b", r"\1,\2.\3", line))
    assert grouped != seed_text
    assert _errors(grouped) == _errors(seed_text)


def test_misplaced_thousands_separators_read_the_same_and_are_named(seed_text: str) -> None:
    """'1,2593.11': the digits are the value; the cell's format is a warning (wording.number_format)."""
    misgrouped = _table_lines(seed_text, lambda line: re.sub(r"\b(\d)(\d{4})\.(\d\d)\b", r"\1,\2.\3", line))
    assert misgrouped != seed_text
    assert _errors(misgrouped) == _errors(seed_text)
    report = audit_document(parse_text(misgrouped))
    assert any(f.rule == "wording.number_format" and f.locations[0].table for f in report.findings)


def test_amounts_shown_with_one_decimal_raise_no_new_errors(seed_text: str) -> None:
    """'12593.1' for 12593.11: each cell's own display step (0.1 万元) is its rounding tolerance, in
    the tables' identities, across tables and against the narrative; the seed's 8 errors remain."""
    from decimal import ROUND_HALF_UP, Decimal

    def one(m: re.Match[str]) -> str:
        return str(Decimal(m.group(0)).quantize(Decimal("0.1"), ROUND_HALF_UP))

    rounded = _table_lines(seed_text, lambda line: re.sub(r"\b\d+\.\d\d\b", one, line))
    assert rounded != seed_text
    assert sorted(rule for rule, _ in _errors(rounded)) == sorted(rule for rule, _ in _errors(seed_text))


def test_codes_printed_whole_read_the_same(seed_text: str) -> None:
    """'2080101 行政运行' for '208 01 01 行政运行': a 7-digit 项 code, not a unit's code."""
    whole = re.sub(r"(?m)^(\d{3}) (\d{2}) (\d{2}) ", r"\1\2\3 ", seed_text)
    assert whole != seed_text
    assert _errors(whole) == _errors(seed_text)


@pytest.mark.parametrize("zero", ["-", "0.00"])
def test_zeros_printed_otherwise_read_the_same(seed_text: str, zero: str) -> None:
    other = _table_lines(seed_text, lambda line: re.sub(r"(?<=\s)0(?=\s|$)", zero, line))
    assert other != seed_text
    assert _errors(other) == _errors(seed_text)


def test_a_table_printed_in_yuan_reads_the_same(seed_text: str) -> None:
    """预算05表 printed in 元 (单位：元, each amount ×10000): its cells hold the same money."""
    from decimal import Decimal

    start, end = seed_text.index("\n预算05表"), seed_text.index("\n预算06表")

    def yuan(m: re.Match[str]) -> str:
        return f"{Decimal(m.group(0)) * 10000:.2f}"

    part = seed_text[start:end].replace("单位：万元", "单位：元")
    part = re.sub(r"\b\d+\.\d\d\b", yuan, part)
    assert "单位：元" in part
    printed = seed_text[:start] + part + seed_text[end:]
    # the same findings (预算05表's amounts now shown in 元 in their messages)
    assert [rule for rule, _ in _errors(printed)] == [rule for rule, _ in _errors(seed_text)]
    ours = audit_document(parse_text(printed)).tableset.get("gpb_expenditure")
    seed = audit_document(parse_text(seed_text)).tableset.get("gpb_expenditure")
    assert ours.unit == "元"
    assert [{k: c.value for k, c in r.cells.items()} for r in ours.rows] == [
        {k: c.value for k, c in r.cells.items()} for r in seed.rows
    ]
