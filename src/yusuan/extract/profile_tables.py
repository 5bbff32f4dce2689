"""The profile reader's last stage: building each table of the profile into a TableSet.

One builder per kind of table (pivot, two-sided, a single row of values, the performance
tables 预算14/15表); ``extract_tables`` runs them over every table located in the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from yusuan.extract.document import Document
from yusuan.extract.profile_place import (
    Extraction,
    _allowed_columns,
    _amount_columns,
    _cells_from,
    _keep_summable,
    _note_alternatives,
    _place,
    _row_identities,
    _settle,
)
from yusuan.extract.profile_regions import TableRegion, _after_heading, common_prefix, locate_tables, normal
from yusuan.extract.profile_rows import ParsedRow, _parse_coded, _parse_items, cell_under
from yusuan.extract.profile_tokens import Token, _bare_number, _bare_value, bare_amount, tokens
from yusuan.money import UNIT_FEN
from yusuan.tables.build import UNIT_BUDGET_LINES
from yusuan.tables.model import Cell, Row, Table, TableSet
from yusuan.tables.profile import Profile, TableSpec


def _label_cells(spec: TableSpec, level: str, context: dict[str, str]) -> dict[str, Cell]:
    for row_spec in spec.rows:
        if row_spec.level == level:
            out = {}
            for col, template in row_spec.labels.items():
                try:
                    out[col] = Cell(template.format(**context))
                except (KeyError, IndexError):
                    out[col] = Cell("")
            return out
    return {}


def _pivot_table(
    spec: TableSpec, region: TableRegion, found: Extraction, profile: Profile, positional: bool = False
) -> Table:
    levels = [r.level for r in spec.rows]
    leaf = next((lv for lv in levels if lv not in ("total", "unit")), "")
    toks = tokens(_after_heading(region))
    labelled_total = any(r.level == "total" and r.labels for r in spec.rows)
    if leaf in ("item", "project"):
        categories = ("其他运转类", "特定目标类") if leaf == "project" else ()
        parsed = _parse_items(toks, leaf, found.unit_names, categories, positional)
    else:
        parsed = _parse_coded(toks, leaf, labelled_total)
    columns = _amount_columns(spec)
    identities = _row_identities(spec)
    placed = []
    for p in parsed:
        econ = ""
        if p.level in ("econ_pair", "econ") and p.head:
            econ = p.head[0].text + (p.head[1].text if len(p.head) == 4 else "")
        placed.append(_place(p, columns, identities, _allowed_columns(spec, profile, econ) if econ else None))
    # settle ambiguous rows by their parents' sums. A unit keeps only the placements its items
    # can add up to (ties stay open); the total then chooses among those, and each unit's
    # items are settled last against the unit's final placement.
    before_settling = [list(p.options) for p in placed]
    families = []
    for k, item in enumerate(placed):
        if item.row.level in ("unit", "total"):
            child_level = "unit" if item.row.level == "total" and "unit" in levels else leaf
            children = []
            for other in placed[k + 1 :]:
                if other.row.level == item.row.level or (item.row.level == "unit" and other.row.level == "total"):
                    break
                if other.row.level == child_level:
                    children.append(other)
            families.append((item, children))
    for parent, children in families:
        if parent.row.level == "unit":
            _keep_summable(parent, children, columns)
    for parent, children in sorted(families, key=lambda f: f[0].row.level != "total"):
        _settle(parent, children, columns)
    rows: list[Row] = []
    unit = ""
    for item, options in zip(placed, before_settling, strict=True):
        p = item.row
        cells = _cells_from(item.options[0])
        pending_ambiguous = [_cells_from(o) for o in item.options] if len(item.options) > 1 else []
        if p.level == "total":
            key: tuple[str, ...] = ("合计",)
            cells.update(_label_cells(spec, "total", {}))
            rows.append(Row(key, "total", cells, 0))
            _note_alternatives(found, spec.number, key, options)
            continue
        if p.level == "unit":
            unit = p.head[0].text
            name = p.name
            found.unit_names.setdefault(unit, name)
            cells.update(_label_cells(spec, "unit", {"unit_code": unit, "unit_name": name}))
            rows.append(Row((unit,), "unit", cells, 1))
            _note_alternatives(found, spec.number, (unit,), options)
            continue
        prefix = (unit,) if "unit" in levels and unit else ()
        context: dict[str, str] = {"unit_code": unit, "unit_name": found.unit_names.get(unit, "")}
        if p.level == "function":
            code = "".join(t.text for t in p.head)
            context.update(func_class=code[:3], func_kuan=code[3:5], func_xiang=code[5:7], func_name=p.name)
            key = (*prefix, code)
        elif p.level == "econ_pair":
            codes = [t.text for t in p.head]
            dept, gov = (codes[0], codes[1]) if len(codes) == 2 else (codes[0] + codes[1], codes[2] + codes[3])
            names = [t.text for t in p.names]
            context.update(
                dept_code=dept,
                dept_class=dept[:3],
                dept_kuan=dept[3:],
                dept_name=names[0] if names else "",
                gov_code=gov,
                gov_class=gov[:3],
                gov_kuan=gov[3:],
                gov_name="".join(names[1:]),
            )
            key = (*prefix, dept, gov)
        elif p.level == "econ":
            code = p.head[0].text
            context.update(dept_code=code, dept_name=p.name)
            key = (*prefix, code)
        else:  # item / project
            name = p.extra.get("name", normal(p.name))
            context.update(
                item_name=name,
                item_type=p.extra.get("item_type", ""),
                project_name=name,
                project_category=p.extra.get("category", ""),
            )
            key = (*prefix, name)
        where = (p.head or p.names or p.values)[0].location() if (p.head or p.names or p.values) else None
        labels = _label_cells(spec, p.level, context)
        # a name that may hold a neighbour's line (or lack one of its own) is not vouched for
        cells.update(
            {k: Cell(v.value, where, certain=not (p.unsure_name and v.value == name)) for k, v in labels.items()}
        )
        rows.append(Row(key, "item", cells, 2 if prefix else 1))
        _note_alternatives(found, spec.number, key, options)
        if pending_ambiguous:
            found.ambiguous.append((spec.number, key, pending_ambiguous))
    return _table(spec, region, rows)


def _table(spec: TableSpec, region: TableRegion, rows: list[Row]) -> Table:
    if region.unit == "元":  # tokens are read as 万元; a table printed in 元 holds 1/10000 of that
        amounts = {c.column.key for c in spec.columns if c.column.type == "amount"}
        for row in rows:
            for key, cell in row.cells.items():
                if key in amounts and isinstance(cell.value, int):
                    row.cells[key] = replace(cell, value=cell.value // (UNIT_FEN["万元"] // UNIT_FEN["元"]))
    return Table(
        kind=spec.kind,
        number=spec.number,
        title=region.title,
        unit=region.unit,
        columns=[c.column for c in spec.columns],
        rows=rows,
        subtitle=region.subtitle,
        orientation=spec.orientation,
    )


def _line_labels(spec: TableSpec, profile: Profile) -> tuple[list[str], list[str]]:
    income = [line["label"] for line in spec.raw["income"]]
    out_spec = spec.raw["expenditure"]
    index = out_spec["classes"]
    classes = [c[index] for c in profile.function_classes if c[index] is not None]
    expenditure = [line["label"] for line in out_spec.get("head", [])] + classes
    expenditure += [line["label"] for line in out_spec.get("tail", [])]
    for left, right in spec.raw.get("footer", []):
        if left:
            income.append(left["label"])
        if right:
            expenditure.append(right["label"])
    return income, expenditure


def _two_sided_table(spec: TableSpec, region: TableRegion, profile: Profile) -> Table:
    income, expenditure = _line_labels(spec, profile)
    known = sorted({normal(x) for x in income + expenditure}, key=len, reverse=True)
    # label events: the region's text with amounts in between
    events: list[tuple[str, Token | None, list[Token]]] = []  # (label, token, values)
    text_run: list[Token] = []

    def flush() -> None:
        if not text_run:
            return
        joined = "".join(normal(t.text) for t in text_run)
        pos = 0
        while pos < len(joined):
            match = next((lab for lab in known if joined.startswith(lab, pos)), None)
            if match is None:
                pos += 1
                continue
            # the token where this label starts
            offset, owner = 0, text_run[0]
            for t in text_run:
                if offset + len(normal(t.text)) > pos:
                    owner = t
                    break
                offset += len(normal(t.text))
            events.append((match, owner, []))
            pos += len(match)
        text_run.clear()

    for tok in tokens(_after_heading(region)):
        if tok.kind == "amount":
            flush()
            if events:
                events[-1][2].append(tok)
        else:
            text_run.append(tok)
    flush()
    # labels before the first one that has a value are column headers (其中：财政拨款 …)
    first = next((k for k, e in enumerate(events) if e[2]), len(events))
    events = events[first:]
    # assign events to lines in order; a label printed twice fills the next line that has it
    in_values: dict[int, list[Token]] = {}
    out_values: dict[int, list[Token]] = {}
    used_in: set[int] = set()
    used_out: set[int] = set()
    norm_in = [normal(x) for x in income]
    norm_out = [normal(x) for x in expenditure]
    for label, _tok, values in events:
        target = None
        for k, lab in enumerate(norm_in):
            if lab == label and k not in used_in:
                target = ("in", k)
                break
        if target is None:
            for k, lab in enumerate(norm_out):
                if lab == label and k not in used_out:
                    target = ("out", k)
                    break
        if target is None:
            continue
        side, k = target
        (used_in if side == "in" else used_out).add(k)
        (in_values if side == "in" else out_values)[k] = values
    out_columns = tuple(
        c.column.key for c in spec.columns if c.column.type == "amount" and not c.column.key.startswith("in.")
    )
    identities = _row_identities(spec)
    body_in = len(spec.raw["income"])
    body_out = len(norm_out) - len([r for _l, r in spec.raw.get("footer", []) if r])
    pairs: list[tuple[int | None, int | None]] = [
        (i if i < body_in else None, i if i < body_out else None) for i in range(max(body_in, body_out))
    ]
    fi, fo = body_in, body_out
    for left, right in spec.raw.get("footer", []):
        pairs.append((fi if left else None, fo if right else None))
        fi += 1 if left else 0
        fo += 1 if right else 0
    rows = []
    for li, ri in pairs:
        cells: dict[str, Cell] = {}
        if li is not None:
            cells["in.label"] = Cell(income[li])
            vals = in_values.get(li, [])
            if vals:
                cells["in.amount"] = Cell(vals[0].fen, vals[0].location(), certain=not vals[0].doubt)
        if ri is not None:
            cells["out.label"] = Cell(expenditure[ri])
            vals = out_values.get(ri, [])
            if vals:
                option = _place(ParsedRow("line", [], [], vals), out_columns, identities).options[0]
                cells.update(_cells_from(option))
        key = (income[li] if li is not None else "", expenditure[ri] if ri is not None else "")
        kind = "total" if any(k in key[0] + key[1] for k in ("合计", "总计")) else "item"
        rows.append(Row(key, kind, cells))
    return _table(spec, region, rows)


def _values_table(spec: TableSpec, region: TableRegion, found: Extraction) -> Table:
    """A table of one unlabelled row (预算09表)."""
    values = [t for t in tokens(_after_heading(region)) if t.kind == "amount"]
    row = ParsedRow("total", [], [], values)
    placed = _place(row, _amount_columns(spec), _row_identities(spec))
    cells = _cells_from(placed.options[0]) if values else {}
    if len(placed.options) > 1:
        found.ambiguous.append((spec.number, ("合计",), [_cells_from(o) for o in placed.options]))
    return _table(spec, region, [Row(("合计",), "total", cells, 0)])


def _unit_for(name: str, unit_names: dict[str, str]) -> str:
    """The unit code a printed unit name stands for (names may be cut or carry a wrapped tail)."""
    name = normal(name)
    best, best_len = name, 3
    for code, known in unit_names.items():
        known = normal(known)
        if known == name:
            return code
        common = common_prefix(known, name)
        if known in name or name in known:
            common = max(common, min(len(known), len(name)))
        if common > best_len:
            best, best_len = code, common
    return best


def _unit_performance_table(spec: TableSpec, region: TableRegion, found: Extraction) -> Table:
    """预算14表: per unit, its 预算情况 amounts."""
    labels = [(key, normal(label).split("：")[-1], amount) for key, label, amount in UNIT_BUDGET_LINES]
    rows: list[Row] = []
    unit = ""
    toks = tokens(region.lines)
    for i, tok in enumerate(toks):
        text = normal(tok.text)
        if "部门（单位）名称" in text:
            name = text.split("部门（单位）名称", 1)[1] or (normal(toks[i + 1].text) if i + 1 < len(toks) else "")
            unit = _unit_for(name, found.unit_names)
            rows.append(Row((unit, "unit"), "unit", {"label": Cell("部门（单位）名称"), "name": Cell(name)}))
            continue
        if not unit or tok.kind != "text":
            continue
        for key, label, _amount in labels:
            if text.endswith(label) and i + 1 < len(toks) and toks[i + 1].kind == "amount":
                value = toks[i + 1]
                if not any(r.key == (unit, key) for r in rows):
                    rows.append(
                        Row((unit, key), "item", {"name": Cell(label), "amount": Cell(value.fen, value.location())})
                    )
                break
    return _table(spec, region, rows)


def _project_performance_table(spec: TableSpec, region: TableRegion, found: Extraction) -> Table:
    """预算15表: group (3 digits), unit (6) and project (long code) rows with their amounts."""
    toks = tokens(_after_heading(region))
    columns = _amount_columns(spec)
    identities = _row_identities(spec)
    rows: list[Row] = []
    i = 0
    current: Row | None = None
    current_name_x: float | None = None
    current_heads: list[Token] = []  # the words on the current row's own line
    current_names: list[Token] = []  # …those of its name
    while i < len(toks):
        at, tok = i, toks[i]
        code = ""
        if tok.kind == "digits" and len(tok.text) >= 12:
            code = tok.text
            if i + 1 < len(toks) and toks[i + 1].kind == "digits" and len(toks[i + 1].text) <= 8 and len(code) < 20:
                code += toks[i + 1].text  # a long code wrapped onto the next line
                i += 1
            kind = "item"
        elif tok.kind == "digits" and len(tok.text) in (3, 6) and i + 1 < len(toks) and toks[i + 1].kind == "text":
            code = tok.text
            kind = "group" if len(code) == 3 else "unit"
        if code:
            i += 1
            name_parts: list[str] = []
            names: list[Token] = []
            name_x: float | None = None
            while i < len(toks) and toks[i].kind != "amount":
                if toks[i].kind == "digits" and len(toks[i].text) >= 12:
                    break
                if name_parts and (_bare_value(toks, i) or _number_run(toks, i)):
                    break  # numbers after the name: the amounts, printed without decimals
                box = toks[i].bbox
                if name_x is None and box is not None:
                    name_x = box[0]
                name_parts.append(toks[i].text)
                names.append(toks[i])
                i += 1
            values: list[Token] = []
            while i < len(toks) and len(values) < len(columns):
                nxt = toks[i]
                if nxt.kind == "amount":
                    values.append(nxt)
                elif (
                    nxt.kind in ("digits", "integer")
                    and len(nxt.text) < 12
                    and (not values or nxt.line is values[-1].line)
                ):
                    bare = bare_amount(nxt)
                    if not _bare_value(toks, i):  # targets' text follows on the line: bare, but not surely an amount
                        bare.doubt = bare.doubt or f"裸整数“{nxt.text}”后接文字"
                    values.append(bare)
                else:
                    break
                i += 1
            placed = _place(ParsedRow(kind, [tok], [], values), columns, identities)
            cells = {
                "code": Cell(code, tok.location()),
                "name": Cell("".join(name_parts)),
                **_cells_from(placed.options[0]),
            }
            current = Row((code,), kind, cells, {"group": 0, "unit": 1, "item": 2}[kind])
            current_name_x = name_x
            current_heads = _on_line(toks, at)
            current_names = [t for t in names if t.line is tok.line]
            rows.append(current)
            if kind == "item":
                found.project_targets[code] = []
            continue
        if current is not None and current.kind in ("item", "unit", "group"):
            x = tok.bbox[0] if tok.bbox is not None else None
            height = (tok.bbox[3] - tok.bbox[1]) if tok.bbox is not None else 0.0
            under = cell_under(tok, current_heads) if tok.line is not current_heads[0].line else None
            if (under is not None and any(under is t for t in current_names)) or (
                under is None
                and current_name_x is not None
                and x is not None
                and abs(x - current_name_x) <= max(height, 1.0) * 0.8
            ):
                # a positioned document: the name cell continues below its row's line
                current.cells["name"] = Cell(str(current.value("name") or "") + tok.text)
            elif current.kind == "item":
                found.project_targets[current.key[0]].append(tok)
        i += 1
    return _table(spec, region, rows)


def _on_line(toks: list[Token], at: int) -> list[Token]:
    """The tokens on token ``at``'s line (a line's tokens are consecutive)."""
    line = toks[at].line
    start, end = at, at + 1
    while start > 0 and toks[start - 1].line is line:
        start -= 1
    while end < len(toks) and toks[end].line is line:
        end += 1
    return toks[start:end]


def _number_run(toks: list[Token], i: int) -> bool:
    """Two bare numbers side by side on a line (a project's amounts, '72 72'), not a number inside a name."""
    return (
        i + 1 < len(toks)
        and toks[i + 1].line is toks[i].line
        and _bare_number(toks[i])
        and (_bare_number(toks[i + 1]) or toks[i + 1].kind == "amount")
    )


def extract_tables(doc: Document, profile: Profile) -> tuple[TableSet, Extraction]:
    """Every table of the profile that the document contains, as a TableSet."""
    found = Extraction()
    regions = locate_tables(doc, profile)
    found.regions = {r.spec.number: r for r in regions}
    tables: list[Table] = []
    # unit names come from the tables that print unit code and name together; read those first
    order = sorted(regions, key=lambda r: r.spec.builder != "pivot" or r.spec.rows[-1].level in ("item", "project"))
    built: dict[str, Table] = {}
    for region in order:
        spec = region.spec
        if spec.builder == "two_sided":
            table = _two_sided_table(spec, region, profile)
        elif spec.builder == "unit_performance":
            table = _unit_performance_table(spec, region, found)
        elif spec.builder == "project_performance":
            table = _project_performance_table(spec, region, found)
        elif [r.level for r in spec.rows] == ["total"]:
            table = _values_table(spec, region, found)
        else:
            table = _pivot_table(spec, region, found, profile, doc.has_positions)
        built[spec.number] = table
    tables = [built[r.spec.number] for r in regions]
    names = [re.sub(r"^(?:部门|单位)名称[:：]\s*", "", r.subtitle).strip() for r in regions if r.subtitle]
    department = max(set(names), key=names.count) if names else ""  # as most tables print it
    return TableSet(year=0, department=department, template=profile.name, tables=tables), found


def iter_cells(table: Table) -> Iterator[tuple[Row, str, Cell]]:
    for row in table.rows:
        for key, cell in row.cells.items():
            yield row, key, cell
