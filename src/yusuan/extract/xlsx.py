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

from yusuan.extract.document import Document, DocumentError, Line, Word


def read_xlsx(path: str | Path) -> Document:
    """Read a yusuan table workbook into a Document (line = worksheet row)."""
    import zipfile

    from openpyxl import load_workbook

    path = Path(path)
    data = path.read_bytes()
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DocumentError("unreadable", f"无法读取 Excel 工作簿：{exc}") from None
    lines: list[Line] = []
    try:
        for page, ws in enumerate(wb.worksheets, 1):
            lines.append(Line(ws.title, page, None, [Word(ws.title)]))
            for row in ws.iter_rows(values_only=True):
                texts = [_text(v) for v in row if v not in (None, "")]
                if texts:
                    lines.append(Line(" ".join(texts), page, None, [Word(t) for t in texts]))
    finally:
        wb.close()
    if not lines:
        raise DocumentError("empty", "工作簿是空的")
    return Document(str(path), "xlsx", lines, len(wb.sheetnames), hashlib.sha256(data).hexdigest())


def _text(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | int):
        return f"{Decimal(str(value)):.2f}" if isinstance(value, float) else f"{value}.00"
    return str(value).strip()
