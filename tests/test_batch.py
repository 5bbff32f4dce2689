"""Batch audits: directories, worker processes, failures that do not stop the rest, --together."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from tests.conftest import SEED
from yusuan.audit.batch import expand_inputs
from yusuan.cli import app


def test_directories_expand_to_documents(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("x", encoding="utf-8")
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    assert expand_inputs([str(tmp_path)]) == [str(tmp_path / "a.pdf"), str(tmp_path / "sub" / "b.txt")]


def test_a_bad_document_does_not_stop_the_batch(tmp_path, seed_text):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "1-seed.txt").write_text(seed_text, encoding="utf-8")
    (folder / "2-broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    (folder / "3-seed-again.txt").write_text(seed_text, encoding="utf-8")
    summary = tmp_path / "summary.csv"
    result = CliRunner().invoke(
        app, ["audit", str(folder), "-j", "2", "--format", "json", "--summary-csv", str(summary)]
    )
    assert result.exit_code == 2  # one file could not be read at all
    objects = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [("error" in o) for o in objects] == [False, True, False]  # input order kept
    assert objects[0]["findings"] == objects[2]["findings"]
    rows = list(csv.DictReader(io.StringIO(summary.read_text(encoding="utf-8"))))
    assert [r["errors"] for r in rows] == ["8", "", "8"]
    assert rows[1]["unreadable"].startswith("unreadable")


def test_narrative_and_tables_in_separate_files_audit_together(tmp_path, seed_text):
    lines = seed_text.split("\n")
    cut = next(k for k, line in enumerate(lines) if line.startswith("附件"))
    narrative, tables = tmp_path / "说明.txt", tmp_path / "表格.txt"
    narrative.write_text("\n".join(lines[:cut]), encoding="utf-8")
    tables.write_text("\n".join(lines[cut:]), encoding="utf-8")
    apart = CliRunner().invoke(app, ["audit", str(narrative), "--format", "json"])
    assert apart.exit_code == 2  # the narrative alone has no tables
    together = CliRunner().invoke(app, ["audit", str(narrative), str(tables), "--together", "--format", "json"])
    data = json.loads(together.stdout.splitlines()[0])
    whole = json.loads(CliRunner().invoke(app, ["audit", str(SEED), "--format", "json"]).stdout.splitlines()[0])
    assert {(f["rule"], f["expected"], f["actual"]) for f in data["findings"]} == {
        (f["rule"], f["expected"], f["actual"]) for f in whole["findings"]
    }
