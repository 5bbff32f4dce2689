"""Issue 13 §4: the web app compares a budget with the same department's stored budget of the year
before, as ``yusuan build --prior`` does, says where the comparison comes from, and builds the
document again when a new version of last year's budget is uploaded.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from tests.test_web_api import PASSWORD, _client, _upload, web_app
from yusuan.ledger.model import Budget, Fund, Income, PriorYear
from yusuan.ledger.synth import generate_budget
from yusuan.narrative.prior import NO_COMPARISON, with_prior_ledger

#: synthetic departments (seed → department code), none of them the example's 503 or the editors' 999
IMPORTED, UNREADABLE, OTHER_TEMPLATE = 11, 12, 13


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    yield from web_app(request, tmp_path_factory, "prior")


def _ledger(budget: Budget) -> bytes:
    from yusuan.ledger.yaml_io import dump_yaml

    return dump_yaml(budget).encode("utf-8")


def _without_prior(seed: int) -> Budget:
    """A synthetic 2025 budget whose ledger states no prior-year figures."""
    return dataclasses.replace(generate_budget(seed, year=2025), prior_year=PriorYear())


def _without_largest_project(budget: Budget) -> Budget:
    """The budget without its largest project, its unit's income lowered to match (it still balances)."""
    largest = max(budget.projects, key=lambda p: p.amount)
    income = tuple(
        Income(i.unit, i.fund, i.amount - largest.amount) if i.unit == largest.unit and i.fund == Fund.GPB else i
        for i in budget.income
    )
    return dataclasses.replace(budget, projects=tuple(p for p in budget.projects if p is not largest), income=income)


def _narrative(disclosure_json: bytes) -> list[str]:
    return [b["text"] for b in json.loads(disclosure_json)["narrative"]["blocks"]]


def _expected_narrative(this_year: Budget, last_year: Budget | None) -> list[str]:
    """The narrative the command line writes (``yusuan build`` with ``--prior`` when ``last_year`` is given)."""
    from yusuan.ledger.read import read_budget_bytes
    from yusuan.outputs import build_disclosure

    stored = read_budget_bytes(_ledger(this_year), "this.yaml")  # as the app stores and reads it back
    if last_year is not None:
        stored = with_prior_ledger(stored, read_budget_bytes(_ledger(last_year), "last.yaml"), "last.yaml")
    return [b.text for b in build_disclosure(stored).narrative.blocks]


def _saved(client: TestClient, budget: Budget) -> dict:
    response = _upload(client, _ledger(budget), name=f"{budget.year}.yaml")
    assert response.status_code == 201, response.text
    return response.json()


def _store_without_checks(app, budget: Budget) -> None:
    """Save ``budget`` as it is, as a ledger stored under earlier rules would be (uploads are checked)."""
    from yusuan.store import repository

    with app.state.sessions() as db:
        ledger = _ledger(budget)
        repository.save_budget(
            db, budget, source_name="旧账本.yaml", source_bytes=ledger, who="test", user_id=None, base_version=None
        )
        db.commit()


def _page(client: TestClient, code: str, year: int = 2025) -> str:
    response = client.get(f"/departments/{code}/{year}")
    assert response.status_code == 200, response.text
    return response.text


def test_the_stored_budget_of_the_year_before_gives_the_comparison_and_a_new_version_of_it_rebuilds(app):
    client = _client(app, "admin")
    this_year = _without_prior(IMPORTED)
    first, second = generate_budget(IMPORTED, year=2024), _without_largest_project(generate_budget(IMPORTED, year=2024))
    code = this_year.department.code

    saved = _saved(client, this_year)
    page = _page(client, code)
    assert f"上年数据：{NO_COMPARISON}" in page and "或上传本部门 2024 年预算，上年数即从中导入" in page
    alone = client.get(f"/departments/{code}/2025/download/json").content  # built and cached without last year
    assert _narrative(alone) == _expected_narrative(this_year, None)
    assert client.get(f"/api/budgets/{saved['id']}").json()["prior_year"]["source"] == "none"

    for number, last_year in ((1, first), (2, second)):
        stored = _saved(client, last_year)
        page = _page(client, code)
        assert f"上年数据：取自 2024 年预算第 {number} 版" in page, page
        assert f'href="/departments/{code}/2024?v={number}"' in page
        assert "账本没有上年数" not in page
        document = client.get(f"/departments/{code}/2025/download/json").content
        assert _narrative(document) == _expected_narrative(this_year, last_year)
        assert NO_COMPARISON not in document.decode("utf-8")
        prior = client.get(f"/api/budgets/{saved['id']}").json()["prior_year"]
        assert prior["source"] == "imported"
        assert prior["last_year"] == {"id": stored["id"], "year": 2024, "version": number}
    assert _expected_narrative(this_year, first) != _expected_narrative(this_year, second)

    # a new process on the same database: nothing cached, the same comparison with version 2
    from yusuan.web.app import Settings, create_app

    fresh = create_app(Settings(app.state.settings.database_url, admin_password=PASSWORD))
    restarted = TestClient(fresh)
    signed_in = restarted.post("/api/session", json={"username": "admin", "password": PASSWORD})
    assert signed_in.status_code == 200
    assert "上年数据：取自 2024 年预算第 2 版" in _page(restarted, code)
    assert _narrative(restarted.get(f"/departments/{code}/2025/download/json").content) == _expected_narrative(
        this_year, second
    )
    fresh.state.engine.dispose()


def test_a_ledgers_own_prior_figures_win_over_the_stored_budget_of_the_year_before(app, example_budget):
    client = _client(app, "admin")
    _saved(client, dataclasses.replace(_without_largest_project(example_budget), year=2024))
    page = _page(client, "503")
    assert "上年数据：账本自带（已存的 2024 年预算第 1 版 未采用" in page
    assert "账本没有上年数" not in page  # the example states every compared figure
    document = client.get("/departments/503/2025/download/json").content
    assert _narrative(document) == _expected_narrative(example_budget, None)
    budget_id = next(d for d in client.get("/api/departments?year=2025").json() if d["code"] == "503")["latest"]["id"]
    assert client.get(f"/api/budgets/{budget_id}").json()["prior_year"]["source"] == "ledger"


def test_a_stored_budget_of_the_year_before_that_no_longer_reads_is_named_and_not_used(app):
    client = _client(app, "admin")
    this_year = _without_prior(UNREADABLE)
    code = this_year.department.code
    saved = _saved(client, this_year)
    _store_without_checks(app, dataclasses.replace(generate_budget(UNREADABLE, year=2024), template="henan-2023"))
    page = _page(client, code)
    assert f"上年数据：{NO_COMPARISON}（2024 年预算第 1 版的账本按现行规则读不出：未知的模板「henan-2023」" in page
    assert "账本没有上年数：收支总计" in page
    document = client.get(f"/departments/{code}/2025/download/json")
    assert document.status_code == 200
    assert _narrative(document.content) == _expected_narrative(this_year, None)
    assert client.get(f"/departments/{code}/2025/download/pdf").status_code == 200
    assert client.get(f"/api/budgets/{saved['id']}").json()["prior_year"]["source"] == "refused"


def test_a_stored_budget_of_the_year_before_of_another_template_is_not_compared(app, monkeypatch):
    import yusuan.tables.profile as profile

    known = profile.budget_templates()
    monkeypatch.setattr(profile, "budget_templates", lambda: [*known, "henan-2024"])  # a template yusuan retired
    client = _client(app, "admin")
    this_year = _without_prior(OTHER_TEMPLATE)
    code = this_year.department.code
    _saved(client, this_year)
    _store_without_checks(app, dataclasses.replace(generate_budget(OTHER_TEMPLATE, year=2024), template="henan-2024"))
    page = _page(client, code)
    refused = "上年账本 2024 年预算第 1 版 用的是「henan-2024」模板，而本预算用「henan-2025」模板：口径不同"
    assert f"上年数据：{NO_COMPARISON}（{refused}，上年数不能由它计算）" in page
    document = client.get(f"/departments/{code}/2025/download/json")
    assert _narrative(document.content) == _expected_narrative(this_year, None)
