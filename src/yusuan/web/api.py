"""The JSON API under /api (OpenAPI at /docs). Every endpoint but sign-in needs the session cookie;
every write also the session's CSRF token in the ``X-CSRF-Token`` header (sign-in returns it)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from yusuan.ledger.problems import BudgetInputError, unlisted_note
from yusuan.store import repository
from yusuan.store.models import AuditRun, BudgetVersion, Role, User
from yusuan.web import services
from yusuan.web.params import BaseVersion, ChineseErrors, Number, Year
from yusuan.web.security import (
    LoginRefused,
    api_user,
    api_writer,
    check_password,
    get_db,
    require,
    require_read,
    set_session_cookie,
)

router = APIRouter(prefix="/api", tags=["api"], route_class=ChineseErrors)


class Credentials(BaseModel):
    username: str
    password: str


def read_upload(request: Request, file: UploadFile) -> tuple[bytes, str]:
    """The uploaded bytes (at most the configured limit) and a display-safe file name."""
    limit = request.app.state.settings.max_upload_bytes
    data = file.file.read(limit + 1)
    services.check_size(data, limit)
    return data, services.safe_name(file.filename)


def version_data(version: BudgetVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "department": {"code": version.department.code, "name": version.department.name},
        "region": version.department.region,
        "year": version.year,
        "version": version.version,
        "created_at": version.created_at.isoformat(),
        "source_name": version.source_name,
        "income_total_fen": version.income_total,
        "basic_total_fen": version.basic_total,
        "project_total_fen": version.project_total,
        "expenditure_total_fen": version.expenditure_total,
    }


def readable_version(db: Session, user: User, budget_id: int) -> BudgetVersion:
    version = repository.get_version(db, budget_id)
    if version is None:
        raise HTTPException(404, f"没有编号为 {budget_id} 的预算版本")
    require_read(user, version.department.code)
    return version


@router.post("/session", summary="登录（设置会话 Cookie；返回的 csrf_token 须在写操作的 X-CSRF-Token 请求头中发送）")
def sign_in(credentials: Credentials, request: Request, response: Response, db: Session = Depends(get_db)):  # type: ignore[no-untyped-def]
    try:
        user = check_password(request, db, credentials.username, credentials.password)
    except LoginRefused as exc:
        raise HTTPException(exc.status, str(exc), headers=exc.headers) from None
    token, csrf = repository.open_session(db, user)
    db.commit()
    set_session_cookie(request, response, token)
    return {"username": user.username, "role": user.role, "department": user.department_code, "csrf_token": csrf}


@router.delete("/session", summary="退出登录")
def sign_out(request: Request, response: Response, user: User = Depends(api_writer), db: Session = Depends(get_db)):  # type: ignore[no-untyped-def]
    from yusuan.web.security import SESSION_COOKIE

    repository.close_session(db, request.cookies.get(SESSION_COOKIE, ""))
    db.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"ok": True}


@router.get("/departments", summary="部门及各年度最新预算版本")
def departments(year: Year | None = None, user: User = Depends(api_user), db: Session = Depends(get_db)):  # type: ignore[no-untyped-def]
    return [
        {
            "code": row.department.code,
            "name": row.department.name,
            "region": row.department.region,
            "year": row.year,
            "versions": row.versions,
            "latest": version_data(row.latest),
        }
        for row in repository.department_years(db, user, year)
    ]


@router.post("/budgets", status_code=201, summary="上传预算账本（.xlsx 或 YAML），保存为新版本")
def upload_budget(  # type: ignore[no-untyped-def]
    request: Request,
    file: Annotated[UploadFile, File(description="预算账本：.xlsx 工作簿或 YAML")],
    base_version: Annotated[
        BaseVersion | None, Form(description="所基于的版本号（新预算为 0）；省略则追加在最新版本之后")
    ] = None,
    region: Annotated[str, Form(description="所属地区（可选）")] = "",
    user: User = Depends(api_writer),
    db: Session = Depends(get_db),
):
    require(user, Role.ADMIN, Role.EDITOR)
    data, name = read_upload(request, file)
    try:
        repository.check_region_right(user, region)
        version = services.store_budget(db, user, data, name, base_version, region, request.app.state.workers)
    except BudgetInputError as exc:
        problems, unlisted = services.problems_shown(exc)
        detail = "；".join(filter(None, ["预算账本有错误，未保存", unlisted_note(unlisted)]))
        return JSONResponse({"detail": detail, "problems": problems, "unlisted": unlisted}, status_code=422)
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from None
    except repository.VersionConflict as exc:
        return JSONResponse({"detail": str(exc), "latest_version": exc.latest}, status_code=409)
    except repository.Unchanged as exc:  # nothing new to store: the version that holds it
        same = repository.version_by_number(db, exc.department, exc.year, exc.version)
        return JSONResponse({**version_data(same), "unchanged": True, "detail": str(exc)}, status_code=200)
    return version_data(version)


@router.get("/budgets/{budget_id}", summary="预算版本信息，及与上年比较的上年数来源（prior_year）")
def budget(budget_id: Number, user: User = Depends(api_user), db: Session = Depends(get_db)):  # type: ignore[no-untyped-def]
    version = readable_version(db, user, budget_id)
    return {**version_data(version), "prior_year": services.disclosure_and_prior(version)[1].to_data()}


@router.get("/budgets/{budget_id}/tables/{number}", summary="预算表（如 05 或 预算05表），金额以分为单位")
def budget_table(budget_id: Number, number: str, user: User = Depends(api_user), db: Session = Depends(get_db)):  # type: ignore[no-untyped-def]
    version = readable_version(db, user, budget_id)
    tables = services.disclosure_of(version).tables
    table = services.find_table(tables, number)
    if table is None:
        raise HTTPException(404, f"没有表 {number}（可用：{'、'.join(t.number for t in tables.tables)}）")
    return table.to_data()


@router.post("/audits", summary="审核一份公开文档（PDF、文本或 XLSX），返回 yusuan.audit/1 对象")
def audit(  # type: ignore[no-untyped-def]
    request: Request,
    file: Annotated[UploadFile, File(description="部门预算公开文档")],
    user: User = Depends(api_writer),
    db: Session = Depends(get_db),
):
    data, name = read_upload(request, file)
    outcome = services.audit_in_worker(request.app.state.workers, data, name)
    if "error" in outcome.data:
        return JSONResponse(outcome.data, status_code=422)
    run = repository.record_audit(db, user, name, data, outcome.data, outcome.html, outcome.excerpts)
    db.commit()
    return {"id": run.id, **outcome.data}


@router.get("/audits/{audit_id}", summary="一次审核的结果")
def audit_result(audit_id: Number, user: User = Depends(api_user), db: Session = Depends(get_db)):  # type: ignore[no-untyped-def]
    run = readable_audit(db, user, audit_id)
    return {"id": run.id, **json.loads(run.result_json)}


def readable_audit(db: Session, user: User, audit_id: int) -> AuditRun:
    run = db.get(AuditRun, audit_id)
    if run is None:
        raise HTTPException(404, f"没有编号为 {audit_id} 的审核")
    if user.role == Role.EDITOR and run.user_id != user.id:
        raise HTTPException(403, "您无权查看他人的审核")
    return run
