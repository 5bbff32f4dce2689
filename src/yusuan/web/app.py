"""The FastAPI application: storage opened and migrated, the first admin and example created.

``create_app`` is the one entry point (``yusuan serve``, the tests and the benchmark use it).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select
from sqlalchemy.exc import DataError

from yusuan.store import repository
from yusuan.store.db import make_engine, migrate, session_factory
from yusuan.store.models import Department, PerformanceFile
from yusuan.web import services
from yusuan.web.security import LoginRequired, UploadGuard, login_required
from yusuan.web.workers import MB, Workers, default_worker_count

log = logging.getLogger("yusuan.web")
STATIC = Path(__file__).parent / "static"
#: the bundled example department loaded into an empty database
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "jiefang-hrss-2025"
EXAMPLE_REGION = "焦作市解放区"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    admin_password: str | None = None
    max_upload_bytes: int = 20 * 1024 * 1024
    load_example: bool = True
    #: worker processes that run audits and read uploaded budgets beside the server (0: in the request's thread)
    audit_workers: int = field(default_factory=default_worker_count)
    #: time limits in seconds of an audit and of reading an uploaded budget, and each worker's memory in MB
    audit_seconds: float = 120
    read_seconds: float = 60
    worker_memory_mb: int = 2048
    #: password checks (argon2, 64 MB each) running at once; more sign-ins wait
    login_concurrency: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: newest budgets whose tables are built in the background at start, so first visits are fast
    warm_pages: int = 20


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings.database_url)
    migrate(engine)
    sessions = session_factory(engine)
    generated = _first_start(sessions, settings)
    services.forget_disclosures()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.workers = _workers(settings)
        if settings.warm_pages:
            threading.Thread(target=_warm, args=(sessions, settings.warm_pages), daemon=True).start()
        try:
            yield
        finally:
            workers, app.state.workers = app.state.workers, None
            if workers is not None:
                workers.close()
            engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,  # FastAPI's own docs page loads Swagger UI from a CDN; ours is served locally
        redoc_url=None,
        openapi_url=None,  # served by pages.openapi_description, to signed-in users only
        title="yusuan 预算",
        description="部门预算的存储、浏览、上传与审核。登录：POST /api/session；其余接口需要会话 Cookie。",
        version="1",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.generated_admin_password = generated
    app.state.workers = None  # started with the app (lifespan), so a TestClient without ``with`` works inline
    app.state.password_checks = threading.BoundedSemaphore(max(1, settings.login_concurrency))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    from yusuan.web import api, headers, pages  # the routers import this module's settings types

    app.include_router(api.router)
    app.include_router(pages.router)
    # added first, so it sits inside the middleware below: routes then call its counting ``receive``
    # directly, and its 413 reaches the exception handlers (not wrapped by that middleware's task group)
    app.add_middleware(UploadGuard, sessions=sessions, max_upload_bytes=settings.max_upload_bytes)

    app.middleware("http")(headers.security_headers)  # CSP, no-store and the other headers on every answer

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        return login_required(request)

    @app.exception_handler(services.UploadRejected)
    async def upload_rejected(request: Request, exc: services.UploadRejected) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return pages.error_page(request, exc.status, str(exc))

    @app.exception_handler(DataError)
    async def unstorable(request: Request, exc: DataError) -> Response:
        # a value the database refuses (a NUL in text on PostgreSQL …) is the request's fault, not a crash
        log.warning("数据库拒绝了请求中的数据：%s", exc.orig)
        return await http_error(request, HTTPException(422, "提交的数据中含有数据库无法保存的内容（如空字符 \\x00）"))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
            return await http_exception_handler(request, exc)
        return pages.error_page(request, exc.status_code, str(exc.detail))

    return app


def _warm(sessions, count: int) -> None:  # type: ignore[no-untyped-def]
    """Build the disclosures of the newest budgets ahead of their first visit."""
    from yusuan.store import repository

    try:
        with sessions() as db:
            for version in repository.newest_versions(db)[-count:]:
                services.disclosure_of(version)
    except Exception:  # warming is an optimisation: a failure only means a slower first visit
        log.exception("预热部门预算页面失败")


def _workers(settings: Settings) -> Workers | None:
    if settings.audit_workers <= 0:
        return None
    return Workers(
        settings.audit_workers,
        settings.worker_memory_mb * MB if settings.worker_memory_mb > 0 else None,
        audit_seconds=settings.audit_seconds,
        read_seconds=settings.read_seconds,
    )


def _first_start(sessions, settings: Settings) -> str | None:  # type: ignore[no-untyped-def]
    """On an empty database: the admin account and, when wanted, the example department."""
    with sessions() as db:
        generated = repository.ensure_admin(db, settings.admin_password)
        empty = not db.scalar(select(func.count()).select_from(Department))
        db.commit()
        if empty and settings.load_example:
            _load_example(db)
    return generated


def _load_example(db) -> None:  # type: ignore[no-untyped-def]
    from yusuan.ledger.read import read_budget

    ledger = EXAMPLE / "budget.xlsx"
    if not ledger.is_file():
        log.warning("未找到示例部门 %s，跳过加载", ledger)
        return
    budget = read_budget(ledger)
    version = repository.save_budget(
        db,
        budget,
        source_name=ledger.name,
        source_bytes=ledger.read_bytes(),
        who="系统",
        user_id=None,
        base_version=0,
        region=EXAMPLE_REGION,
        comment="示例部门",
    )
    for kind, name in (("payments", "execution.csv"), ("adjustments", "adjustments.csv"), ("actuals", "actuals.csv")):
        path = EXAMPLE / name
        if path.is_file():
            db.add(
                PerformanceFile(
                    department_id=version.department_id,
                    year=budget.year,
                    kind=kind,
                    filename=name,
                    data=path.read_bytes(),
                )
            )
    db.commit()
