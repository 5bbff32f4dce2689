"""Shared fixtures: the reference example and the seed paths."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DIR = ROOT / "examples" / "jiefang-hrss-2025"
EXAMPLE_YAML = EXAMPLE_DIR / "budget.yaml"
#: the example's (illustrative) execution data: payments, adjustments and indicator actuals
EXAMPLE_EXECUTION = EXAMPLE_DIR / "execution.csv"
EXAMPLE_ADJUSTMENTS = EXAMPLE_DIR / "adjustments.csv"
EXAMPLE_ACTUALS = EXAMPLE_DIR / "actuals.csv"
EXAMPLE_XLSX = EXAMPLE_DIR / "budget.xlsx"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
#: the seed's 预算15表 targets corrected (an illustration kept out of the example ledger)
EXAMPLE_CORRECTED_TARGETS = EXAMPLE_DIR / "performance-corrected.yaml"
SEED = SHARED / "seeds" / "000_b36b569784039dee.txt"
CORPUS = SHARED / "corpus" / "real-2026"


def corpus_file(name: str) -> Path:
    """A document of the real corpus; the test skips when ../shared is absent."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"../shared is absent: {path} not found")
    return path


def page_count_zeroed(path: Path, pages: int) -> bytes:
    """The PDF's bytes with its page tree's /Count printed as zeros (same length, so every offset
    stays): PDFium counts the pages by walking the tree, Poppler refuses the document, so the
    audit has no second reading of it."""
    data = path.read_bytes()
    count = f"/Count {pages}".encode()
    assert data.count(count) == 1
    return data.replace(count, b"/Count " + b"0" * len(str(pages)))


@pytest.fixture(scope="session")
def example_budget():
    from yusuan.ledger import read_budget

    return read_budget(EXAMPLE_YAML)


@pytest.fixture(scope="session")
def example_execution(example_budget):
    """The example's (illustrative) payments and adjustments, read against its ledger."""
    from yusuan.performance.execution import read_execution

    return read_execution(example_budget, EXAMPLE_EXECUTION, EXAMPLE_ADJUSTMENTS)


@pytest.fixture(scope="session")
def example_tables(example_budget):
    from yusuan.tables import build_tables

    return build_tables(example_budget)


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"../shared is absent: {SEED} not found")
    return SEED.read_text(encoding="utf-8")


def revised_example(note: str) -> bytes:
    """The example workbook with ``note`` added to the department's duties: the same tables, another ledger.

    A save stores a new version only when the ledger differs from the newest one, so tests that
    need a new version upload a revision.
    """
    import io

    import openpyxl

    book = openpyxl.load_workbook(EXAMPLE_XLSX)
    duties = book["部门职责"]
    duties.cell(row=2, column=1).value = f"{duties.cell(row=2, column=1).value}（{note}）"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_corrected_targets(budget):  # type: ignore[no-untyped-def]
    """The example budget with the corrected targets of performance-corrected.yaml in place of the seed's."""
    import dataclasses

    import yaml

    from yusuan.ledger.model import Indicator, IndicatorLevel1

    corrected = yaml.safe_load(EXAMPLE_CORRECTED_TARGETS.read_text(encoding="utf-8"))["projects"]
    by_code = {
        p["code"]: tuple(
            Indicator(IndicatorLevel1(i["level1"]), i["name"], str(i["value"]), i.get("level2", ""))
            for i in p["indicators"]
        )
        for p in corrected
    }
    projects = tuple(dataclasses.replace(p, indicators=by_code.get(p.code, p.indicators)) for p in budget.projects)
    return dataclasses.replace(budget, projects=projects)
