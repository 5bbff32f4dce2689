"""Response headers every page and API answer carries, and the one way downloads are named.

The Content-Security-Policy lets a page load only this server's own scripts, styles and images
(htmx and style.css are served locally; templates have no inline script or style), so markup
that slipped through escaping could still run nothing. Data never stays in a cache
(``no-store``); only the static files may.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import Request, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # the page icon is an empty data: URL
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)

#: a stored audit report (a whole HTML page of its own): its inline styles, nothing else
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Middleware: CSP and ``Cache-Control: no-store`` on everything but /static (a route may set its own),
    and no sniffing, framing or cross-site referrers anywhere."""
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.url.path.startswith("/static/"):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def content_disposition(name: str) -> str:
    """``attachment`` with the file name: RFC 5987 UTF-8 plus a plain ASCII fallback for old clients.

    Whatever ``name`` holds (CR/LF, quotes, control or non-ASCII characters) the header stays one
    valid line: a stray CR/LF would otherwise make the server drop the connection.
    """
    printable = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip() or "download"
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\%;' else "_" for ch in printable)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(printable, safe='')}"


def attachment(data: bytes, name: str, media_type: str) -> Response:
    """A download: ``data`` as the file ``name``."""
    return Response(data, media_type=media_type, headers={"Content-Disposition": content_disposition(name)})
