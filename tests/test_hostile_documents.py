"""Issue 14: hostile and careless execution data, actuals and audited documents are problems, never crashes or hangs.

Each test is a reproducer from the issue's fuzzing and attack trial.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_DIR, EXAMPLE_XLSX, EXAMPLE_YAML, SEED
from yusuan.audit.batch import audit_one
from yusuan.audit.engine import AuditReport
from yusuan.audit.report import Unreadable
from yusuan.cli import app
from yusuan.extract.document import MAX_DOCUMENT_BYTES, DocumentError
from yusuan.extract.read import read_document
from yusuan.ledger import BudgetInputError
from yusuan.ledger.limits import MAX_INPUT_BYTES
from yusuan.performance.execution import read_execution
from yusuan.performance.scoring import read_actuals

EXECUTION = EXAMPLE_DIR / "execution.csv"
ACTUALS = EXAMPLE_DIR / "actuals.csv"


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def _problems(call) -> list:  # type: ignore[no-untyped-def]
    with pytest.raises(BudgetInputError) as info:
        call()
    return info.value.problems


# ---------------------------------------------------------------- perf score / perf monitor inputs


def test_perf_score_reads_gb18030_actuals(tmp_path):
    """The execution reader accepted GB18030 and `perf score` crashed on it (UnicodeDecodeError)."""
    gb = tmp_path / "actuals-gbk.csv"
    gb.write_bytes(ACTUALS.read_text(encoding="utf-8").encode("gb18030"))
    utf8 = _cli("perf", "score", str(EXAMPLE_YAML), str(EXECUTION), str(ACTUALS), "-f", "json")
    result = _cli("perf", "score", str(EXAMPLE_YAML), str(EXECUTION), str(gb), "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["department"] == json.loads(utf8.stdout)["department"]


def test_perf_score_cell_past_the_csv_field_limit_is_a_problem(tmp_path):
    """A 131,072-character field crashed `perf score` (csv.Error)."""
    rows = ACTUALS.read_text(encoding="utf-8").splitlines()
    rows[1] += "x" * 131_073
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "score.json"
    result = _cli("perf", "score", str(EXAMPLE_YAML), str(EXECUTION), str(actuals), "-f", "json", "-o", str(out))
    assert result.exit_code == 1
    assert "单元格内容过长" in result.output and "第2行" in result.output
    assert not out.exists()


def test_actual_values_have_a_length_limit(example_budget, tmp_path):
    rows = ACTUALS.read_text(encoding="utf-8").splitlines()
    code, indicator, _actual, note = rows[1].split(",")
    rows[1] = ",".join([code, indicator, "9" * 5000, note])
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("\n".join(rows) + "\n", encoding="utf-8")
    [problem] = _problems(lambda: read_actuals(actuals, example_budget))
    assert "内容过长" in problem.message and problem.origin.column == "actual"


def test_execution_amount_above_the_bound_is_a_problem(example_budget, tmp_path):
    """Amounts of 10^26 crashed `perf monitor` (InvalidOperation)."""
    lines = EXECUTION.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("16527.06", "1" + "0" * 26)
    payments = tmp_path / "execution.csv"
    payments.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [problem] = _problems(lambda: read_execution(example_budget, payments))
    assert "金额过大" in problem.message and problem.origin.row == 2


def test_execution_csv_rows_are_bounded(example_budget, tmp_path, monkeypatch):
    from yusuan.performance import execution

    monkeypatch.setattr(execution, "MAX_ROWS", 10)
    [problem] = _problems(lambda: read_execution(example_budget, EXECUTION))
    assert "超过 10 行" in problem.message and problem.origin.row == 12


def test_execution_csv_from_dev_zero_is_refused_unread(example_budget, tmp_path):
    """A link to /dev/zero was read until memory ran out."""
    link = tmp_path / "execution.csv"
    link.symlink_to("/dev/zero")
    started = time.perf_counter()
    [problem] = _problems(lambda: read_execution(example_budget, link))
    assert time.perf_counter() - started < 5
    assert f"超过 {MAX_INPUT_BYTES // 2**20} MB" in problem.message


def test_execution_workbook_with_a_damaged_sheet_names_the_sheet(example_budget, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "支付"
    for row in [line.split(",") for line in EXECUTION.read_text(encoding="utf-8").splitlines()]:
        sheet.append(row)
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    damaged = tmp_path / "execution.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, data[: len(data) // 2] if info.filename == "xl/worksheets/sheet1.xml" else data)
    [problem] = _problems(lambda: read_execution(example_budget, damaged))
    assert problem.origin.sheet == "支付" and "工作表「支付」已损坏" in problem.message


# ---------------------------------------------------------------- audit


def _audit(*args: str):
    result = _cli("audit", *args, "--format", "json")
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def test_audit_of_a_file_past_max_size_is_too_large_and_the_batch_goes_on(tmp_path, seed_text):
    """A 20 MB text grew the audit past 2 GB, and in a batch the other files' results were lost."""
    big = tmp_path / "big.txt"
    big.write_text(seed_text * (2 * 2**20 // len(seed_text.encode()) + 1), encoding="utf-8")
    result, objects = _audit(str(big), str(SEED), "--max-size", "1")
    assert result.exit_code == 2
    assert objects[0]["error"]["reason"] == "too_large" and "1 MB" in objects[0]["error"]["message"]
    assert objects[1]["stats"]["tables_found"] == 15
    text = _cli("audit", str(big), "--max-size", "1")
    assert "文件过大" in text.output


def test_audit_refuses_20_mb_by_default(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.write(("预算 12593.11\n" * (20 * 2**20 // 18)).encode())
    with pytest.raises(DocumentError) as info:
        read_document(big)
    assert info.value.reason == "too_large" and MAX_DOCUMENT_BYTES < 20 * 2**20


def test_audit_of_a_link_to_dev_zero_is_too_large(tmp_path):
    """A symlink to /dev/zero was read for ever."""
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    started = time.perf_counter()
    result = audit_one(str(link))
    assert time.perf_counter() - started < 5
    assert isinstance(result, Unreadable) and result.reason == "too_large"


def test_audit_of_a_fifo_reads_only_up_to_the_bound(tmp_path):
    fifo = tmp_path / "stream.txt"
    os.mkfifo(fifo)
    endless = "import sys\nwith open(sys.argv[1], 'wb') as out:\n    while True:\n        out.write(b'x' * 65536)\n"
    writer = subprocess.Popen([sys.executable, "-c", endless, str(fifo)], stderr=subprocess.DEVNULL)
    try:
        result = audit_one(str(fifo), max_bytes=2**20)
    finally:
        writer.kill()
        writer.wait()
    assert isinstance(result, Unreadable) and result.reason == "too_large"


def test_table_workbook_named_pdf_is_read_by_its_content(tmp_path, example_tables):
    """An XLSX named .pdf was reported as 'crashed' (openpyxl refuses the file name)."""
    from yusuan.render.xlsx import render_xlsx

    data = render_xlsx(example_tables)
    (tmp_path / "tables.xlsx").write_bytes(data)
    (tmp_path / "tables.pdf").write_bytes(data)
    as_xlsx = audit_one(str(tmp_path / "tables.xlsx"))
    as_pdf = audit_one(str(tmp_path / "tables.pdf"))
    assert isinstance(as_pdf, AuditReport), as_pdf
    assert isinstance(as_xlsx, AuditReport)
    assert [f.message for f in as_pdf.findings] == [f.message for f in as_xlsx.findings]
    ledger = tmp_path / "ledger.pdf"  # a budget ledger, not a disclosure: not one of its tables
    ledger.write_bytes(EXAMPLE_XLSX.read_bytes())
    result = audit_one(str(ledger))
    assert isinstance(result, Unreadable) and result.reason == "unknown_layout"


def test_workbook_with_a_damaged_sheet_is_unreadable_naming_the_sheet(tmp_path, example_tables):
    """Damaged sheet XML was reported as 'crashed' (ParseError)."""
    from yusuan.render.xlsx import render_xlsx

    whole = tmp_path / "whole.xlsx"
    whole.write_bytes(render_xlsx(example_tables))
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, data[: len(data) // 2] if info.filename == "xl/worksheets/sheet2.xml" else data)
    result = audit_one(str(damaged))
    assert isinstance(result, Unreadable) and result.reason == "unreadable"
    assert re.search(r"工作表「.+」已损坏", result.detail), result.detail


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_decoded(tmp_path, seed_text, encoding):
    """UTF-16 text (pdftotext on Windows, a text editor's 'Unicode') was called binary."""
    path = tmp_path / "seed16.txt"
    path.write_bytes(seed_text.encode(encoding))
    result = audit_one(str(path))
    assert isinstance(result, AuditReport), result
    assert result.stats["tables_found"] == 15


def test_binary_data_with_a_utf16_bom_is_still_binary(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_bytes(b"\xff\xfe" + bytes(range(256)) * 64)
    result = audit_one(str(path))
    assert isinstance(result, Unreadable) and result.reason == "unreadable"


def test_absurd_numbers_in_a_document_do_not_crash_the_audit(tmp_path, seed_text):
    """10^30 in place of every amount crashed the audit (decimal.InvalidOperation)."""
    path = tmp_path / "absurd.txt"
    path.write_text(re.sub(r"\d+\.\d\d", "1" + "0" * 30 + ".00", seed_text), encoding="utf-8")
    result = audit_one(str(path))
    assert isinstance(result, AuditReport), result
    assert not any(f.rule == "audit.rule_crashed" for f in result.findings)
    one = tmp_path / "one-absurd.txt"
    one.write_text(seed_text.replace("12593.11", "1" + "0" * 30 + ".00", 1), encoding="utf-8")
    assert isinstance(audit_one(str(one)), AuditReport)
