"""Nothing hangs, nothing is stored before it is checked, no abuse through uploads or sign-ins (issue 14).

First downloads of a new version at once; anonymous and oversized bodies refused while they
stream; uploaded budgets read in a worker within a time limit, their problems capped; the API's
CSRF header; sign-in throttling and bounded password checks; worker processes replaced when they
die or overrun their limits.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from tests.conftest import EXAMPLE_XLSX, EXAMPLE_YAML, ROOT, SEED

PASSWORD = "admin-pass-2025"
EDITOR = ("bianji503", "editor-pass-503")
EXAMPLE = EXAMPLE_XLSX.read_bytes()


def _make_app(tmp_path: Path, **settings: Any):
    from yusuan.store import repository
    from yusuan.store.models import Department, Role
    from yusuan.web.app import Settings, create_app

    settings = {"load_example": False, "warm_pages": 0, "audit_workers": 0, **settings}
    app = create_app(Settings(f"sqlite:///{tmp_path / 'yusuan.db'}", admin_password=PASSWORD, **settings))
    with app.state.sessions() as db:
        db.add(Department(code="503", name="测试部门503"))  # editors belong to a department that exists
        repository.create_user(db, *EDITOR, Role.EDITOR, "503", actor="test")
        db.commit()
    return app


def _sign_in(client: TestClient, username: str = "admin", password: str = PASSWORD) -> TestClient:
    response = client.post("/api/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def _versions(app) -> int:
    from sqlalchemy import func, select

    from yusuan.store.models import BudgetVersion

    with app.state.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(BudgetVersion)) or 0)


# ---------------------------------------------------------------- 1. first downloads of a version


FIRST_DOWNLOADS = """
import json, os, sys, threading, time
from fastapi.testclient import TestClient
from yusuan.web.app import Settings, create_app

app = create_app(Settings(sys.argv[1], admin_password="pw-12345678", load_example=False, warm_pages=0, audit_workers=0))
client = TestClient(app)
signed_in = client.post("/api/session", json={"username": "admin", "password": "pw-12345678"})
csrf = signed_in.json()["csrf_token"]
saved = client.post("/api/budgets", files={"file": ("b.xlsx", open(sys.argv[2], "rb").read())},
                    headers={"X-CSRF-Token": csrf})
assert saved.status_code == 201, saved.text
answers = {}

def download(fmt):
    own = TestClient(app, cookies=dict(client.cookies))
    response = own.get(f"/departments/503/2025/download/{fmt}")
    answers[fmt] = [response.status_code, response.content[:4].hex()]

threads = [threading.Thread(target=download, args=(f,), daemon=True) for f in ("xlsx", "pdf", "html", "json")]
for t in threads:
    t.start()
deadline = time.monotonic() + float(sys.argv[3])
for t in threads:
    t.join(max(0.0, deadline - time.monotonic()))
print(json.dumps(answers), flush=True)
os._exit(0)  # a deadlocked download must not keep this process alive
"""


def test_first_downloads_of_a_new_version_all_answer_at_once(tmp_path):
    """A fresh process (nothing built yet) downloads the four formats of a just uploaded version at once."""
    script = tmp_path / "first_downloads.py"
    script.write_text(textwrap.dedent(FIRST_DOWNLOADS), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, str(script), f"sqlite:///{tmp_path / 'y.db'}", str(EXAMPLE_XLSX), "30"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(answers) == {"xlsx", "pdf", "html", "json"}, f"downloads that never answered: {answers}"
    assert all(status == 200 for status, _head in answers.values()), answers
    assert bytes.fromhex(answers["pdf"][1]) == b"%PDF" and bytes.fromhex(answers["xlsx"][1]).startswith(b"PK")


def test_the_disclosure_cache_builds_once_for_concurrent_renderings(monkeypatch, example_budget):
    """Four formats rendered at once from a cold cache: one build, every rendering answered."""
    from yusuan.web import services

    builds = []
    real = services.build_disclosure

    def counted(budget):
        builds.append(1)
        time.sleep(0.2)  # long enough for the other renderings to queue behind the build
        return real(budget)

    monkeypatch.setattr(services, "build_disclosure", counted)
    monkeypatch.setattr(services.repository, "budget_of", lambda _version: example_budget)
    monkeypatch.setattr(services, "last_year_version", lambda _version: None)  # a version without a database
    cache = services._DisclosureCache()
    version = type("Version", (), {"id": 1})()
    out: dict[str, bytes] = {}
    threads = [
        threading.Thread(target=lambda f=f: out.__setitem__(f, cache.rendered(version, f)), daemon=True)
        for f in ("xlsx", "html", "json", "html")
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert sorted(out) == ["html", "json", "xlsx"] and len(builds) == 1


# ---------------------------------------------------------------- 2. bodies checked while they stream

BOUNDARY = "yusuan-test-boundary"


def _multipart_stream(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A multipart upload of ``total`` bytes of file content, produced as it is pulled."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    sent = 0
    while sent < total:
        yield b"x" * min(chunk, total - sent)
        sent += chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _stream_to_app(app, path: str, chunks: Iterator[bytes], headers: dict[str, str]) -> tuple[int, dict, bytes, int]:
    """POST a chunked body (no Content-Length) straight to the ASGI app, as the server hands it over:
    (status, headers, body, bytes of the request body the app pulled)."""
    import anyio

    pulled = 0
    sent: list[dict[str, Any]] = []

    async def main() -> None:
        finished = anyio.Event()
        complete = False

        async def receive() -> dict[str, Any]:
            nonlocal pulled, complete
            if complete:
                await finished.wait()
                return {"type": "http.disconnect"}
            chunk = next(chunks, None)
            if chunk is None:
                complete = True
                return {"type": "http.request", "body": b"", "more_body": False}
            pulled += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                finished.set()

        raw = {
            "content-type": f"multipart/form-data; boundary={BOUNDARY}",
            "transfer-encoding": "chunked",
            "host": "testserver",
            **headers,
        }
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in raw.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }
        await app(scope, receive, send)

    anyio.run(main)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, pulled


@pytest.fixture
def spools(monkeypatch) -> list[int]:
    """Counts the temporary files the multipart parser creates (where uploads are spooled to disk)."""
    import starlette.formparsers

    created: list[int] = []
    real = starlette.formparsers.SpooledTemporaryFile

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            created.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", Counted)
    return created


def test_anonymous_chunked_uploads_are_refused_before_their_body_is_read(tmp_path, spools):
    app = _make_app(tmp_path)
    forty_mb = 40 * 1024 * 1024
    status, _headers, body, pulled = _stream_to_app(app, "/api/budgets", _multipart_stream(forty_mb), {})
    assert status == 401 and "未登录" in json.loads(body)["detail"]
    assert pulled == 0 and not spools
    # a stale or forged cookie is no session either; pages send the browser to sign in
    forged = {"cookie": "yusuan_session=forged"}
    status, headers, _body, pulled = _stream_to_app(app, "/upload", _multipart_stream(forty_mb), forged)
    assert status == 303 and headers["location"].startswith("/login")
    assert pulled == 0 and not spools
    assert _versions(app) == 0


def test_oversized_chunked_uploads_are_stopped_while_they_stream(tmp_path, spools):
    limit = 256 * 1024
    app = _make_app(tmp_path, max_upload_bytes=limit)
    client = _sign_in(TestClient(app))
    signed_in = {"cookie": f"yusuan_session={client.cookies['yusuan_session']}"}
    api = {**signed_in, "x-csrf-token": client.headers["X-CSRF-Token"]}
    forty_mb = 40 * 1024 * 1024
    status, _headers, body, pulled = _stream_to_app(app, "/api/budgets", _multipart_stream(forty_mb), api)
    # reading stopped at the limit (plus the form's room and one chunk), not at the end of 40 MB
    assert pulled <= limit + 64 * 1024 + 64 * 1024 + 1024
    assert status == 413 and "上限 256 KB" in json.loads(body)["detail"]
    status, _headers, body, pulled = _stream_to_app(app, "/upload", _multipart_stream(forty_mb), signed_in)
    assert pulled <= limit + 64 * 1024 + 64 * 1024 + 1024
    assert status == 413 and "文件超过上传上限" in body.decode()
    assert _versions(app) == 0
    # a declared Content-Length over the limit is refused before anything is read
    refused = client.post("/api/budgets", files={"file": ("b.xlsx", b"x" * (limit + 100 * 1024))})
    assert refused.status_code == 413
    # within the limit everything works as before
    assert client.post("/api/budgets", files={"file": ("b.yaml", EXAMPLE_YAML.read_bytes()[:1000])}).status_code == 422


def test_sign_in_bodies_are_small(tmp_path):
    client = TestClient(_make_app(tmp_path))
    huge = client.post("/api/session", json={"username": "admin", "password": "x" * (200 * 1024)})
    assert huge.status_code == 413


# ---------------------------------------------------------------- 3. uploads read in a worker, problems capped


def _alias_bomb(levels: int = 8, width: int = 9) -> bytes:
    """A few hundred bytes of YAML whose aliases expand to width**levels strings when the reader walks them."""
    lines = ["schema:", "- &a0 [" + ",".join(['"lol"'] * width) + "]"]
    lines += [f"- &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    lines += ["year: 2025", f"department: {{code: '503', name: *a{levels - 1}}}"]
    return "\n".join(lines).encode()


def test_an_alias_bomb_upload_is_refused_at_once(tmp_path):
    client = _sign_in(TestClient(_make_app(tmp_path)))
    started = time.perf_counter()
    response = client.post("/api/budgets", files={"file": ("炸弹.yaml", _alias_bomb())})
    assert response.status_code == 422 and "别名" in response.text, response.text
    assert time.perf_counter() - started < 5  # refused by the reader's bound, not expanded
    assert _versions(app=client.app) == 0


def _slow_ledger(rows: int = 15_000) -> bytes:
    """The example ledger with ``rows`` bad income rows: within every reader bound, seconds to read, refused."""
    bad = "".join(f"- unit: '503001'\n  fund: 一般公共预算\n  amount: 坏{i}\n" for i in range(rows))
    return EXAMPLE_YAML.read_text(encoding="utf-8").replace("income:\n", f"income:\n{bad}", 1).encode()


def test_a_slow_upload_does_not_hold_up_pages(tmp_path):
    """The real server (``yusuan serve``): pages answer while a ledger that takes seconds to read is read.

    Measured from this process, not the server's: inside one process a parse that holds the
    interpreter lock would also stop the clock that measures it.
    """
    import httpx

    from yusuan.web.local_server import ServerFailed, local_server

    try:
        with local_server(tmp_path, PASSWORD) as server:
            uploader = httpx.Client(base_url=server.base, timeout=120)
            signed_in = uploader.post("/api/session", json={"username": "admin", "password": PASSWORD})
            uploader.headers["X-CSRF-Token"] = signed_in.json()["csrf_token"]
            reader = httpx.Client(base_url=server.base, timeout=120)
            reader.post("/api/session", json={"username": "admin", "password": PASSWORD})
            assert reader.get("/departments").status_code == 200
            answer: dict[str, Any] = {}

            def upload() -> None:
                started = time.perf_counter()
                answer["response"] = uploader.post("/api/budgets", files={"file": ("很大.yaml", _slow_ledger())})
                answer["seconds"] = time.perf_counter() - started

            thread = threading.Thread(target=upload, daemon=True)
            thread.start()
            time.sleep(0.3)
            pages: list[float] = []
            while thread.is_alive():
                started = time.perf_counter()
                assert reader.get("/departments").status_code == 200
                pages.append(time.perf_counter() - started)
                time.sleep(0.05)
            thread.join(60)
            versions = reader.get("/api/departments").json()
    except ServerFailed as exc:
        pytest.fail(str(exc))
    assert answer["response"].status_code == 422, answer["response"].text
    refused = answer["response"].json()
    assert len(refused["problems"]) == 200 and refused["unlisted"] == 15_000 - 200  # bounded, and counted
    assert len(pages) >= 3 and max(pages) < 1.0, (
        f"a page took {max(pages):.2f} s while the upload ({answer['seconds']:.1f} s) was read"
    )
    assert [v["versions"] for v in versions] == [1]  # only the example: nothing of the refused ledger was stored


def test_reading_an_upload_past_its_time_limit_is_stopped(tmp_path):
    app = _make_app(tmp_path, audit_workers=1, read_seconds=0.5)
    with TestClient(app) as client:  # starts the worker processes
        _sign_in(client)
        assert client.post("/api/budgets", files={"file": ("b.yaml", b"year: [")}).status_code == 422  # worker up
        started = time.perf_counter()
        slow = client.post("/api/budgets", files={"file": ("慢.yaml", _many_bad_rows(5000))})  # ~2 s to read
        assert slow.status_code == 422 and "读取 慢.yaml：超过 0.5 秒仍未完成，已停止" in slow.json()["detail"]
        assert time.perf_counter() - started < 1.5
        page = client.get("/upload")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        shown = client.post("/upload", files={"file": ("慢.yaml", _many_bad_rows(5000))}, data={"csrf_token": token})
        assert shown.status_code == 422 and "超过 0.5 秒仍未完成" in shown.text
        after = client.post("/api/budgets", files={"file": ("b.yaml", b"year: [")})  # a new worker reads it
        assert after.status_code == 422 and "YAML" in after.json()["problems"][0]["message"]


def _many_bad_rows(count: int) -> bytes:
    text = EXAMPLE_YAML.read_text(encoding="utf-8")
    bad = "".join(
        f"- unit: '503001'\n  function: '2080101'\n  econ: '30101'\n  gov_econ: '50101'\n"
        f"  fund: 一般公共预算\n  item: 坏行{i}\n  amount: 一百万\n"
        for i in range(count)
    )
    return text.replace("basic:\n", "basic:\n" + bad, 1).encode("utf-8")


def test_a_refused_budget_lists_the_first_problems_and_counts_the_rest(tmp_path):
    from yusuan.web.services import PROBLEMS_SHOWN

    app = _make_app(tmp_path)
    client = _sign_in(TestClient(app))
    data = _many_bad_rows(1000)
    refused = client.post("/api/budgets", files={"file": ("坏行.yaml", data)})
    assert refused.status_code == 422
    answer = refused.json()
    assert len(answer["problems"]) == PROBLEMS_SHOWN == 200 and answer["unlisted"] == 800
    assert "另有 800 个问题未列出" in answer["detail"]
    assert answer["problems"][0]["file"] == "坏行.yaml" and "一百万" in answer["problems"][0]["message"]
    assert len(refused.content) < 150_000

    page = client.get("/upload")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    shown = client.post("/upload", files={"file": ("坏行.yaml", data)}, data={"csrf_token": token})
    assert shown.status_code == 422
    assert "坏行.yaml 有 1000 处错误" in shown.text and "另有 800 个问题未列出" in shown.text
    assert shown.text.count("一百万") == 200
    assert _versions(app) == 0


# ---------------------------------------------------------------- 4. CSRF on the JSON API


def test_api_writes_need_the_csrf_header(tmp_path):
    app = _make_app(tmp_path)
    client = TestClient(app)
    signed_in = client.post("/api/session", json={"username": "admin", "password": PASSWORD})
    token = signed_in.json()["csrf_token"]
    assert token
    for forged in ({}, {"X-CSRF-Token": "forged"}):
        budget = client.post("/api/budgets", files={"file": ("b.xlsx", EXAMPLE)}, headers=forged)
        assert budget.status_code == 403 and "X-CSRF-Token" in budget.json()["detail"]
        audit = client.post("/api/audits", files={"file": ("a.txt", "预算".encode())}, headers=forged)
        assert audit.status_code == 403
        assert client.delete("/api/session", headers=forged).status_code == 403
    assert _versions(app) == 0
    assert client.get("/api/departments").status_code == 200  # still signed in: the sign-out was refused
    ok = {"X-CSRF-Token": token}
    assert client.post("/api/budgets", files={"file": ("b.xlsx", EXAMPLE)}, headers=ok).status_code == 201
    assert client.delete("/api/session", headers=ok).status_code == 200
    assert client.get("/api/departments").status_code == 401


# ---------------------------------------------------------------- 5. sign-in throttling


def _log(app, action: str) -> list[Any]:
    from sqlalchemy import select

    from yusuan.store.models import AuditLogEntry

    with app.state.sessions() as db:
        return list(db.scalars(select(AuditLogEntry).where(AuditLogEntry.action == action).order_by(AuditLogEntry.id)))


def _form_sign_in(client: TestClient, username: str, password: str):
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )


def test_the_eleventh_sign_in_is_refused_even_with_the_right_password(tmp_path):
    app = _make_app(tmp_path)
    client = TestClient(app)
    for attempt in range(10):
        wrong = client.post("/api/session", json={"username": "admin", "password": f"guess-{attempt}"})
        assert wrong.status_code == 401, attempt
    right = client.post("/api/session", json={"username": "admin", "password": PASSWORD})
    assert right.status_code == 429
    assert "登录失败 10 次" in right.json()["detail"] and "分钟后再试" in right.json()["detail"]
    assert 14 * 60 <= int(right.headers["Retry-After"]) <= 15 * 60
    form = _form_sign_in(client, "admin", PASSWORD)
    assert form.status_code == 429 and "已暂停登录" in form.text and "yusuan_session" not in client.cookies
    # another user is not affected, and the failures are in 操作日志
    assert _form_sign_in(client, *EDITOR).status_code == 303
    failures = _log(app, "login_failed")
    assert len(failures) == 10 and {f.target for f in failures} == {"admin"}
    assert "127.0.0.1" in failures[0].detail or "testclient" in failures[0].detail
    assert "暂停登录" in failures[-1].detail and "暂停登录" not in failures[-2].detail


def test_sign_in_works_again_after_the_cooling_off(tmp_path):
    from datetime import timedelta

    from sqlalchemy import update

    from yusuan.store.models import AuditLogEntry

    app = _make_app(tmp_path)
    client = TestClient(app)
    for _ in range(10):
        client.post("/api/session", json={"username": "admin", "password": "wrong"})
    assert client.post("/api/session", json={"username": "admin", "password": PASSWORD}).status_code == 429
    with app.state.sessions() as db:  # sixteen minutes pass
        db.execute(update(AuditLogEntry).values(at=AuditLogEntry.at - timedelta(minutes=16)))
        db.commit()
    assert client.post("/api/session", json={"username": "admin", "password": PASSWORD}).status_code == 200


def test_password_checks_run_at_most_n_at_once(tmp_path, monkeypatch):
    from yusuan.store import repository

    app = _make_app(tmp_path, login_concurrency=2)
    running, most = [0], [0]
    lock = threading.Lock()
    real = repository._hasher

    class SlowHasher:
        """argon2 as the test sees it: each check holds its place for a while."""

        def _check(self) -> None:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.15)
            with lock:
                running[0] -= 1

        def verify(self, stored: str, password: str) -> bool:
            self._check()
            return real.verify(stored, password)

        def hash(self, password: str) -> str:
            self._check()
            return "$argon2id$not-a-hash"

        def check_needs_rehash(self, stored: str) -> bool:
            return False

    monkeypatch.setattr(repository, "_hasher", SlowHasher())
    statuses: list[int] = []

    def sign_in(k: int) -> None:
        username = ("admin", "nobody")[k % 2]
        statuses.append(TestClient(app).post("/api/session", json={"username": username, "password": "x"}).status_code)

    threads = [threading.Thread(target=sign_in, args=(k,), daemon=True) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [401] * 8
    assert most[0] == 2, f"{most[0]} password checks ran at once"


def test_a_sign_in_that_cannot_get_a_password_check_in_time_is_asked_to_retry(tmp_path, monkeypatch):
    from yusuan.store import repository
    from yusuan.web import security

    app = _make_app(tmp_path, login_concurrency=1)
    monkeypatch.setattr(security, "PASSWORD_CHECK_WAIT", 0.1)
    slow = type("SlowHasher", (), {"hash": lambda self, password: time.sleep(0.6) or "$argon2id$x"})()
    monkeypatch.setattr(repository, "_hasher", slow)
    answers: list[Any] = []

    def sign_in() -> None:
        answers.append(TestClient(app).post("/api/session", json={"username": "nobody", "password": "x"}))

    threads = [threading.Thread(target=sign_in, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    busy = [a for a in answers if a.status_code == 503]
    assert sorted(a.status_code for a in answers) == [401, 503, 503]
    assert all("请稍后再试" in a.json()["detail"] and a.headers["Retry-After"] for a in busy)


# ---------------------------------------------------------------- 6. worker processes


def test_an_audit_succeeds_after_the_worker_is_killed(tmp_path):
    if not SEED.exists():
        pytest.skip("../shared is absent")
    app = _make_app(tmp_path, audit_workers=1)
    with TestClient(app) as client:
        _sign_in(client)
        document = {"file": ("seed.txt", SEED.read_bytes())}
        assert client.post("/api/audits", files=document).status_code == 200
        killed = app.state.workers.pids()
        assert killed
        for pid in killed:
            os.kill(pid, signal.SIGKILL)  # as the OOM killer would
        time.sleep(0.2)
        again = client.post("/api/audits", files=document)
        assert again.status_code == 200, again.text
        assert any(f["severity"] == "error" for f in again.json()["findings"])
        assert not set(app.state.workers.pids()) & set(killed)
        assert client.get("/api/departments").status_code == 200


@pytest.fixture
def workers() -> Iterator[Any]:
    from yusuan.web.workers import MB, Workers

    pool = Workers(1, 1024 * MB)
    yield pool
    pool.close()


def test_a_job_over_its_time_limit_is_stopped_and_the_workers_go_on(workers):
    from yusuan.web.workers import WorkerFailed

    started = time.perf_counter()
    with pytest.raises(WorkerFailed) as refused:
        workers.run("审核 慢.pdf", 0.5, time.sleep, 60)
    assert refused.value.status == 422 and "审核 慢.pdf：超过 0.5 秒仍未完成" in str(refused.value)
    assert time.perf_counter() - started < 10
    assert workers.run("审核 快.pdf", 30, abs, -3) == 3


def test_a_job_over_its_memory_limit_fails_in_chinese_and_the_workers_go_on(workers):
    from yusuan.web.workers import WorkerFailed

    with pytest.raises(WorkerFailed) as refused:
        workers.run("读取 大.xlsx", 30, bytearray, 3 * 1024**3)
    assert refused.value.status == 422 and "内存超过上限 1024 MB" in str(refused.value)
    assert workers.run("读取 小.xlsx", 30, abs, -1) == 1


def test_a_job_that_kills_its_worker_twice_gets_a_clear_error(workers):
    from yusuan.web.workers import WorkerFailed

    with pytest.raises(WorkerFailed) as refused:
        workers.run("审核 崩.pdf", 30, os._exit, 9)
    assert refused.value.status == 503 and "处理进程意外退出" in str(refused.value)
    assert workers.run("审核 好.pdf", 30, abs, -2) == 2


def test_worker_count_follows_the_cores(monkeypatch):
    from yusuan.web.app import Settings

    for cores, expected in ((1, 1), (2, 1), (3, 2), (64, 2)):  # one core is left to the pages
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert Settings("sqlite://").audit_workers == expected, cores


def test_jobs_beyond_the_queue_are_refused_at_once(monkeypatch):
    from yusuan.web import workers as module

    monkeypatch.setattr(module, "MAX_WAITING", 0)
    pool = module.Workers(1)
    try:
        busy = threading.Thread(target=pool.run, args=("审核 慢.pdf", 30, time.sleep, 2), daemon=True)
        busy.start()
        time.sleep(0.3)
        started = time.perf_counter()
        with pytest.raises(module.WorkerFailed) as refused:
            pool.run("审核 又一个.pdf", 30, abs, -1)
        assert refused.value.status == 503 and "排队处理的文件过多" in str(refused.value)
        assert time.perf_counter() - started < 0.5  # refused, not queued
        busy.join(30)
        assert pool.run("审核 又一个.pdf", 30, abs, -1) == 1
    finally:
        pool.close()


def test_performance_uploads_are_read_in_a_worker_and_their_problems_bounded(tmp_path):
    """Execution data is read like a budget: in a worker process, its problems shown up to a bound and counted."""
    import re

    from yusuan.web.services import PROBLEMS_SHOWN

    app = _make_app(tmp_path, audit_workers=1)
    with TestClient(app) as client:  # the lifespan starts the worker
        workers = app.state.workers
        jobs: list[str] = []
        run = workers.run
        workers.run = lambda what, *rest: jobs.append(what) or run(what, *rest)
        _sign_in(client)
        assert client.post("/api/budgets", files={"file": ("b.xlsx", EXAMPLE_XLSX.read_bytes())}).status_code == 201
        page = client.get("/departments/503/2025/performance")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        bad = "unit_code,project_code,date,amount_yuan\n" + "999999,,2025-03-01,一百\n" * 1_500
        refused = client.post(
            "/departments/503/2025/performance",
            files={"file": ("支付.csv", bad.encode())},
            data={"kind": "payments", "csrf_token": token},
        )
    assert jobs == ["读取 b.xlsx", "核对 支付.csv"]
    assert refused.status_code == 200 and "文件有错误，未保存" in refused.text
    # each bad row has two problems (unit and amount): 3,000 found, the first PROBLEMS_SHOWN listed
    assert refused.text.count("支付.csv") >= PROBLEMS_SHOWN
    assert f"另有 {3_000 - PROBLEMS_SHOWN} 个问题未列出" in refused.text


def test_serve_takes_the_upload_limit_and_the_worker_count(tmp_path):
    import httpx

    from yusuan.web.local_server import ServerFailed, local_server

    try:
        with local_server(tmp_path, PASSWORD, options=("--max-upload-mb", "1", "--workers", "0")) as server:
            client = httpx.Client(base_url=server.base, timeout=60)
            signed_in = client.post("/api/session", json={"username": "admin", "password": PASSWORD})
            client.headers["X-CSRF-Token"] = signed_in.json()["csrf_token"]
            too_big = client.post("/api/budgets", files={"file": ("b.yaml", b"#" * (2 * 1024 * 1024))})
            small = client.post("/api/audits", files={"file": ("a.txt", "预算".encode())})
            children = _children(server.process.pid)
    except ServerFailed as exc:
        pytest.fail(str(exc))
    assert too_big.status_code == 413 and "1 MB" in too_big.json()["detail"]
    assert small.status_code in (200, 422) and "处理进程" not in small.text
    assert children == []  # audited in the request's thread: no worker process was started


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
