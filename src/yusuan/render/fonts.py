"""The fonts the PDF is typeset in: the Noto CJK fonts of the system, and smaller cuts of them.

Only the Noto CJK fonts (Debian ``fonts-noto-cjk``) are used, so the same input gives the same
bytes on any machine with the same fonts; without them rendering stops with an error instead of
printing boxes for every Chinese character.

Typst reads every font file it uses whole into memory, and the four Noto CJK collections it needs
(黑体/宋体, regular and bold) hold every East Asian language: 93 MB, a third of what typesetting a
large department takes. So the Simplified Chinese faces are cut (with HarfBuzz, in about a second)
to the characters of GB 2312 plus the Latin letters, digits and punctuation around them: 16 MB,
kept in the user's cache directory and made again when the system's fonts change. A document with
a character outside them (a rare character in a name) is typeset with the full fonts.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

#: where Debian, Fedora and others install fonts; searched in this order
FONT_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
SERIF_FAMILY = "Noto Serif CJK SC"
SANS_FAMILY = "Noto Sans CJK SC"
_FONT_FILE = re.compile(r"^Noto(Sans|Serif)CJK[-A-Za-z]*\.(ttc|otf|ttf)$", re.IGNORECASE)
#: raised with the cut's contents, so a cut made by an older rule is never reused
CUT_VERSION = "1"
#: the weights the disclosure uses (regular text, bold headings and totals)
_WEIGHTS = (400, 700)


@dataclass(frozen=True, slots=True)
class Fonts:
    """The CJK fonts to typeset with: Typst's ``font_paths`` and the two families' names;
    ``characters`` is what a cut holds (empty: the full fonts, which hold everything there is)."""

    paths: tuple[str, ...]  # directories holding them, for Typst's font_paths
    serif: str  # body text
    sans: str  # headings and tables
    characters: frozenset[str] = field(default=frozenset(), compare=False)

    def covers(self, text: str) -> bool:
        """Whether every character of ``text`` is in these fonts (always, for the full fonts)."""
        return not self.characters or set(text) <= self.characters


@cache
def find_fonts() -> Fonts:
    """The Noto CJK fonts installed on this system, or a ``RuntimeError`` saying how to install them."""
    dirs: set[Path] = set()
    kinds: set[str] = set()
    for root in FONT_ROOTS:
        if not root.is_dir():
            continue
        for path in root.rglob("Noto*CJK*"):
            match = _FONT_FILE.match(path.name)
            if match and path.is_file():
                dirs.add(path.parent)
                kinds.add(match.group(1).lower())
    if not dirs:
        searched = "、".join(str(r) for r in FONT_ROOTS)
        raise RuntimeError(
            f"生成 PDF 需要中文字体 Noto Sans CJK 或 Noto Serif CJK，但在 {searched} 中没有找到。"
            "请先安装 Debian 软件包 fonts-noto-cjk（sudo apt-get install fonts-noto-cjk）后重试。"
        )
    serif = SERIF_FAMILY if "serif" in kinds else SANS_FAMILY
    sans = SANS_FAMILY if "sans" in kinds else SERIF_FAMILY
    return Fonts(tuple(sorted(str(d) for d in dirs)), serif, sans)


def fonts_for(text: str) -> Fonts:
    """The fonts to typeset ``text`` with: the cut when it holds every character, else the full fonts."""
    full = find_fonts()
    cut = cut_fonts(full)
    return cut if cut is not None and cut.covers(text) else full


def cut_characters() -> frozenset[str]:
    """What the cut holds: GB 2312 (its 6,763 汉字 and its symbols, ①, ≥, ℃ …), printable ASCII and
    Latin-1, and the general, CJK and full-width punctuation blocks."""
    chars: set[str] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    for first, last in ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF)):
        chars.update(chr(c) for c in range(first, last + 1))
    chars.update("\n\t")  # in the Typst source around the text, never drawn
    return frozenset(chars)


@cache
def cut_fonts(full: Fonts) -> Fonts | None:
    """The cut of ``full`` (made now if the cache lacks it), or None when it cannot be had: no
    HarfBuzz binding, no writable cache directory, fonts not found in the expected faces."""
    try:
        import uharfbuzz  # noqa: F401  (only to know the cut can be made)
    except ImportError:
        return None
    faces = _faces(full)
    if faces is None:
        return None
    characters = cut_characters()
    try:
        folder = _cache_folder(faces)
        for name, (path, index) in faces.items():
            target = folder / f"{name}.otf"
            if not _readable(target):
                _write_cut(Path(path), index, characters, target)
    except OSError:
        return None
    return Fonts((str(folder),), full.serif, full.sans, characters)


def _faces(full: Fonts) -> dict[str, tuple[str, int]] | None:
    """The file and face index of each family and weight the disclosure uses, by the names Typst
    reads in them (the Simplified Chinese face of each collection)."""
    import typst

    found: dict[str, tuple[str, int]] = {}
    listing = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=list(full.paths))
    for info in listing.fonts():
        if info.family in (full.serif, full.sans) and info.weight in _WEIGHTS and info.style == "normal":
            found.setdefault(f"{info.family}-{info.weight}", (str(info.path), int(info.index)))
    wanted = {f"{family}-{weight}" for family in (full.serif, full.sans) for weight in _WEIGHTS}
    return found if set(found) == wanted else None


def _cache_folder(faces: dict[str, tuple[str, int]]) -> Path:
    """The folder of the cut for these font files as they are now (their size and time name it)."""
    import uharfbuzz

    key = hashlib.sha256(f"{CUT_VERSION} {uharfbuzz.__version__}".encode())
    for name, (path, index) in sorted(faces.items()):
        stat = os.stat(path)
        key.update(f"{name} {path} {index} {stat.st_size} {stat.st_mtime_ns}".encode())
    base = Path(
        os.environ.get("YUSUAN_CACHE_DIR")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "yusuan"
    )
    folder = base / "fonts" / key.hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _readable(path: Path) -> bool:
    """Whether ``path`` holds a font (a cut left empty or damaged by something else is made again)."""
    from yusuan.render.font_metrics import read_glyph_widths  # it imports this module

    return path.is_file() and read_glyph_widths(path) is not None


def _write_cut(source: Path, index: int, characters: frozenset[str], target: Path) -> None:
    """Face ``index`` of ``source`` cut to ``characters``, written whole or not at all (processes
    making the same cut at once each replace the file with identical bytes)."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(source)), index)
    request = hb.SubsetInput()
    for char in characters:
        request.unicode_set.add(ord(char))
    cut = hb.subset(face, request)
    if cut is None:
        raise OSError(f"无法裁剪字体 {source}")
    data = bytes(cut.blob.data)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}")
    try:
        with temporary.open("xb") as file:  # permissions as the umask says, like every file we write
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
