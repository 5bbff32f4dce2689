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
