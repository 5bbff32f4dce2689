"""Issue 14, web item 7: bounded numbers in URLs, safe download names, editors of real departments,
idle sessions, CSP and no-store, /docs behind sign-in, and account administration (own password,
disable, role, ending sessions), on SQLite and (when configured) PostgreSQL.
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import timedelta
from urllib.parse import unquote

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from tests.test_web_api import PASSWORD, _client, _csrf, _make_app, web_app

HUGE = "99999999999999999999999"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    yield from web_app(request, tmp_path_factory, "admin")


def _account(app, username: str, password: str, role: str = "reviewer", department: str | None = None) -> int:
    """A fresh account of this test's own (tests that sign accounts out must not disturb the others)."""
    from yusuan.store import repository
    from yusuan.store.models import Role

    with app.state.sessions() as db:
        user = repository.create_user(db, username, password, Role(role), department, actor="test")
        db.commit()
        return user.id


def _signed_in(app, username: str, password: str) -> TestClient:
    client = TestClient(app)
    response = client.post("/api/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return client


def _log(app, action: str) -> list[tuple[str, str, str]]:
    from yusuan.store import repository

    with app.state.sessions() as db:
        narrow = repository.ListFilter(action=action)
        return [(e.username, e.target, e.detail) for e in repository.log_entries(db, narrow, size=1000).items]


# ---------------------------------------------------------------- numbers too large for the database


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/departments?year={HUGE}", 422),
        (f"/departments/503/{HUGE}", 404),
        (f"/departments/503/2025?v={HUGE}", 422),
        (f"/departments/503/2025/tables/05?v={HUGE}", 422),
        (f"/departments/503/2025/download/pdf?v={HUGE}", 422),
        (f"/departments/503/2025/source?v={HUGE}", 422),
        (f"/departments/503/2025/compare?a={HUGE}", 422),
        (f"/departments/503/{HUGE}/performance", 404),
        (f"/upload?department=503&year={HUGE}", 422),
        (f"/audits/{HUGE}", 404),
        (f"/audits?page={HUGE}", 422),
        (f"/admin/log?page={HUGE}", 422),
        (f"/region?year={HUGE}", 422),
        (f"/api/departments?year={HUGE}", 422),
        (f"/api/budgets/{HUGE}", 404),
        (f"/api/budgets/{HUGE}/tables/05", 404),
        (f"/api/audits/{HUGE}", 404),
    ],
)
def test_numbers_too_large_for_the_database_are_refused_in_chinese(app, path, status):
    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/api/session", json={"username": "admin", "password": PASSWORD}).status_code == 200
    response = client.get(path)
    assert response.status_code == status, response.text[:300]
    text = response.json()["detail"] if path.startswith("/api/") else response.text
    assert "超出范围" in text and HUGE[:20] in text


def test_a_huge_number_in_a_form_is_refused_in_chinese(app):
    client = TestClient(app, raise_server_exceptions=False)
    client.post("/api/session", json={"username": "admin", "password": PASSWORD})
    token = _csrf(client, "/departments/503/2025")
    response = client.post("/departments/503/2025/restore", data={"v": HUGE, "base_version": 1, "csrf_token": token})
    assert response.status_code == 422 and "版本号" in response.text and "超出范围" in response.text
    not_a_number = client.get("/departments/503/2025", params={"v": "abc"})
    assert not_a_number.status_code == 422 and "应为整数" in not_a_number.text


# ---------------------------------------------------------------- download names


def _valid_disposition(value: str, name: str) -> None:
    import h11

    h11.Response(status_code=200, headers=[("Content-Disposition", value)])  # raises on an illegal header value
    assert value.isascii() and value.startswith('attachment; filename="')
    encoded = re.search(r"filename\*=UTF-8''(\S+)$", value).group(1)
    kept = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()  # control characters go
    assert unquote(encoded) == (kept or "download")


def test_download_names_with_line_breaks_and_odd_characters_give_one_valid_header(app):
    client = _client(app, "reviewer")
    name = 'a\r\nSet-Cookie: x=1\t"; é\\ 区'
    response = client.get("/region/rollup.xlsx", params={"name": name})
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "set-cookie" not in response.headers
    _valid_disposition(disposition, f"{name}-汇总.xlsx")
    assert unquote(disposition.rsplit("''", 1)[1]).endswith("é\\ 区-汇总.xlsx")


def test_a_nul_in_a_query_is_refused_before_it_reaches_the_database(app):
    # PostgreSQL text cannot hold NUL: it failed there with a DataError (500)
    client = _client(app, "reviewer")
    for url, params in (("/region/rollup.xlsx", {"name": "区\x00"}), ("/audits", {"q": "\x00"})):
        response = client.get(url, params=params)
        assert response.status_code == 400 and "空字符" in response.text
    response = client.get("/api/departments", params={"region": "a\x00"})
    assert response.status_code == 400 and "空字符" in response.json()["detail"]


def test_a_nul_in_a_form_field_is_refused_by_both_databases(app):
    from tests.conftest import revised_example

    client = _client(app, "admin")
    before = _log(app, "save_budget")
    response = client.post(
        "/api/budgets", files={"file": ("b.xlsx", revised_example("空字符"))}, data={"region": "区\x00"}
    )
    assert response.status_code == 400 and "空字符" in response.json()["detail"]
    assert _log(app, "save_budget") == before  # nothing stored


def test_a_stored_source_name_with_a_line_break_downloads(app):
    from sqlalchemy import update

    from yusuan.store.models import BudgetVersion

    with app.state.sessions() as db:  # as an import from a folder could have named it
        db.execute(update(BudgetVersion).where(BudgetVersion.id == 1).values(source_name="预算\r\n账本.xlsx"))
        db.commit()
    response = _client(app, "reviewer").get("/departments/503/2025/source", params={"v": 1})
    assert response.status_code == 200
    _valid_disposition(response.headers["content-disposition"], "预算\r\n账本.xlsx")


def test_content_disposition_is_valid_for_any_name():
    from yusuan.web.headers import content_disposition

    rng = random.Random(14)
    alphabet = "ab预算 .\"'\\;%\r\n\t\x00\x1f\x7f\u2028\ud800é=汇总"
    for _ in range(300):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24)))
        _valid_disposition(content_disposition(name), name)


# ---------------------------------------------------------------- editors of departments that exist


def test_editors_are_created_only_for_departments_that_exist(app):
    from sqlalchemy import select

    from yusuan.store.models import User

    client = _client(app, "admin")
    token = _csrf(client, "/admin/users")
    form = {"username": "bianji-x", "password": "editor-pass-x1", "role": "editor", "csrf_token": token}
    refused = client.post("/admin/users", data={**form, "department_code": "424242"})
    assert refused.status_code == 422
    assert "部门编码「424242」不存在" in refused.text
    with app.state.sessions() as db:
        assert db.scalar(select(User).where(User.username == "bianji-x")) is None
    created = client.post("/admin/users", data={**form, "department_code": "503"}, follow_redirects=False)
    assert created.status_code == 303
    unknown_role = client.post("/admin/users", data={**form, "username": "y", "role": "root", "department_code": ""})
    assert unknown_role.status_code == 422 and "未知的角色" in unknown_role.text


# ---------------------------------------------------------------- idle sessions


def _move_session(app, client: TestClient, **ago: timedelta) -> None:
    from sqlalchemy import select

    from yusuan.store import repository
    from yusuan.store.models import LoginSession
    from yusuan.web.security import SESSION_COOKIE

    token = client.cookies.get(SESSION_COOKIE)
    with app.state.sessions() as db:
        found = db.scalar(select(LoginSession).where(LoginSession.token_hash == repository._token_hash(token)))
        for column, before in ago.items():
            setattr(found, column, repository.now() - before)
        db.commit()


def _last_seen(app, client: TestClient):
    from sqlalchemy import select

    from yusuan.store import repository
    from yusuan.store.models import LoginSession
    from yusuan.web.security import SESSION_COOKIE

    with app.state.sessions() as db:
        token = client.cookies.get(SESSION_COOKIE)
        hashed = repository._token_hash(token)
        return db.scalar(select(LoginSession.last_seen).where(LoginSession.token_hash == hashed))


def test_a_session_unused_for_the_idle_time_ends(app):
    from yusuan.store.repository import SESSION_IDLE

    _account(app, "idle-user", "idle-pass-123")
    client = _signed_in(app, "idle-user", "idle-pass-123")
    _move_session(app, client, last_seen=SESSION_IDLE - timedelta(minutes=5))
    before = _last_seen(app, client)
    assert client.get("/api/departments").status_code == 200  # used within the idle time: still signed in
    assert _last_seen(app, client) > before  # and the use counts: the idle time starts again
    _move_session(app, client, last_seen=SESSION_IDLE + timedelta(minutes=1))
    assert client.get("/api/departments").status_code == 401
    page = client.get("/departments", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert _last_seen(app, client) is None  # the dead session is gone from the database


def test_the_idle_time_is_configurable(app, monkeypatch, caplog):
    from yusuan.store.repository import IDLE_VARIABLE, SESSION_IDLE, _idle_time, session_idle

    _idle_time.cache_clear()  # each wrong value is reported once per process: this test runs once per database

    _account(app, "short-idle", "short-idle-1")
    client = _signed_in(app, "short-idle", "short-idle-1")
    monkeypatch.setenv(IDLE_VARIABLE, "10")
    assert session_idle() == timedelta(minutes=10)
    _move_session(app, client, last_seen=timedelta(minutes=11))
    assert client.get("/api/departments").status_code == 401
    monkeypatch.setenv(IDLE_VARIABLE, "forever")
    assert session_idle() == SESSION_IDLE and IDLE_VARIABLE in caplog.text


def test_the_absolute_lifetime_still_applies(app):
    _account(app, "old-user", "old-pass-1234")
    client = _signed_in(app, "old-user", "old-pass-1234")
    _move_session(app, client, expires_at=timedelta(seconds=1))
    assert client.get("/api/departments").status_code == 401


# ---------------------------------------------------------------- CSP and no-store


def test_pages_and_api_answers_forbid_inline_code_and_caching(app):
    from yusuan.web.headers import CONTENT_SECURITY_POLICY

    client = _client(app, "admin")
    for path in ("/departments", "/departments/503/2025", "/api/departments", "/login", "/departments/none/2025"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["cache-control"] == "no-store", path
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    static = client.get("/static/style.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")


_INLINE = re.compile(r"""<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle\s*=|\son[a-z]+\s*=|javascript:""", re.I)


def test_no_page_needs_inline_script_or_style(app):
    """Every page as the Content-Security-Policy lets it run: no inline script, style or handler."""
    client = _client(app, "admin")
    pages = [
        "/departments",
        "/departments/503/2025",
        "/departments/503/2025?t=预算05表&view=drill&open=503001&open=503001/208&open=503001/208/20801"
        "&open=503001/208/20801/2080101",
        "/departments/503/2025/compare",
        "/departments/503/2025/performance",
        "/upload",
        "/audits",
        "/admin/users",
        "/admin/log",
        "/region",
        "/docs",
        "/account/password",
        "/login",
        "/departments/none/2025",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        found = _INLINE.search(response.text)
        assert found is None, f"{path}: {found.group(0) if found else ''}"
    fragment = client.get(
        "/departments/503/2025/tables/预算05表",
        params={"view": "drill", "open": ["503001", "503001/208"]},
        headers={"HX-Request": "true"},
    )
    assert _INLINE.search(fragment.text) is None


# ---------------------------------------------------------------- /docs


def test_api_documentation_needs_sign_in(app):
    anonymous = TestClient(app).get("/docs", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/docs"
    assert "/api/budgets" in _client(app, "reviewer").get("/docs").text
    # the description the page links to is no more public than the page
    anonymous_spec = TestClient(app).get("/openapi.json", follow_redirects=False)
    assert anonymous_spec.status_code == 303 and anonymous_spec.headers["location"] == "/login?next=/openapi.json"
    spec = _client(app, "reviewer").get("/openapi.json")
    assert spec.status_code == 200 and "/api/budgets" in spec.json()["paths"]


# ---------------------------------------------------------------- one's own password


def test_changing_ones_password_ends_the_other_sessions(app):
    _account(app, "pw-user", "first-pass-1")
    here, elsewhere = _signed_in(app, "pw-user", "first-pass-1"), _signed_in(app, "pw-user", "first-pass-1")
    token = _csrf(here, "/account/password")

    def change(**form: str):
        return here.post("/account/password", data={"csrf_token": token, **form})

    assert (
        here.post("/account/password", data={"current": "first-pass-1", "new": "x" * 9, "again": "x" * 9}).status_code
        == 403
    )
    wrong = change(current="not-it-1234", new="second-pass-2", again="second-pass-2")
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    assert change(current="first-pass-1", new="second-pass-2", again="other-pass-3").status_code == 422
    short = change(current="first-pass-1", new="short", again="short")
    assert short.status_code == 422 and "至少 8 个字符" in short.text
    done = change(current="first-pass-1", new="second-pass-2", again="second-pass-2")
    assert done.status_code == 200 and "密码已修改" in done.text
    assert here.get("/api/departments").status_code == 200  # this session stays
    assert elsewhere.get("/api/departments").status_code == 401  # the other one ended
    login = TestClient(app).post("/api/session", json={"username": "pw-user", "password": "first-pass-1"})
    assert login.status_code == 401
    _signed_in(app, "pw-user", "second-pass-2")
    assert any(who == "pw-user" for who, _target, _detail in _log(app, "change_password"))


# ---------------------------------------------------------------- the administrator's actions


def _admin_post(app, path: str, **form: str):
    client = _client(app, "admin")
    return client.post(path, data={"csrf_token": _csrf(client, "/admin/users"), **form}, follow_redirects=False)


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(app):
    user_id = _account(app, "leaver", "leaver-pass-1")
    browser = TestClient(app)
    token = _csrf(browser, "/login")
    form = {"username": "leaver", "password": "leaver-pass-1", "csrf_token": token}
    assert browser.post("/login", data=form, follow_redirects=False).status_code == 303
    api = _signed_in(app, "leaver", "leaver-pass-1")

    forged = _client(app, "admin").post(f"/admin/users/{user_id}/disable", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert _admin_post(app, f"/admin/users/{user_id}/disable").status_code == 303
    assert api.get("/api/departments").status_code == 401
    assert browser.get("/departments", follow_redirects=False).status_code == 303  # back to sign-in
    refused = TestClient(app).post("/api/session", json={"username": "leaver", "password": "leaver-pass-1"})
    assert refused.status_code == 401
    again = TestClient(app)
    page = again.post("/login", data={**form, "csrf_token": _csrf(again, "/login")})
    assert "用户名或密码错误" in page.text and again.get("/api/departments").status_code == 401
    assert "已停用" in _client(app, "admin").get("/admin/users").text

    assert _admin_post(app, f"/admin/users/{user_id}/enable").status_code == 303
    _signed_in(app, "leaver", "leaver-pass-1")
    assert ("admin", "leaver") in {(who, target) for who, target, _ in _log(app, "disable_user")}
    assert ("admin", "leaver") in {(who, target) for who, target, _ in _log(app, "enable_user")}


def test_the_administrator_keeps_at_least_one_usable_admin_and_their_own_account(app):
    from sqlalchemy import select

    from yusuan.store.models import User

    with app.state.sessions() as db:
        admin_id = db.scalar(select(User.id).where(User.username == "admin"))
    own = _admin_post(app, f"/admin/users/{admin_id}/disable")
    assert own.status_code == 422 and "不能停用自己的账户" in own.text
    demote = _admin_post(app, f"/admin/users/{admin_id}/role", role="reviewer")
    assert demote.status_code == 422 and "不能修改自己的角色" in demote.text
    assert _client(app, "admin").get("/api/departments").status_code == 200


def test_the_administrator_changes_a_role(app):
    user_id = _account(app, "mover", "mover-pass-1")
    client = _signed_in(app, "mover", "mover-pass-1")
    assert client.get("/region").status_code == 200  # a reviewer
    unknown = _admin_post(app, f"/admin/users/{user_id}/role", role="editor", department_code="424242")
    assert unknown.status_code == 422 and "424242" in unknown.text
    assert _admin_post(app, f"/admin/users/{user_id}/role", role="editor", department_code="503").status_code == 303
    assert client.get("/region").status_code == 403  # now an editor of 503: at once, same session
    assert client.get("/departments/503/2025").status_code == 200
    entries = [(who, target, detail) for who, target, detail in _log(app, "change_role") if target == "mover"]
    assert entries and "审核人员" in entries[0][2] and "部门填报人员·503" in entries[0][2]


def test_the_administrator_ends_sessions_and_sets_a_password(app):
    user_id = _account(app, "forgetful", "forgot-pass-1")
    first, second = _signed_in(app, "forgetful", "forgot-pass-1"), _signed_in(app, "forgetful", "forgot-pass-1")
    assert '<td class="num">2</td>' in _client(app, "admin").get("/admin/users").text
    assert _admin_post(app, f"/admin/users/{user_id}/sessions/end").status_code == 303
    assert first.get("/api/departments").status_code == 401 and second.get("/api/departments").status_code == 401
    third = _signed_in(app, "forgetful", "forgot-pass-1")
    assert _admin_post(app, f"/admin/users/{user_id}/password", password="short").status_code == 422
    assert _admin_post(app, f"/admin/users/{user_id}/password", password="new-pass-2025").status_code == 303
    assert third.get("/api/departments").status_code == 401
    _signed_in(app, "forgetful", "new-pass-2025")
    assert any(target == "forgetful" for _who, target, _ in _log(app, "end_sessions"))
    assert any(target == "forgetful" for _who, target, _ in _log(app, "reset_password"))
    missing = _admin_post(app, "/admin/users/999999/disable")
    assert missing.status_code == 404 and "999999" in missing.text


def test_only_administrators_act_on_accounts(app):
    reviewer = _client(app, "reviewer")
    token = _csrf(reviewer, "/audits")
    for action in ("disable", "enable", "sessions/end"):
        assert reviewer.post(f"/admin/users/1/{action}", data={"csrf_token": token}).status_code == 403
    assert reviewer.post("/admin/users/1/password", data={"csrf_token": token, "password": "x" * 10}).status_code == 403
    assert reviewer.post("/admin/users/1/role", data={"csrf_token": token, "role": "reviewer"}).status_code == 403
    assert _client(app, "admin").get("/api/departments").status_code == 200


# ---------------------------------------------------------------- the migration


def test_the_migration_keeps_open_sessions_and_names_audited_departments(tmp_path):
    import json

    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from yusuan.store.db import MIGRATIONS, make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.execute(
            sa.text(
                "INSERT INTO users (id, username, password_hash, role, created_at) "
                "VALUES (1, 'u', 'h', 'admin', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO sessions (token_hash, csrf_token, user_id, created_at, expires_at) "
                "VALUES ('t', 'c', 1, '2026-01-01 08:00:00', '2026-01-01 20:00:00')"
            )
        )
        connection.execute(sa.text("INSERT INTO departments VALUES (1, '503', '某某局', '', '2026-01-01')"))
        connection.execute(
            sa.text(
                "INSERT INTO budget_versions (department_id, year, version, created_at, created_by, source_name, "
                "source_bytes, ledger_yaml, income_total, basic_total, project_total, comment) "
                "VALUES (1, 2025, 1, '2026-01-01', 1, 'b.xlsx', x'00', '', 0, 0, 0, '')"
            )
        )
        result = json.dumps({"document": {"department": "某某局"}, "findings": []}, ensure_ascii=False)
        connection.execute(
            sa.text(
                "INSERT INTO audit_runs (created_at, filename, sha256, status, errors, warnings, infos, "
                "result_json, excerpts_json, report_html) VALUES ('2026-01-01', 'a.pdf', 'x', 'ok', 0, 0, 0, "
                ":result, '[]', '')"
            ),
            {"result": result},
        )
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT last_seen FROM sessions")).scalar().startswith("2026-01-01 08:00")
        assert connection.execute(sa.text("SELECT disabled FROM users")).scalar() == 0
        assert connection.execute(sa.text("SELECT department FROM audit_runs")).scalar() == "某某局"
        # no table was rebuilt under the rows that refer to it: the version still names its author
        assert connection.execute(sa.text("SELECT created_by FROM budget_versions")).scalar() == 1
    engine.dispose()


def test_a_value_the_database_refuses_is_a_clear_422_not_a_500(tmp_path):
    # the safety net behind the bounded parameters: whatever value a database still refuses
    from sqlalchemy.exc import DataError

    app = _make_app(f"sqlite:///{tmp_path / 'refused.db'}")

    @app.get("/api/refused-by-the-database")
    def refused() -> None:
        raise DataError("SELECT 1", {}, Exception("value out of range"))

    response = _client(app, "admin").get("/api/refused-by-the-database")
    assert response.status_code == 422 and "数据库无法保存" in response.json()["detail"]
