"""The audit command: formats, exit codes, and files that cannot be read at all."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

from typer.testing import CliRunner

from tests.conftest import SEED
from yusuan.cli import app


def _run(*args: str):
    return CliRunner().invoke(app, ["audit", *args])


def test_unreadable_files_exit_2_with_the_reason(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    fake_pdf = tmp_path / "fake.pdf"
    fake_pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    prose = tmp_path / "prose.txt"
    prose.write_text("这是一份会议纪要，没有任何预算表。\n", encoding="utf-8")
    result = _run(str(empty), str(fake_pdf), str(prose), "--format", "json")
    assert result.exit_code == 2
    reasons = [json.loads(line)["error"]["reason"] for line in result.stdout.splitlines()]
    assert reasons == ["empty", "unreadable", "unknown_layout"]
    for line in result.stdout.splitlines():
        assert json.loads(line)["error"]["message"]  # a Chinese explanation, not just a code


def test_one_bad_file_does_not_stop_the_others(tmp_path, seed_text):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = _run(str(empty), str(SEED), "--format", "json")
    assert result.exit_code == 2
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert "error" in objects[0] and objects[1]["stats"]["tables_found"] == 15


def test_csv_and_html_reports(tmp_path, seed_text):
    out = tmp_path / "report.csv"
    assert _run(str(SEED), "--format", "csv", "-o", str(out)).exit_code == 1
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert any(r["rule"] == "narrative.growth_arithmetic" and r["line"] == "115" for r in rows)
    html = tmp_path / "report.html"
    assert _run(str(SEED), "--format", "html", "-o", str(html)).exit_code == 1
    page = html.read_text(encoding="utf-8")
    texts: list[str] = []

    class Collect(HTMLParser):
        def handle_data(self, data: str) -> None:
            texts.append(data)

    Collect().feed(page)
    body = "".join(texts)
    assert "增长率与其金额不符" in body and "卫生健康支出" in body
    assert 'class="marked"' in page  # the table excerpt marks the cell involved


def test_text_report_groups_by_severity(seed_text):
    result = _run(str(SEED))
    assert result.exit_code == 1
    assert "错误 8" in result.output
    first_warning = result.output.index("警告 项目")
    assert result.output.index("增长率与其金额不符") < first_warning


def test_unknown_format_is_refused():
    result = _run(str(SEED), "--format", "docx")
    assert result.exit_code == 2


def test_batch_keeps_rebuilt_tables_only_for_the_html_report(seed_text):
    from yusuan.audit.batch import audit_one
    from yusuan.cli import _keep_for_report

    assert _keep_for_report(audit_one(str(SEED)), "html").tableset is not None  # excerpts need them
    light = _keep_for_report(audit_one(str(SEED)), "json")
    assert light.tableset is None and light.errors > 0  # the findings stay


def test_json_and_csv_batch_reports_stream_and_stay_all_or_nothing(tmp_path, seed_text, monkeypatch):
    """Each document's lines are written as it arrives; the report file appears only when complete."""
    from yusuan.audit import batch

    out = tmp_path / "report.json"
    seen_before_second: list[str] = []
    real_run_batch = batch.run_batch

    def watching(paths, jobs=1, done=None, executor=None, **options):
        for k, result in enumerate(real_run_batch(paths, jobs, done, executor, **options)):
            if k == 1:  # the first document's line is already in the staged file
                staged = list(tmp_path.glob(".report.json.*.tmp"))
                seen_before_second.extend(p.read_text(encoding="utf-8") for p in staged)
                assert not out.exists()
            yield result

    monkeypatch.setattr(batch, "run_batch", watching)
    summary = tmp_path / "summary.csv"
    result = _run(str(SEED), str(SEED), "--format", "json", "-o", str(out), "--summary-csv", str(summary))
    assert result.exit_code == 1
    assert len(seen_before_second) == 1 and json.loads(seen_before_second[0])["stats"]["tables_found"] == 15
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    rows = list(csv.DictReader(io.StringIO(summary.read_text(encoding="utf-8"))))
    assert len(rows) == 2 and rows[0]["errors"] == rows[1]["errors"] and int(rows[0]["errors"]) > 0

    def failing(paths, jobs=1, done=None, executor=None, **options):
        yield from real_run_batch(paths[:1], jobs, done, executor, **options)
        raise RuntimeError("worker lost")

    monkeypatch.setattr(batch, "run_batch", failing)
    broken = tmp_path / "broken.csv"
    _run(str(SEED), str(SEED), "--format", "csv", "-o", str(broken))
    assert not broken.exists() and not list(tmp_path.glob(".broken.csv.*"))  # nothing half-written
