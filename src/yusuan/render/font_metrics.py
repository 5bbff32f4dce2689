"""The advance widths of the glyphs of Noto Sans CJK, read from the font files Typst sets tables in.

A table cell wraps where its text no longer fits, and whether ``资金到位率`` fits depends on the
real widths of its glyphs: digits are 0.555 em in the regular face and 0.59 em in the bold one,
``.`` far less, ``≤`` a full em. The widths come from the font's own tables, read with HarfBuzz
(which also cuts the fonts, see :mod:`yusuan.render.fonts`). A collection (``.ttc``) holds one
face per region (JP, KR, SC, TC, HK) sharing the glyphs of Latin letters, digits and
punctuation; ideographs are one em in every face, so the first face serves. The system's full
fonts are read: the cut Typst may set the PDF in keeps their advance widths. Without a readable
font the callers keep their upper bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from yusuan.render.fonts import FONT_ROOTS

_SANS_FILES = {False: "NotoSansCJK*-Regular.*", True: "NotoSansCJK*-Bold.*"}


@dataclass(frozen=True, slots=True)
class GlyphWidths:
    """One face's character → advance width (em) map."""

    font: Any  # a HarfBuzz font of the face, at its own units per em
    units_per_em: int

    def em(self, ch: str) -> float | None:
        """The advance of ``ch`` in em, None if the face has no glyph for it."""
        glyph = self.font.get_nominal_glyph(ord(ch))
        if not glyph:
            return None
        return int(self.font.get_glyph_h_advance(glyph)) / self.units_per_em


def read_glyph_widths(path: Path) -> GlyphWidths | None:
    """The first face of the font file at ``path``, None if it is not a font with glyphs for text
    (or HarfBuzz, which reads it, is not installed)."""
    try:
        import uharfbuzz as hb
    except ImportError:
        return None
    try:
        face = hb.Face(hb.Blob.from_file_path(str(path)), 0)
    except (OSError, hb.HarfBuzzError):  # no such file, or unreadable
        return None
    if not face.upem or not face.unicodes:  # HarfBuzz gives an empty face for what is no font
        return None
    return GlyphWidths(hb.Font(face), int(face.upem))


@cache
def sans_widths(bold: bool) -> GlyphWidths | None:
    """The widths of Noto Sans CJK (bold or regular) as installed, None when it is not."""
    for root in FONT_ROOTS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob(_SANS_FILES[bold])):
            widths = read_glyph_widths(path)
            if widths is not None:
                return widths
    return None
