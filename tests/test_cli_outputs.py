"""What the command line writes, when writing goes wrong (issue 14, "CLI: crashes and half-writes").

An output that cannot be written is one Chinese message naming the path and the cause
(exit 1), never a traceback; a build replaces its files all together or not at all; SIGTERM
cleans up as Ctrl+C does; files respect the umask; long user text prints quickly and
literally; an empty or unknown ``--format`` list is a usage error (exit 2).
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import yusuan
from tests.conftest import EXAMPLE_DIR, EXAMPLE_YAML
from yusuan import cli
from yusuan.cli import app
from yusuan.ledger.problems import BudgetInputError, Origin, Problem
from yusuan.outputs import RENDERERS
from yusuan.render import atomic

EXECUTION = str(EXAMPLE_DIR / "execution.csv")
ACTUALS = str(EXAMPLE_DIR / "actuals.csv")
SOURCE = str(Path(yusuan.__file__).resolve().parents[1])  # subprocesses run this source tree


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SOURCE}


def _leftovers(*folders: Path) -> list[str]:
    """Staging directories and temporary files left behind (the build records are not leftovers)."""
    found = []
    for folder in folders:
        if folder.exists():
            found += [str(p) for p in folder.rglob(".*") if p.name != ".yusuan-build.json"]
    return found


def _assert_one_message(result, path: Path | str, cause: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert f"无法写入 {path}：{cause}" in result.stderr, result.stderr


# --- 1. output-path failures ------------------------------------------------------------------


def _writing_commands(tmp_path: Path, target: Path) -> dict[str, tuple[list[str], Path]]:
    """Every command that writes, each asked to write somewhere under ``target``: (args, path named)."""
    ledgers, document = tmp_path / "ledgers", tmp_path / "document.txt"
    ex = str(EXAMPLE_YAML)
    return {
        "build": (["build", ex, "-f", "json", "-o", str(target / "out")], target / "out"),
        "batch build": (["batch", "build", str(ledgers), "-f", "json", "-o", str(target / "out")], target / "out"),
        "convert": (["convert", ex, str(target / "budget.yaml")], target / "budget.yaml"),
        "template": (["template", str(target / "blank.xlsx")], target / "blank.xlsx"),
        "audit -o json": (["audit", str(document), "-f", "json", "-o", str(target / "r.json")], target / "r.json"),
        "audit -o text": (["audit", str(document), "-o", str(target / "r.txt")], target / "r.txt"),
        "audit -o html": (["audit", str(document), "-f", "html", "-o", str(target / "r.html")], target / "r.html"),
        "audit --summary-csv": (
            ["audit", str(document), "-f", "json", "--summary-csv", str(target / "s.csv")],
            target / "s.csv",
        ),
        "perf monitor": (
            ["perf", "monitor", ex, EXECUTION, "--at", "2025-07-31", "-f", "html", "-o", str(target / "m.html")],
            target / "m.html",
        ),
        "perf score": (
            ["perf", "score", ex, EXECUTION, ACTUALS, "-f", "xlsx", "-o", str(target / "s.xlsx")],
            target / "s.xlsx",
        ),
        "rollup": (["rollup", str(ledgers), "-o", str(target / "rollup.xlsx")], target / "rollup.xlsx"),
        "synth": (["synth", "-n", "1", "--seed", "1", "-o", str(target / "synth")], target / "synth"),
    }


COMMANDS = list(_writing_commands(Path("in"), Path("out")))


def _inputs(tmp_path: Path) -> None:
    """The inputs of :func:`_writing_commands`: a folder of ledgers and a document to audit."""
    (tmp_path / "ledgers").mkdir()
    shutil.copy(EXAMPLE_YAML, tmp_path / "ledgers" / "budget.yaml")
    (tmp_path / "document.txt").write_text("焦作市解放区人力资源和社会保障局2025年部门预算\n", encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_in_the_way_is_one_message(command, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory", encoding="utf-8")
    _inputs(tmp_path)
    args, named = _writing_commands(tmp_path, blocker)[command]
    result = _invoke(*args)
    # audit exits 2 for an unreadable document; the output error must win and say why
    _assert_one_message(result, named, f"{blocker} 是一个文件，不是目录")
    assert blocker.read_text(encoding="utf-8") == "not a directory"


def test_output_directory_that_is_a_file(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("keep me", encoding="utf-8")
    result = _invoke("build", str(EXAMPLE_YAML), "-f", "json", "-o", str(blocker))
    _assert_one_message(result, blocker, "这是一个文件，不是目录")
    assert blocker.read_text(encoding="utf-8") == "keep me"
    assert not _leftovers(tmp_path)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("blank.xlsx", ("template", "{out}")),
        (
            "m.json",
            ("perf", "monitor", str(EXAMPLE_YAML), EXECUTION, "--at", "2025-07-31", "-f", "json", "-o", "{out}"),
        ),
        ("budget.yaml", ("convert", str(EXAMPLE_YAML), "{out}")),
    ],
    ids=["template", "perf monitor", "convert"],
)
def test_output_file_that_is_a_directory(name, args, tmp_path):
    directory = tmp_path / name
    directory.mkdir()
    result = _invoke(*(a.replace("{out}", str(directory)) for a in args))
    _assert_one_message(result, directory, "这是一个目录，不是文件")
    assert directory.is_dir() and not any(directory.iterdir())
    assert not _leftovers(tmp_path)


def _full_disk(monkeypatch) -> None:
    """Every atomic write goes to /dev/full (ENOSPC from the kernel on write), under its usual temporary name."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    real = atomic._new_file

    def new_file(directory: Path, name: str) -> tuple[int, Path]:
        fd, tmp = real(directory, name)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), tmp

    monkeypatch.setattr(atomic, "_new_file", new_file)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        (
            "m.html",
            ("perf", "monitor", str(EXAMPLE_YAML), EXECUTION, "--at", "2025-07-31", "-f", "html", "-o", "{out}"),
        ),
        ("s.xlsx", ("perf", "score", str(EXAMPLE_YAML), EXECUTION, ACTUALS, "-f", "xlsx", "-o", "{out}")),
        ("budget.yaml", ("convert", str(EXAMPLE_YAML), "{out}")),
        ("blank.xlsx", ("template", "{out}")),
    ],
    ids=["perf monitor", "perf score", "convert", "template"],
)
def test_a_full_disk_is_one_message_and_leaves_nothing(name, args, tmp_path, monkeypatch):
    _full_disk(monkeypatch)
    out = tmp_path / name
    out.write_bytes(b"the old report")
    result = _invoke(*(a.replace("{out}", str(out)) for a in args))
    _assert_one_message(result, out, "磁盘已满")
    assert out.read_bytes() == b"the old report"
    assert not _leftovers(tmp_path)


def test_a_full_disk_while_streaming_an_audit_report(tmp_path, monkeypatch):
    _full_disk(monkeypatch)
    document = tmp_path / "document.txt"
    document.write_text("部门预算\n" * 10, encoding="utf-8")
    out = tmp_path / "report.json"
    result = _invoke("audit", str(document), "-f", "json", "-o", str(out))
    _assert_one_message(result, out, "磁盘已满")
    assert not out.exists() and not _leftovers(tmp_path)


def test_a_full_disk_when_the_build_moves_its_files_in(tmp_path, monkeypatch):
    def replace(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", replace)
    out = tmp_path / "out"
    result = _invoke("build", str(EXAMPLE_YAML), "-f", "json,html", "-o", str(out))
    _assert_one_message(result, out, "磁盘已满")
    assert not any(out.iterdir()) and not _leftovers(tmp_path)


def _unwritable(directory: Path) -> tuple[str, ...]:
    """Make ``directory`` read-only; returns the command prefix under which that holds. Root ignores
    permissions, so as root the command runs without the capabilities that let it (setpriv)."""
    directory.chmod(0o555)
    if os.geteuid() != 0:
        return ()
    prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner")
    if shutil.which("setpriv") is None or subprocess.run([*prefix, "true"], check=False).returncode != 0:
        pytest.skip("running as root without setpriv: a directory cannot be made unwritable")
    return prefix


@pytest.mark.parametrize(
    "args",
    [
        ("build", str(EXAMPLE_YAML), "-f", "json", "-o", "{dir}/out"),
        ("build", str(EXAMPLE_YAML), "-f", "json", "-o", "{dir}"),
        ("perf", "monitor", str(EXAMPLE_YAML), EXECUTION, "--at", "2025-07-31", "-f", "json", "-o", "{dir}/m.json"),
    ],
    ids=["build into it", "build it", "perf monitor"],
)
def test_a_read_only_directory_is_one_message(args, tmp_path):
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    prefix = _unwritable(readonly)
    try:
        command = [*prefix, sys.executable, "-m", "yusuan", *(a.replace("{dir}", str(readonly)) for a in args)]
        done = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=120, check=False)
    finally:
        readonly.chmod(0o755)
    named = args[-1].replace("{dir}", str(readonly))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"无法写入 {named}：没有写入权限" in done.stderr
    assert not any(readonly.iterdir())


def test_a_file_size_limit_is_one_message(tmp_path):
    """RLIMIT_FSIZE: the write fails with EFBIG (Python ignores SIGXFSZ, which would otherwise kill it)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    out = tmp_path / "out"
    command = [sys.executable, "-m", "yusuan", "build", str(EXAMPLE_YAML), "-f", "html,json", "-o", str(out)]
    done = subprocess.run(
        command, env=_env(), capture_output=True, text=True, timeout=120, check=False, preexec_fn=limit
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"无法写入 {out / 'disclosure.html'}：文件超过允许的大小" in done.stderr
    assert not out.exists() and not _leftovers(tmp_path)


def test_output_error_names_the_cause():
    assert str(atomic.OutputError(Path("/x/y"), OSError(errno.ENOSPC, "No space"))) == "无法写入 /x/y：磁盘已满"
    assert "没有写入权限" in str(atomic.OutputError(Path("/x/y"), PermissionError(errno.EACCES, "denied")))
    assert "未知" in str(atomic.OutputError(Path("/x/y"), OSError(errno.EBADMSG, "未知")))  # strerror otherwise


# --- 2. all or nothing ------------------------------------------------------------------------

OLD_SET = {"a.json": b"old a", "b.html": b"old b", "keep.txt": b"not ours"}
NEW_SET = {"a.json": b"new a", "b.html": b"new b", "c.xlsx": b"new c"}  # c.xlsx has no old version


def _replace_failing(monkeypatch, outdir: Path, nth: int, error: BaseException) -> None:
    """``os.replace`` raises ``error`` on its ``nth`` rename into ``outdir``."""
    real = os.replace
    calls = 0

    def replace(src, dst):
        nonlocal calls
        if Path(dst).parent == outdir:
            calls += 1
            if calls == nth:
                raise error
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("nth", [1, 2, 3])
@pytest.mark.parametrize(
    "error", [OSError(errno.ENOSPC, "No space left"), KeyboardInterrupt(), SystemExit(143)], ids=repr
)
def test_a_failed_rename_leaves_the_old_set_whole(nth, error, tmp_path, monkeypatch):
    outdir = tmp_path / "out"
    outdir.mkdir()
    for name, data in OLD_SET.items():
        (outdir / name).write_bytes(data)
    _replace_failing(monkeypatch, outdir, nth, error)
    with pytest.raises((atomic.OutputError, KeyboardInterrupt, SystemExit)), atomic.staged_directory(outdir) as staging:
        for name, data in NEW_SET.items():
            staging.write(name, data)
    assert _tree(outdir) == OLD_SET
    assert not _leftovers(tmp_path)


def test_a_successful_set_replaces_and_keeps_other_files(tmp_path):
    outdir = tmp_path / "out"
    outdir.mkdir()
    for name, data in OLD_SET.items():
        (outdir / name).write_bytes(data)
    with atomic.staged_directory(outdir) as staging:
        for name, data in NEW_SET.items():
            staging.write(name, data)
    assert _tree(outdir) == {**OLD_SET, **NEW_SET}
    assert not _leftovers(tmp_path)


def test_build_third_rename_failing_keeps_the_old_build(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _invoke("build", str(EXAMPLE_YAML), "-f", "json,html,xlsx", "-o", str(out)).exit_code == 0
    old = {p.name: b"previous " + p.name.encode() for p in out.iterdir()}
    for name, data in old.items():
        (out / name).write_bytes(data)
    _replace_failing(monkeypatch, out, 3, OSError(errno.EIO, "I/O error"))
    result = _invoke("build", str(EXAMPLE_YAML), "-f", "json,html,xlsx", "-o", str(out))
    _assert_one_message(result, out, "读写设备出错")
    assert _tree(out) == old
    assert not _leftovers(tmp_path)


# --- 3. SIGTERM -------------------------------------------------------------------------------


def _terminate_when_staging(
    command: list[str], staging_in: Path, delay: float, log: Path
) -> tuple[subprocess.Popen, list[int]]:
    """Start ``command``, wait until it has a staging directory in ``staging_in``, wait ``delay``, send
    SIGTERM; returns the process and what of its session still runs a few seconds after it ended."""
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            command, env=_env(), stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while not any(p.is_dir() for p in staging_in.glob(".*")) and process.poll() is None:
            assert time.monotonic() < deadline, "no staging directory appeared"
            time.sleep(0.002)
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        deadline = time.monotonic() + 5  # the fork server and resource tracker follow their parent out
        while (alive := _session_alive(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        _end_session(process)
    return process, alive


def _session_alive(sid: int) -> list[int]:
    """Processes of session ``sid`` still running (zombies, waiting to be reaped, do not count)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def _end_session(process: subprocess.Popen) -> None:
    """Kill whatever the test's own command left running (its session), so a failing test leaks nothing."""
    if _session_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.3])
def test_sigterm_during_a_build_cleans_up(delay, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "yusuan", "build", str(EXAMPLE_YAML), "-f", "pdf,html,xlsx,json", "-o", str(out)]
    process, _alive = _terminate_when_staging(command, tmp_path, delay, tmp_path / "stderr")
    assert process.returncode in (143, 0), (tmp_path / "stderr").read_text(encoding="utf-8")
    if delay == 0:  # right after the staging directory appeared: it cannot have finished
        assert process.returncode == 143
    assert not _leftovers(tmp_path)
    expected = {"disclosure.pdf", "disclosure.html", "tables.xlsx", "disclosure.json"}
    if process.returncode == 0:  # it finished before the signal came: a whole set
        assert {p.name for p in out.iterdir()} == expected
    else:  # terminated: nothing, or (had it got as far as moving the files in) the whole set
        assert not out.exists() or {p.name for p in out.iterdir()} in (set(), expected)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_sigterm_during_a_batch_build_stops_the_workers_and_cleans_up(delay, tmp_path):
    ledgers = tmp_path / "ledgers"
    assert _invoke("synth", "-n", "6", "--seed", "5", "-o", str(ledgers)).exit_code == 0
    out = tmp_path / "out"
    command = [sys.executable, "-m", "yusuan", "batch", "build", str(ledgers), "-j", "2", "-o", str(out)]
    start = time.monotonic()
    process, alive = _terminate_when_staging(command, out, delay, tmp_path / "stderr")
    assert process.returncode == 143, (tmp_path / "stderr").read_text(encoding="utf-8")
    assert time.monotonic() - start < 60
    assert not alive  # no orphaned worker carries on
    assert not _leftovers(tmp_path)
    for built in out.iterdir():  # a department is either complete (with its record) or absent
        names = {p.name for p in built.iterdir()}
        assert names in (
            set(),
            {".yusuan-build.json", "disclosure.pdf", "disclosure.html", "tables.xlsx", "disclosure.json"},
        )


# --- 4. the umask -----------------------------------------------------------------------------


@pytest.mark.parametrize(("umask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)])
def test_written_files_respect_the_umask(umask, file_mode, dir_mode, tmp_path):
    previous = os.umask(umask)
    try:
        out = tmp_path / "out"
        assert _invoke("build", str(EXAMPLE_YAML), "-f", "json,html", "-o", str(out)).exit_code == 0
        atomic.atomic_write_bytes(tmp_path / "report.csv", b"a,b\n")
    finally:
        os.umask(previous)
    assert (out.stat().st_mode & 0o777) == dir_mode
    for path in [*out.iterdir(), tmp_path / "report.csv"]:
        assert (path.stat().st_mode & 0o777) == file_mode, path


# --- 5. long user text ------------------------------------------------------------------------


def test_a_long_problem_prints_quickly_and_literally():
    """Rich's highlighter is quadratic: 60,000 characters took ~20 s with it."""
    name = "[bold]人力资源[/]" * 5000  # 60,000 characters, markup included
    problem = Problem(f"部门名称过长：{name}", Origin("budget.yaml", sheet="department", column="name"))
    start = time.perf_counter()
    with cli.err.capture() as captured:
        cli._report_input_error(BudgetInputError([problem]))
    assert time.perf_counter() - start < 2
    assert "[bold]人力资源[/]" in captured.get()


def test_check_with_a_300000_character_name_finishes_quickly(tmp_path):
    text = EXAMPLE_YAML.read_text(encoding="utf-8")
    name = "[bold]人力资源" * 30000  # 300,000 characters
    budget = tmp_path / "budget.yaml"
    budget.write_text(
        text.replace("  name: 焦作市解放区人力资源和社会保障局\n", f"  name: '{name}'\n", 1), encoding="utf-8"
    )
    start = time.perf_counter()
    command = [sys.executable, "-m", "yusuan", "check", str(budget)]
    done = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=60, check=False)
    assert time.perf_counter() - start < 30
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1 once names have a length limit
    assert "Traceback" not in done.stderr
    if done.returncode == 0:
        assert "[bold]人力资源" in done.stdout  # printed as written, not taken as markup


# --- 7. format lists --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("build", str(EXAMPLE_YAML), "-o", "{tmp}/out"), "、".join(RENDERERS)),
        (("batch", "build", "{tmp}", "-o", "{tmp}/out"), "、".join(RENDERERS)),
        (("audit", "{tmp}/document.txt", "-o", "{tmp}/out"), "text、json、html、csv"),
        (
            ("perf", "monitor", str(EXAMPLE_YAML), EXECUTION, "--at", "2025-07-31", "-o", "{tmp}/out"),
            "text、json、html、xlsx",
        ),
        (("perf", "score", str(EXAMPLE_YAML), EXECUTION, ACTUALS, "-o", "{tmp}/out"), "text、json、html、xlsx"),
        (("synth", "-n", "1", "--seed", "1", "-o", "{tmp}/out"), "yaml、xlsx"),
    ],
    ids=["build", "batch build", "audit", "perf monitor", "perf score", "synth"],
)
@pytest.mark.parametrize("formats", [",", " , ,", "", "nope", "json,nope"])
def test_empty_or_unknown_format_lists_are_usage_errors(args, allowed, formats, tmp_path):
    shutil.copy(EXAMPLE_YAML, tmp_path / "budget.yaml")
    (tmp_path / "document.txt").write_text("部门预算\n", encoding="utf-8")
    result = _invoke(*(a.replace("{tmp}", str(tmp_path)) for a in args), "--format", formats)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"（可用：{allowed}）" in result.stderr
    assert ("nope" in result.stderr) == ("nope" in formats)
    assert not (tmp_path / "out").exists()


def test_single_format_commands_take_one_format():
    result = _invoke("perf", "monitor", str(EXAMPLE_YAML), EXECUTION, "--at", "2025-07-31", "-f", "json,html")
    assert result.exit_code == 2 and "只能选一种格式" in result.stderr


def test_parse_formats():
    from yusuan.outputs import parse_formats

    assert parse_formats(" pdf , json,pdf ", ["pdf", "json"]) == ["pdf", "json"]
    with pytest.raises(ValueError, match="没有指定格式（可用：pdf、json）"):
        parse_formats(",", ["pdf", "json"])
    with pytest.raises(ValueError, match="不支持的格式：x（可用：pdf、json）"):
        parse_formats("pdf,x", ["pdf", "json"])


def test_markup_in_file_names_prints_literally(tmp_path):
    (tmp_path / "[").mkdir()  # the path of "[/b]one.txt" in it reads as a closing tag with nothing to close
    for path in (tmp_path / "[" / "b]one.txt", tmp_path / "[bold]two.txt"):
        path.write_text("焦作市解放区人力资源和社会保障局2025年部门预算\n", encoding="utf-8")
    result = _invoke("audit", str(tmp_path))
    assert isinstance(result.exception, SystemExit), result.exception  # not a MarkupError
    assert "[/b]one.txt" in result.stdout and "[bold]two.txt" in result.stdout


def test_a_department_that_cannot_be_written_is_a_recorded_failure(tmp_path):
    ledgers = tmp_path / "ledgers"
    ledgers.mkdir()
    shutil.copy(EXAMPLE_YAML, ledgers / "budget.yaml")
    out = tmp_path / "out"
    out.mkdir()
    (out / "budget").write_text("a file where the department's folder goes", encoding="utf-8")
    result = _invoke("batch", "build", str(ledgers), "-f", "json", "-o", str(out))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    failures = (out / "failures.csv").read_text(encoding="utf-8")
    assert f"无法写入 {out / 'budget' / '.yusuan-build.json'}：{out / 'budget'} 是一个文件，不是目录" in failures
