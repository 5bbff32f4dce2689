"""yusuan's own XLSX (one sheet per table) → Document, so the same table reader serves it.

Each sheet becomes a page: a line with the sheet name (the table number),
then one line per worksheet row with its non-empty cells in column order —
amounts written with two decimals — which is what a text extraction of the
same table looks like.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from yusuan.extract.document import MAX_DOCUMENT_BYTES, Document, DocumentError, Line, Word
from yusuan.extract.text import read_bytes
from yusuan.ledger.xlsx_reading import WorkbookError, open_workbook, sheet_rows


def read_xlsx(path: str | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """Read a yusuan table workbook into a Document (line = worksheet row), whatever the file's name.

    A workbook past the bounds of every .xlsx input, or with a damaged sheet, is 'unreadable' with the reason.
    """
    data = read_bytes(path, max_bytes)
    lines: list[Line] = []
    try:
        with open_workbook(data) as wb:
            for page, ws in enumerate(wb.worksheets, 1):
                lines.append(Line(ws.title, page, None, [Word(ws.title)]))
                for _number, row in sheet_rows(ws):
                    texts = [_text(v) for v in row if v not in (None, "")]
                    if texts:
                        lines.append(Line(" ".join(texts), page, None, [Word(t) for t in texts]))
            pages = len(wb.sheetnames)
    except WorkbookError as exc:
        raise DocumentError("unreadable", f"无法读取 Excel 工作簿：{exc.message}") from None
    if not lines:
        raise DocumentError("empty", "工作簿是空的")
    return Document(str(path), "xlsx", lines, pages, hashlib.sha256(data).hexdigest())


def _text(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | int):
        return f"{Decimal(str(value)):.2f}" if isinstance(value, float) else f"{value}.00"
    return str(value).strip()
