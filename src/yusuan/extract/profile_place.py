"""Stage 4 of the profile reader: placing a row's values in the columns that make its identities hold.

Rows left with several equally good placements are settled by their parent row's column sums
(``_settle``); ``Extraction`` keeps what the reading found beside the tables.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass, field

from yusuan.extract.assign import place_values
from yusuan.extract.profile_regions import TableRegion
from yusuan.extract.profile_rows import ParsedRow
from yusuan.extract.profile_tokens import Token
from yusuan.ledger.model import PERSONNEL_ECON_CLASSES
from yusuan.tables.model import Cell
from yusuan.tables.profile import Profile, TableSpec


@dataclass(slots=True)
class _Placed:
    row: ParsedRow
    options: list[dict[str, Token]]  # equally good placements: column → token
    held: int
    checked: int
    #: children settled against one of this row's placements, by the placement's id: (the placement
    #: and the children's option lists then, both kept alive so that their ids stay theirs; the score;
    #: the children's choice)
    tried: dict[
        int, tuple[dict[str, Token], list[list[dict[str, Token]]], tuple[int, int], list[list[dict[str, Token]]]]
    ] = field(default_factory=dict)
    #: the options' column vectors for the settling, with the option list and columns they were made for
    vectors: tuple[list[dict[str, Token]], tuple[str, ...], list[list[int]]] | None = None


def _place(
    row: ParsedRow, columns: tuple[str, ...], identities: tuple[str, ...], allowed: set[str] | None = None
) -> _Placed:
    """Place a row's values; ``allowed`` (when known from the row's own codes) are the columns that may hold them."""
    values = tuple(t.fen for t in row.values)
    placements, held, checked = place_values(values, columns, identities)
    options: list[dict[str, Token]] = []
    seen: set[tuple[tuple[str, int], ...]] = set()
    for slots in placements:
        mapping = {columns[c]: row.values[v] for c, v in enumerate(slots) if v is not None}
        signature = tuple(sorted((c, t.fen) for c, t in mapping.items() if t.fen))
        if signature not in seen:
            seen.add(signature)
            options.append(mapping)
    if allowed is not None and len(options) > 1:
        fitting = [o for o in options if all(c in allowed for c, t in o.items() if t.fen)]
        options = fitting or options
    return _Placed(row, options or [{}], held, checked)


def _allowed_columns(spec: TableSpec, profile: Profile, econ: str) -> set[str]:
    """Columns whose selector admits a fact with this 部门经济分类 (basic spending: 人员 301/303, else 公用)."""
    cost = "personnel" if econ[:3] in PERSONNEL_ECON_CLASSES else "public"
    out = set()
    for col in spec.columns:
        where = col.where or {}
        if "cost" in where and where["cost"] != cost:
            continue
        if "econ_class" in where and econ[:3] not in where["econ_class"]:
            continue
        if "econ" in where and econ not in where["econ"]:
            continue
        if "econ_set" in where and not any(econ in profile.econ_sets[s] for s in where["econ_set"]):
            continue
        out.add(col.column.key)
    return out


def _step(option: dict[str, Token]) -> int:
    """The printed rounding step in fen (0.01 万元 = 10 000 fen), from the finest decimals printed."""
    decimals = max((len(t.text.partition(".")[2]) for t in option.values() if t.fen), default=2)
    return 1_000_000 // 10 ** min(decimals, 6)


def _trials(
    parent: _Placed, children: list[_Placed], columns: tuple[str, ...]
) -> list[tuple[tuple[int, int], list[list[dict[str, Token]]]]]:
    """Settle the children against each of the parent's placements in turn, leaving them as they
    were: per placement, (columns that do not add up, total distance) and the children's choice."""
    saved = [c.options for c in children]
    out = []
    for option in parent.options:
        out.append(_settle_once(parent, option, children, columns))
        for child, options in zip(children, saved, strict=True):
            child.options = options
    return out


def _settle_once(
    parent: _Placed, option: dict[str, Token], children: list[_Placed], columns: tuple[str, ...]
) -> tuple[tuple[int, int], list[list[dict[str, Token]]]]:
    """Settle the children against one placement of the parent, or replay the same settling done
    before (a unit row is tried when its placements are narrowed, and again when it is settled)."""
    before = [c.options for c in children]
    known = parent.tried.get(id(option))
    if known is not None and known[0] is option and all(a is b for a, b in zip(known[1], before, strict=True)):
        for child, options in zip(children, known[3], strict=True):
            child.options = options
        return known[2], known[3]
    score = _settle_children(option, children, columns)
    choice = [c.options for c in children]
    parent.tried[id(option)] = (option, before, score, choice)
    return score, choice


def _settle(parent: _Placed, children: list[_Placed], columns: tuple[str, ...]) -> None:
    """Choose among the parent's and the children's equally good placements the ones that add up.

    The parent's own options are tried in turn (a total row may be as ambiguous as its units).
    """
    if len(parent.options) <= 1:
        if parent.options:
            _settle_once(parent, parent.options[0], children, columns)
        else:
            _settle_children({}, children, columns)
        return
    trials = _trials(parent, children, columns)
    best = min(range(len(trials)), key=lambda k: trials[k][0])
    parent.options = [parent.options[best]]
    for child, options in zip(children, trials[best][1], strict=True):
        child.options = options


def _keep_summable(parent: _Placed, children: list[_Placed], columns: tuple[str, ...]) -> None:
    """Drop the parent's placements its children cannot add up to as well as the best one."""
    if len(parent.options) <= 1:
        return
    scores = [score for score, _choice in _trials(parent, children, columns)]
    parent.options = [o for o, score in zip(parent.options, scores, strict=True) if score == min(scores)]


def _settle_children(
    target_option: dict[str, Token], children: list[_Placed], columns: tuple[str, ...]
) -> tuple[int, int]:
    index = {c: k for k, c in enumerate(columns)}
    target = [0] * len(columns)
    for col, tok in target_option.items():
        target[index[col]] += tok.fen
    # each printed child is rounded on its own, so a parent may differ from their sum by the tail (尾差)
    tolerance = len(children) * _step(target_option) // 2

    def vector(option: dict[str, Token]) -> list[int]:
        out = [0] * len(columns)
        for col, tok in option.items():
            out[index[col]] += tok.fen
        return out

    def vectors_of(child: _Placed) -> list[list[int]]:
        # a unit's children are settled once per placement of the unit: their vectors are kept
        kept = child.vectors
        if kept is not None and kept[0] is child.options and kept[1] == columns:
            return kept[2]
        out = [vector(o) for o in child.options]
        child.vectors = (child.options, columns, out)
        return out

    fixed = [0] * len(columns)
    for child in children:
        if len(child.options) == 1:
            fixed = [a + b for a, b in zip(fixed, vectors_of(child)[0], strict=True)]
    ambiguous = [c for c in children if len(c.options) > 1]
    vectors = [vectors_of(c) for c in ambiguous]

    def gap(sums: list[int] | tuple[int, ...]) -> tuple[int, int]:
        """(columns that do not add up, total distance): smaller is better."""
        diffs = [abs(a - b) for a, b in zip(sums, target, strict=True)]
        return sum(1 for d in diffs if d > tolerance), sum(diffs)

    def misses(choice: tuple[int, ...]) -> tuple[int, int]:
        sums = list(fixed)
        for k, option in enumerate(choice):
            sums = [a + b for a, b in zip(sums, vectors[k][option], strict=True)]
        return gap(sums)

    def keep(choice: tuple[int, ...] | list[int]) -> tuple[int, int]:
        for child, k in zip(ambiguous, choice, strict=True):
            child.options = [child.options[k]]
        return misses(tuple(choice))

    if not ambiguous:
        return gap(fixed)
    space = 1
    for c in ambiguous:
        space *= len(c.options)
    if space <= 256:
        # every combination, in product order; the first with the fewest misses wins
        best_choice: tuple[int, ...] = ()
        best_score: tuple[int, int] | None = None
        choices = itertools.product(*(range(len(c.options)) for c in ambiguous))
        for combination, rows in zip(choices, itertools.product(*vectors), strict=True):
            score = gap(list(map(operator.add, fixed, map(sum, zip(*rows, strict=True)))))
            if best_score is None or score < best_score:
                best_choice, best_score = combination, score
        return keep(best_choice)
    # too many to try together: dynamic programming over the partial column sums, which
    # can only grow (amounts are never negative), so a sum past its target (and tail) is dropped
    remaining = [t - f + tolerance for t, f in zip(target, fixed, strict=True)]
    # only the columns where some row's options differ can tell choices apart: the states
    # track those; the others add the same whatever is chosen
    width = range(len(columns))
    varying = [j for j in width if any(len({vec[j] for vec in options}) > 1 for options in vectors)]
    settled = [fixed[j] + sum(options[0][j] for options in vectors) for j in width]
    fits = all(r >= 0 for r in remaining) and all(
        settled[j] - fixed[j] <= remaining[j] for j in width if j not in varying
    )
    if fits:
        limits = [remaining[j] + fixed[j] for j in varying]
        # a sum that the rows still to come cannot lift to its target (less the tail) is dropped too
        reach = [0] * len(varying)
        floors: list[list[int]] = []
        for options in reversed(vectors):
            floors.append([target[j] - tolerance - r for j, r in zip(varying, reach, strict=True)])
            reach = [r + max(vec[j] for vec in options) for j, r in zip(varying, reach, strict=True)]
        floors.reverse()
        states: dict[tuple[int, ...], tuple[int, ...]] = {tuple(fixed[j] for j in varying): ()}
        for options, floor in zip(vectors, floors, strict=True):
            steps = [tuple(vec[j] for j in varying) for vec in options]
            grown: dict[tuple[int, ...], tuple[int, ...]] = {}
            for sums, picked in states.items():
                for k, step in enumerate(steps):
                    new = tuple(map(operator.add, sums, step))  # map: this loop is the audit's hottest
                    if new not in grown and all(map(operator.le, new, limits)) and all(map(operator.ge, new, floor)):
                        grown[new] = (*picked, k)
            states = grown
            if not states or len(states) > 100_000:
                break
        else:

            def whole(sums: tuple[int, ...]) -> list[int]:
                out = list(settled)
                for j, value in zip(varying, sums, strict=True):
                    out[j] = value
                return out

            sums_found = min(states, key=lambda sums: gap(whole(sums)))
            if gap(whole(sums_found))[0] == 0:
                return keep(states[sums_found])
    # no way within the tail: improve one row at a time while the distance shrinks
    choice = [0] * len(ambiguous)
    totals = list(fixed)
    for options in vectors:
        totals = [a + b for a, b in zip(totals, options[0], strict=True)]
    current = gap(totals)
    for _ in range(4):
        improved = False
        for n, options in enumerate(vectors):
            others = [a - b for a, b in zip(totals, options[choice[n]], strict=True)]  # every row but n
            for k, vec in enumerate(options):
                trial = [a + b for a, b in zip(others, vec, strict=True)]
                if gap(trial) < current:
                    choice[n], totals, current, improved = k, trial, gap(trial), True
        if not improved:
            break
    return keep(choice)


def _amount_columns(spec: TableSpec) -> tuple[str, ...]:
    return tuple(c.column.key for c in spec.columns if c.column.type == "amount")


def _row_identities(spec: TableSpec) -> tuple[str, ...]:
    return tuple(spec.raw.get("row_identities", []))


@dataclass(slots=True)
class Extraction:
    """What extraction found, beside the tables: for the report and the checks."""

    regions: dict[str, TableRegion] = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)  # unit code → name as printed
    project_targets: dict[str, list[Token]] = field(default_factory=dict)  # 预算15表 project → its target tokens
    #: rows whose values fit several columns equally well: (table number, row key, the candidate cells)
    ambiguous: list[tuple[str, tuple[str, ...], list[dict[str, Cell]]]] = field(default_factory=list)
    #: every placement a row's own arithmetic allowed, before the parents' sums chose one:
    #: (table number, row key) → candidate cells; lets the audit move a whole table consistently
    alternatives: dict[tuple[str, tuple[str, ...]], list[dict[str, Cell]]] = field(default_factory=dict)


def _cells_from(option: dict[str, Token]) -> dict[str, Cell]:
    return {col: Cell(tok.fen, tok.location(), certain=not tok.doubt) for col, tok in option.items()}


def _note_alternatives(found: Extraction, number: str, key: tuple[str, ...], options: list[dict[str, Token]]) -> None:
    if len(options) > 1:
        found.alternatives[(number, key)] = [_cells_from(o) for o in options]
