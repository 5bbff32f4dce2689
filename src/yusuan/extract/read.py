"""Read any supported disclosure file into a Document, choosing the reader by the file's content.

The first bytes decide, not the file name: ``%PDF-`` → the PDF reader; a ZIP
container (``PK``, as XLSX is) → DocumentError('xlsx') so the caller can hand the
file to the XLSX reader; anything else → the text reader (pdftotext output), which
rejects binary data itself.
"""

from __future__ import annotations

from pathlib import Path

from yusuan.extract.document import MAX_DOCUMENT_BYTES, Document, DocumentError, looks_like_pdf
from yusuan.extract.pdf import pdf_document
from yusuan.extract.text import read_bytes, text_document

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc


def read_document(path: str | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """Read a PDF or a pdftotext output file into a Document; other kinds raise DocumentError.

    The file is read once, and at most ``max_bytes`` of it (else DocumentError('too_large')).
    """
    data = read_bytes(path, max_bytes)
    if looks_like_pdf(data[:1024]):
        return pdf_document(data, str(path))
    if data.startswith(_ZIP_MAGIC):
        raise DocumentError("xlsx", "这是 ZIP 容器（XLSX 工作簿），请用工作簿读取器读取")
    if data.startswith(_OLE_MAGIC):
        raise DocumentError("unreadable", "这是旧版 Office 文件（.xls/.doc），请另存为 XLSX 或 PDF")
    return text_document(data, str(path))
