"""The closed loop: the example built by yusuan, read back from each output, audits with 0 errors."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from yusuan.audit.engine import audit_path
from yusuan.outputs import write_outputs


@pytest.fixture(scope="module")
def built(example_budget, tmp_path_factory):
    out = tmp_path_factory.mktemp("example")
    try:
        write_outputs(example_budget, out, ["pdf", "xlsx"])
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))
    return out


#: the seed's published 预算15表 targets, kept verbatim in the example, and what the audit rightly says of them
EXPECTED_TARGET_WARNINGS = 12


def _assert_clean(path):
    """0 errors; the only warnings are the ones about the seed's own targets."""
    report = audit_path(path)
    errors = [f for f in report.findings if f.severity == "error"]
    assert errors == [], [f.message for f in errors]
    warnings = [f for f in report.findings if f.severity == "warning"]
    assert all(f.rule.startswith("performance.") for f in warnings), [f.message for f in warnings]
    assert len(warnings) == EXPECTED_TARGET_WARNINGS, [f.message for f in warnings]
    assert report.stats["tables_found"] == 15
    assert report.stats["identities_checked"] > 600
    assert report.stats["identities_held"] == report.stats["identities_checked"]
    return report


def test_xlsx_audits_clean(built):
    _assert_clean(built / "tables.xlsx")


def test_pdf_audits_clean(built):
    report = _assert_clean(built / "disclosure.pdf")
    assert report.source["format"] == "pdf" and report.source["pages"] > 20


def test_pdftotext_layout_audits_clean(built):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    text = built / "disclosure.txt"
    subprocess.run(["pdftotext", "-layout", str(built / "disclosure.pdf"), str(text)], check=True)
    report = _assert_clean(text)
    assert report.source["format"] == "text"


def test_extraction_recovers_every_amount_of_the_built_tables(built, example_tables):
    """Cell by cell: what the audit reads from the PDF is what yusuan built."""
    report = audit_path(built / "disclosure.pdf")
    for table in example_tables.tables:
        if table.kind == "dept_performance":
            continue
        read = report.tableset.by_number(table.number)
        built_cells = {
            (r.key, c): v.value for r in table.rows for c, v in r.cells.items() if isinstance(v.value, int) and v.value
        }
        read_cells = {
            (r.key, c): v.value for r in read.rows for c, v in r.cells.items() if isinstance(v.value, int) and v.value
        }
        if table.kind in ("summary", "fiscal_summary"):
            built_cells = {(k[0][0], k[0][1], k[1]): v for k, v in built_cells.items()}
            read_cells = {(k[0][0], k[0][1], k[1]): v for k, v in read_cells.items()}
        assert read_cells == built_cells, table.number
