"""Who is asking: session cookies, roles, CSRF tokens, sign-in and what may be sent before it.

The session cookie is HttpOnly and SameSite=Lax, so other sites can neither read it nor
post with it; form posts also carry the session's CSRF token, and API writes send it in the
``X-CSRF-Token`` header (a page on another port of the same host is "same-site" and gets the
cookie sent, but cannot know the token). Before signing in, the login form is protected by a
double-submit token cookie instead.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

import anyio.to_thread
from fastapi import Depends, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yusuan.store import repository
from yusuan.store.models import LoginSession, Role, User
from yusuan.web.services import too_large

SESSION_COOKIE = "yusuan_session"
LOGIN_CSRF_COOKIE = "yusuan_login_csrf"
NOT_SIGNED_IN = "未登录或登录已过期"
FORM_CSRF_REFUSED = "表单已失效（CSRF 校验失败），请刷新页面后重试"
API_CSRF_REFUSED = "缺少或错误的 X-CSRF-Token 请求头：请发送登录（POST /api/session）时返回的 csrf_token"
#: requests that may carry a body without a session, and how large it may be: signing in
SIGN_IN = {("POST", "/login"), ("POST", "/api/session")}
SIGN_IN_BODY_LIMIT = 64 * 1024
#: room beside an upload's file for the form's other fields and the multipart headers
FORM_OVERHEAD = 64 * 1024
#: how long a sign-in waits for a free password check before it is asked to retry
PASSWORD_CHECK_WAIT = 15.0


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
        raise HTTPException(401, NOT_SIGNED_IN, headers={"WWW-Authenticate": "Cookie"})
    return found.user


def api_writer(
    request: Request,
    user: User = Depends(api_user),
    x_csrf_token: Annotated[str | None, Header(description="登录（POST /api/session）时返回的 csrf_token")] = None,
) -> User:
    """A signed-in API client allowed to change something: it sent the session's CSRF token."""
    check_csrf(request, x_csrf_token, API_CSRF_REFUSED)
    return user


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


def check_csrf(request: Request, submitted: str | None, refusal: str = FORM_CSRF_REFUSED) -> None:
    """Writes must return the session's token (a page on another site cannot know it)."""
    expected = csrf_token(request)
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise HTTPException(403, refusal)


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


def login_required(request: Request) -> Response:
    """The answer to a request without a session: 401 for the API and htmx, the sign-in page for a browser."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": NOT_SIGNED_IN}, 401, headers={"WWW-Authenticate": "Cookie"})
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


# ---------------------------------------------------------------- signing in


class LoginRefused(Exception):
    """A sign-in refused: wrong name or password (401), too many failures (429) or too many at once (503)."""

    def __init__(self, message: str, status: int, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = {"Retry-After": str(retry_after)} if retry_after else {}


def check_password(request: Request, db: Session, username: str, password: str) -> User:
    """The user with this name and password, for the sign-in form and the API alike.

    A name with too many recent failures is refused before its password is checked, even the
    right one; every failure is written to 操作日志. At most ``Settings.login_concurrency``
    password checks (argon2, 64 MB each) run at once, so a flood of sign-ins cannot exhaust memory.
    """
    cooling_off = repository.login_cooling_off(db, username)
    if cooling_off is not None:
        seconds = math.ceil(cooling_off.total_seconds())
        window, limit = repository.LOGIN_FAILURE_WINDOW.seconds // 60, repository.LOGIN_FAILURE_LIMIT
        message = f"该用户 {window} 分钟内登录失败 {limit} 次，已暂停登录，请 {math.ceil(seconds / 60)} 分钟后再试"
        raise LoginRefused(message, 429, seconds)
    db.rollback()  # only read so far: give the connection back while this sign-in waits its turn
    checks = request.app.state.password_checks
    if not checks.acquire(timeout=PASSWORD_CHECK_WAIT):
        raise LoginRefused("同时登录的请求过多，请稍后再试", 503, 5)
    try:
        user = repository.authenticate(db, username, password)
    finally:
        checks.release()
    if user is None:
        repository.record_login_failure(db, username, f"来自 {request.client.host if request.client else '未知地址'}")
        db.commit()
        raise LoginRefused("用户名或密码错误", 401)
    return user


# ---------------------------------------------------------------- request bodies


class BodyTooLarge(HTTPException):
    """A request body past its limit, noticed while it streams in (the route answers 413)."""


class UploadGuard:
    """Pure ASGI middleware: request bodies are checked as they stream in, before any route reads them.

    A request that may change something (any method but GET/HEAD/OPTIONS) without a valid session
    is answered before one byte of its body is read, except signing in; and every body is counted
    as it arrives and stopped past its limit (a chunked request has no Content-Length to check
    beforehand). So neither reaches the multipart parser, which spools files to disk.
    """

    def __init__(self, app: ASGIApp, sessions: sessionmaker[Session], max_upload_bytes: int) -> None:
        self.app = app
        self.sessions = sessions
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        signing_in = (request.method, request.url.path) in SIGN_IN
        if request.method not in ("GET", "HEAD", "OPTIONS") and not signing_in and not await self._signed_in(request):
            await login_required(request)(scope, receive, send)
            return
        if signing_in:
            limit, refusal = SIGN_IN_BODY_LIMIT, "登录请求的内容过大"
        else:
            limit = self.max_upload_bytes + FORM_OVERHEAD
            refusal = too_large(self.max_upload_bytes)
        declared = request.headers.get("content-length", "")
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(413, refusal)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(413, refusal)
            return message

        await self.app(scope, counted_receive, send)

    async def _signed_in(self, request: Request) -> bool:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return False
        return await anyio.to_thread.run_sync(self._session_exists, token)

    def _session_exists(self, token: str) -> bool:
        with self.sessions() as db:
            return repository.find_session(db, token) is not None
