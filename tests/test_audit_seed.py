"""Audit of the seed: every genuine inconsistency is an error, nothing correct is."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import SEED
from yusuan.cli import app

#: the seed's genuine inconsistencies: (rule, expected, actual)
GENUINE = {
    ("table.line_identity", "12593.11", "11493.11"),  # 预算04表 收入合计 ≠ 支出合计
    ("cross.table_agreement", "12593.11", "11493.11"),  # 预算04表 vs 01表 / 05表
    ("narrative.amount_mismatch", "18.85", "18.35"),  # 卫生健康支出
    ("narrative.amount_mismatch", "404.19", "12593.11"),  # 一般公共预算基本支出
    ("narrative.parts_sum", "404.19", "12593.11"),  # 人员经费 + 公用经费 ≠ 基本支出
    ("narrative.growth_arithmetic", "13.26", "12.26"),  # 1474.55 / 11118.56
    ("narrative.count_breakdown", "1", "0"),  # 车辆共有0辆，其中其他用车1辆
}


@pytest.fixture(scope="module")
def seed_report(seed_text):
    from yusuan.audit.engine import audit_path

    return audit_path(SEED)


def test_every_genuine_inconsistency_is_an_error(seed_report):
    errors = {(f.rule, f.expected, f.actual) for f in seed_report.findings if f.severity == "error"}
    assert errors == GENUINE


def test_errors_carry_locations(seed_report):
    for f in seed_report.findings:
        if f.severity == "error":
            assert f.locations and all(p.line for p in f.locations[:1]), f


def test_the_seed_reads_completely(seed_report):
    assert seed_report.stats["tables_found"] == 15
    checked, held = seed_report.stats["identities_checked"], seed_report.stats["identities_held"]
    assert checked > 600 and checked - held <= 3  # the 04 table's imbalance, and nothing else


def test_json_output_follows_the_schema(seed_text):
    result = CliRunner().invoke(app, ["audit", str(SEED), "--format", "json"])
    assert result.exit_code == 1  # the seed has errors
    data = json.loads(result.stdout.splitlines()[0])
    assert data["schema"] == "yusuan.audit/1"
    assert data["source"]["path"] == str(SEED) and data["source"]["format"] == "text"
    assert data["document"] == {
        "kind": "budget",
        "year": 2025,
        "department": "焦作市解放区人力资源和社会保障局（汇总）",
        "template": "henan-2025",
    }
    assert {t["number"] for t in data["tables"]} == {f"预算{n:02d}表" for n in range(1, 16)}
    finding = next(f for f in data["findings"] if f["rule"] == "narrative.growth_arithmetic")
    assert finding["locations"][0]["line"] == 115
    assert set(data["stats"]) >= {"tables_found", "identities_checked", "identities_held", "seconds"}
