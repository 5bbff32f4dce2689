"""How classification codes are written: 7 digits inside, '208 01 01' in Henan tables."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-._/]+")


def normalize_code(text: str | int) -> str:
    """Strip separators from a written code: '208 01 01' → '2080101'.

    Raises ValueError when what remains is not digits.
    """
    s = _SEPARATORS.sub("", str(text).strip())
    if not s.isdigit():
        raise ValueError(f"编码应为数字：{text!r}")
    return s


def split_function_code(code: str) -> tuple[str, ...]:
    """'2080101' → ('208', '01', '01'); '20801' → ('208', '01'); '208' → ('208',)."""
    parts = [code[:3]]
    if len(code) >= 5:
        parts.append(code[3:5])
    if len(code) >= 7:
        parts.append(code[5:7])
    return tuple(parts)


def format_function_code(code: str) -> str:
    """Function code as the Henan template prints it: '2080101' → '208 01 01'."""
    return " ".join(split_function_code(code))


def split_econ_code(code: str) -> tuple[str, ...]:
    """'30101' → ('301', '01'); '301' → ('301',)."""
    return (code[:3], code[3:5]) if len(code) >= 5 else (code[:3],)
