"""Runs against other processes: open analyst sessions, a second writer, SIGKILL at any moment."""

from __future__ import annotations

import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from blogetl import pipeline
from blogetl.warehouse import WarehouseLocked, snapshot

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"  # copies of raw/'s dumps; tests never read raw/
LISTING, SINGLE = "000_17c9fd5fd54ce450.txt", "003_837c0e1b7ac6da94.txt"

HOLD_READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
if sys.argv[2] == "rw-writing":
    con.execute("CREATE TABLE scratch AS SELECT 1 AS x")
print("dumps", con.execute("SELECT count(*) FROM dumps").fetchone()[0], flush=True)
sys.stdin.readline()
print("dumps", con.execute("SELECT count(*) FROM dumps").fetchone()[0], flush=True)
"""
HOLD_WRITER = """
import sys
from blogetl.warehouse import Warehouse
with Warehouse.open(sys.argv[1]) as wh:
    print("holding", flush=True)
    sys.stdin.readline()
"""
# Loads dump by dump and sleeps at the named point, waiting to be killed.
STOP_AT = """
import sys, time
from blogetl.pipeline import parse_dump
from blogetl.sources.scan import scan
from blogetl.warehouse import Warehouse
raw, db, stop = sys.argv[1:4]
def mark(name):
    print(name, flush=True)
    if name == stop:
        time.sleep(600)
with Warehouse.open(db) as wh:
    mark("opened")
    for meta in wh.plan(scan(raw)).todo:
        wh.load_arrow([parse_dump(meta)])
        mark("loaded")
    wh.finish(after_load=[lambda con: mark("after_load") or {}])
"""
INGEST = """
import sys
from blogetl import pipeline
print("start", flush=True)
pipeline.run(sys.argv[1], sys.argv[2])
"""


def spawn(script: str, *args: object) -> subprocess.Popen[bytes]:
    """A Python child running script, with unbuffered pipes to talk to it."""
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)


def wait_for(proc: subprocess.Popen[bytes], marker: str, timeout: float = 60) -> str:
    """The child's next output line starting with marker (fails on timeout or exit)."""
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        line = proc.stdout.readline().decode().strip() if ready else ""
        if line.startswith(marker):
            return line
        if ready and not line and proc.poll() is not None:
            break
    raise AssertionError(f"child never printed {marker!r} (exit code {proc.poll()})")


def tell(proc: subprocess.Popen[bytes]) -> None:
    """Send the child the newline it waits for."""
    assert proc.stdin is not None
    proc.stdin.write(b"\n")


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child and reap it."""
    proc.kill()
    proc.wait(timeout=30)


def add_dumps(raw: Path, copies: int) -> None:
    """New dumps for a second run: copies of the samples, and a changed single page."""
    for n in range(copies):
        for sample in (LISTING, SINGLE):
            shutil.copy(raw / sample, raw / f"copy{n:03d}_{sample}")
    single = raw / SINGLE
    single.write_text(single.read_text(encoding="utf-8").replace("Punkt slut.", "Punkt."), encoding="utf-8")


@pytest.mark.parametrize("mode", ["ro", "rw", "rw-writing"])
def test_an_open_analyst_session_neither_blocks_a_run_nor_is_broken_by_it(raw_copy: Path, tmp_path: Path, mode: str) -> None:
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    reader = spawn(HOLD_READER, db, mode)
    assert wait_for(reader, "dumps") == "dumps 5"
    add_dumps(raw_copy, 1)
    assert pipeline.run(raw_copy, db, lock_timeout=1).summary.dumps_new == 2
    with duckdb.connect(str(db), read_only=True) as con:  # a new session sees the run, not the open session's writes
        assert con.execute("SELECT count(*) FROM dumps").fetchone() == (7,)
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scratch'").fetchone() == (0,)
    tell(reader)
    assert wait_for(reader, "dumps") == "dumps 5"  # the open session keeps its snapshot
    assert reader.wait(timeout=30) == 0


def test_a_second_writer_retries_then_fails_naming_the_file_and_the_holder(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    before = snapshot(db)
    holder = spawn(HOLD_WRITER, db)
    wait_for(holder, "holding")
    started = time.monotonic()
    with pytest.raises(WarehouseLocked) as err:
        pipeline.run(raw_copy, db, lock_timeout=0.5)
    assert time.monotonic() - started >= 0.4
    assert f"PID {holder.pid}" in str(err.value) and str(db) in str(err.value)
    assert snapshot(db) == before
    tell(holder)
    assert holder.wait(timeout=30) == 0
    assert pipeline.run(raw_copy, db).summary.run_id == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [".blog.base.duckdb", ".blog.duckdb.lock", ".blog.duckdb.state",
                                                          "blog.duckdb", "raw"]


def _two_builds(raw: Path, tmp_path: Path, copies: int) -> tuple[Path, Path, float]:
    """A 'clean' warehouse built by two uninterrupted runs, one left at its first run, and the second run's seconds."""
    clean, killed = tmp_path / "clean" / "blog.duckdb", tmp_path / "killed" / "blog.duckdb"
    pipeline.run(raw, clean)
    pipeline.run(raw, killed)
    add_dumps(raw, copies)
    started = time.monotonic()
    pipeline.run(raw, clean)
    return clean, killed, time.monotonic() - started


def test_a_run_killed_mid_way_changes_nothing_and_the_next_run_completes_it(raw_copy: Path, tmp_path: Path) -> None:
    clean, killed, _ = _two_builds(raw_copy, tmp_path, copies=2)
    before = snapshot(killed)
    for stop in ("opened", "loaded", "after_load"):  # after the copy, after one dump's commit, before publishing
        victim = spawn(STOP_AT, raw_copy, killed, stop)
        wait_for(victim, stop)
        kill(victim)
        assert snapshot(killed) == before, stop
    pipeline.run(raw_copy, killed)
    assert snapshot(killed) == snapshot(clean)


@pytest.mark.slow
def test_sigkill_at_any_moment_publishes_all_of_a_run_or_none_of_it(raw_copy: Path, tmp_path: Path) -> None:
    clean, killed, seconds = _two_builds(raw_copy, tmp_path, copies=25)
    before, after = snapshot(killed), snapshot(clean)
    for fraction in (0.2, 0.5, 0.8, 1.1):  # of how long the same run took in-process
        victim = spawn(INGEST, raw_copy, killed)
        wait_for(victim, "start")
        time.sleep(fraction * seconds)
        kill(victim)
        state = snapshot(killed)
        assert state in (before, after)  # all of the run or none of it
        if state == after:
            break
    pipeline.run(raw_copy, killed)
    final = snapshot(killed)
    assert final["ingest_runs"][:2] == after["ingest_runs"]
    assert {k: v for k, v in final.items() if k != "ingest_runs"} == {k: v for k, v in after.items() if k != "ingest_runs"}
