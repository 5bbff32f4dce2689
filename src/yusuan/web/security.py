"""Who is asking: session cookies, roles and CSRF tokens.

The session cookie is HttpOnly and SameSite=Lax, so other sites can neither read it nor
post with it; form posts also carry the session's CSRF token. Before signing in, the login
form is protected by a double-submit token cookie instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.orm import Session

from yusuan.store import repository
from yusuan.store.models import LoginSession, Role, User

SESSION_COOKIE = "yusuan_session"
LOGIN_CSRF_COOKIE = "yusuan_login_csrf"


class LoginRequired(Exception):
    """A page was asked for without a session: the browser is sent to the sign-in page."""


def get_db(request: Request) -> Iterator[Session]:
    db = request.app.state.sessions()
    try:
        yield db
    finally:
        db.close()


def _login(request: Request, db: Session) -> LoginSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = repository.find_session(db, token)
    request.state.login = found
    return found


def api_user(request: Request, db: Session = Depends(get_db)) -> User:
    found = _login(request, db)
    if found is None:
        raise HTTPException(401, "未登录或登录已过期", headers={"WWW-Authenticate": "Cookie"})
    return found.user


def page_user(request: Request, db: Session = Depends(get_db)) -> User:
    found = _login(request, db)
    if found is None:
        raise LoginRequired()
    return found.user


def require(user: User, *roles: Role) -> None:
    if user.role not in roles:
        raise HTTPException(403, "您的角色无权进行此操作")


def require_read(user: User, department_code: str) -> None:
    if not repository.can_read(user, department_code):
        raise HTTPException(403, "您无权查看该部门的预算")


def require_write(user: User, department_code: str) -> None:
    if not repository.can_write(user, department_code):
        raise HTTPException(403, "您无权修改该部门的预算")


def csrf_token(request: Request) -> str:
    found: LoginSession | None = getattr(request.state, "login", None)
    return found.csrf_token if found else ""


def check_csrf(request: Request, submitted: str | None) -> None:
    """Form posts must return the session's token (a page on another site cannot know it)."""
    expected = csrf_token(request)
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise HTTPException(403, "表单已失效（CSRF 校验失败），请刷新页面后重试")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(repository.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
