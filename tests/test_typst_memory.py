"""Typesetting many PDFs in one process stays small (issue 13 §5, Typst memory).

Two measures: Typst's memo cache is emptied after each document (``render.typst_cache``, the
compiler's own ``comemo::evict`` found in the binding's symbol table), and the fonts are a cached
GB 2312 cut of the Noto CJK faces (``render.fonts``), the full fonts for any other character.
Each is tested from a cold start (a fresh process, an empty cache folder) and against damage.
The memory figures themselves are in ``benchmarks/batch.py``.
"""

from __future__ import annotations

import os
import platform
import shutil
import stat
import subprocess
import sys
from multiprocessing import get_context
from pathlib import Path

import pytest

from yusuan.render import fonts, typst_cache
from yusuan.render.pdf import compile_typst

ROOT = Path(__file__).resolve().parents[1]
_CUT_FONTS = fonts.cut_fonts
SUPPORTED = platform.system() == "Linux" and platform.machine() in ("x86_64", "aarch64")


@pytest.fixture(autouse=True)
def _fonts_or_skip() -> None:
    try:
        fonts.find_fonts()
    except RuntimeError as exc:
        pytest.skip(str(exc))


def _run(code: str, **env: str) -> str:
    """``code`` run in a fresh Python process (nothing cached, nothing typeset yet); its output."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **env},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


# --------------------------------------------------------------------------- the memo cache


@pytest.mark.skipif(not SUPPORTED, reason="eviction is looked up on Linux x86-64 / AArch64 only")
def test_the_cache_can_be_emptied_before_and_after_typesetting_in_a_fresh_process():
    out = _run(
        "from yusuan.render import typst_cache as c\n"
        "from yusuan.render.pdf import compile_typst\n"
        "print(c.evict_typst_cache())\n"  # cold: nothing typeset, nothing cached yet
        "src = '#set text(font: \"Noto Sans CJK SC\")\\n预算公开 2025'\n"
        "a = compile_typst(src); print(c.evict_typst_cache()); b = compile_typst(src)\n"
        "print(a == b and a.startswith(b'%PDF'))\n"
    )
    assert out.split() == ["True", "True", "True"]


@pytest.mark.skipif(not SUPPORTED, reason="eviction is looked up on Linux x86-64 / AArch64 only")
def test_a_process_typesetting_documents_one_after_another_stops_growing():
    """Four different generated departments in one process: with eviction the resident set after
    the fourth is about what it was after the first; without, it grows with every document."""
    code = (
        "from yusuan.ledger.synth import department_seed, generate_budget\n"
        "from yusuan.outputs import build_disclosure\n"
        "from yusuan.render.pdf import render_pdf\n"
        "def rss(): return int(open('/proc/self/statm').read().split()[1]) * 4096 // 2**20\n"
        "sizes = []\n"
        "for i in (2, 3, 6, 8):\n"
        "    d = build_disclosure(generate_budget(department_seed(1, i)))\n"
        "    render_pdf(d.narrative, d.tables); sizes.append(rss())\n"
        "print(sizes[-1] - sizes[0])\n"
    )
    kept = int(_run(code, YUSUAN_TYPST_EVICT="0"))
    evicted = int(_run(code))
    assert kept > 60, kept  # each document stays: ~30-80 MB each
    assert evicted < kept / 3, (evicted, kept)


def test_eviction_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("YUSUAN_TYPST_EVICT", "0")
    typst_cache._evictor.cache_clear()
    try:
        assert typst_cache.evict_typst_cache() is False
        assert typst_cache.worker_document_limit() == 1  # batch workers are then replaced instead
    finally:
        typst_cache._evictor.cache_clear()


def test_symbols_are_looked_up_only_in_a_whole_unstripped_elf_library(tmp_path):
    from typst import _typst  # type: ignore[attr-defined]

    names = (b"6comemo7memoize5evict\x00", b"PyInit__typst\x00")
    library = Path(_typst.__file__)
    if SUPPORTED:
        assert typst_cache.symbol_values(library, names) is not None
    empty = tmp_path / "empty.so"
    empty.write_bytes(b"")
    text = tmp_path / "text.so"
    text.write_bytes(b"not a library at all\n" * 100)
    cut = tmp_path / "cut.so"
    cut.write_bytes(library.read_bytes()[:4096])  # section table past the end
    for damaged in (empty, text, cut):
        assert typst_cache.symbol_values(damaged, names) is None, damaged
    if shutil.which("strip"):
        stripped = tmp_path / "stripped.so"
        shutil.copy(library, stripped)
        subprocess.run(["strip", "--strip-all", str(stripped)], check=True)
        assert typst_cache.symbol_values(stripped, names) is None


# --------------------------------------------------------------------------- the cut fonts


def _cold_cut(folder: Path, monkeypatch: pytest.MonkeyPatch) -> fonts.Fonts | None:
    monkeypatch.setenv("YUSUAN_CACHE_DIR", str(folder))
    fonts.cut_fonts.cache_clear()
    return fonts.cut_fonts(fonts.find_fonts())


@pytest.fixture
def cold_cache(tmp_path, monkeypatch):
    yield tmp_path / "cache"
    _CUT_FONTS.cache_clear()  # the next test sees the user's own cache again (cut_fonts may be patched now)


def test_the_cut_is_made_once_in_an_empty_cache_and_then_reused(cold_cache, monkeypatch):
    cut = _cold_cut(cold_cache, monkeypatch)
    assert cut is not None and cut.paths[0].startswith(str(cold_cache))
    files = sorted(Path(cut.paths[0]).glob("*.otf"))
    assert len(files) == 4 and sum(f.stat().st_size for f in files) < 25 * 2**20
    assert all(stat.S_IMODE(f.stat().st_mode) & 0o044 for f in files)  # readable as the umask allows
    made = {f: f.stat().st_mtime_ns for f in files}
    again = _cold_cut(cold_cache, monkeypatch)
    assert again == cut and {f: f.stat().st_mtime_ns for f in files} == made


def test_a_damaged_cut_is_made_again(cold_cache, monkeypatch):
    cut = _cold_cut(cold_cache, monkeypatch)
    assert cut is not None
    victim = sorted(Path(cut.paths[0]).glob("*.otf"))[0]
    size = victim.stat().st_size
    victim.write_bytes(b"")
    assert _cold_cut(cold_cache, monkeypatch) == cut and victim.stat().st_size == size
    victim.write_bytes(b"\0" * 1000)
    assert _cold_cut(cold_cache, monkeypatch) == cut and victim.stat().st_size == size


def test_without_a_writable_cache_the_full_fonts_are_used(cold_cache, monkeypatch):
    cold_cache.parent.mkdir(parents=True, exist_ok=True)
    cold_cache.write_text("a file where the folder should be", encoding="utf-8")
    assert _cold_cut(cold_cache, monkeypatch) is None
    assert fonts.fonts_for("预算") == fonts.find_fonts()
    assert compile_typst('#set text(font: "Noto Sans CJK SC")\n预算').startswith(b"%PDF")


def _make_cut(folder: str) -> str:
    os.environ["YUSUAN_CACHE_DIR"] = folder
    cut = fonts.cut_fonts(fonts.find_fonts())
    return cut.paths[0] if cut else ""


def test_processes_making_the_cut_at_once_all_get_it_whole(cold_cache):
    with get_context("spawn").Pool(2) as pool:
        made = pool.map(_make_cut, [str(cold_cache)] * 2)
    assert made[0] and made[0] == made[1]
    assert not [p for p in Path(made[0]).iterdir() if p.name.startswith(".")]  # no temporary left
    assert all(fonts._readable(p) for p in Path(made[0]).glob("*.otf"))


def test_a_character_outside_the_cut_is_typeset_with_the_full_fonts(cold_cache, monkeypatch):
    cut = _cold_cut(cold_cache, monkeypatch)
    assert cut is not None
    common, rare = "焦作市解放区人力资源和社会保障局", "焦作市解放区人力资源和社会保障局堃"  # 堃: GBK, not GB 2312
    assert fonts.fonts_for(common) == cut
    assert fonts.fonts_for(rare) == fonts.find_fonts()


def test_the_cut_prints_the_same_text_as_the_full_fonts(cold_cache, monkeypatch, example_budget):
    """The example disclosure typeset with the cut and with the full fonts reads back the same."""
    import pypdfium2 as pdfium

    from yusuan.outputs import build_disclosure
    from yusuan.render.pdf import render_pdf

    def text(pdf: bytes) -> list[str]:
        document = pdfium.PdfDocument(pdf)
        return [page.get_textpage().get_text_range() for page in document]

    disclosure = build_disclosure(example_budget)
    assert _cold_cut(cold_cache, monkeypatch) is not None
    with_cut = render_pdf(disclosure.narrative, disclosure.tables)
    monkeypatch.setattr(fonts, "cut_fonts", lambda full: None)
    with_full = render_pdf(disclosure.narrative, disclosure.tables)
    assert with_cut != with_full and len(with_cut) < len(with_full) * 1.2
    assert text(with_cut) == text(with_full)
