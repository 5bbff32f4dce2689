"""Our Henan PDF printed as other departments' spreadsheets print it — whole amounts bare (Excel's
General format: '300' for 300.00), or one decimal ('12593.1') — audits with no error: the reading
either reads the amounts or marks what it cannot place as uncertain."""

from __future__ import annotations

import re

import pytest

from yusuan.audit.engine import audit_document
from yusuan.extract.pdf import pdf_document
from yusuan.outputs import build_disclosure


def _printed(example_budget, monkeypatch, reformat) -> bytes:
    from yusuan.render import pdf

    real = pdf.format_amount
    monkeypatch.setattr(pdf, "format_amount", lambda fen, unit="万元", **kw: reformat(real(fen, unit, **kw)))
    disclosure = build_disclosure(example_budget)
    try:
        return pdf.render_pdf(disclosure.narrative, disclosure.tables)
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))


@pytest.mark.parametrize(
    "name, reformat",
    [
        ("bare integers", lambda text: re.sub(r"\.00$", "", text)),
        ("one decimal", lambda text: text[:-1] if re.search(r"\.\d\d$", text) else text),
    ],
)
def test_our_pdf_printed_otherwise_audits_without_errors(example_budget, monkeypatch, name, reformat) -> None:
    report = audit_document(pdf_document(_printed(example_budget, monkeypatch, reformat), f"{name}.pdf"))
    assert report.document["template"] == "henan-2025"
    assert [f.message for f in report.findings if f.severity == "error"] == []
