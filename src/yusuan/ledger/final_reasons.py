"""The ledger's 决算变动原因: which compared figure of the 决算 a row names, and whether the 说明
makes that comparison of it (``records.assemble`` calls this with the rows it has read)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from yusuan.ledger.limits import shown
from yusuan.ledger.model import (
    FINAL_COMPARISONS,
    FINAL_ITEM,
    FinalReason,
    Origin,
    final_comparisons,
    final_subject_name,
)
from yusuan.ledger.schema import FINAL_COMPARISON_BY_WORD, FINAL_SUBJECT_BY_NAME, SECTION_BY_KEY

if TYPE_CHECKING:
    from yusuan.ledger.records import RawRecord


def _s(v: object) -> str:
    return "" if v is None else str(v)


#: what a name may differ by from the 说明's and still be the same figure
_LOOSE = str.maketrans({"(": "（", ")": "）", "“": None, "”": None, '"': None, "‘": None, "’": None, "'": None})
#: a 项 as the 说明 names it: 综合业务管理（2080104）
_NAMED_ITEM = re.compile(r".*（(\d{7})）")


def _loose(text: str) -> str:
    return "".join(text.split()).translate(_LOOSE)


_FINAL_SUBJECT_BY_LOOSE_NAME = {_loose(name): subject for name, subject in FINAL_SUBJECT_BY_NAME.items()}


def final_subject(text: str) -> str | None:
    """The compared figure a 决算变动原因 names: by its name in the 说明 (spaces, quote marks and
    bracket widths aside) or its key, or a 功能分类 项 by its 7-digit code (also as
    ``gpb.item.2080104`` or 综合业务管理（2080104）); None when it names none."""
    loose = _loose(text)
    if loose in _FINAL_SUBJECT_BY_LOOSE_NAME:
        return _FINAL_SUBJECT_BY_LOOSE_NAME[loose]
    if loose in FINAL_SUBJECT_BY_NAME.values():
        return loose
    named = _NAMED_ITEM.fullmatch(loose)
    code = named.group(1) if named else loose.removeprefix(FINAL_ITEM)
    return FINAL_ITEM + code if code.isdigit() and len(code) == 7 else None


def final_reasons_of(
    rows: list[tuple[dict[str, object], RawRecord]], fail: Callable[[str, Origin], None]
) -> tuple[FinalReason, ...]:
    """The 决算变动原因 rows: each names a figure the 说明 compares in the way it compares it, once
    per unit (or for the department)."""
    spec = SECTION_BY_KEY["final_reasons"]
    out: list[FinalReason] = []
    seen: set[tuple[str, str, str]] = set()
    for v, r in rows:
        comparison = FINAL_COMPARISON_BY_WORD[_s(v["comparison"])]
        subject = final_subject(_s(v["subject"]))
        if subject is None:
            named = "".join(f"「{name}」" for name in FINAL_SUBJECT_BY_NAME)
            fail(
                f"「{spec.field('subject').header}」的值「{shown(_s(v['subject']))}」无效，应为说明中比较的项目：{named}；"
                "或功能分类科目“项”的7位编码（如 2080101）",
                r.where("subject"),
            )
            continue
        allowed = final_comparisons(subject)
        if comparison not in allowed:
            words = "、".join(FINAL_COMPARISONS[c] for c in allowed)
            fail(
                f"说明中「{final_subject_name(subject)}」只与{words}比较，不与{FINAL_COMPARISONS[comparison]}比较："
                f"「{spec.field('comparison').header}」应为 {words}",
                r.where("comparison"),
            )
            continue
        key = (_s(v["unit"]), comparison, subject)
        if key in seen:
            whose = f"单位 {key[0]} " if key[0] else "全部门"
            fail(
                f"{whose}“比较={FINAL_COMPARISONS[comparison]}，项目={final_subject_name(subject)}”的原因重复，只能写一行",
                r.where("subject"),
            )
            continue
        seen.add(key)
        out.append(FinalReason(comparison, subject, _s(v["reason"]), _s(v["unit"]), r.origin))
    return tuple(out)
