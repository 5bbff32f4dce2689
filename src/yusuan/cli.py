"""The ``yusuan`` command line (Typer + Rich); a thin shell over the library."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text
from typer.core import TyperGroup

from yusuan.extract.document import MAX_DOCUMENT_BYTES
from yusuan.ledger.problems import BudgetInputError, unlisted_note
from yusuan.render.atomic import OutputError
from yusuan.termination import sigterm_exits

if TYPE_CHECKING:
    from yusuan.audit.report import Result
    from yusuan.executors import Executor
    from yusuan.ledger.model import Budget
    from yusuan.outputs import Disclosure

# No highlighting: Rich's highlighter is quadratic in the length of the text, and the text is
# the user's (a 300,000-character name took minutes); user text inside markup is escaped.
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class _Commands(TyperGroup):
    """Runs every command: SIGTERM ends it as Ctrl+C does (staged outputs are cleaned up), and an
    output that cannot be written is one Chinese message naming the path and the cause, exit 1."""

    def invoke(self, ctx: Any) -> Any:  # a Typer context (Typer's own copy of click's)
        with sigterm_exits():
            try:
                return super().invoke(ctx)
            except OutputError as exc:
                _error(str(exc))
                raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Commands, help="预算：部门预算的编制、公开、审核与绩效。", no_args_is_help=True, add_completion=False
)


def _error(message: str) -> None:
    """An error for the user, printed as it is (it may hold a name with "[" in it) and not wrapped
    (so a path in it can be copied)."""
    err.print(Text(message, style="red"), soft_wrap=True)


def _formats(value: str, allowed: Iterable[str], *, one: bool = False) -> list[str]:
    """The formats of a ``--format`` option; a usage error (exit 2) listing the allowed ones otherwise."""
    from yusuan.outputs import parse_formats

    allowed = list(allowed)
    try:
        formats = parse_formats(value, allowed)
        if one and len(formats) > 1:
            raise ValueError(f"只能选一种格式，不是 {value}（可用：{'、'.join(allowed)}）")
    except ValueError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    return formats


def _report_input_error(exc: BudgetInputError) -> None:
    errors = [p for p in exc.problems if p.severity == "error"]
    err.print(f"[bold red]输入有 {len(errors) + exc.unlisted} 处错误，未生成任何文件：[/]")
    for problem in errors:
        err.print(f"  [red]✗[/] {escape(str(problem.origin))}：{escape(problem.message)}")
    if exc.unlisted:
        err.print(f"  {unlisted_note(exc.unlisted)}")


def _read(path: Path):  # type: ignore[no-untyped-def]
    from yusuan.ledger import read_budget

    try:
        return read_budget(path)
    except BudgetInputError as exc:
        _report_input_error(exc)
        raise typer.Exit(1) from None


_PRIOR_HELP = "上年预算账本（.yaml 或 .xlsx）：上年数从中计算导入，不必在「上年数」中重填"


def _read_with_prior(path: Path, prior: Path | None):  # type: ignore[no-untyped-def]
    """The budget, its prior-year figures imported from last year's ledger when one is given."""
    from yusuan.narrative.prior import PriorLedgerError, with_prior_ledger

    budget = _read(path)
    if prior is None:
        return budget
    try:
        return with_prior_ledger(budget, _read(prior), str(prior))
    except PriorLedgerError as exc:
        _error(str(exc))
        raise typer.Exit(1) from None


@app.command()
def build(
    input: Annotated[Path, typer.Argument(help="预算账本：.yaml 或 .xlsx")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出目录")] = Path("out"),
    format: Annotated[str, typer.Option("--format", "-f", help="输出格式，逗号分隔")] = "pdf,html,xlsx,json",
    unit: Annotated[
        str | None, typer.Option("--unit", help="只生成该单位的单位预算公开（单位代码，如 503001）")
    ] = None,
    units: Annotated[
        bool, typer.Option("--units", help="生成汇总（输出目录/汇总）和每个单位（输出目录/单位代码）的预算公开")
    ] = False,
    prior: Annotated[Path | None, typer.Option("--prior", help=_PRIOR_HELP)] = None,
) -> None:
    """由预算账本生成全部预算公开表。"""
    from yusuan.outputs import build_disclosure, output_formats

    formats = _formats(format, output_formats())
    _one_scope_option(unit, units)
    budget = _read_with_prior(input, prior)
    _publish(budget, output, formats, unit, units, build_disclosure, ("年", "预算"))


def _one_scope_option(unit: str | None, units: bool) -> None:
    if unit is not None and units:
        _error("--unit 与 --units 只能选一个：--unit 生成一个单位，--units 生成汇总和全部单位")
        raise typer.Exit(2)


def _publish(
    budget: Budget,
    output: Path,
    formats: list[str],
    unit: str | None,
    units: bool,
    build: Callable[[Budget, str | None], Disclosure],
    kind: tuple[str, str],
) -> None:
    """Build and write the disclosures ``build`` makes (the 汇总, unit ``unit``'s, or with ``units`` the
    汇总 and every unit's), all or nothing, then say what was written; ``kind`` names the document
    (("年", "预算") → 2025年部门预算公开文件, ("年度", "决算") → 2025年度部门决算公开文件)."""
    from yusuan.outputs import scope_folders, write_scopes
    from yusuan.tables.scope import UnknownUnitError

    scopes = scope_folders(budget, every_unit=units, unit=unit)
    with console.status("正在生成…") as status:
        try:
            written, disclosures = write_scopes(
                budget, output, formats, scopes, progress=lambda s: status.update(f"{s}…"), build=build
            )
        except UnknownUnitError as exc:
            _error(f"未生成任何文件：{exc}")
            raise typer.Exit(1) from None
        except RuntimeError as exc:  # e.g. no CJK font for the PDF
            _error(f"生成失败，未写出任何文件：{exc}")
            raise typer.Exit(1) from None
    for folder, disclosure in disclosures.items():
        whose = f"{folder}：" if folder else ""  # with --units, which document asks
        for warning in disclosure.narrative.warnings:
            err.print(Text(f"提示：{whose}{warning}", style="yellow"))
    year, document = kind
    if units:
        whom, noun = budget.department.name, "汇总及各单位"
    elif unit is not None:
        whom, noun = disclosures[""].tables.department, "单位"
    else:
        whom, noun = budget.department.name, "部门"
    console.print(f"[green]已生成[/] {escape(whom)} {budget.year}{year}{noun}{document}公开文件：")
    for path in written:
        console.print(Text(f"  {path}"))


@app.command()
def check(
    input: Annotated[Path, typer.Argument(help="预算账本：.yaml 或 .xlsx")],
    prior: Annotated[Path | None, typer.Option("--prior", help=_PRIOR_HELP)] = None,
) -> None:
    """只检查预算账本，不生成文件。"""
    from yusuan.narrative.prior import missing_prior_warning
    from yusuan.performance.checks import check_budget as check_targets

    budget = _read_with_prior(input, prior)
    console.print(
        f"[green]✓[/] {escape(budget.department.name)} {budget.year}年：{len(budget.units)} 个单位，"
        f"{len(budget.basic)} 条基本支出，{len(budget.projects)} 个项目，检查通过。"
    )
    for code, issues in check_targets(budget).items():
        for issue in issues:
            if issue.severity != "info":
                err.print(Text(f"绩效目标提示：项目 {code}：{issue.message}", style="yellow"))
    missing = missing_prior_warning(budget)
    if missing:
        err.print(Text(f"提示：{missing}", style="yellow"))


@app.command()
def template(output: Annotated[Path, typer.Argument(help="要写出的空白工作簿 .xlsx")]) -> None:
    """写出空白的预算录入工作簿（带下拉列表）。"""
    from yusuan.ledger.workbook import write_template

    if output.suffix.lower() != ".xlsx":
        _error("空白工作簿应以 .xlsx 结尾")
        raise typer.Exit(2)
    write_template(output)
    console.print(f"[green]已写出空白工作簿[/] {escape(str(output))}")


@app.command()
def convert(
    input: Annotated[Path, typer.Argument(help="预算账本：.yaml 或 .xlsx")],
    output: Annotated[Path, typer.Argument(help="目标文件：.yaml 或 .xlsx")],
) -> None:
    """在 YAML 与 Excel 工作簿之间转换预算账本。"""
    from yusuan.ledger import write_budget

    budget = _read(input)
    try:
        write_budget(budget, output)
    except ValueError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    console.print(f"[green]已写出[/] {escape(str(output))}")


@app.command()
def catalog(code: Annotated[str, typer.Argument(help="科目编码，如 2080101、208 01 01、30101、50101")]) -> None:
    """查询分类科目：名称、级次与上级科目。"""
    from yusuan.catalog import load_catalog, normalize_code
    from yusuan.catalog.codes import format_function_code
    from yusuan.catalog.lookup import CATALOG_TITLES

    try:
        normalized = normalize_code(code)
    except ValueError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    cat = load_catalog()
    entries = cat.find(normalized)
    if not entries:
        _error(f"分类科目中没有编码 {normalized}")
        raise typer.Exit(1)
    for entry in entries:
        shown = format_function_code(entry.code) if entry.catalog == "function" else entry.code
        table = RichTable(title=f"{CATALOG_TITLES[entry.catalog]} {shown}", show_header=False)
        table.add_row("名称", entry.name)
        table.add_row("级次", entry.level)
        chain = cat.parents(entry.catalog, entry.code)
        table.add_row("上级", " › ".join(f"{p.code} {p.name}" for p in chain) or "（无，最高级）")
        table.add_row("版本", f"{entry.edition}年（来源：{entry.source}）")
        console.print(table)


@app.command()
def rules(markdown: Annotated[bool, typer.Option("--markdown", help="输出 Markdown（docs/rules.md）")] = False) -> None:
    """列出审核规则目录。"""
    from yusuan.audit.rules import load_rules
    from yusuan.audit.rules_doc import rules_markdown

    if markdown:
        typer.echo(rules_markdown(), nl=False)
        return
    table = RichTable(title="审核规则")
    for header in ("编号", "级别", "检查"):
        table.add_column(header)
    for rule in sorted(load_rules().values(), key=lambda r: r.id):
        table.add_row(rule.id, rule.severity, rule.title)
    console.print(table)


@app.command()
def audit(
    files: Annotated[
        list[str], typer.Argument(help="预算公开文件或目录：PDF、pdftotext 提取的文本、yusuan 生成的 XLSX")
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="报告格式：text、json、html、csv")] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="写入文件（默认打印到终端）")] = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="并行进程数")] = 1,
    together: Annotated[
        bool, typer.Option("--together", help="把所有文件当作同一份公开文件（说明与表格分开发布时）")
    ] = False,
    summary_csv: Annotated[Path | None, typer.Option("--summary-csv", help="每份文件一行的汇总 CSV")] = None,
    show_info: Annotated[bool, typer.Option("--info", help="文本报告中也列出提示（尾差等）")] = False,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="在已有的 Dask 集群上运行，如 tcp://host:8786")
    ] = None,
    dask_local: Annotated[int | None, typer.Option("--dask-local", help="启动 N 个进程的本地 Dask 集群")] = None,
    max_size: Annotated[
        int, typer.Option("--max-size", min=1, help="每份文件的读取上限（MB），更大的文件报告为 too_large")
    ] = MAX_DOCUMENT_BYTES // (1024 * 1024),
) -> None:
    """审核已公开的部门预算：还原表格与情况说明，逐项核对，报告不一致之处。"""
    from yusuan.audit import batch
    from yusuan.audit.report import Brief, csv_header, csv_text, json_line, print_text, render_html, summary_table
    from yusuan.render.atomic import atomic_write_bytes, atomic_writer

    format = _formats(format, ("text", "json", "html", "csv"), one=True)[0]
    paths = batch.expand_inputs(files)
    if not paths:
        _error("没有找到要审核的文件（.pdf、.txt、.xlsx）")
        raise typer.Exit(2)
    results = _audit_results(paths, together, jobs, scheduler, dask_local, max_size * 1024 * 1024)
    if format in ("json", "csv"):
        # streamed: each document's lines are written as it arrives, only its brief is kept
        briefs = []
        with _report_sink(output) as write:
            if format == "csv":
                write(csv_header())
            for result in results:
                write(json_line(result) + "\n" if format == "json" else csv_text(result))
                briefs.append(Brief.of(result))
        if output is not None:
            err.print(Text(f"已写出审核报告：{output}"))
    else:
        kept = [_keep_for_report(r, format) for r in results]
        briefs = [Brief.of(r) for r in kept]
        if format == "text" and output is not None:
            with atomic_writer(output) as fh:
                print_text(kept, Console(file=fh, width=120, highlight=False), show_info=show_info)
        elif format == "text":
            print_text(kept, console, show_info=show_info)
        elif output is not None:
            atomic_write_bytes(output, render_html(kept).encode("utf-8"))
            err.print(Text(f"已写出审核报告：{output}"))
        else:
            typer.echo(render_html(kept), nl=False)
    if len(briefs) > 1:
        (console if format == "text" else err).print(summary_table(briefs))
    if summary_csv is not None:
        atomic_write_bytes(summary_csv, batch.summary_csv(briefs).encode("utf-8"))
        err.print(Text(f"已写出汇总：{summary_csv}"))
    if any(b.unreadable for b in briefs):
        raise typer.Exit(2)
    if any(b.errors for b in briefs):
        raise typer.Exit(1)


def _audit_results(
    paths: list[str], together: bool, jobs: int, scheduler: str | None, dask_local: int | None, max_bytes: int
) -> Iterator[Result]:
    """The audit results in input order, as they arrive (a progress bar for a batch)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from yusuan.audit import batch

    if together:
        yield batch.audit_together(paths, max_bytes)
        return
    if len(paths) == 1:
        yield from batch.run_batch(paths, max_bytes=max_bytes)
        return
    columns = (TextColumn("审核"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("audit", total=len(paths))
        with _executor(jobs, scheduler, dask_local) as executor:
            yield from batch.run_batch(
                paths, jobs, done=lambda _r: progress.advance(task), executor=executor, max_bytes=max_bytes
            )


@contextmanager
def _report_sink(output: Path | None) -> Iterator[Callable[[str], object]]:
    """Where a streamed report goes: OUTPUT (replaced only when the whole report is written) or stdout."""
    from yusuan.render.atomic import atomic_writer

    if output is None:
        yield lambda text: typer.echo(text, nl=False)
        return
    with atomic_writer(output) as fh:
        yield fh.write


def _keep_for_report(result: Result, format: str) -> Result:
    """Only the HTML report shows table excerpts: otherwise a report's rebuilt tables are dropped on
    arrival, so a batch of thousands keeps little more than its findings in memory."""
    from yusuan.audit.engine import AuditReport

    if format != "html" and isinstance(result, AuditReport):
        result.tableset = None
    return result


def _count_ledgers(folder: Path) -> int:
    """How many budget ledgers a batch folder holds; exits with a clear message when it is not usable."""
    from yusuan.batch_build import find_inputs

    if not folder.is_dir():
        _error(f"不是目录：{folder}")
        raise typer.Exit(2)
    total = len(find_inputs(folder))
    if not total:
        _error("目录中没有预算账本（.yaml、.yml、.xlsx）")
        raise typer.Exit(2)
    return total


@contextmanager
def _executor(
    jobs: int, scheduler: str | None, dask_local: int | None, typesetting: bool = False
) -> Iterator[Executor]:
    """The executor chosen on the command line, closed afterwards; ``typesetting`` (PDFs) bounds
    its local workers' memory (:mod:`yusuan.render.typst_cache`)."""
    from yusuan.executors import make_executor
    from yusuan.render.typst_cache import WORKER_MEMORY_MB, worker_document_limit

    try:
        limits = (worker_document_limit(), WORKER_MEMORY_MB) if typesetting else (None, None)
        executor = make_executor(jobs, scheduler, dask_local, *limits)
    except ValueError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    try:
        yield executor
    except RuntimeError as exc:  # e.g. dask not installed
        _error(str(exc))
        raise typer.Exit(1) from None
    finally:
        executor.close()


batch_app = typer.Typer(help="批量：一次生成许多部门的预算公开文件。", no_args_is_help=True)
app.add_typer(batch_app, name="batch")


@batch_app.command("build")
def batch_build(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="存放预算账本（.yaml/.yml/.xlsx）的目录")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出目录：每个账本一个子目录")],
    format: Annotated[str, typer.Option("--format", "-f", help="输出格式，逗号分隔")] = "pdf,html,xlsx,json",
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="本地并行进程数")] = 1,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="在已有的 Dask 集群上运行，如 tcp://host:8786")
    ] = None,
    dask_local: Annotated[int | None, typer.Option("--dask-local", help="启动 N 个进程的本地 Dask 集群")] = None,
) -> None:
    """批量生成：DIR 中每个预算账本生成到 OUT/<文件名>/；已是最新的跳过，失败的记入 OUT/failures.csv。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from yusuan.batch_build import FAILURES, build_batch
    from yusuan.outputs import output_formats

    formats = _formats(format, output_formats())
    total = _count_ledgers(folder)
    with (
        _executor(jobs, scheduler, dask_local, typesetting="pdf" in formats) as executor,
        Progress(
            TextColumn("生成"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True
        ) as progress,
    ):
        task = progress.add_task("build", total=total)
        summary = build_batch(folder, output, formats, executor, done=lambda _r: progress.advance(task))
    err.print(
        f"已生成 {summary.built} 个，跳过 {summary.skipped} 个（已是最新），失败 {summary.failed} 个，"
        f"用时 {summary.seconds:.1f} 秒"
    )
    if summary.failed:
        _print_failures(summary.failures)
        err.print(Text(f"失败清单：{output / FAILURES}"))
        raise typer.Exit(1)


@app.command()
def rollup(
    source: Annotated[
        str,
        typer.Argument(
            metavar="DIR_OR_DB",
            help="账本目录（.yaml/.yml/.xlsx），或数据库（sqlite:///…、postgresql+psycopg://…、.db 文件）",
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="汇总工作簿 .xlsx")] = Path("rollup.xlsx"),
    into: Annotated[
        str | None, typer.Option("--into", help="同时把目录中的账本导入此数据库（每个部门一个新版本，未变化的跳过）")
    ] = None,
    region: Annotated[
        str, typer.Option("--region", help="地区：导入时记为各部门所属地区；从数据库汇总时只汇总该地区")
    ] = "",
) -> None:
    """地区汇总：按部门、功能分类、经济分类（及逐年对比）汇总为一个工作簿；来源可以是目录或数据库。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from yusuan.ledger.read import read_budget
    from yusuan.render.atomic import atomic_write_bytes
    from yusuan.rollup import render_rollup_xlsx, rollup_folder

    folder = Path(source)
    if not folder.is_dir():
        if into:
            _error("--into 只用于从目录导入")
            raise typer.Exit(2)
        result = _rollup_database(source, region)
    else:
        total = _count_ledgers(folder)
        store = _open_store(into) if into else None
        read = read_budget if store is None else _importing_reader(store, region)
        with Progress(TextColumn("汇总"), BarColumn(), MofNCompleteColumn(), console=err, transient=True) as progress:
            task = progress.add_task("rollup", total=total)
            result = rollup_folder(folder, read, done=lambda _p: progress.advance(task))
        if store is not None:
            err.print(
                Text(f"已导入数据库 {_hide_password(into or '')}：新版本 {store.saved} 个，未变化 {store.unchanged} 个")
            )
    if not result.departments:
        _error("没有可汇总的预算账本，未生成文件")
        _print_failures(result.failures)
        raise typer.Exit(1)
    atomic_write_bytes(output, render_rollup_xlsx(result))
    years = "、".join(str(y) for y in result.years)
    err.print(Text(f"已汇总 {len(result.departments)} 个部门（{years}年），失败 {len(result.failures)} 个：{output}"))
    _print_failures(result.failures)
    if result.failures:
        raise typer.Exit(1)


def _print_failures(failures: list[tuple[str, str]]) -> None:
    """The first ten failed files of a batch, each with its error."""
    for name, error in failures[:10]:
        err.print(f"  [red]✗[/] {escape(name)}：{escape(error)}")


class _Store:
    """A database opened and migrated for importing; counts what an import did."""

    def __init__(self, url: str) -> None:
        from yusuan.store.db import make_engine, migrate, session_factory

        self.engine = make_engine(url)
        migrate(self.engine)
        self.sessions = session_factory(self.engine)
        self.saved = 0
        self.unchanged = 0


def _database_url(source: str) -> str:
    from yusuan.store.db import database_url

    return source if "://" in source else database_url(Path(source))


def _open_store(source: str) -> _Store:
    url = _database_url(source)
    try:
        return _Store(url)
    except Exception as exc:  # a database that cannot be opened or migrated: say which and why
        _error(f"无法打开数据库 {_hide_password(url)}：{exc}")
        raise typer.Exit(2) from None


def _importing_reader(store: _Store, region: str):  # type: ignore[no-untyped-def]
    """A ledger reader that also saves each budget it reads into ``store`` (one commit per department)."""
    from yusuan.ledger.read import read_budget
    from yusuan.store import repository

    def read(path: Path):  # type: ignore[no-untyped-def]
        budget = read_budget(path)
        with store.sessions() as db:
            saved = repository.import_budget(
                db, budget, source_name=path.name, source_bytes=path.read_bytes(), who="yusuan rollup", region=region
            )
            db.commit()
        if saved is None:
            store.unchanged += 1
        else:
            store.saved += 1
        return budget

    return read


def _rollup_database(source: str, region: str):  # type: ignore[no-untyped-def]
    from yusuan.rollup import Rollup
    from yusuan.store import repository

    if "://" not in source and not Path(source).is_file():
        _error(f"既不是目录也不是数据库：{source}")
        raise typer.Exit(2)
    store = _open_store(source)
    result = Rollup()
    with store.sessions() as db:
        for version in repository.newest_versions(db, region or None):
            result.add(repository.budget_of(version))
    return result


@app.command()
def synth(
    departments: Annotated[int, typer.Option("--departments", "-n", help="生成的部门数")],
    seed: Annotated[int, typer.Option("--seed", help="随机种子")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出目录")],
    format: Annotated[str, typer.Option("--format", "-f", help="yaml 或 xlsx")] = "yaml",
) -> None:
    """生成随机但有效的部门预算账本（测试与压力测试用），同一种子结果相同。

    第 i 个部门（i 从 1 起）写到 dept-0000i.<格式>，由种子 SEED×100000+i 生成。
    """
    from yusuan.ledger import write_budget
    from yusuan.ledger.synth import department_seed, generate_budget
    from yusuan.render.atomic import ensure_directory

    format = _formats(format, ("yaml", "xlsx"), one=True)[0]
    if departments < 1:
        _error("部门数应至少为 1")
        raise typer.Exit(2)
    ensure_directory(output)
    for i in range(1, departments + 1):
        write_budget(generate_budget(department_seed(seed, i)), output / f"dept-{i:05d}.{format}")
    console.print(f"[green]已写出[/] {departments} 个部门预算账本到 {escape(str(output))}")


perf_app = typer.Typer(help="绩效：监控与自评。", no_args_is_help=True)
app.add_typer(perf_app, name="perf")

_PERF_FORMATS = ("text", "json", "html", "xlsx")


def _read_execution(budget, execution: Path, adjustments: Path | None, carryover: Path | None):  # type: ignore[no-untyped-def]
    from yusuan.performance.execution import read_execution

    try:
        return read_execution(budget, execution, adjustments, carryover)
    except BudgetInputError as exc:
        _report_input_error(exc)
        raise typer.Exit(1) from None


def _emit(format: str, output: Path | None, text: str | None = None, data: bytes | None = None) -> None:
    """Write a report to OUTPUT (atomically) or print it; binary formats need an output file."""
    from yusuan.render.atomic import atomic_write_bytes

    payload = data if data is not None else (text or "").encode("utf-8")
    if output is not None:
        atomic_write_bytes(output, payload)
        err.print(Text(f"已写出：{output}"))
    elif data is not None:
        _error(f"{format} 格式需要用 -o 指定输出文件")
        raise typer.Exit(2)
    else:
        typer.echo(text, nl=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
    db: Annotated[
        Path | None, typer.Option("--db", help="SQLite 数据库文件（默认：用户数据目录，或 YUSUAN_DATABASE_URL）")
    ] = None,
    no_example: Annotated[bool, typer.Option("--no-example", help="空数据库时不加载示例部门")] = False,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=0, max=16, help="审核与读取上传文件的处理进程数（0：在请求线程中；默认按核数）"),
    ] = None,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, max=1024, help="上传文件上限（MB）")] = 20,
    audit_seconds: Annotated[
        int, typer.Option("--audit-seconds", min=1, max=3600, help="一次审核的时间上限（秒）")
    ] = 120,
    worker_memory_mb: Annotated[
        int, typer.Option("--worker-memory-mb", min=256, max=65536, help="每个处理进程的内存上限（MB）")
    ] = 2048,
) -> None:
    """启动网页应用：部门预算的浏览、上传、下载、审核与绩效（管理员密码取自 YUSUAN_ADMIN_PASSWORD）。"""
    import os

    import uvicorn

    from yusuan.store.db import database_url
    from yusuan.web.app import Settings, create_app

    url = database_url(db)
    try:
        limits = {
            "max_upload_bytes": max_upload_mb * 1024 * 1024,
            "audit_seconds": audit_seconds,
            "worker_memory_mb": worker_memory_mb,
        }
        if workers is not None:
            limits["audit_workers"] = workers
        password = os.environ.get("YUSUAN_ADMIN_PASSWORD") or None
        application = create_app(Settings(url, admin_password=password, load_example=not no_example, **limits))
    except Exception as exc:  # a database that cannot be opened or migrated: say which and why
        _error(f"无法打开数据库 {_hide_password(url)}：{exc}")
        raise typer.Exit(2) from None
    generated = application.state.generated_admin_password
    if generated:
        err.print(f"已创建管理员账户 admin，初始密码：[bold]{escape(generated)}[/]（只显示这一次，请妥善保存）")
    err.print(Text(f"数据库：{_hide_password(url)}"))
    err.print(Text(f"访问 http://{host}:{port}/ （按 Ctrl+C 停止）"))
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _hide_password(url: str) -> str:
    import re

    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _perf_report(
    format: str,
    output: Path | None,
    *,
    text: Callable[[], None],
    data: Callable[[], object],
    html: Callable[[], str],
    xlsx: Callable[[], bytes],
) -> None:
    """Print or write a performance report in the chosen format (only that one is built)."""
    import json

    if format == "text":
        text()
    elif format == "json":
        _emit(format, output, json.dumps(data(), ensure_ascii=False) + "\n")
    elif format == "html":
        _emit(format, output, html())
    else:
        _emit(format, output, data=xlsx())


@perf_app.command("monitor")
def perf_monitor(
    budget_file: Annotated[Path, typer.Argument(metavar="BUDGET", help="预算账本：.yaml 或 .xlsx")],
    execution: Annotated[Path, typer.Argument(metavar="EXECUTION", help="支出数据：CSV 或 XLSX")],
    at: Annotated[str, typer.Option("--at", help="监控日期，如 2025-07-31")],
    adjustments: Annotated[Path | None, typer.Option("--adjustments", help="预算调整 CSV")] = None,
    carryover: Annotated[Path | None, typer.Option("--carryover", help="结转结余 CSV")] = None,
    red: Annotated[str, typer.Option("--red", help="红灯阈值（进度比）")] = "0.60",
    yellow: Annotated[str, typer.Option("--yellow", help="黄灯阈值（进度比）")] = "0.80",
    format: Annotated[str, typer.Option("--format", "-f", help="text、json、html、xlsx")] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出文件")] = None,
) -> None:
    """绩效监控：各项目执行率与时间进度比较，红黄绿灯预警，部门比率与月度执行。"""
    import datetime

    from yusuan.performance import report
    from yusuan.performance.monitoring import Thresholds, monitor
    from yusuan.performance.ratios import department_ratios, monthly_series

    format = _formats(format, _PERF_FORMATS, one=True)[0]
    try:
        when = datetime.date.fromisoformat(at)
        thresholds = Thresholds(red=red, yellow=yellow)  # type: ignore[arg-type]
    except ValueError as exc:
        _error(f"参数有误：{exc}")
        raise typer.Exit(2) from None
    budget = _read(budget_file)
    data = _read_execution(budget, execution, adjustments, carryover)
    try:
        result = monitor(budget, data, when, thresholds)
    except ValueError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    ratios = department_ratios(budget, data, when)
    series = monthly_series(budget, data)
    title = f"{budget.department.name} {budget.year}年绩效监控（截至{when.isoformat()}）"
    _perf_report(
        format,
        output,
        text=lambda: report.print_monitoring(result, ratios, console),
        data=lambda: report.monitoring_data(result, ratios, series),
        html=lambda: report.monitoring_html(result, ratios, series, title),
        xlsx=lambda: report.monitoring_xlsx(result, ratios, series),
    )


@perf_app.command("score")
def perf_score(
    budget_file: Annotated[Path, typer.Argument(metavar="BUDGET", help="预算账本：.yaml 或 .xlsx")],
    execution: Annotated[Path, typer.Argument(metavar="EXECUTION", help="支出数据：CSV 或 XLSX")],
    actuals: Annotated[
        Path, typer.Argument(metavar="ACTUALS", help="指标实际值 CSV：project_code,indicator,actual,note")
    ],
    adjustments: Annotated[Path | None, typer.Option("--adjustments", help="预算调整 CSV")] = None,
    weights: Annotated[
        str, typer.Option("--weights", help="权重：预算执行率,产出,效益,满意度（合计 100）")
    ] = "10,50,30,10",
    format: Annotated[str, typer.Option("--format", "-f", help="text、json、html、xlsx")] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出文件")] = None,
) -> None:
    """绩效自评：按财预〔2020〕10号计算各项目得分与等级，列出偏差及原因。"""
    from decimal import Decimal, InvalidOperation

    from yusuan.performance import report
    from yusuan.performance.scoring import Weights, read_actuals, score_budget

    format = _formats(format, _PERF_FORMATS, one=True)[0]
    try:
        parts = [Decimal(w.strip()) for w in weights.split(",")]
        if len(parts) != 4:
            raise ValueError("应为 4 个数：预算执行率,产出,效益,满意度")
        chosen = Weights(execution=parts[0], output=parts[1], benefit=parts[2], satisfaction=parts[3])
    except (ValueError, InvalidOperation) as exc:
        _error(f"权重有误：{exc}")
        raise typer.Exit(2) from None
    budget = _read(budget_file)
    data = _read_execution(budget, execution, adjustments, None)
    try:
        values = read_actuals(actuals, budget)
    except BudgetInputError as exc:
        _report_input_error(exc)
        raise typer.Exit(1) from None
    projects, department = score_budget(budget, data, values, chosen)
    title = f"{budget.department.name} {budget.year}年项目绩效自评"
    _perf_report(
        format,
        output,
        text=lambda: report.print_scores(projects, department, console),
        data=lambda: report.score_data(projects, department),
        html=lambda: report.scores_html(projects, department, title),
        xlsx=lambda: report.scores_xlsx(projects, department),
    )


def _read_last_year(budget, ledger: Path, execution: Path, adjustments: Path | None, carryover: Path | None):  # type: ignore[no-untyped-def]
    """Last year's ledger (this department's, of the year before) and its execution data."""
    from yusuan.narrative.final import LastYear
    from yusuan.narrative.prior import PriorLedgerError, check_last_years_ledger

    last = _read(ledger)
    try:
        check_last_years_ledger(budget, last, str(ledger))
    except PriorLedgerError as exc:
        _error(str(exc))
        raise typer.Exit(1) from None
    return LastYear(last, _read_execution(last, execution, adjustments, carryover))


@app.command("final")
def final(
    budget_file: Annotated[Path, typer.Argument(metavar="LEDGER", help="预算账本：.yaml 或 .xlsx")],
    execution: Annotated[Path, typer.Argument(metavar="EXECUTION", help="支出数据：CSV 或 XLSX")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出目录")] = Path("out"),
    adjustments: Annotated[Path | None, typer.Option("--adjustments", help="预算调整 CSV")] = None,
    carryover: Annotated[Path | None, typer.Option("--carryover", help="结转结余 CSV")] = None,
    actuals: Annotated[Path | None, typer.Option("--actuals", help="指标实际值 CSV（有则写出绩效自评情况）")] = None,
    threshold: Annotated[
        str, typer.Option("--threshold", help="决算数与年初预算数（或上年决算数）相差超过此比例（如 0.10）时须说明原因")
    ] = "0.10",
    format: Annotated[str, typer.Option("--format", "-f", help="输出格式，逗号分隔")] = "pdf,html,xlsx,json",
    unit: Annotated[
        str | None, typer.Option("--unit", help="只生成该单位的单位决算公开（单位代码，如 503001）")
    ] = None,
    units: Annotated[
        bool, typer.Option("--units", help="生成汇总（输出目录/汇总）和每个单位（输出目录/单位代码）的决算公开")
    ] = False,
    prior: Annotated[
        Path | None,
        typer.Option(
            "--prior",
            help="上年预算账本（.yaml 或 .xlsx）：与 --prior-execution 一起算出上年决算数，写入与上年决算的对比",
        ),
    ] = None,
    prior_execution: Annotated[
        Path | None, typer.Option("--prior-execution", help="上年支出数据：CSV 或 XLSX（与 --prior 一起给出）")
    ] = None,
    prior_adjustments: Annotated[Path | None, typer.Option("--prior-adjustments", help="上年预算调整 CSV")] = None,
    prior_carryover: Annotated[Path | None, typer.Option("--prior-carryover", help="上年结转结余 CSV")] = None,
) -> None:
    """由预算账本与执行数据生成部门决算公开文件（九张决算表与情况说明）。"""
    from decimal import Decimal, InvalidOperation

    from yusuan.outputs import build_final_disclosure, output_formats

    formats = _formats(format, output_formats())
    _one_scope_option(unit, units)
    try:
        share = Decimal(threshold)
        if not share.is_finite() or not 0 <= share < 1:
            raise InvalidOperation
    except InvalidOperation:
        _error(f"--threshold 应为 0 到 1 之间的比例（如 0.10），不是 {threshold}")
        raise typer.Exit(2) from None
    if (prior is None) != (prior_execution is None) or (
        prior_execution is None and (prior_adjustments is not None or prior_carryover is not None)
    ):
        _error("--prior 与 --prior-execution 须一起给出：上年决算数由上年账本和上年支出数据算出")
        raise typer.Exit(2)
    budget = _read(budget_file)
    data = _read_execution(budget, execution, adjustments, carryover)
    last_year = None
    if prior is not None and prior_execution is not None:
        last_year = _read_last_year(budget, prior, prior_execution, prior_adjustments, prior_carryover)
    values = None
    if actuals is not None:
        from yusuan.performance.scoring import read_actuals

        try:
            values = read_actuals(actuals, budget)
        except BudgetInputError as exc:
            _report_input_error(exc)
            raise typer.Exit(1) from None

    def final_of(whole: Budget, code: str | None) -> Disclosure:
        return build_final_disclosure(whole, data, unit=code, threshold=share, actuals=values, last_year=last_year)

    _publish(budget, output, formats, unit, units, final_of, ("年度", "决算"))


if __name__ == "__main__":  # pragma: no cover
    app()
