"""The advance widths of the glyphs of Noto Sans CJK, read from the font files Typst sets tables in.

A table cell wraps where its text no longer fits, and whether ``资金到位率`` fits depends on the
real widths of its glyphs: digits are 0.555 em in the regular face and 0.59 em in the bold one,
``.`` far less, ``≤`` a full em. The widths come from the font's own tables (``cmap`` maps a
character to its glyph, ``hmtx`` gives the glyph's advance, ``head`` the units per em), read
without a font library. A collection (``.ttc``) holds one face per region (JP, KR, SC, TC, HK)
sharing the glyphs of Latin letters, digits and punctuation; ideographs are one em in every face,
so the first face serves. The system's full fonts are read: the cut Typst may set the PDF in
(:mod:`yusuan.render.fonts`) keeps their advance widths. Without a readable font the callers
keep their upper bounds.
"""

from __future__ import annotations

import bisect
import mmap
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from yusuan.render.fonts import FONT_ROOTS

_SANS_FILES = {False: "NotoSansCJK*-Regular.*", True: "NotoSansCJK*-Bold.*"}


@dataclass(frozen=True, slots=True)
class GlyphWidths:
    """One face's character → advance width (em) map."""

    units_per_em: int
    starts: tuple[int, ...]  # cmap format 12 groups: first character…
    ends: tuple[int, ...]  # …last character…
    first_glyphs: tuple[int, ...]  # …and the glyph of the first
    hmtx: bytes  # per glyph: advance (uint16) and side bearing; the last advance repeats for the rest

    def em(self, ch: str) -> float | None:
        """The advance of ``ch`` in em, None if the face has no glyph for it."""
        code = ord(ch)
        i = bisect.bisect_right(self.starts, code) - 1
        if i < 0 or code > self.ends[i]:
            return None
        glyph = self.first_glyphs[i] + code - self.starts[i]
        if glyph == 0:
            return None
        at = 4 * min(glyph, len(self.hmtx) // 4 - 1)
        return int.from_bytes(self.hmtx[at : at + 2], "big") / self.units_per_em


def read_glyph_widths(path: Path) -> GlyphWidths | None:
    """The first face of the font file at ``path``, None if it is not a font with a Unicode cmap (format 12)."""
    try:
        with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _first_face(data)
    except (OSError, ValueError, struct.error):
        return None


def _first_face(data: mmap.mmap) -> GlyphWidths | None:
    face = struct.unpack_from(">I", data, 12)[0] if data[:4] == b"ttcf" else 0
    count = struct.unpack_from(">H", data, face + 4)[0]
    tables = {}
    for k in range(count):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, face + 12 + 16 * k)
        tables[tag] = offset
    if not {b"head", b"hhea", b"hmtx", b"cmap"} <= tables.keys():
        return None
    units_per_em = struct.unpack_from(">H", data, tables[b"head"] + 18)[0]
    metrics = struct.unpack_from(">H", data, tables[b"hhea"] + 34)[0]
    hmtx = bytes(data[tables[b"hmtx"] : tables[b"hmtx"] + 4 * metrics])
    groups = _cmap_groups(data, tables[b"cmap"])
    if not groups or not units_per_em:
        return None
    return GlyphWidths(
        units_per_em,
        tuple(g[0] for g in groups),
        tuple(g[1] for g in groups),
        tuple(g[2] for g in groups),
        hmtx,
    )


def _cmap_groups(data: mmap.mmap, cmap: int) -> list[tuple[int, int, int]]:
    """The (first, last, glyph of first) groups of the Windows full-Unicode subtable (format 12)."""
    count = struct.unpack_from(">H", data, cmap + 2)[0]
    for k in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * k)
        at = cmap + offset
        if (platform, encoding) in ((3, 10), (0, 4)) and struct.unpack_from(">H", data, at)[0] == 12:
            groups = struct.unpack_from(">I", data, at + 12)[0]
            flat = struct.unpack_from(f">{3 * groups}I", data, at + 16)
            return sorted(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
    return []


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
