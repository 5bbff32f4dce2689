"""Emptying the Typst compiler's memo cache after each PDF, so a long-lived process stays small.

Typst memoizes layout work in a process-wide cache (the ``comemo`` crate) that only its
``comemo::evict`` empties. The typst command line calls it after every compile; the Python binding
never does and offers no way to, so every PDF a process typesets stays in memory: a web server or
a batch worker grows by ~50-80 MB per document, to ~1 GB after twenty.

The function is in the binding's own library, only not exported. It is found by name in the
library's ELF symbol table, and its address is taken relative to the module's exported
``PyInit__typst``, whose table entry gives the library's load address. ``evict(max_age: usize)``
takes one integer, which the Rust and C conventions pass alike on x86-64 and AArch64. Anything
unexpected (another platform, a stripped library, two candidate symbols) leaves eviction
unavailable, and callers fall back to replacing worker processes (``yusuan.executors``);
``YUSUAN_TYPST_EVICT=0`` turns it off.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import platform
import struct
from collections.abc import Callable
from functools import cache
from pathlib import Path

#: the v0-mangled path of ``comemo::memoize::evict`` ends with this (the crate's hash comes before it)
_EVICT_SUFFIX = b"6comemo7memoize5evict\x00"
_INIT_NAME = b"PyInit__typst\x00"
_SHT_SYMTAB = 2
_STT_FUNC = 2
_SYMBOL = struct.Struct("<IBBHQQ")  # Elf64_Sym: name, info, other, shndx, value, size
_SECTION = struct.Struct("<IIQQQQIIQQ")  # Elf64_Shdr


def evict_typst_cache() -> bool:
    """Drop everything Typst has memoized (nothing of it is needed for the next document) and give
    the freed memory back to the system; False when eviction is unavailable here."""
    evict = _evictor()
    if evict is None:
        return False
    evict(0)
    trim = _malloc_trim()
    if trim is not None:
        trim(0)  # glibc keeps freed pages otherwise, and the process looks as large as before
    return True


def eviction_available() -> bool:
    """Whether :func:`evict_typst_cache` can empty the cache in this process."""
    return _evictor() is not None


def typeset_in_one_thread() -> None:
    """Let Typst lay out with one thread in this process (unless ``RAYON_NUM_THREADS`` says otherwise).

    For batch workers: they already typeset one document per core, so Typst's own layout threads
    add no speed, only memory (each thread's allocations stay in an arena of its own). Measured
    on the largest generated department: peak 293 MB with one thread against ~308 MB with two.
    Takes effect if called before this process typesets its first document."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")


#: a batch worker whose resident set after a document exceeds this is replaced before its next one.
#: Even with the cache emptied, typesetting leaves a process's heap fragmented by the largest
#: document it has typeset: ~140 MB after small departments, 220-320 MB after the largest, and the
#: next large one starts from there (a worker peaked at 411 MB over 1,000 departments without this).
WORKER_MEMORY_MB = 250


def worker_document_limit() -> int | None:
    """How many PDFs a batch worker process may typeset before it is replaced by a fresh one: no
    limit when the cache is emptied after each, else one (each PDF would stay in its memory).

    Measured on 1,000 generated departments with the fonts cut (``benchmarks/batch.py``): see
    that benchmark's output for the peak of a worker either way."""
    return None if eviction_available() else 1


@cache
def _evictor() -> Callable[[int], None] | None:
    if os.environ.get("YUSUAN_TYPST_EVICT", "1") == "0":
        return None
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "aarch64"):
        return None
    try:
        from typst import _typst  # type: ignore[attr-defined]

        library = Path(_typst.__file__)
        offsets = symbol_values(library, (_EVICT_SUFFIX, _INIT_NAME))
    except (ImportError, OSError):
        return None
    if offsets is None:
        return None
    evict_offset, init_offset = offsets
    loaded = ctypes.CDLL(str(library))
    init_address = ctypes.cast(loaded.PyInit__typst, ctypes.c_void_p).value
    if not init_address:
        return None
    base = init_address - init_offset
    return ctypes.CFUNCTYPE(None, ctypes.c_size_t)(base + evict_offset)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc
        return None


def symbol_values(library: Path, names: tuple[bytes, bytes]) -> tuple[int, int] | None:
    """The values (offsets from the load address) of the one function symbol ending with
    ``names[0]`` and of the function named exactly ``names[1]`` in the ELF file ``library``; None
    unless both are found once (a stripped, damaged or other kind of file)."""
    try:
        return _symbol_values(library, names)
    except (ValueError, IndexError, struct.error):  # damaged: offsets and sizes past the file's end
        return None


def _symbol_values(library: Path, names: tuple[bytes, bytes]) -> tuple[int, int] | None:
    with library.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:  # 64-bit, little-endian
            return None
        section_offset = struct.unpack_from("<Q", data, 0x28)[0]
        entry_size, count = struct.unpack_from("<HH", data, 0x3A)
        sections = [_SECTION.unpack_from(data, section_offset + i * entry_size) for i in range(count)]
        tables = [s for s in sections if s[1] == _SHT_SYMTAB]
        if len(tables) != 1:
            return None  # stripped: no full symbol table
        symtab = tables[0]
        strtab = sections[symtab[6]]
        strings_at, strings_size = strtab[4], strtab[5]
        wanted = {}
        for index, name in enumerate(names):
            found = _name_offsets(data, strings_at, strings_size, name, suffix=index == 0)
            if len(found) != 1:
                return None
            wanted[found[0]] = index
        values: dict[int, list[int]] = {0: [], 1: []}
        for name_offset, info, _other, _shndx, value, _size in _SYMBOL.iter_unpack(
            data[symtab[4] : symtab[4] + symtab[5]]
        ):
            if name_offset in wanted and info & 0xF == _STT_FUNC and value:
                values[wanted[name_offset]].append(value)
        if len(values[0]) != 1 or len(values[1]) != 1:
            return None
        return values[0][0], values[1][0]


def _name_offsets(data: mmap.mmap, start: int, size: int, name: bytes, *, suffix: bool) -> list[int]:
    """Offsets (within the string table) of the names equal to ``name``, or ending with it."""
    found = []
    at = data.find(name, start, start + size)
    while at != -1:
        begin = max(start, data.rfind(b"\x00", start, at) + 1) if suffix else at
        if suffix or at == start or data[at - 1] == 0:
            found.append(begin - start)
        at = data.find(name, at + 1, start + size)
    return sorted(set(found))
