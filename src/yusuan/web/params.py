"""Numbers in URLs and forms, bounded where a route declares them, and request errors in Chinese.

Text in a URL may not hold a NUL character (PostgreSQL text cannot).

A number the database cannot hold (``?year=99999999999999999999999``) would reach SQL and fail
there; bounded here it is a 422 (404 in a path) with a message naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import Field

#: the largest INTEGER column value (PostgreSQL's INTEGER is 32 bits)
INTEGER_MAX = 2**31 - 1

#: a row id (budget version, audit, account), a version number or a page number
Number = Annotated[int, Field(ge=1, le=INTEGER_MAX)]
#: a budget year in a URL: any the database can hold (which years have budgets is the data's business)
Year = Annotated[int, Field(ge=1, le=9999)]
#: the version a save starts from (0: a new budget)
BaseVersion = Annotated[int, Field(ge=0, le=INTEGER_MAX)]

#: parameters as the messages name them
_LABELS = {
    "year": "年度",
    "v": "版本号",
    "a": "版本号",
    "b": "版本号",
    "base_version": "所基于的版本号",
    "page": "页码",
    "budget_id": "预算版本编号",
    "audit_id": "审核编号",
    "user_id": "账户编号",
    "file": "文件",
    "files": "文件",
    "username": "用户名",
    "password": "密码",
    "role": "角色",
    "kind": "数据类型",
    "current": "当前密码",
    "new": "新密码",
    "again": "再次输入的新密码",
}


def _message(error: dict[str, Any]) -> str:
    name = str(error["loc"][-1]) if error.get("loc") else "参数"
    label = f"{_LABELS[name]}（{name}）" if name in _LABELS else name
    given = str(error.get("input", ""))
    given = given if len(given) <= 30 else given[:30] + "…"
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return f"缺少{label}"
    if kind.startswith("int_"):
        return f"{label}应为整数，收到「{given}」"
    if kind in ("less_than_equal", "less_than"):
        return f"{label}超出范围：不能大于 {context.get('le', context.get('lt'))}，收到「{given}」"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label}超出范围：不能小于 {context.get('ge', context.get('gt'))}，收到「{given}」"
    return f"{label}的值无效：「{given}」"


def validation_message(errors: list[dict[str, Any]]) -> tuple[int, str]:
    """The status (404 when a path segment is wrong, else 422) and the Chinese message of validation errors."""
    in_path = any(e.get("loc", ("",))[0] == "path" for e in errors)
    return (404 if in_path else 422), "；".join(dict.fromkeys(_message(e) for e in errors))


_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


async def refuse_nul(request: Request) -> None:
    """A NUL cannot be stored or compared in PostgreSQL text (SQLite takes it): refuse it in the path, the
    query and form fields alike, before any query sees it, so both databases answer the same."""
    texts = [request.url.path, *request.query_params.values()]
    if request.headers.get("content-type", "").startswith(_FORMS):
        # the parsed form is kept on the request: the route's own parameters reuse it
        texts += [value for value in (await request.form()).values() if isinstance(value, str)]
    if any("\x00" in text for text in texts):
        raise HTTPException(400, "地址、查询参数或表单中含有空字符（\\x00），请求已拒绝")


class ChineseErrors(APIRoute):
    """A route whose request validation errors are HTTP errors with a Chinese message.

    The app's HTTP error handlers then answer as for any other error: an error page for pages,
    ``{"detail": "…"}`` for the JSON API.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            await refuse_nul(request)
            try:
                return await handler(request)
            except RequestValidationError as exc:
                status, message = validation_message(list(exc.errors()))
                raise HTTPException(status, message) from None

        return checked
