"""Opening an .xlsx input within bounds: the budget workbook, execution data and the audit's XLSX.

An .xlsx file is a zip of XML parts. The zip's central directory declares each part's
unpacked size, and Python's zipfile (which openpyxl reads through) never inflates a part
past its declared size, so checking the declared sizes and ratios first refuses a zip bomb
without inflating a byte of it. Rows are then read one at a time: a sheet is refused as
soon as it passes ``MAX_ROWS`` rows of data (or spreads over too many columns), so a
million-row sheet costs only the rows before the bound. A damaged part shows only while
its sheet is read; it becomes a ``WorkbookError`` that names the sheet.

The workbook is opened from an open file, not by name, so a workbook named ``.pdf`` reads
as well as one named ``.xlsx``.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from yusuan.ledger.limits import (
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_ROWS,
    MAX_SHEET_CELLS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_PARTS,
    MIB,
    shown,
)

NOT_XLSX = "文件不是有效的 Excel 工作簿（.xlsx）；如果是 .xls 或其他格式，请在 Excel 中另存为 .xlsx"
_RESAVE = "请在 Excel 中打开后另存为 .xlsx 再试"


class WorkbookError(Exception):
    """A workbook, or one of its sheets, that cannot be read within bounds; the message says why."""

    def __init__(self, message: str, sheet: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.sheet = sheet


def blank_cell(value: object) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def check_archive(handle: IO[bytes]) -> None:
    """Refuse a zip whose declared contents are past the bounds, before anything is inflated."""
    try:
        with zipfile.ZipFile(handle) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise WorkbookError(NOT_XLSX) from None
    if len(parts) > MAX_ZIP_PARTS:
        raise WorkbookError(f"工作簿由 {len(parts)} 个部件组成，超过 {MAX_ZIP_PARTS} 个的上限，不予读取")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookError(
            f"工作簿解压后有 {unpacked / MIB:.0f} MB，超过 {MAX_UNPACKED_BYTES // MIB} MB 的上限，不予读取；"
            "一个部门的预算用不了这么多数据，请删除多余的工作表或行后再试"
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MIB and ratio > MAX_COMPRESSION_RATIO:
            raise WorkbookError(
                f"工作簿的部件 {shown(part.filename)} 压缩比异常（{ratio:.0f} 倍，"
                f"正常不超过 {MAX_COMPRESSION_RATIO} 倍），可能是压缩炸弹，不予读取"
            )


@contextmanager
def open_workbook(source: Path | bytes) -> Iterator[Any]:
    """The workbook (openpyxl, read-only, cell values rather than formulas), closed afterwards.

    Raises ``WorkbookError`` when the file cannot be read, is not a workbook or is past the bounds.
    """
    try:
        handle: IO[bytes] = io.BytesIO(source) if isinstance(source, bytes) else Path(source).open("rb")  # noqa: SIM115
    except FileNotFoundError:
        raise WorkbookError("文件不存在") from None
    except OSError as exc:
        raise WorkbookError(f"无法读取文件：{exc.strerror or exc}") from None
    with handle:
        try:
            empty = not handle.read(4)
            handle.seek(0)
            is_zip = zipfile.is_zipfile(handle)
        except OSError as exc:  # a pipe or a device cannot seek: it is no workbook
            raise WorkbookError(f"无法读取文件：{exc.strerror or exc}") from None
        if empty:
            raise WorkbookError("文件是空的，不是有效的 Excel 工作簿（.xlsx）")
        if not is_zip:
            raise WorkbookError(NOT_XLSX)
        check_archive(handle)
        try:
            workbook = _load(handle)
        except Exception:  # any failure to open means the file is not a usable workbook
            raise WorkbookError(NOT_XLSX) from None
        try:
            yield workbook
        finally:
            workbook.close()


_LOADING = threading.Lock()


def _load(handle: IO[bytes]) -> Any:
    """openpyxl's read-only workbook, without its probe of each sheet's size.

    Opening a workbook, openpyxl looks for each sheet's ``<dimension>``, and a sheet without
    one is parsed to its end to find out: 10 s for a hostile million-row sheet before a row is
    read. ``sheet_rows`` resets the dimensions anyway, so the probe is skipped (the lock keeps
    the class as it was for any other thread).
    """
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    with _LOADING:
        probe = ReadOnlyWorksheet._get_size
        ReadOnlyWorksheet._get_size = lambda self: None  # type: ignore[method-assign]
        try:
            return openpyxl.load_workbook(handle, read_only=True, data_only=True)
        finally:
            ReadOnlyWorksheet._get_size = probe  # type: ignore[method-assign]


def sheet_rows(sheet: Any) -> Iterator[tuple[int, tuple[object, ...]]]:
    """A sheet's rows as values, numbered from 1; ``WorkbookError`` naming the sheet past a bound or on damage.

    Rows past ``MAX_ROWS`` + 1 (the header) are refused only when they hold data: a sheet
    formatted down to row 1,048,576 is still read. Rows are cut to ``MAX_COLUMNS`` cells.
    """
    title = shown(str(sheet.title).strip())
    sheet.reset_dimensions()  # a wrong <dimension> must not truncate the data
    rows = iter(sheet.iter_rows(values_only=True))
    cells = 0
    number = 0
    while True:
        try:
            row = next(rows, None)
        except Exception as exc:  # damaged XML shows only while the sheet is read
            raise WorkbookError(
                f"工作表「{title}」已损坏，无法读取（{type(exc).__name__}）；{_RESAVE}", title
            ) from None
        if row is None:
            return
        number += 1
        cells += len(row)
        if len(row) > MAX_COLUMNS:
            if any(not blank_cell(value) for value in row[MAX_COLUMNS:]):
                raise WorkbookError(
                    f"工作表「{title}」第{number}行在第 {MAX_COLUMNS} 列之后还有数据，不予读取；请删除多余的列", title
                )
            row = row[:MAX_COLUMNS]
        if cells > MAX_SHEET_CELLS:
            raise WorkbookError(f"工作表「{title}」过大（超过 {MAX_SHEET_CELLS} 个单元格），不予读取", title)
        if number > MAX_ROWS + 1 and any(not blank_cell(value) for value in row):
            raise WorkbookError(
                f"工作表「{title}」的数据超过 {MAX_ROWS} 行（第{number}行仍有数据），不予读取；请拆分后再试", title
            )
        yield number, tuple(row)
