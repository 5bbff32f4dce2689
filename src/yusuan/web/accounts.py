"""Accounts: one's own password, and the administrator's account list, its actions and the 操作日志.

Every change is a CSRF-checked form post and is written to the 操作日志. Disabling an account,
setting its password or ending its sessions signs it out everywhere; changing one's own
password signs out one's other sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.store import repository
from yusuan.store.models import Role, User
from yusuan.web.params import ChineseErrors, Number
from yusuan.web.security import SESSION_COOKIE, check_csrf, get_db, page_user, require
from yusuan.web.views import day_range, render

router = APIRouter(include_in_schema=False, route_class=ChineseErrors)


# ---------------------------------------------------------------- one's own password


@router.get("/account/password")
def password_form(request: Request, user: User = Depends(page_user)) -> HTMLResponse:
    return render(request, "password.html", user)


@router.post("/account/password")
def change_password(
    request: Request,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
    again: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    try:
        if new != again:
            raise repository.AccountError("两次输入的新密码不一致，密码未修改")
        repository.change_password(db, user, current, new, keep=request.cookies.get(SESSION_COOKIE, ""))
    except repository.AccountError as exc:
        db.rollback()
        return render(request, "password.html", user, status=422, error=str(exc))
    db.commit()
    return render(request, "password.html", user, done=True)


# ---------------------------------------------------------------- the administrator's account list


@router.get("/admin/users")
def users(
    request: Request, user: User = Depends(page_user), db: Session = Depends(get_db), error: str = ""
) -> HTMLResponse:
    require(user, Role.ADMIN)
    return _users_page(request, user, db, error)


def _users_page(request: Request, user: User, db: Session, error: str = "", status: int = 200) -> HTMLResponse:
    accounts = list(db.scalars(select(User).order_by(User.id)))
    departments = repository.all_departments(db)
    return render(
        request,
        "users.html",
        user,
        status=status,
        accounts=accounts,
        sessions=repository.session_counts(db),
        departments=departments,
        roles=list(Role),
        error=error,
    )


@router.post("/admin/users")
def create_user(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
    department_code: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    require(user, Role.ADMIN)
    department = department_code.strip() or None
    try:
        repository.create_user(db, username, password, _role(role), department, actor=user.username)
    except repository.AccountError as exc:
        db.rollback()
        return _users_page(request, user, db, str(exc), 422)
    db.commit()
    return RedirectResponse("/admin/users", status_code=303)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise repository.AccountError(f"未知的角色：{value[:30]}") from None


def _account(request: Request, csrf_token: str, db: Session, user: User, user_id: int) -> User:
    """The account an administrator's form post acts on (after the CSRF and role checks)."""
    check_csrf(request, csrf_token)
    require(user, Role.ADMIN)
    account = db.get(User, user_id)
    if account is None:
        raise HTTPException(404, f"没有编号为 {user_id} 的账户")
    return account


@router.post("/admin/users/{user_id}/role")
def change_role(
    request: Request,
    user_id: Number,
    role: Annotated[str, Form()],
    department_code: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    account = _account(request, csrf_token, db, user, user_id)
    department = department_code.strip() or None
    return _act(request, db, user, lambda: repository.change_role(db, account, _role(role), department, actor=user))


@router.post("/admin/users/{user_id}/password")
def reset_password(
    request: Request,
    user_id: Number,
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    account = _account(request, csrf_token, db, user, user_id)
    return _act(request, db, user, lambda: repository.reset_password(db, account, password, actor=user.username))


@router.post("/admin/users/{user_id}/disable")
def disable(
    request: Request,
    user_id: Number,
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    account = _account(request, csrf_token, db, user, user_id)
    return _act(request, db, user, lambda: repository.set_disabled(db, account, True, actor=user))


@router.post("/admin/users/{user_id}/enable")
def enable(
    request: Request,
    user_id: Number,
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    account = _account(request, csrf_token, db, user, user_id)
    return _act(request, db, user, lambda: repository.set_disabled(db, account, False, actor=user))


@router.post("/admin/users/{user_id}/sessions/end")
def end_sessions(
    request: Request,
    user_id: Number,
    csrf_token: Annotated[str, Form()] = "",
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> Response:
    account = _account(request, csrf_token, db, user, user_id)

    def end() -> None:
        ended = repository.end_sessions(db, account, keep=request.cookies.get(SESSION_COOKIE, ""))
        repository.log(db, user.username, "end_sessions", account.username, f"结束会话 {ended} 个")

    return _act(request, db, user, end)


def _act(request: Request, db: Session, user: User, action: Callable[[], None]) -> Response:
    """Run an account action; its refusal is shown on the account list, its success returns there."""
    try:
        action()
    except repository.AccountError as exc:
        db.rollback()
        return _users_page(request, user, db, str(exc), 422)
    db.commit()
    return RedirectResponse("/admin/users", status_code=303)


# ---------------------------------------------------------------- the 操作日志


@router.get("/admin/log")
def audit_log(
    request: Request,
    q: str = "",
    username: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    page: Number = 1,
    user: User = Depends(page_user),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    require(user, Role.ADMIN)
    start, end = day_range(since, until)
    narrow = repository.ListFilter(
        text=q.strip(), username=username.strip(), action=action.strip(), since=start, until=end
    )
    entries = repository.log_entries(db, narrow, page)
    form = {"q": q, "username": username, "action": action, "since": since, "until": until}
    return render(request, "log.html", user, entries=entries, form=form)
