"""Issue 14, "what reviewers miss": Chinese names for rule ids and log actions, an audit's findings
as CSV/XLSX, search/filters/pages on the audit list and the log, identical re-uploads, two versions
side by side, regions set by administrators only, sticky headers and drill-down state in the URL.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import timedelta

import pytest

pytest.importorskip("fastapi")

from tests.conftest import EXAMPLE_XLSX, SEED, corpus_file, page_count_zeroed, revised_example
from tests.test_web_api import EXAMPLE, _client, _csrf, _latest, _upload, web_app


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    yield from web_app(request, tmp_path_factory, "review")


@pytest.fixture(scope="module")
def seed_audit(app) -> dict:
    if not SEED.exists():
        pytest.skip("../shared is absent")
    response = _client(app, "reviewer").post("/api/audits", files={"file": ("seed.txt", SEED.read_bytes())})
    assert response.status_code == 200, response.text
    return response.json()


def _amount_changed() -> bytes:
    """The example with one 基本支出 line and the income raised by 1 万元 (the budget still balances)."""
    import openpyxl

    book = openpyxl.load_workbook(EXAMPLE_XLSX)
    for name in ("基本支出", "收入"):
        sheet = book[name]
        header = [c.value for c in sheet[1]]
        column = next(i for i, h in enumerate(header, 1) if h and "金额" in str(h))
        cell = sheet.cell(row=2, column=column)
        cell.value = round(float(cell.value) + 1, 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- Chinese names for ids


def test_findings_show_the_rule_catalogs_chinese_title_and_keep_the_id(app, seed_audit):
    from yusuan.audit.rules import load_rules

    page = _client(app, "reviewer").get(f"/audits/{seed_audit['id']}").text
    title = load_rules()["cross.table_agreement"].title
    shown = title.split("（", 1)[0]
    assert f'<strong title="{title}">{shown}</strong> <code class="id">cross.table_agreement</code>' in page


def test_the_log_shows_actions_in_chinese_with_the_id(app):
    from yusuan.store.repository import LOG_ACTIONS

    assert _upload(_client(app, "admin"), revised_example("日志"), base_version=_latest(app)).status_code == 201
    page = _client(app, "admin").get("/admin/log").text
    assert f'{LOG_ACTIONS["save_budget"]} <code class="id">save_budget</code>' in page
    assert '<option value="save_budget">保存预算</option>' in page


# ---------------------------------------------------------------- exporting an audit's findings


def test_an_audits_findings_export_as_csv_and_xlsx(app, seed_audit):
    import openpyxl

    from yusuan.audit.report import CSV_COLUMNS

    client = _client(app, "reviewer")
    findings = seed_audit["findings"]
    exported = client.get(f"/audits/{seed_audit['id']}/findings.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "filename*=UTF-8''" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r[1], r[3]) for r in rows[1:]] == [(f["rule"], f["message"]) for f in findings]

    workbook = client.get(f"/audits/{seed_audit['id']}/findings.xlsx")
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    values = list(sheet.values)
    assert values[0][:4] == ("文件", "规则编号", "规则", "级别")
    assert len(values) == len(findings) + 1
    first = next(v for v in values[1:] if v[1] == "cross.table_agreement")
    assert first[2].startswith("同一数字在不同表中一致") and first[3] in ("错误", "警告", "提示")

    assert client.get(f"/audits/{seed_audit['id']}/findings.pdf").status_code == 404
    assert _client(app, "other_editor").get(f"/audits/{seed_audit['id']}/findings.csv").status_code == 403
    page = client.get(f"/audits/{seed_audit['id']}").text
    assert f"/audits/{seed_audit['id']}/findings.xlsx" in page and f"/audits/{seed_audit['id']}/findings.csv" in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_an_audit_without_the_second_reading_says_so_on_its_page_and_report(app, seed_audit):
    """Yantai's 公开表10 defect in a PDF Poppler refuses (/Count 00): the audit page and its full report
    say the error's amounts were read once only; the seed, a text with no second reading to ask, does not."""
    client = _client(app, "reviewer")
    damaged = page_count_zeroed(corpus_file("c025_yantai_013.pdf"), 56)
    response = client.post("/api/audits", files={"file": ("yantai.pdf", damaged)})
    assert response.status_code == 200, response.text
    audit = response.json()
    assert audit["stats"]["second_reading"]["available"] is False
    assert [f["rule"] for f in audit["findings"] if f["severity"] == "error"] == ["table.code_hierarchy"]
    note = f"错误所依据的 {audit['stats']['second_reading']['cells']} 个金额未能用第二种读法（Poppler）复核"
    page = client.get(f"/audits/{audit['id']}").text
    assert f'<p class="alert notice" role="status">{note}' in page
    assert note in client.get(f"/audits/{audit['id']}/report").text
    assert "第二种读法" not in client.get(f"/audits/{seed_audit['id']}").text


def test_a_findings_text_that_looks_like_a_formula_stays_text_in_the_workbook():
    import openpyxl

    from yusuan.web.review import findings_xlsx

    result = {
        "source": {"path": "x.pdf"},
        "findings": [
            {
                "rule": "r",
                "severity": "error",
                "message": '=HYPERLINK("http://x")',
                "expected": "",
                "actual": "",
                "locations": [],
            }
        ],
    }
    cell = openpyxl.load_workbook(io.BytesIO(findings_xlsx(result))).active.cell(row=2, column=5)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


# ---------------------------------------------------------------- search, filters and pages


def _record_audits(app, count: int) -> None:
    """``count`` stored audits (no document is read): alternating auditors, departments and results."""
    from sqlalchemy import select, update

    from yusuan.store import repository
    from yusuan.store.models import AuditRun, User

    with app.state.sessions() as db:
        users = {u.username: u for u in db.scalars(select(User))}
        for k in range(count):
            severity = ("error", "warning", "info")[k % 3]
            result = {
                "source": {"path": f"公开-{k:03d}.pdf"},
                "document": {"department": "甲局" if k % 2 else "乙局"},
                "findings": [{"rule": "x", "severity": severity, "message": "m", "locations": []}],
            }
            user = users["shenhe" if k % 2 else "admin"]
            run = repository.record_audit(db, user, f"公开-{k:03d}.pdf", b"%PDF", result, "")
            if k < 10:  # the first ten are older
                db.execute(
                    update(AuditRun).where(AuditRun.id == run.id).values(created_at=run.created_at - timedelta(days=40))
                )
        db.commit()


def test_the_audit_list_has_pages_counts_search_and_filters(app):
    from yusuan.store import repository
    from yusuan.store.models import Role, User

    _record_audits(app, 130)
    client = _client(app, "admin")
    with app.state.sessions() as db:
        total = repository.audit_runs(
            db, db.query(User).filter_by(role=Role.ADMIN.value).first(), repository.ListFilter()
        ).total
    first = client.get("/audits").text
    assert f"共 {total} 次审核" in first and total >= 130
    assert first.count('<tr>\n  <td><a href="/audits/') == 50
    last_page = -(-total // 50)
    last = client.get("/audits", params={"page": last_page}).text
    assert f"第 {last_page}/{last_page} 页" in last and "公开-000.pdf" in last  # the oldest is on the last page
    beyond = client.get("/audits", params={"page": 999}).text
    assert f"第 {last_page}/{last_page} 页" in beyond

    found = client.get("/audits", params={"q": "公开-12"}).text  # 公开-120 … 公开-129
    assert "共 10 次审核" in found
    assert "page=2" not in found
    assert "共 65 次审核" in client.get("/audits", params={"department": "甲局"}).text
    assert "共 65 次审核" in client.get("/audits", params={"department": "甲局", "username": "shenhe"}).text
    assert "共 0 次审核" in client.get("/audits", params={"department": "甲局", "username": "admin"}).text
    errors = client.get("/audits", params={"severity": "error", "q": "公开-"}).text
    assert "共 44 次审核" in errors  # k = 0, 3, … 129
    assert "共 43 次审核" in client.get("/audits", params={"severity": "warning", "q": "公开-"}).text
    assert "共 43 次审核" in client.get("/audits", params={"severity": "clean", "q": "公开-"}).text
    old = client.get(
        "/audits", params={"q": "公开-", "until": (repository.now() - timedelta(days=30)).date().isoformat()}
    )
    assert "共 10 次审核" in old.text
    # a page link keeps the filters
    paged = client.get("/audits", params={"department": "乙局"}).text
    assert "department=%E4%B9%99%E5%B1%80&amp;page=2" in paged
    bad = client.get("/audits", params={"since": "2025-13-01"})
    assert bad.status_code == 422 and "起始日期" in bad.text
    # an editor still sees only their own audits
    assert "共 0 次审核" in _client(app, "other_editor").get("/audits").text


def test_the_log_has_pages_counts_search_and_filters(app):
    from yusuan.store import repository

    client = _client(app, "admin")
    with app.state.sessions() as db:
        for k in range(210):
            repository.log(db, "系统", "set_region", f"部门{k:03d}", "测试")
        db.commit()
        total = repository.log_entries(db).total
        audited = repository.log_entries(db, repository.ListFilter(action="audit")).total
    page = client.get("/admin/log").text
    assert total > 200 and f"共 {total} 条记录" in page  # more than the old list's silent limit
    assert client.get("/admin/log", params={"page": 2}).status_code == 200
    audits = client.get("/admin/log", params={"action": "audit"}).text
    assert f"共 {audited} 条记录" in audits and "save_budget" not in audits.split("<tbody>")[1]
    searched = client.get("/admin/log", params={"q": "公开-129"}).text
    assert "共 1 条记录" in searched and "公开-129.pdf" in searched
    mine = client.get("/admin/log", params={"username": "shenhe", "action": "login"}).text
    assert "共 0 条记录" not in mine
    from yusuan.web.views import CHINA_TIME

    today = repository.now().astimezone(CHINA_TIME).date().isoformat()  # the filter's dates are China's
    assert f"共 {total}" in client.get("/admin/log", params={"since": "2000-01-01", "until": today}).text
    assert "共 0 条记录" in client.get("/admin/log", params={"until": "2000-01-01"}).text


# ---------------------------------------------------------------- identical re-uploads


def test_an_identical_reupload_stores_no_new_version(app):
    client = _client(app, "admin")
    revision = revised_example("相同")
    base = _latest(app)
    assert _upload(client, revision, base_version=base).status_code == 201
    again = _upload(client, revision, "again.xlsx", base_version=base + 1)
    assert again.status_code == 200
    assert again.json()["unchanged"] is True and again.json()["version"] == base + 1
    assert f"与第{base + 1}版相同" in again.json()["detail"]
    assert _latest(app) == base + 1

    token = _csrf(client, "/upload?department=503&year=2025")
    page = client.post(
        "/upload",
        files={"file": ("same.xlsx", revision)},
        data={"csrf_token": token, "base_version": str(base + 1), "department": "503", "year": "2025"},
    )
    assert page.status_code == 200 and f"与第{base + 1}版相同" in page.text
    assert f"/departments/503/2025?v={base + 1}" in page.text
    assert _latest(app) == base + 1
    # the same ledger as an older version is a change back: stored
    assert _upload(client, EXAMPLE, base_version=base + 1).status_code == 201
    assert _latest(app) == base + 2


def test_restoring_the_newest_content_stores_nothing(app):
    client = _client(app, "editor")
    latest = _latest(app)
    assert _upload(client, revised_example("恢复"), base_version=latest).status_code == 201
    assert _upload(client, EXAMPLE, base_version=latest + 1).status_code == 201  # newest = the example again
    token = _csrf(client, "/departments/503/2025")
    response = client.post(
        "/departments/503/2025/restore", data={"v": 1, "base_version": latest + 2, "csrf_token": token}
    )
    assert response.status_code == 200 and f"与第{latest + 2}版相同" in response.text
    assert _latest(app) == latest + 2


# ---------------------------------------------------------------- two versions side by side


def test_two_versions_side_by_side_mark_the_changed_cells(app):
    client = _client(app, "admin")
    base = _latest(app)
    assert _upload(client, EXAMPLE, base_version=base).status_code in (200, 201)
    same_as = _latest(app)
    assert _upload(client, _amount_changed(), base_version=same_as).status_code == 201
    changed = _latest(app)
    page = client.get("/departments/503/2025/compare", params={"a": same_as, "b": changed, "t": "预算05表"})
    assert page.status_code == 200
    html = page.text
    assert f"第{same_as}版与第{changed}版并排比较" in html
    sides = html.split('<div class="side">')[1:]
    assert len(sides) == 2
    marked = [re.findall(r'<td class="([^"]*changed[^"]*)">([^<]*)</td>', side) for side in sides]
    assert marked[0] and len(marked[0]) == len(marked[1])  # the same cells on both sides
    assert [text for _, text in marked[0]] != [text for _, text in marked[1]]
    rows = [side.split("<tbody>")[1].split("</tbody>")[0].count("<tr") for side in sides]
    assert rows[0] == rows[1]  # lined up row by row
    tabs = html.split('aria-label="预算表"')[1].split("</nav>")[0]
    assert 'class="badge changes"' in tabs
    unchanged = client.get("/departments/503/2025/compare", params={"a": same_as, "b": changed, "t": "预算10表"})
    assert "changed" not in unchanged.text.split('<div class="side-by-side compare">')[1]
    only = client.get(
        "/departments/503/2025/compare", params={"a": same_as, "b": changed, "t": "预算05表", "changed": 1}
    )
    only_rows = only.text.split('<div class="side">')[2].split("<tbody>")[1].count("<tr")
    assert 0 < only_rows < rows[1]
    assert "比较版本" in client.get("/departments/503/2025").text
    assert _client(app, "other_editor").get("/departments/503/2025/compare").status_code == 403


def test_comparison_finds_cells_by_table_row_and_column(example_budget, example_tables):
    from dataclasses import replace

    from yusuan.tables import build_tables
    from yusuan.web.review import compare_tables

    first = example_budget.projects[0]
    projects = [replace(first, name=first.name + "（调整）"), *example_budget.projects[1:]]
    changes = {
        c.number: c for c in compare_tables(example_tables, build_tables(replace(example_budget, projects=projects)))
    }
    assert all(c.changes == 0 for c in compare_tables(example_tables, example_tables))
    assert changes["预算05表"].changes == 0  # by function and economic class: no project name in it
    assert changes["预算15表"].changed_cells == 1  # the same row (by project code), its name cell changed
    assert changes["预算12表"].added_rows == changes["预算12表"].removed_rows == 1  # its rows go by name
    raised = replace(example_budget.basic[0], amount=example_budget.basic[0].amount + 100)
    more = compare_tables(
        example_tables, build_tables(replace(example_budget, basic=(raised, *example_budget.basic[1:])))
    )
    by_number = {c.number: c for c in more}
    assert by_number["预算05表"].changed_cells > 0 and by_number["预算05表"].added_rows == 0
    assert by_number["预算15表"].changes == 0
    for comparison in changes.values():  # every marked cell is a changed one or in an added row
        marked = sum("changed" in cell["cls"] for row in comparison.b["rows"] for cell in row["cells"])
        assert marked == comparison.changed_cells + comparison.added_rows * comparison.b["ncols"], comparison.number
    fewer = replace(example_tables, tables=example_tables.tables[:-1])
    missing = compare_tables(fewer, example_tables)[-1]
    assert missing.a is None and missing.added_rows == len(example_tables.tables[-1].rows)


# ---------------------------------------------------------------- regions


def test_only_administrators_set_a_departments_region(app):
    from yusuan.store import repository

    editor = _client(app, "editor")
    refused = _upload(editor, revised_example("地区"), base_version=_latest(app), region="别的地区")
    assert refused.status_code == 403 and "只有管理员" in refused.json()["detail"]
    token = _csrf(editor, "/upload?department=503&year=2025")
    assert 'name="region"' not in editor.get("/upload?department=503&year=2025").text
    page = editor.post(
        "/upload",
        files={"file": ("b.xlsx", revised_example("地区2"))},
        data={"csrf_token": token, "base_version": str(_latest(app)), "region": "别的地区"},
    )
    assert page.status_code == 403 and "只有管理员" in page.text
    denied = editor.post("/departments/503/region", data={"csrf_token": token, "region": "别的地区"})
    assert denied.status_code == 403
    with app.state.sessions() as db:
        assert repository.department_by_code(db, "503").region == "焦作市解放区"

    admin = _client(app, "admin")
    assert 'name="region"' in admin.get("/departments/503/2025").text
    saved = admin.post(
        "/departments/503/region",
        data={"csrf_token": _csrf(admin, "/audits"), "region": "焦作市新区", "back": "/departments/503/2025"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/departments/503/2025"
    with app.state.sessions() as db:
        assert repository.department_by_code(db, "503").region == "焦作市新区"
        entries = repository.log_entries(db, repository.ListFilter(action="set_region")).items
    assert entries and entries[0].detail == "焦作市解放区 → 焦作市新区"


# ---------------------------------------------------------------- long tables and drill-down in the URL


def test_long_tables_keep_their_header_in_view():
    from yusuan.web.app import STATIC

    css = (STATIC / "style.css").read_text(encoding="utf-8")
    assert re.search(r"table\.grid thead th \{[^}]*position: sticky", css)
    assert re.search(r"\.table-wrap thead \{[^}]*position: sticky", css)


def test_the_drill_down_state_is_in_the_address(app):
    client = _client(app, "reviewer")
    opened = ["503001", "503001/208"]
    # a reload of the pushed address: the full page opens the same rows
    page = client.get("/departments/503/2025", params={"t": "预算05表", "view": "drill", "open": opened})
    assert page.status_code == 200 and "逐级展开" in page.text
    assert "人力资源和社会保障管理事务" in page.text  # a 款 under 208, shown because 208 is open
    fragment = client.get(
        "/departments/503/2025/tables/预算05表",
        params={"view": "drill", "open": opened},
        headers={"HX-Request": "true"},
    ).text
    pushed = re.findall(r'hx-push-url="([^"]+)"', fragment)
    assert any("view=drill" in url and "open=503001/208" in url for url in pushed)
    assert all(url.startswith("/departments/503/2025?v=") for url in pushed)
    # the same address without htmx (a new tab) is the full page too
    direct = client.get("/departments/503/2025/tables/预算05表", params={"view": "drill", "open": opened})
    assert "<h1>" in direct.text and "人力资源和社会保障管理事务" in direct.text


def test_exported_findings_never_hold_a_formula():
    # a finding quotes the audited document, which anyone may have written
    import csv
    import io

    from yusuan.web.review import findings_csv

    finding = {"rule": "wording.x", "severity": "warning", "expected": "", "actual": "@SUM(A1)", "locations": []}
    hostile = {
        "source": {"path": "+预算.pdf"},
        "findings": [
            {**finding, "message": '=HYPERLINK("http://x","点我")'},
            {**finding, "message": "-2+3", "locations": [{"table": "预算01表", "text": "=1+1"}]},
        ],
    }
    rows = list(csv.reader(io.StringIO(findings_csv(hostile).decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells and not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert any(cell == '\'=HYPERLINK("http://x","点我")' for cell in cells)
