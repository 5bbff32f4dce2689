"""The shipped catalog: coverage of the observed codes and the seed, lookups, the CLI."""

from __future__ import annotations

import csv
import re

import pytest
from typer.testing import CliRunner

from tests.conftest import SHARED
from yusuan.catalog import format_function_code, load_catalog, normalize_code
from yusuan.cli import app

OBSERVED = SHARED / "catalogs"


def test_every_row_has_a_parent_and_an_edition():
    cat = load_catalog()
    for name in ("function", "dept_econ", "gov_econ"):
        for entry in cat.entries(name):
            assert entry.edition in (2025, 2026), entry
            if entry.parent:
                assert cat.knows(name, entry.parent), entry
                assert entry.code.startswith(entry.parent), entry


def test_every_dept_econ_code_has_a_default_for_each_unit_kind():
    cat = load_catalog()
    for entry in cat.entries("dept_econ"):
        if entry.level == "款":
            for kind in ("行政", "事业", "参公"):
                gov = cat.default_gov_code(entry.code, kind)
                assert gov and cat.knows("gov_econ", gov), (entry.code, kind)


@pytest.mark.parametrize(
    ("file", "catalog"),
    [
        ("observed_expfunc_codes_2026.csv", "function"),
        ("observed_dept_econ_codes_2026.csv", "dept_econ"),
        ("observed_gov_econ_codes_2026.csv", "gov_econ"),
    ],
)
def test_every_observed_code_is_in_the_catalog(file, catalog):
    path = OBSERVED / file
    if not path.exists():
        pytest.skip(f"../shared is absent: {path}")
    cat = load_catalog()
    with path.open(encoding="utf-8") as fh:
        missing = [row["code"] for row in csv.DictReader(fh) if not cat.knows(catalog, row["code"])]
    assert not missing


def test_every_observed_pair_is_valid():
    path = OBSERVED / "observed_dept_to_gov_econ_pairs_2026.csv"
    if not path.exists():
        pytest.skip(f"../shared is absent: {path}")
    cat = load_catalog()
    with path.open(encoding="utf-8") as fh:
        missing = [
            (r["dept_econ_code"], r["gov_econ_code"])
            for r in csv.DictReader(fh)
            if not cat.is_valid_pair(r["dept_econ_code"], r["gov_econ_code"])
        ]
    assert not missing


def test_every_code_of_the_seed_tables_is_known(seed_text):
    cat = load_catalog()
    functions = {m.replace(" ", "") for m in re.findall(r"^2\d\d \d\d \d\d(?=\s)", seed_text, re.M)}
    pairs = set(re.findall(r"^(3\d{4}) \S+ (5\d{4}) ", seed_text, re.M))  # 预算06表
    pairs |= {(a + b, c + d) for a, b, c, d in re.findall(r"^(3\d\d) (\d\d) .*?(5\d\d) (\d\d) ", seed_text, re.M)}
    assert len(functions) >= 18 and len(pairs) >= 30
    assert all(cat.knows("function", f) for f in functions), functions
    for dept, gov in pairs:
        assert cat.is_valid_pair(dept, gov), (dept, gov)


def test_codes_are_written_as_in_the_template():
    assert normalize_code("208 01 01") == "2080101"
    assert format_function_code("2080101") == "208 01 01"
    assert format_function_code("20801") == "208 01"
    with pytest.raises(ValueError):
        normalize_code("20801x")


def test_parents_from_the_top():
    cat = load_catalog()
    assert [p.code for p in cat.parents("function", "2101102")] == ["210", "21011"]
    assert cat.name("function", "2101102") == "事业单位医疗"


def test_cli_catalog_prints_name_level_and_parents():
    result = CliRunner().invoke(app, ["catalog", "208 01 01"])
    assert result.exit_code == 0, result.output
    assert "行政运行" in result.output and "项" in result.output
    assert "社会保障和就业支出" in result.output and "人力资源和社会保障管理事务" in result.output


def test_cli_catalog_unknown_code():
    result = CliRunner().invoke(app, ["catalog", "2089977"])
    assert result.exit_code == 1
    assert "2089977" in result.output
