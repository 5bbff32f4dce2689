"""The FastAPI application: storage opened and migrated, the first admin and example created.

``create_app`` is the one entry point (``yusuan serve``, the tests and the benchmark use it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select

from yusuan.store import repository
from yusuan.store.db import make_engine, migrate, session_factory
from yusuan.store.models import Department, PerformanceFile
from yusuan.web import services
from yusuan.web.security import LoginRequired

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
    #: worker processes that run audits beside the server (0: audit in the request's thread)
    audit_workers: int = 1
    #: newest budgets whose tables are built in the background at start, so first visits are fast
    warm_pages: int = 20


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings.database_url)
    migrate(engine)
    sessions = session_factory(engine)
    generated = _first_start(sessions, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.audit_pool = services.audit_pool(settings.audit_workers)
        if settings.warm_pages:
            threading.Thread(target=_warm, args=(sessions, settings.warm_pages), daemon=True).start()
        try:
            yield
        finally:
            pool, app.state.audit_pool = app.state.audit_pool, None
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,  # FastAPI's own docs page loads Swagger UI from a CDN; ours is served locally
        redoc_url=None,
        title="yusuan 预算",
        description="部门预算的存储、浏览、上传与审核。登录：POST /api/session；其余接口需要会话 Cookie。",
        version="1",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.generated_admin_password = generated
    app.state.audit_pool = None  # started with the app (lifespan), so a TestClient without ``with`` audits inline
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    from yusuan.web import api, headers, pages  # the routers import this module's settings types

    app.include_router(api.router)
    app.include_router(pages.router)
    app.middleware("http")(headers.security_headers)  # CSP and no-store on every answer

    @app.middleware("http")
    async def limit_upload_size(request: Request, call_next):  # type: ignore[no-untyped-def]
        # refuse before reading the body; handlers check again for bodies without a length
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > settings.max_upload_bytes + 64 * 1024:
            message = f"文件超过上传上限 {settings.max_upload_bytes // (1024 * 1024)} MB"
            if request.url.path.startswith("/api/"):
                return JSONResponse({"detail": message}, status_code=413)
            return Response(message, status_code=413, media_type="text/plain; charset=utf-8")
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)

    @app.exception_handler(services.UploadRejected)
    async def upload_rejected(request: Request, exc: services.UploadRejected) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return pages.error_page(request, exc.status, str(exc))

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


def _quote(target: str) -> str:
    from urllib.parse import quote

    return quote(target, safe="/")


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
