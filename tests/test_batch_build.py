"""Batch building: the same tree on any executor, resumable, failures recorded, reproducible synth."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yusuan.batch_build import FAILURES, MANIFEST, BuildResult, BuildTask, build_batch, build_one
from yusuan.cli import app
from yusuan.executors import LocalExecutor

FORMATS = ["pdf", "xlsx", "html", "json"]
N = 20


def tree(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` by relative path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("budgets")
    result = CliRunner().invoke(app, ["synth", "--departments", str(N), "--seed", "11", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory) -> Path:
    """An uninterrupted build on two local processes."""
    out = tmp_path_factory.mktemp("local") / "out"
    summary = build_batch(inputs, out, FORMATS, LocalExecutor(2))
    assert (summary.built, summary.skipped, summary.failed) == (N, 0, 0)
    return out


def test_local_tree_is_complete_and_free_of_paths(reference, inputs):
    files = tree(reference)
    assert len(files) == N * (len(FORMATS) + 1) + 1  # outputs + build record per department, failures.csv
    assert (reference / FAILURES).read_text(encoding="utf-8") == "file,error\n"
    for path in reference.rglob("*"):
        if path.is_file() and path.suffix != ".xlsx":
            assert str(inputs).encode() not in path.read_bytes()
            assert str(reference).encode() not in path.read_bytes()


def test_dask_local_cluster_gives_the_identical_tree(reference, inputs, tmp_path):
    pytest.importorskip("dask.distributed")
    from yusuan.executors import DaskExecutor

    out = tmp_path / "out"
    with DaskExecutor(local_workers=2) as executor:
        summary = build_batch(inputs, out, FORMATS, executor)
    assert (summary.built, summary.failed) == (N, 0)
    assert tree(out) == tree(reference)


def test_executors_keep_input_order():
    assert list(LocalExecutor(2).map(abs, range(-30, 0))) == list(range(30, 0, -1))
    assert list(LocalExecutor(1).map(abs, [-1, -2])) == [1, 2]


def _worker_pid(_item: int) -> int:
    return os.getpid()


def test_local_workers_are_recycled_to_bound_their_memory():
    # without cache eviction a Typst worker grows with every PDF: each then runs a bounded number of tasks
    pids = list(LocalExecutor(2, tasks_per_worker=2).map(_worker_pid, range(8)))
    assert all(n <= 2 for n in (pids.count(pid) for pid in set(pids)))
    assert len(set(pids)) >= 4
    assert len(set(LocalExecutor(2).map(_worker_pid, range(8)))) == 2  # unbounded: the same two workers


_KEPT: list[bytearray] = []


def _grow_and_tell_pid(_item: int) -> int:
    _KEPT.append(bytearray(b"x" * (40 * 2**20)))  # memory this worker keeps, as a fragmented heap does
    return os.getpid()


def test_a_worker_grown_past_its_memory_bound_is_replaced():
    from yusuan.executors import resident_mb

    assert resident_mb() > 0  # this process's size is known (Linux /proc)
    # a worker learns its size as its tasks finish, so it may run a few more before it is replaced
    bounded = list(LocalExecutor(2, worker_memory_mb=150).map(_grow_and_tell_pid, range(24)))
    assert len(set(bounded)) > 2 and max(bounded.count(pid) for pid in set(bounded)) < 12
    assert len(set(LocalExecutor(2).map(_grow_and_tell_pid, range(6)))) == 2  # unbounded: the same two


def test_an_interrupted_batch_resumes_to_the_same_tree(reference, inputs, tmp_path):
    out = tmp_path / "out"
    calls = 0

    def interrupted(task: BuildTask) -> BuildResult:
        nonlocal calls
        calls += 1
        if calls > N // 2:
            raise KeyboardInterrupt
        return build_one(task)

    with pytest.raises(KeyboardInterrupt):
        build_batch(inputs, out, FORMATS, LocalExecutor(1), build=interrupted)
    assert len([d for d in out.iterdir() if (d / MANIFEST).exists()]) == N // 2

    summary = build_batch(inputs, out, FORMATS, LocalExecutor(2))
    assert (summary.built, summary.skipped, summary.failed) == (N - N // 2, N // 2, 0)
    assert tree(out) == tree(reference)

    # nothing left to do; a changed input, or other formats, are built again
    again = build_batch(inputs, out, FORMATS, LocalExecutor(1))
    assert (again.built, again.skipped) == (0, N)
    copy = tmp_path / "in"
    shutil.copytree(inputs, copy)
    changed = copy / "dept-00003.yaml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("负责本部门", "负责本系统"), encoding="utf-8")
    stamp = (out / "dept-00003" / "tables.xlsx").stat().st_mtime_ns
    os.utime(changed, ns=(stamp - 10**9, stamp - 10**9))  # older than the outputs: only the hash tells
    rebuilt = build_batch(copy, out, FORMATS, LocalExecutor(1))
    assert (rebuilt.built, rebuilt.skipped) == (1, N - 1)
    fewer = build_batch(copy, out, ["json"], LocalExecutor(1))
    assert fewer.built == N


def test_bad_inputs_are_recorded_and_the_rest_complete(inputs, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("dept-00001.yaml", "dept-00002.yaml", "dept-00003.yaml"):
        shutil.copy(inputs / name, folder / name)
    (folder / "dept-00002-corrupt.xlsx").write_bytes(os.urandom(4096))
    text = (inputs / "dept-00004.yaml").read_text(encoding="utf-8")
    assert "econ: '30101'" in text
    (folder / "dept-00002-unknown.yaml").write_text(text.replace("econ: '30101'", "econ: '38888'", 1), "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", "build", str(folder), "-o", str(out), "-f", "json", "-j", "2"])
    assert result.exit_code == 1
    assert "已生成 3 个" in result.stderr and "失败 2 个" in result.stderr
    rows = list(csv.DictReader(io.StringIO((out / FAILURES).read_text(encoding="utf-8"))))
    assert [r["file"] for r in rows] == ["dept-00002-corrupt.xlsx", "dept-00002-unknown.yaml"]
    assert "38888" in rows[1]["error"]
    assert str(folder) not in (out / FAILURES).read_text(encoding="utf-8")
    for stem in ("dept-00001", "dept-00002", "dept-00003"):
        assert (out / stem / "disclosure.json").is_file()
    assert not (out / "dept-00002-corrupt").exists()
    assert not (out / "dept-00002-unknown").exists()


@pytest.mark.parametrize("fmt", ["yaml", "xlsx"])
def test_synth_is_reproducible(tmp_path, fmt):
    runs = []
    for name in ("a", "b"):
        folder = tmp_path / name
        args = ["synth", "--departments", "3", "--seed", "5", "-o", str(folder), "--format", fmt]
        assert CliRunner().invoke(app, args).exit_code == 0
        runs.append(tree(folder))
    assert runs[0] == runs[1]
    assert sorted(runs[0]) == [f"dept-0000{i}.{fmt}" for i in (1, 2, 3)]
    assert len(set(runs[0].values())) == 3
