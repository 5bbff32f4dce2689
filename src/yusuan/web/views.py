"""How pages are rendered: the Jinja2 environment, its filters, and the Chinese names of stored ids.

Times are stored in UTC and shown, and entered in filters, in China Standard Time (no daylight saving).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm.exc import DetachedInstanceError

from yusuan.audit.report import SEVERITY_NAMES, second_reading_note
from yusuan.ledger.problems import unlisted_note
from yusuan.money import format_amount
from yusuan.store.models import Role, User
from yusuan.store.repository import LOG_ACTIONS
from yusuan.tables.model import Table
from yusuan.web.security import csrf_token

CHINA_TIME = timezone(timedelta(hours=8))

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader("yusuan.web", "templates"), jinja2.PackageLoader("yusuan.render", "templates")]
        ),
        autoescape=True,
        auto_reload=False,  # templates are package files: no change check on every render
    )
)


def _china_time(moment: datetime, pattern: str) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone
    return aware.astimezone(CHINA_TIME).strftime(pattern)


@cache
def _rule_titles() -> dict[str, str]:
    from yusuan.audit.rules import load_rules

    return {r.id: r.title for r in load_rules().values()}


def rule_title(rule_id: str, full: bool = False) -> str:
    """A rule's Chinese title from the rule catalog: its words before any example in parentheses
    (``full``: all of it); empty for an id the catalog does not know."""
    title = _rule_titles().get(rule_id, "")
    return title if full else title.split("（", 1)[0]


def table_view(table: Table, anchor: str) -> dict[str, Any]:
    """A table's view model (``yusuan.render.html.table_view``) laid out by classes, not inline styles,
    so that it shows under the pages' Content-Security-Policy: an indented cell gets ``indent-N``."""
    from yusuan.render.html import table_view as published_view

    view = published_view(table, anchor)
    view["widths"] = []  # column widths would be inline styles: the page's CSS sizes columns instead
    for row in view["rows"]:
        for cell in row["cells"]:
            if cell["indent"]:
                cell["cls"] = f"{cell['cls']} indent-{min(cell['indent'], 8)}"
                cell["indent"] = 0
    return view


def page_url(request: Request, number: int) -> str:
    """This list page's address with its filters, at page ``number``."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return f"{request.url.path}?{urlencode([*kept, ('page', str(number))])}"


ROLE_LABELS = {r.value: r.label for r in Role}
templates.env.filters["wan"] = lambda fen: format_amount(int(fen or 0), "万元")
templates.env.filters["local"] = _china_time
templates.env.globals.update(
    SEVERITY_NAMES=SEVERITY_NAMES,
    ROLE_LABELS=ROLE_LABELS,
    LOG_ACTIONS=LOG_ACTIONS,
    rule_title=rule_title,
    second_reading_note=second_reading_note,
    page_url=page_url,
    unlisted_note=unlisted_note,
)


def render(request: Request, template: str, user: User | None, status: int = 200, **context: Any) -> HTMLResponse:
    context.update(request=request, user=user, csrf=csrf_token(request))
    return templates.TemplateResponse(request, template, context, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    login = getattr(request.state, "login", None)
    try:
        user = login.user if login else None
    except DetachedInstanceError:  # the request's database session has already ended
        user = None
    return render(request, "error.html", user, status=status, status_code=status, message=message)


def day_range(since: str, until: str) -> tuple[datetime | None, datetime | None]:
    """The moments a filter's dates (China time, both days included) cover; an empty date leaves that side open."""

    def day(text: str, what: str) -> date | None:
        if not text.strip():
            return None
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise HTTPException(422, f"{what}的格式应为 2025-07-31，收到「{text[:30]}」") from None

    first, last = day(since, "起始日期"), day(until, "截止日期")
    start = datetime.combine(first, time(), CHINA_TIME) if first else None
    end = None
    if last is not None and last < date.max:  # the last day counts whole: up to the next midnight
        end = datetime.combine(last + timedelta(days=1), time(), CHINA_TIME)
    return start, end
