"""The JSON API and the form pages, for every role, on SQLite and on a real PostgreSQL server.

PostgreSQL runs when ``YUSUAN_TEST_POSTGRES_URL`` names one (``make test`` starts a private
server with scripts/postgres.sh and sets it); otherwise those cases skip.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from tests.conftest import EXAMPLE_XLSX, SEED, revised_example

PASSWORD = "admin-pass-2025"
ACCOUNTS = {
    "reviewer": ("shenhe", "reviewer-pass", "reviewer", None),
    "editor": ("bianji503", "editor-pass-503", "editor", "503"),
    "other_editor": ("bianji999", "editor-pass-999", "editor", "999"),
}


def _reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _make_app(url: str, **settings):
    from yusuan.store import repository
    from yusuan.store.models import Department, Role
    from yusuan.web.app import Settings, create_app

    app = create_app(Settings(url, admin_password=PASSWORD, **settings))
    with app.state.sessions() as db:
        for code in {a[3] for a in ACCOUNTS.values() if a[3]} - {d.code for d in repository.all_departments(db)}:
            db.add(Department(code=code, name=f"测试部门{code}"))  # editors belong to a department that exists
        for username, password, role, department in ACCOUNTS.values():
            repository.create_user(db, username, password, Role(role), department, actor="test")
        db.commit()
    return app


def web_app(request, tmp_path_factory, folder: str):
    """The app with the test accounts, on SQLite or (``request.param == "postgresql"``) on the server
    YUSUAN_TEST_POSTGRES_URL names: the body of every web test module's ``app`` fixture."""
    if request.param == "postgresql":
        url = os.environ.get("YUSUAN_TEST_POSTGRES_URL", "")
        if not url:
            pytest.skip("YUSUAN_TEST_POSTGRES_URL 未设置（make test 会启动 PostgreSQL 并设置它）")
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp(folder) / 'yusuan.db'}"
    application = _make_app(url)  # a new app starts with no built disclosures (create_app forgets them)
    yield application
    application.state.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    yield from web_app(request, tmp_path_factory, "db")


def _client(app, who: str | None = None) -> TestClient:
    client = TestClient(app)
    if who is not None:
        username, password = ("admin", PASSWORD) if who == "admin" else ACCOUNTS[who][:2]
        response = client.post("/api/session", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]  # API writes send the session's token
    return client


def _latest(app, code: str = "503", year: int = 2025) -> int:
    from yusuan.store import repository

    with app.state.sessions() as db:
        department = repository.department_by_code(db, code)
        return repository.latest_version(db, department.id, year) if department else 0


def _upload(client: TestClient, data: bytes, name: str = "budget.xlsx", **fields):
    form = {k: str(v) for k, v in fields.items()}
    return client.post("/api/budgets", files={"file": (name, data)}, data=form)


EXAMPLE = EXAMPLE_XLSX.read_bytes()
_revisions = iter(range(1, 1_000_000))


def _revised() -> bytes:
    """The example with another ledger each time (an identical upload stores no new version)."""
    return revised_example(f"修订 {next(_revisions)}")


# ---------------------------------------------------------------- sign-in and anonymous access


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/departments"),
        ("post", "/api/budgets"),
        ("get", "/api/budgets/1"),
        ("get", "/api/budgets/1/tables/05"),
        ("post", "/api/audits"),
        ("get", "/api/audits/1"),
        ("delete", "/api/session"),
    ],
)
def test_anonymous_requests_get_401(app, method, path):
    response = getattr(_client(app), method)(path)
    assert response.status_code == 401
    assert "未登录" in response.json()["detail"]


def test_sign_in_sets_a_safe_cookie_and_wrong_password_is_refused(app):
    client = TestClient(app)
    assert client.post("/api/session", json={"username": "admin", "password": "wrong"}).status_code == 401
    assert client.post("/api/session", json={"username": "nobody", "password": "x"}).status_code == 401
    response = client.post("/api/session", json={"username": "admin", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/api/departments").status_code == 200
    assert client.delete("/api/session", headers={"X-CSRF-Token": response.json()["csrf_token"]}).status_code == 200
    assert client.get("/api/departments").status_code == 401


def test_passwords_are_stored_as_argon2_hashes(app):
    from sqlalchemy import select

    from yusuan.store.models import User

    with app.state.sessions() as db:
        hashes = list(db.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("$argon2") for h in hashes)
    assert not any(PASSWORD in h for h in hashes)


# ---------------------------------------------------------------- reading


def test_departments_are_listed_by_role(app):
    admin = _client(app, "admin").get("/api/departments").json()
    assert any(d["code"] == "503" and d["year"] == 2025 for d in admin)
    assert any(d["code"] == "503" for d in _client(app, "reviewer").get("/api/departments").json())
    assert [d["code"] for d in _client(app, "editor").get("/api/departments").json()] == ["503"]
    assert _client(app, "other_editor").get("/api/departments").json() == []


def test_table_endpoint_returns_the_built_table_in_fen(app, example_tables):
    client = _client(app, "reviewer")
    budget_id = client.get("/api/departments").json()[0]["latest"]["id"]
    expected = example_tables.by_number("预算05表")
    for number in ("05", "5", "预算05表"):
        table = client.get(f"/api/budgets/{budget_id}/tables/{number}").json()
        assert table["number"] == "预算05表"
        assert table["title"] == expected.title
        total = next(r for r in table["rows"] if r["kind"] == "total")
        assert total["cells"]["total"]["fen"] == expected.rows[0].amount("total")
    missing = client.get(f"/api/budgets/{budget_id}/tables/99")
    assert missing.status_code == 404 and "预算01表" in missing.json()["detail"]
    assert client.get("/api/budgets/999999/tables/05").status_code == 404


def test_editor_cannot_read_another_department(app):
    budget_id = _client(app, "admin").get("/api/departments").json()[0]["latest"]["id"]
    other = _client(app, "other_editor")
    assert other.get(f"/api/budgets/{budget_id}").status_code == 403
    assert other.get(f"/api/budgets/{budget_id}/tables/05").status_code == 403
    assert _client(app, "editor").get(f"/api/budgets/{budget_id}/tables/05").status_code == 200


# ---------------------------------------------------------------- saving budgets


def test_upload_creates_a_new_version_and_earlier_ones_stay_readable(app):
    client = _client(app, "admin")
    before = _latest(app)
    response = _upload(client, _revised(), base_version=before)
    assert response.status_code == 201, response.text
    saved = response.json()
    assert saved["version"] == before + 1
    assert saved["department"]["code"] == "503"
    first = client.get("/api/departments").json()[0]["latest"]
    assert first["version"] == before + 1
    assert client.get("/api/budgets/1").json()["version"] == 1  # the first version is still there
    assert client.get("/api/budgets/1/tables/01").status_code == 200


def test_roles_that_may_not_save_are_refused(app):
    before = _latest(app)
    assert _upload(_client(app, "reviewer"), EXAMPLE).status_code == 403
    denied = _upload(_client(app, "other_editor"), EXAMPLE)
    assert denied.status_code == 403 and "503" in denied.json()["detail"]
    assert _latest(app) == before
    assert _upload(_client(app, "editor"), _revised(), base_version=before).status_code == 201


def test_concurrent_saves_over_the_same_version_conflict_and_lose_nothing(app):
    base = _latest(app)
    first, second = _client(app, "admin"), _client(app, "editor")
    assert _upload(first, _revised(), base_version=base).status_code == 201
    conflict = _upload(second, _revised(), base_version=base)
    assert conflict.status_code == 409
    assert conflict.json()["latest_version"] == base + 1
    assert _latest(app) == base + 1

    # the same race with both requests in flight at once: exactly one wins
    base = _latest(app)
    results: list[int] = []

    revisions = {first: _revised(), second: _revised()}

    def save(client: TestClient) -> None:
        results.append(_upload(client, revisions[client], base_version=base).status_code)

    threads = [threading.Thread(target=save, args=(c,)) for c in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409]
    assert _latest(app) == base + 1


def _broken_workbook(row: int, header_word: str, value: str) -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(EXAMPLE))
    sheet = book["基本支出"]
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header, 1) if h and header_word in str(h))
    sheet.cell(row=row, column=column).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_bad_uploads_are_refused_with_their_place_and_nothing_is_stored(app):
    client = _client(app, "admin")
    before = _latest(app)
    corrupt = _upload(client, b"PK\x03\x04 this is not a workbook", "坏.xlsx")
    assert corrupt.status_code == 422
    assert "Excel" in corrupt.json()["problems"][0]["message"]
    assert corrupt.json()["problems"][0]["file"] == "坏.xlsx"

    for row, header, value, words in ((3, "金额", "一百万", "一百万"), (4, "功能分类", "9999999", "9999999")):
        wrong = _upload(client, _broken_workbook(row, header, value), "有错.xlsx")
        assert wrong.status_code == 422
        problem = wrong.json()["problems"][0]
        assert (problem["file"], problem["sheet"], problem["row"]) == ("有错.xlsx", "基本支出", row)
        assert header in problem["column"] and words in problem["message"]

    pdf = _upload(client, b"%PDF-1.7\n...", "budget.pdf")
    assert pdf.status_code == 422 and "PDF" in pdf.json()["problems"][0]["message"]
    assert _upload(client, b"", "empty.xlsx").status_code == 422
    assert _latest(app) == before


def test_uploaded_file_names_never_reach_the_file_system(app, tmp_path):
    client = _client(app, "admin")
    response = _upload(client, _revised(), "../../../../tmp/evil.xlsx", base_version=_latest(app))
    assert response.status_code == 201
    assert response.json()["source_name"] == "evil.xlsx"
    assert not Path("/tmp/evil.xlsx").exists()


def test_oversized_upload_is_refused(tmp_path):
    app = _make_app(f"sqlite:///{tmp_path / 'small.db'}", max_upload_bytes=16 * 1024, load_example=False)
    client = _client(app, "admin")
    response = _upload(client, EXAMPLE)  # 88 KB against a 16 KB limit
    assert response.status_code == 413
    assert "上限" in response.json()["detail"]
    audit = client.post("/api/audits", files={"file": ("big.txt", b"x" * 40_000)})
    assert audit.status_code == 413
    assert client.get("/api/departments").json() == []


# ---------------------------------------------------------------- audits


def test_audit_of_the_seed_reports_its_errors_and_is_kept(app):
    if not SEED.exists():
        pytest.skip("../shared is absent")
    client = _client(app, "reviewer")
    response = client.post("/api/audits", files={"file": ("seed.txt", SEED.read_bytes())})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["schema"] == "yusuan.audit/1"
    assert result["source"]["path"] == "seed.txt"
    errors = [f for f in result["findings"] if f["severity"] == "error"]
    assert any(f["rule"] == "cross.table_agreement" and "预算04表" in f["message"] for f in errors)
    again = client.get(f"/api/audits/{result['id']}").json()
    assert again["findings"] == result["findings"]
    assert _client(app, "other_editor").get(f"/api/audits/{result['id']}").status_code == 403
    assert _client(app, "admin").get(f"/api/audits/{result['id']}").status_code == 200
    assert client.get("/api/audits/999999").status_code == 404


def test_unreadable_documents_are_refused_with_the_reason(app):
    import pypdfium2 as pdfium

    blank = pdfium.PdfDocument.new()
    blank.new_page(595, 842)
    buffer = io.BytesIO()
    blank.save(buffer)
    client = _client(app, "reviewer")
    scanned = client.post("/api/audits", files={"file": ("scan.pdf", buffer.getvalue())})
    assert scanned.status_code == 422
    assert scanned.json()["error"]["reason"] == "scanned"
    binary = client.post("/api/audits", files={"file": ("x.bin", bytes(range(256)) * 4)})
    assert binary.status_code == 415
    assert client.post("/api/audits", files={"file": ("empty.txt", b"")}).status_code == 422


# ---------------------------------------------------------------- pages: CSRF, roles, log


def _csrf(client: TestClient, path: str) -> str:
    import re

    page = client.get(path)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_form_posts_need_the_csrf_token(app):
    client = _client(app, "admin")
    denied = client.post("/upload", files={"file": ("b.xlsx", EXAMPLE)}, data={"csrf_token": "forged"})
    assert denied.status_code == 403 and "CSRF" in denied.text
    before = _latest(app)
    token = _csrf(client, "/upload?department=503&year=2025")
    ok = client.post(
        "/upload",
        files={"file": ("b.xlsx", _revised())},
        data={"csrf_token": token, "base_version": str(before), "department": "503", "year": "2025"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"].endswith(f"v={before + 1}")
    stale = client.post(
        "/upload",
        files={"file": ("b.xlsx", EXAMPLE)},
        data={"csrf_token": token, "base_version": str(before), "department": "503", "year": "2025"},
    )
    assert stale.status_code == 409 and "版本冲突" in stale.text


def test_login_form_is_protected_and_redirects_only_locally(app):
    client = TestClient(app)
    first = client.get("/departments", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login")
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 403
    token = _csrf(client, "/login")
    response = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/departments"


def test_pages_respect_roles(app):
    reviewer, editor, other = _client(app, "reviewer"), _client(app, "editor"), _client(app, "other_editor")
    assert reviewer.get("/region").status_code == 200
    assert reviewer.get("/upload").status_code == 403
    assert editor.get("/region").status_code == 403
    assert editor.get("/departments/503/2025").status_code == 200
    assert other.get("/departments/503/2025").status_code == 403
    assert other.get("/departments/503/2025/download/pdf").status_code == 403
    assert reviewer.get("/admin/users").status_code == 403


def test_every_change_is_in_the_audit_log(app):
    from yusuan.store import repository

    with app.state.sessions() as db:
        actions = {(e.username, e.action) for e in repository.log_entries(db, size=1000).items}
    assert ("admin", "save_budget") in actions
    assert ("admin", "login") in actions
    assert ("test", "create_user") in actions
    if SEED.exists():
        assert ("shenhe", "audit") in actions


def test_department_page_downloads_and_drill_down(app, example_tables):
    from yusuan.money import format_amount

    client = _client(app, "reviewer")
    page = client.get("/departments/503/2025")
    assert page.status_code == 200 and "焦作市解放区人力资源和社会保障局" in page.text
    fragment = client.get(
        "/departments/503/2025/tables/预算05表",
        params={"view": "drill", "open": ["503001", "503001/208"]},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert "人力资源和社会保障管理事务" in fragment.text  # a 款 under 208, shown once 208 is opened
    total = format_amount(example_tables.by_number("预算05表").rows[0].amount("total"), "万元")
    assert total in client.get("/departments/503/2025", params={"t": "预算05表"}).text
    pdf = client.get("/departments/503/2025/download/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get("/departments/503/2025/download/xlsx")
    assert xlsx.content.startswith(b"PK") and "attachment" in xlsx.headers["content-disposition"]
    assert client.get("/departments/503/2025/download/exe").status_code == 404


def test_performance_and_region_pages_show_results(app):
    client = _client(app, "admin")
    performance = client.get("/departments/503/2025/performance", params={"at": "2025-07-31"})
    assert performance.status_code == 200
    assert "时间进度" in performance.text and any(light in performance.text for light in ("红灯", "黄灯", "绿灯"))
    assert "<th>原因</th>" in performance.text and "执行滞后：进度比" in performance.text  # why a light is red
    assert "加权得分" in performance.text
    region = client.get("/region", params={"year": 2025})
    assert region.status_code == 200 and "社会保障和就业支出" in region.text
    workbook = client.get("/region/rollup.xlsx")
    assert workbook.status_code == 200 and workbook.content.startswith(b"PK")


def test_migrations_reach_head(app):
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from yusuan.store.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    with app.state.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head


def test_a_conflicting_page_upload_is_held_and_can_still_be_saved(app):
    import re

    client = _client(app, "editor")
    base = _latest(app)
    token = _csrf(client, "/upload?department=503&year=2025")
    assert _upload(_client(app, "admin"), _revised(), base_version=base).status_code == 201  # someone else saves first
    refused = client.post(
        "/upload",
        files={"file": ("mine.xlsx", _revised())},
        data={"csrf_token": token, "base_version": str(base), "department": "503", "year": "2025"},
    )
    assert refused.status_code == 409 and "已暂存" in refused.text
    assert _latest(app) == base + 1
    action = re.search(r'action="(/upload/held/[^"]+)"', refused.text).group(1)
    other = _client(app, "other_editor")
    stranger = other.post(action, data={"csrf_token": _csrf(other, "/audits"), "base_version": base + 1})
    assert stranger.status_code == 404  # only its owner can see or save a held upload
    saved = client.post(action, data={"csrf_token": token, "base_version": base + 1}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"v={base + 2}")
    assert _latest(app) == base + 2
    assert client.post(action, data={"csrf_token": token, "base_version": base + 2}).status_code == 404


def test_audits_run_in_a_worker_process_while_the_app_is_up(app):
    if not SEED.exists():
        pytest.skip("../shared is absent")
    with TestClient(app) as client:  # starts the app's lifespan: the audit worker pool
        assert app.state.workers is not None
        signed_in = client.post("/api/session", json={"username": "shenhe", "password": ACCOUNTS["reviewer"][1]})
        client.headers["X-CSRF-Token"] = signed_in.json()["csrf_token"]
        response = client.post("/api/audits", files={"file": ("seed.txt", SEED.read_bytes())})
        assert response.status_code == 200
        assert any(f["severity"] == "error" for f in response.json()["findings"])


def test_api_documentation_is_served_without_a_cdn(app):
    client = _client(app, "reviewer")
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/session",
        "/api/departments",
        "/api/budgets",
        "/api/budgets/{budget_id}/tables/{number}",
        "/api/audits",
        "/api/audits/{audit_id}",
    ):
        assert path in spec["paths"]
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/api/budgets/{budget_id}/tables/{number}" in page.text and "username" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text


def test_audit_page_shows_findings_with_their_table_excerpt(app):
    import re

    if not SEED.exists():
        pytest.skip("../shared is absent")
    client = _client(app, "reviewer")
    audit_id = client.post("/api/audits", files={"file": ("seed.txt", SEED.read_bytes())}).json()["id"]
    page = client.get(f"/audits/{audit_id}")
    assert page.status_code == 200
    assert "cross.table_agreement" in page.text
    # the 预算04表 row the first error points at, with its cell marked
    assert re.search(r'class="excerpt-title">预算04表', page.text)
    assert 'class="marked">11493.11' in page.text


def test_performance_upload_is_checked_against_the_budget(app):
    from yusuan.store.models import PerformanceFile

    client = _client(app, "editor")
    token = _csrf(client, "/departments/503/2025/performance")
    with app.state.sessions() as db:
        before = db.query(PerformanceFile).count()
    bad = "unit_code,project_code,date,amount_yuan\n999999,,2025-03-01,一百\n".encode()
    refused = client.post(
        "/departments/503/2025/performance",
        files={"file": ("支付.csv", bad)},
        data={"kind": "payments", "csrf_token": token},
    )
    assert refused.status_code == 200 and "文件有错误，未保存" in refused.text and "支付.csv" in refused.text
    good = (Path(EXAMPLE_XLSX).parent / "adjustments.csv").read_bytes()
    saved = client.post(
        "/departments/503/2025/performance",
        files={"file": ("调整.csv", good)},
        data={"kind": "adjustments", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with app.state.sessions() as db:
        assert db.query(PerformanceFile).count() == before + 1
    reviewer = _client(app, "reviewer")
    denied = reviewer.post(
        "/departments/503/2025/performance",
        files={"file": ("调整.csv", good)},
        data={"kind": "adjustments", "csrf_token": _csrf(reviewer, "/audits")},
    )
    assert denied.status_code == 403


def test_drill_down_reaches_the_ledger_lines_of_a_row(app, example_budget, example_tables):
    import re

    from yusuan.money import format_amount
    from yusuan.web.services import ledger_lines

    # every 项 row of 预算03表 and 预算05表 is exactly the sum of the ledger lines shown under it
    for number in ("预算03表", "预算05表"):
        table = example_tables.by_number(number)
        for row in table.rows:
            if row.kind == "item" and len(row.key) == 2 and len(row.key[1]) == 7:
                lines = ledger_lines(example_budget, table.kind, row.key[0], row.key[1])
                assert lines and sum(line["fen"] for line in lines) == row.amount("total"), (number, row.key)

    client = _client(app, "reviewer")
    opened = ["503001", "503001/208", "503001/208/20801", "503001/208/20801/2080101"]
    fragment = client.get(
        "/departments/503/2025/tables/预算05表",
        params={"view": "drill", "open": opened, "v": 1},
        headers={"HX-Request": "true"},
    )
    shown = re.findall(
        r'<tr class="ledger-line">\s*<td[^>]*>([^<]+)</td>\s*<td class="amount">([^<]+)</td>', fragment.text
    )
    expected = ledger_lines(example_budget, "gpb_expenditure", "503001", "2080101")
    assert [label for label, _ in shown] == [line["label"] for line in expected]
    assert [amount for _, amount in shown] == [format_amount(line["fen"], "万元") for line in expected]
    assert any(label.startswith("基本支出 · 30101") for label, _ in shown)


def test_an_earlier_version_can_be_restored_as_the_newest(app):
    import re

    client = _client(app, "editor")
    if _latest(app) == 1:  # run alone: make version 1 an earlier one
        assert _upload(client, _revised(), base_version=1).status_code == 201
    latest = _latest(app)
    page = client.get("/departments/503/2025", params={"v": 1})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert "恢复为新版本" in page.text
    restored = client.post(
        "/departments/503/2025/restore",
        data={"v": 1, "base_version": latest, "csrf_token": token},
        follow_redirects=False,
    )
    assert restored.status_code == 303 and restored.headers["location"].endswith(f"v={latest + 1}")
    newest = client.get("/api/departments").json()[0]["latest"]
    first = client.get("/api/budgets/1").json()
    assert newest["version"] == latest + 1 and newest["expenditure_total_fen"] == first["expenditure_total_fen"]
    stale = client.post("/departments/503/2025/restore", data={"v": 1, "base_version": latest, "csrf_token": token})
    assert stale.status_code == 409 and "第" in stale.text  # someone (here: we) saved meanwhile
    other = _client(app, "reviewer")
    denied = other.post(
        "/departments/503/2025/restore",
        data={"v": 1, "base_version": latest + 1, "csrf_token": _csrf(other, "/audits")},
    )
    assert denied.status_code == 403


def test_upload_naming_a_template_that_publishes_nothing_is_refused(app):
    # generic.yaml is the generic extractor's vocabulary, not a template: once it was stored and its page failed
    from tests.conftest import EXAMPLE_YAML

    client = _client(app, "admin")
    before = _latest(app)
    ledger = EXAMPLE_YAML.read_text(encoding="utf-8").replace("template: henan-2025", "template: generic")
    response = _upload(client, ledger.encode("utf-8"), "通用.yaml")
    assert response.status_code == 422
    message = response.json()["problems"][0]["message"]
    assert "generic" in message and "henan-2025" in message
    assert _latest(app) == before
