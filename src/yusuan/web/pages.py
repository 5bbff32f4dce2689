"""The HTML pages (Chinese UI): Jinja2 templates, htmx for the table panel and drill-down."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.ledger.problems import BudgetInputError
from yusuan.store import repository
from yusuan.store.models import BudgetVersion, Department, HeldUpload, PerformanceFile, Role, User
from yusuan.web import accounts, review, services
from yusuan.web.api import read_upload, readable_audit
from yusuan.web.headers import REPORT_POLICY, attachment
from yusuan.web.params import BaseVersion, ChineseErrors, Number, Year
from yusuan.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    LoginRefused,
    check_csrf,
    check_password,
    get_db,
    page_user,
    require,
    require_read,
    require_write,
    set_session_cookie,
)
from yusuan.web.views import day_range, error_page, render, table_view

__all__ = ["error_page", "router"]  # the app answers errors with this module's error page

router = APIRouter(include_in_schema=False, route_class=ChineseErrors)
router.include_router(accounts.router)
XLSX = services.DOWNLOAD_TYPES["xlsx"]


# ---------------------------------------------------------------- sign-in


@router.get("/login")
def login_form(request: Request, next: str = "/departments", error: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, next=_local(next), error=error, login_csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600, path="/login")
    return response


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/departments",
    db: Session = Depends(get_db),
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise HTTPException(403, "登录表单已失效，请刷新页面后重试")
    try:
        user = check_password(request, db, username, password)
    except LoginRefused as exc:
        refused = login_form(request, next, str(exc))
        refused.status_code = exc.status
        refused.headers.update(exc.headers)
        return refused
    token, _csrf = repository.open_session(db, user)
    db.commit()
    response = RedirectResponse(_local(next), status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _local(target: str) -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    return target if target.startswith("/") and not target.startswith("//") else "/departments"


@router.post("/logout")
def logout(
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    repository.close_session(db, request.cookies.get(SESSION_COOKIE, ""))
    db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- departments and budgets


@router.get("/")
def home() -> Response:
    return RedirectResponse("/departments", status_code=303)


@router.get("/departments")
def departments(
    request: Request, year: Year | None = None, user: User = Depends(page_user), db: Session = Depends(get_db)
) -> HTMLResponse:
    years = repository.years(db)
    chosen = year if year is not None else (years[0] if years else None)
    rows = repository.department_years(db, user, chosen)
    return render(request, "departments.html", user, years=years, year=chosen, rows=rows)


def _department_version(
    db: Session, user: User, code: str, year: int, v: int | None
) -> tuple[Department, BudgetVersion]:
    department, version, _versions = _department_versions(db, user, code, year, v)
    return department, version


def _department_versions(
    db: Session, user: User, code: str, year: int, v: int | None
) -> tuple[Department, BudgetVersion, list[BudgetVersion]]:
    """The department, the chosen version (newest unless ``v``) and all its versions of ``year``, newest first."""
    department = repository.department_by_code(db, code)
    if department is None:
        raise HTTPException(404, f"没有部门 {code}")
    require_read(user, department.code)
    versions = repository.versions_of(db, department, year)
    if not versions:
        raise HTTPException(404, f"部门 {code} 没有 {year} 年的预算")
    if v is None:
        return department, versions[0], versions
    chosen = next((x for x in versions if x.version == v), None)
    if chosen is None:
        raise HTTPException(404, f"部门 {code} {year} 年没有第 {v} 版")
    return department, chosen, versions


def _version_to_change(
    request: Request, csrf_token: str, db: Session, user: User, code: str, year: int, v: int | None
) -> tuple[Department, BudgetVersion]:
    """A form post that changes a department's data: the CSRF token, the version, the right to write."""
    check_csrf(request, csrf_token)
    department, version = _department_version(db, user, code, year, v)
    require_write(user, department.code)
    return department, version


@router.get("/departments/{code}/{year}")
def department_page(
    request: Request,
    code: str,
    year: Year,
    v: Number | None = None,
    t: str = "预算01表",
    view: str = "published",
    open: Annotated[list[str] | None, Query()] = None,
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    """A department's budget of one year; the table shown and its opened rows come from the URL
    (``t``, ``view=drill``, ``open``), so a reload or the back button returns to the same place."""
    department, version, versions = _department_versions(db, user, code, year, v)
    disclosure, prior = services.disclosure_and_prior(version)
    table = services.find_table(disclosure.tables, t) or disclosure.tables.tables[0]
    return render(
        request,
        "department.html",
        user,
        department=department,
        version=version,
        versions=versions,
        latest=versions[0].version,
        tables=disclosure.tables.tables,
        composition=services.composition(disclosure.budget),
        prior=prior,
        panel=_table_panel(version, table, view, set(open or [])),
        can_write=repository.can_write(user, department.code),
        formats=list(services.DOWNLOAD_TYPES),
    )


def _table_panel(version: BudgetVersion, table: Any, view: str, opened: set[str]) -> dict[str, Any]:
    from yusuan.catalog import load_catalog
    from yusuan.tables.drilldown import drilldown, visible_nodes

    roots = drilldown(table, load_catalog())
    if view == "drill" and roots:
        columns = [c for c in table.columns if c.type == "amount"]
        nodes = visible_nodes(roots, opened)
        budget = services.disclosure_of(version).budget
        units = {u.code for u in budget.units}
        # an opened 项 shows the ledger's lines behind it (the unit is the path's first step, if any)
        lines = {
            node.id: services.ledger_lines(
                budget, table.kind, node.id.split("/")[0] if node.id.split("/")[0] in units else None, node.code
            )
            for node, is_open in nodes
            if is_open and len(node.code) == 7 and not node.children
        }
        return {
            "view": "drill",
            "table": table,
            "can_drill": True,
            "columns": [{"key": c.key, "label": " / ".join(h for h in c.headers if h)} for c in columns],
            "nodes": nodes,
            "lines": lines,
            "opened": opened,
            "version": version,
        }
    return {
        "view": "published",
        "table": table,
        "can_drill": bool(roots),
        "t": table_view(table, "panel"),
        "version": version,
    }


@router.get("/departments/{code}/{year}/tables/{number}")
def table_fragment(
    request: Request,
    code: str,
    year: Year,
    number: str,
    v: Number | None = None,
    view: str = "published",
    open: Annotated[list[str] | None, Query()] = None,
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    _department, version = _department_version(db, user, code, year, v)
    table = services.find_table(services.disclosure_of(version).tables, number)
    if table is None:
        raise HTTPException(404, f"没有表 {number}")
    panel = _table_panel(version, table, view, set(open or []))
    if not request.headers.get("HX-Request"):
        return department_page(request, code, year, v, table.number, view, open, user, db)
    tables = services.disclosure_of(version).tables.tables
    return render(
        request, "table_panel.html", user, panel=panel, department_code=code, year=year, tables=tables, oob=True
    )


@router.get("/departments/{code}/{year}/download/{fmt}")
def download(
    code: str,
    year: Year,
    fmt: str,
    v: Number | None = None,
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    if fmt not in services.DOWNLOAD_TYPES:
        raise HTTPException(404, f"不支持的下载格式：{fmt}")
    _department, version = _department_version(db, user, code, year, v)
    data, name = services.download(version, fmt)
    return attachment(data, name, services.DOWNLOAD_TYPES[fmt])


@router.get("/departments/{code}/{year}/source")
def source_file(
    code: str, year: Year, v: Number | None = None, user: User = Depends(page_user), db: Session = Depends(get_db)
) -> Response:
    _department, version = _department_version(db, user, code, year, v)
    return attachment(version.source_bytes, version.source_name, "application/octet-stream")


@router.get("/departments/{code}/{year}/compare")
def compare(
    request: Request,
    code: str,
    year: Year,
    a: Number | None = None,
    b: Number | None = None,
    t: str = "",
    changed: bool = False,
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    """Two versions side by side, one table at a time, changed cells marked (by default the newest
    against the one before it)."""
    department, newer, versions = _department_versions(db, user, code, year, b)
    if a is None:
        older = next((x for x in versions if x.version < newer.version), versions[-1])
    else:
        older = _department_version(db, user, code, year, a)[1]
    tables = review.compare_tables(
        services.disclosure_of(older).tables, services.disclosure_of(newer).tables, only_changed=changed
    )
    shown = next((c for c in tables if c.number == t), None) or next((c for c in tables if c.changes), tables[0])
    return render(
        request,
        "compare.html",
        user,
        department=department,
        year=year,
        versions=versions,
        older=older,
        newer=newer,
        tables=tables,
        shown=shown,
        changed=changed,
    )


@router.post("/departments/{code}/region")
def set_region(
    request: Request,
    code: str,
    region: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/departments",
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    """An administrator sets which region a department belongs to."""
    check_csrf(request, csrf_token)
    require(user, Role.ADMIN)
    department = repository.department_by_code(db, code)
    if department is None:
        raise HTTPException(404, f"没有部门 {code}")
    repository.set_region(db, user, department, region)
    db.commit()
    return RedirectResponse(_local(back), status_code=303)


# ---------------------------------------------------------------- upload


@router.get("/upload")
def upload_form(
    request: Request,
    department: str = "",
    year: Year | None = None,
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    require(user, Role.ADMIN, Role.EDITOR)
    base = None
    region = ""
    if department and year:
        found = repository.department_by_code(db, department)
        if found is not None:
            require_write(user, found.code)
            base = repository.latest_version(db, found.id, year)
            region = found.region
    return render(request, "upload.html", user, department=department, year=year, base=base, region=region)


@router.post("/upload")
def upload(
    request: Request,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
    base_version: Annotated[BaseVersion | None, Form()] = None,
    region: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
    year: Annotated[Year | None, Form()] = None,
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    require(user, Role.ADMIN, Role.EDITOR)
    form = {"department": department, "year": year, "base": base_version, "region": region}
    try:
        repository.check_region_right(user, region)
        data, name = read_upload(request, file)
        version = services.store_budget(db, user, data, name, base_version, region, request.app.state.workers)
    except services.UploadRejected as exc:
        return render(request, "upload.html", user, status=exc.status, error=str(exc), **form)
    except BudgetInputError as exc:
        problems, unlisted = services.problems_shown(exc)
        return render(
            request, "upload.html", user, status=422, problems=problems, unlisted=unlisted, filename=name, **form
        )
    except PermissionError as exc:
        return render(request, "upload.html", user, status=403, error=str(exc), **form)
    except repository.Unchanged as exc:
        return render(request, "upload.html", user, status=200, unchanged=exc, filename=name, **form)
    except repository.VersionConflict as exc:
        db.rollback()
        held = _hold(db, user, data, name, region)
        return render(request, "upload.html", user, status=409, conflict=exc, held=held, filename=name, **form)
    target = f"/departments/{version.department.code}/{version.year}?v={version.version}"
    return RedirectResponse(target, status_code=303)


def _hold(db: Session, user: User, data: bytes, name: str, region: str) -> HeldUpload:
    """Keep an upload refused by a conflict, so that its owner can still save it (nothing is lost)."""
    held = HeldUpload(token=secrets.token_urlsafe(24), user_id=user.id, filename=name, data=data, region=region)
    db.add(held)
    repository.log(db, user.username, "conflict", name, "上传因版本冲突未保存，已暂存")
    db.commit()
    return held


@router.post("/upload/held/{token}")
def save_held(
    request: Request,
    token: str,
    base_version: Annotated[BaseVersion, Form()],
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    """Save a held upload on top of the version that caused its conflict."""

    check_csrf(request, csrf_token)
    held = db.scalar(select(HeldUpload).where(HeldUpload.token == token, HeldUpload.user_id == user.id))
    if held is None:
        raise HTTPException(404, "暂存的上传不存在或已保存")
    try:
        version = services.store_budget(
            db, user, held.data, held.filename, base_version, held.region, request.app.state.workers
        )
    except repository.VersionConflict as exc:
        db.rollback()
        return render(request, "upload.html", user, status=409, conflict=exc, held=held, filename=held.filename)
    except repository.Unchanged as exc:
        db.rollback()
        db.delete(held)  # its content is already stored, as version exc.version
        db.commit()
        return render(request, "upload.html", user, unchanged=exc, filename=held.filename)
    db.delete(held)
    db.commit()
    return RedirectResponse(
        f"/departments/{version.department.code}/{version.year}?v={version.version}", status_code=303
    )


@router.post("/departments/{code}/{year}/restore")
def restore_version(
    request: Request,
    code: str,
    year: Year,
    v: Annotated[Number, Form()],
    base_version: Annotated[BaseVersion, Form()],
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    """Save an earlier version again as the newest one (nothing is overwritten: versions only grow)."""
    _department, old = _version_to_change(request, csrf_token, db, user, code, year, v)
    budget = repository.budget_of(old)
    source_bytes = db.scalar(select(BudgetVersion.source_bytes).where(BudgetVersion.id == old.id)) or b""
    try:
        version = repository.save_budget(
            db,
            budget,
            source_name=old.source_name,
            source_bytes=source_bytes,
            who=user.username,
            user_id=user.id,
            base_version=base_version,
            comment=f"由第{old.version}版恢复",
        )
    except repository.VersionConflict as exc:
        db.rollback()
        return error_page(request, 409, str(exc))
    except repository.Unchanged as exc:
        return render(request, "error.html", user, title="无需恢复", message=str(exc), status_code=200)
    db.commit()
    return RedirectResponse(f"/departments/{code}/{year}?v={version.version}", status_code=303)


# ---------------------------------------------------------------- audits


@router.get("/audits")
def audits(
    request: Request,
    q: str = "",
    department: str = "",
    username: str = "",
    severity: str = "",
    since: str = "",
    until: str = "",
    page: Number = 1,
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    """The audits, newest first, by pages: searched by file name and narrowed by department, auditor,
    severity and dates."""
    form = {
        "q": q,
        "department": department,
        "username": username,
        "severity": severity,
        "since": since,
        "until": until,
    }
    return _audit_list(request, user, db, form, page)


def _audit_list(
    request: Request,
    user: User,
    db: Session,
    form: dict[str, str],
    page: int = 1,
    status: int = 200,
    failures: list[tuple[str, str]] | None = None,
) -> HTMLResponse:
    start, end = day_range(form.get("since", ""), form.get("until", ""))
    narrow = repository.ListFilter(
        text=form.get("q", "").strip(),
        department=form.get("department", "").strip(),
        username=form.get("username", "").strip(),
        severity=form.get("severity", "") if form.get("severity") in repository.AUDIT_SEVERITIES else "",
        since=start,
        until=end,
    )
    runs = repository.audit_runs(db, user, narrow, page)
    return render(
        request,
        "audits.html",
        user,
        status=status,
        runs=runs,
        form=form,
        severities=repository.AUDIT_SEVERITIES,
        failures=failures or [],
    )


@router.post("/audits")
def run_audits(
    request: Request,
    files: Annotated[list[UploadFile], File()],
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    runs, failures = [], []
    for upload in files:
        try:
            data, name = read_upload(request, upload)
            outcome = services.audit_in_worker(request.app.state.workers, data, name)
        except services.UploadRejected as exc:
            failures.append((services.safe_name(upload.filename), str(exc)))
            continue
        if "error" in outcome.data:
            failures.append((name, outcome.data["error"]["message"]))
            continue
        runs.append(repository.record_audit(db, user, name, data, outcome.data, outcome.html, outcome.excerpts))
    db.commit()
    if len(runs) == 1 and not failures:
        return RedirectResponse(f"/audits/{runs[0].id}", status_code=303)
    status = 422 if failures and not runs else 200
    return _audit_list(request, user, db, {}, status=status, failures=failures)


@router.get("/audits/{audit_id}")
def audit_page(
    request: Request, audit_id: Number, user: User = Depends(page_user), db: Session = Depends(get_db)
) -> HTMLResponse:
    import json

    run = readable_audit(db, user, audit_id)
    result = json.loads(run.result_json)
    order = {"error": 0, "warning": 1, "info": 2}
    excerpts = json.loads(run.excerpts_json or "[]")
    findings = [
        {**finding, "excerpt": excerpts[k] if k < len(excerpts) else []}
        for k, finding in enumerate(result.get("findings", []))
    ]
    findings.sort(key=lambda f: order.get(str(f.get("severity")), 3))
    return render(request, "audit.html", user, run=run, result=result, findings=findings)


@router.get("/audits/{audit_id}/report")
def audit_report(audit_id: Number, user: User = Depends(page_user), db: Session = Depends(get_db)) -> HTMLResponse:
    run = readable_audit(db, user, audit_id)
    return HTMLResponse(run.report_html, headers={"Content-Security-Policy": REPORT_POLICY})


@router.get("/audits/{audit_id}/findings.{fmt}")
def audit_findings(
    audit_id: Number, fmt: str, user: User = Depends(page_user), db: Session = Depends(get_db)
) -> Response:
    """An audit's findings as CSV (the CLI's report columns) or as an XLSX workbook."""
    import json

    exports = {"csv": (review.findings_csv, "text/csv; charset=utf-8"), "xlsx": (review.findings_xlsx, XLSX)}
    if fmt not in exports:
        raise HTTPException(404, f"不支持的导出格式：{fmt}（可用：csv、xlsx）")
    run = readable_audit(db, user, audit_id)
    build, media_type = exports[fmt]
    stem = run.filename.rsplit(".", 1)[0] if "." in run.filename else run.filename
    return attachment(build(json.loads(run.result_json)), f"审核{run.id}-{stem}.{fmt}", media_type)


# ---------------------------------------------------------------- performance


@router.get("/departments/{code}/{year}/performance")
def performance(
    request: Request,
    code: str,
    year: Year,
    at: str = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    return _performance_page(request, code, year, at, user, db, [])


def _performance_page(
    request: Request, code: str, year: int, at: str, user: User, db: Session, problems: list[dict[str, Any]]
) -> HTMLResponse:
    """The performance page, with the problems of a refused upload when there are some."""
    department, version = _department_version(db, user, code, year, None)
    try:
        when = date.fromisoformat(at) if at else min(date.today(), date(year, 12, 31))
    except ValueError:
        raise HTTPException(422, f"日期格式应为 2025-07-31：{at}") from None
    files = services.performance_files(db, department.id, year)
    view = services.performance_view(services.disclosure_of(version).budget, files, when)
    return render(
        request,
        "performance.html",
        user,
        department=department,
        version=version,
        at=when.isoformat(),
        files=files,
        kinds=services.PERFORMANCE_KINDS,
        view=view,
        upload_problems=problems,
        can_write=repository.can_write(user, department.code),
    )


@router.post("/departments/{code}/{year}/performance")
def performance_upload(
    request: Request,
    code: str,
    year: Year,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    department, version = _version_to_change(request, csrf_token, db, user, code, year, None)
    try:
        data, name = read_upload(request, file)
        stored = services.performance_files(db, department.id, year)
        budget = services.disclosure_of(version).budget
        problems = services.check_performance_file(budget, kind, data, name, stored, request.app.state.workers)
    except services.UploadRejected as exc:
        problems = [{"message": str(exc), "where": services.safe_name(file.filename)}]
    if problems:
        return _performance_page(request, code, year, "", user, db, problems)
    db.add(
        PerformanceFile(department_id=department.id, year=year, kind=kind, filename=name, data=data, created_by=user.id)
    )
    repository.log(
        db, user.username, "upload_performance", f"{code} {year}年", f"{services.PERFORMANCE_KINDS[kind]}：{name}"
    )
    db.commit()
    return RedirectResponse(f"/departments/{code}/{year}/performance", status_code=303)


# ---------------------------------------------------------------- region


@router.get("/region")
def region(
    request: Request,
    year: Year | None = None,
    name: str = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    require(user, Role.ADMIN, Role.REVIEWER)
    years = repository.years(db)
    chosen = year if year is not None else (years[0] if years else None)
    view = {}
    if chosen is not None:
        view = {by: repository.region_rollup(db, chosen, by, name or None) for by in ("function", "econ", "department")}
    trend = {y: {r.key: r.total for r in repository.region_rollup(db, y, "function", name or None)} for y in years}
    return render(
        request,
        "region.html",
        user,
        years=years,
        year=chosen,
        regions=repository.regions(db),
        name=name,
        view=view,
        trend=trend,
        names={**services.class_names(), "department": {d.code: d.name for d in repository.all_departments(db)}},
    )


@router.get("/region/rollup.xlsx")
def region_xlsx(name: str = "", user: User = Depends(page_user), db: Session = Depends(get_db)) -> Response:
    require(user, Role.ADMIN, Role.REVIEWER)
    data = services.region_workbook(db, name or None)
    return attachment(data, f"{name or '全部地区'}-汇总.xlsx", XLSX)


# ---------------------------------------------------------------- API documentation


@router.get("/openapi.json")
def openapi_description(request: Request, user: User = Depends(page_user)) -> JSONResponse:
    """The OpenAPI description, for signed-in users like the page that shows it."""
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def api_docs(request: Request, user: User = Depends(page_user)) -> HTMLResponse:
    """The JSON API's OpenAPI description as a page, for signed-in users (no CDN: Swagger UI is not vendored)."""
    spec = request.app.openapi()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": op.get("summary", ""),
            "parameters": [p["name"] for p in op.get("parameters", [])],
            "body": _body_fields(spec, op),
            "responses": sorted(op.get("responses", {})),
        }
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
    ]
    return render(request, "api_docs.html", user, operations=operations, spec=spec)


def _body_fields(spec: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    for media in content.values():
        schema = media.get("schema", {})
        ref = schema.get("$ref", "")
        if ref:
            schema = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return list(schema.get("properties", {}))
    return []
