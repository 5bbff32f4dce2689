"""Reading indicator values (指标值) and classifying indicators (一级/二级指标).

``parse_target`` turns what a form says — '≥90%', '≥90 ％', '≤2 小时', '6.1万人以上',
'不超过5天', '1330元', '不发生' — into a ``Target``. It never raises and never guesses: a value
that mixes a number with words it cannot read safely ('约50人', '90%-95%', '≥90%以上左右')
is kept as a qualitative target with a Chinese ``warning`` saying why.
"""

from __future__ import annotations

import re
from decimal import Decimal

from yusuan.ledger.model import Indicator, IndicatorLevel1
from yusuan.performance.targets import Direction, Target

# ---------------------------------------------------------------------------
# parse_target

#: full-width and look-alike characters folded before parsing (``Target.text`` keeps the original)
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},  # ０-９
        "％": "%",
        "﹪": "%",
        "．": ".",
        "，": ",",
        "＞": ">",
        "＜": "<",
        "＝": "=",
        "≧": "≥",
        "≦": "≤",
        "⩾": "≥",
        "⩽": "≤",
        "≮": "≥",
        "≯": "≤",
        "−": "-",  # U+2212 minus sign
        "＋": "+",
        "－": "-",
    }
)

#: comparison symbols, longest first so that '>=' wins over '>'
_SYMBOLS: tuple[tuple[str, Direction], ...] = (
    (">=", Direction.AT_LEAST),
    ("=>", Direction.AT_LEAST),
    ("<=", Direction.AT_MOST),
    ("=<", Direction.AT_MOST),
    ("==", Direction.EQUAL),
    ("≥", Direction.AT_LEAST),
    ("≤", Direction.AT_MOST),
    ("=", Direction.EQUAL),
    (">", Direction.GREATER),
    ("<", Direction.LESS),
)

#: comparison words written before the number ('不超过5天'), longest first
_PREFIX_WORDS: tuple[tuple[str, Direction], ...] = (
    ("不低于", Direction.AT_LEAST),
    ("不少于", Direction.AT_LEAST),
    ("不小于", Direction.AT_LEAST),
    ("不超过", Direction.AT_MOST),
    ("不高于", Direction.AT_MOST),
    ("不大于", Direction.AT_MOST),
    ("不多于", Direction.AT_MOST),
    ("至少", Direction.AT_LEAST),
    ("至多", Direction.AT_MOST),
    ("大于", Direction.GREATER),
    ("高于", Direction.GREATER),
    ("多于", Direction.GREATER),
    ("超过", Direction.GREATER),
    ("小于", Direction.LESS),
    ("低于", Direction.LESS),
    ("少于", Direction.LESS),
)

#: comparison words written after the number ('6.1万人以上'), longest first
_SUFFIX_WORDS: tuple[tuple[str, Direction], ...] = (
    ("及以上", Direction.AT_LEAST),
    ("及以下", Direction.AT_MOST),
    ("以上", Direction.AT_LEAST),
    ("以下", Direction.AT_MOST),
    ("以内", Direction.AT_MOST),
)

#: words that make a number approximate; such a value is never read as a target
_HEDGES = ("左右", "大约", "大概", "约", "近", "上下", "差不多", "力争", "争取")


def _words(text: str) -> frozenset[str]:
    """A vocabulary written as space-separated words (easier to read than a long set literal)."""
    return frozenset(text.split())


#: counting and measuring units a value may end with ('%' also stands for '％' and '﹪')
BASE_UNITS = _words(
    "% ‰ 个百分点 百分点 "
    "人 人次 人/次 名 位 户 家 所 座 处 间 村 镇 街道 社区 班 门 "
    "元 元/人 元/人次 元/人/月 元/人·月 元/月 元/年 元/人/年 元/人·年 元/亩 元/次 元/户 万元/年 万元/个 万元/公里 "
    "小时 分钟 秒 天 日 工作日 个工作日 周 个月 月 年 课时 学时 "
    "个 次 条 项 套 台 辆 场 期 批 件 份 篇 册 本 部 页 起 例 宗 笔 张 只 头 株 棵 个点 "
    "亩 公顷 平方米 平方公里 立方米 米 公里 千米 吨 公斤 千克 分 岁 "
    "km m m² m2 ㎡ kg t h"
)
#: units that may carry a magnitude (万/亿/千/百): '万人', '万元', '亿元', '万人次', '万亩' …
_SCALABLE = _words(
    "人 人次 元 户 亩 吨 个 次 件 册 份 条 家 套 株 棵 头 只 公顷 平方米 平方公里 立方米 公里 千米 千克 公斤"
)
#: every unit a quantitative value may end with
UNITS = BASE_UNITS | {m + u for m in "万亿千百" for u in _SCALABLE}

_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")


def parse_target(text: str) -> Target:
    """Read a written 指标值 into a ``Target``; never raises.

    A number with an optional comparison (symbol before it, or a word such as 不超过 before
    it / 以上 after it) and an optional known unit becomes a quantitative target; a bare
    number is ``Direction.EQUAL``. Words without any digit or comparison symbol ('不发生',
    '按月足额', '提升') are an ordinary qualitative target. Anything else is kept as a
    qualitative target carrying a ``warning`` that says what could not be read.
    """
    compact = _SPACES.sub("", text.translate(_FOLD))
    if not compact:
        return Target(text, Direction.QUALITATIVE, warning="指标值为空，已按定性指标保留，请填写指标值")
    if not _DIGIT.search(compact):
        if any(symbol in compact for symbol, _d in _SYMBOLS):
            return _kept(text, "有比较符但没有数值")
        return Target(text, Direction.QUALITATIVE)
    return _parse_quantity(text, *_take_prefix(compact))


def render_target(target: Target) -> str:
    """The value as it was written (``parse_target`` keeps the original text)."""
    return target.text


def _parse_quantity(text: str, direction: Direction | None, rest: str) -> Target:
    """Read '<number><unit><suffix word>' after an optional comparison already taken off."""
    if hedge := next((h for h in _HEDGES if h in rest), None):
        return _kept(text, f"含有约数词「{hedge}」，不是确定的目标值")
    number = _NUMBER.match(rest)
    if number is None:
        return _kept(text, f"数值前有无法识别的文字「{_leading_words(rest)}」")
    tail = rest[number.end() :]
    if tail[:1] in {",", "."}:
        return _kept(text, f"数值「{rest}」的写法无法识别")
    if _DIGIT.search(tail):
        return _kept(text, "含有多个数值（可能是区间或复合目标），无法确定一个目标值")
    unit, word_direction = _split_suffix(tail)
    if unit and unit not in UNITS:
        return _kept(text, f"无法识别单位或文字「{tail}」")
    if direction is not None and word_direction is not None and direction is not word_direction:
        return _kept(text, f"比较符「{direction.value}」与「{tail[len(unit) :]}」的方向不一致")
    final = direction or word_direction or Direction.EQUAL
    return Target(text, final, Decimal(number.group().replace(",", "")), unit)


def _take_prefix(compact: str) -> tuple[Direction | None, str]:
    """Take a leading comparison symbol or word off; return its direction and the rest."""
    for token, direction in (*_SYMBOLS, *_PREFIX_WORDS):
        if compact.startswith(token):
            return direction, compact[len(token) :]
    return None, compact


def _split_suffix(tail: str) -> tuple[str, Direction | None]:
    """Split 'unit + 以上/以下' into the unit and the direction of the trailing word."""
    for word, direction in _SUFFIX_WORDS:
        if tail.endswith(word):
            return tail[: -len(word)], direction
    return tail, None


def _leading_words(rest: str) -> str:
    """The text before the first digit (for a warning)."""
    match = _DIGIT.search(rest)
    return rest[: match.start()] if match else rest


def _kept(text: str, reason: str) -> Target:
    """A value that could not be read safely, kept as written as a qualitative target."""
    return Target(text, Direction.QUALITATIVE, warning=f"指标值「{text.strip()}」{reason}，已按定性指标保留，请核对")


# ---------------------------------------------------------------------------
# 一级/二级指标

_LEVEL1_ALIASES: dict[str, IndicatorLevel1] = {
    **{level.value: level for level in IndicatorLevel1},
    **{level.value.removesuffix("指标"): level for level in IndicatorLevel1},
}


def normalize_level1(text: str | IndicatorLevel1) -> IndicatorLevel1:
    """'成本指标' or '成本' → ``IndicatorLevel1.COST`` (and so on); ``ValueError`` if unknown."""
    if isinstance(text, IndicatorLevel1):
        return text
    level = _LEVEL1_ALIASES.get(_SPACES.sub("", text))
    if level is None:
        known = "、".join(level.value for level in IndicatorLevel1)
        raise ValueError(f"一级指标「{text}」不在 {known} 之中")
    return level


#: 二级指标 vocabulary (财预〔2021〕101号 and the 10号 自评 list)
LEVEL2 = (
    "数量指标",
    "质量指标",
    "时效指标",
    "经济成本指标",
    "社会成本指标",
    "生态环境成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
)
#: level-2 names that make an indicator a cost indicator (with '成本指标' from older templates)
COST_LEVEL2 = frozenset({"经济成本指标", "社会成本指标", "生态环境成本指标", "成本指标"})
_LEVEL2_ALIASES = {name: name for name in LEVEL2} | {name.removesuffix("指标"): name for name in LEVEL2}


def normalize_level2(text: str) -> str | None:
    """'数量' or '数量指标' → '数量指标'; None when not in ``LEVEL2`` (e.g. 14表's '绩效管理')."""
    return _LEVEL2_ALIASES.get(_SPACES.sub("", text))


def is_cost(indicator: Indicator) -> bool:
    """A cost indicator: 一级 成本, a cost 二级 (also under 产出 in older templates), or 成本 in its name."""
    level2 = _SPACES.sub("", indicator.level2)
    cost_level2 = level2 in COST_LEVEL2 or f"{level2}指标" in COST_LEVEL2
    return indicator.level1 is IndicatorLevel1.COST or cost_level2 or "成本" in indicator.name


_SCORING_GROUP = {
    IndicatorLevel1.COST: "output",
    IndicatorLevel1.OUTPUT: "output",
    IndicatorLevel1.BENEFIT: "benefit",
    IndicatorLevel1.SATISFACTION: "satisfaction",
    IndicatorLevel1.INPUT_MANAGEMENT: "input",
}


def level1_for_scoring(indicator: Indicator) -> str:
    """The 财预〔2020〕10号 weight group: 'output', 'benefit', 'satisfaction' or 'input'.

    10号 weights 产出 50 / 效益 30 / 满意度 10 and has no separate 成本 weight, and older
    templates list 成本 under 产出, so cost indicators (by 一级 or a cost 二级) score as output.
    """
    level2 = _SPACES.sub("", indicator.level2)
    if level2 in COST_LEVEL2 or f"{level2}指标" in COST_LEVEL2:
        return "output"
    return _SCORING_GROUP[indicator.level1]


#: indicator names that measure budget execution, which self-evaluation scores separately
EXECUTION_RATE_NAMES = frozenset({"预算执行率", "资金到位率", "资金拨付率", "支付进度", "支付进度率", "资金支付进度"})
_TRAILING_NOTE = re.compile(r"[（(][^）)]*[）)]$")


def is_execution_rate(indicator: Indicator | str) -> bool:
    """Whether the indicator (or name) is 预算执行率 / 资金到位率 / 资金拨付率 / 支付进度.

    A trailing note in brackets ('预算执行率（%）') is ignored.
    """
    name = indicator if isinstance(indicator, str) else indicator.name
    return _TRAILING_NOTE.sub("", _SPACES.sub("", name)) in EXECUTION_RATE_NAMES
