"""The Prefect layer: ingest flow runs, caching, Dask, serve, watch, concurrent runs (one test server)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from blogetl.warehouse.history import recent_runs

pytestmark = pytest.mark.flows

BLOGETL = Path(sys.executable).with_name("blogetl")


def count(db: Path, sql: str) -> int:
    """One integer from the published warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute(sql).fetchone()[0])


def test_first_run_loads_samples_and_second_run_changes_nothing(prefect_server, raw_copy, tmp_path):
    from flows.ingest import run_ingest

    db = tmp_path / "wh" / "blog.duckdb"
    db.parent.mkdir()
    state, report = run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_completed(), state.message
    assert report.summary.dumps_new == 5 and report.summary.posts_added == 30
    assert report.not_loaded == {}
    assert count(db, "SELECT count(*) FROM posts") == 30
    assert count(db, "SELECT count(*) FROM comments") == 5

    state, report = run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_completed()
    s = report.summary
    assert (s.dumps_unchanged, s.dumps_new, s.posts_added, s.posts_updated, s.comments_added) == (5, 0, 0, 0, 0)
    assert [r["run_id"] for r in recent_runs(db)] == [2, 1]  # the second run's row waits in the record for a publish
    assert count(db, "SELECT count(*) FROM ingest_runs") == 1


def test_the_flow_hashes_only_files_whose_size_or_time_changed(prefect_server, raw_copy, tmp_path, monkeypatch):
    """The flow's discovery uses the warehouse's record as the library does: a re-run reads no dump
    to hash it, and an edit of the same size (a new mtime) is hashed and loaded."""
    import hashlib

    from flows.ingest import run_ingest

    db = tmp_path / "blog.duckdb"
    assert run_ingest(str(raw_copy), str(db), dedup=False)[0].is_completed()
    hashed: list[str] = []
    digest = hashlib.file_digest

    def counting(fh, name):
        hashed.append(Path(fh.name).name)
        return digest(fh, name)

    monkeypatch.setattr(hashlib, "file_digest", counting)
    state, report = run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_completed() and report.summary.dumps_unchanged == 5
    assert hashed == []
    name = "001_2e98f75a052abd0d.txt"
    first = db.stat().st_ino
    text = (raw_copy / name).read_bytes()
    (raw_copy / name).write_bytes(text.replace(b"tandv\xc3\xa5rd", b"TANDV\xc3\x85RD", 1))
    state, report = run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_completed()
    assert hashed == [name]
    assert (report.summary.dumps_changed, report.summary.dumps_unchanged) == (1, 4)
    assert count(db, "SELECT count(*) FROM posts WHERE body LIKE '%TANDVÅRD%'") == 1
    base = db.with_name(".blog.base.duckdb")  # made from the replaced file (nothing in the flow kept it open)
    assert base.stat().st_ino == first and base.read_bytes() == db.read_bytes()


def test_the_run_waits_for_its_task_runs_to_be_recorded(prefect_server, raw_copy, tmp_path):
    """Task runs are recorded from events behind the flow; a temporary server must not stop before."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.ingest import run_ingest
    from flows.runners import uses_temporary_server, wait_for_task_run_records

    assert not uses_temporary_server()  # the harness is a configured API: nothing to wait for at exit
    state, report = run_ingest(str(raw_copy), str(tmp_path / "blog.duckdb"), dedup=False)
    assert report.task_runs == 1 + 3  # one parse batch (the five samples), plus discover, open and publish
    flow_run_id = state.state_details.flow_run_id
    assert wait_for_task_run_records(flow_run_id, report.task_runs, timeout=60) == 4
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    names = sorted(r.name.split(" ")[0].rsplit("-", 1)[0] for r in runs)
    assert names == ["discover-dumps", "load-and-publish", "open-warehouse", "parse"]
    started = time.monotonic()
    assert wait_for_task_run_records(flow_run_id, 5, timeout=1, poll=0.2) == 4  # a task run that never comes
    assert time.monotonic() - started < 10


def test_an_unreadable_dump_fails_the_run_by_name_while_the_others_load(prefect_server, raw_copy, tmp_path, monkeypatch):
    from flows.ingest import run_ingest

    real_open = Path.open

    def guarded(self, *args, **kwargs):
        if self.name == "001_2e98f75a052abd0d.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)  # as root, chmod 000 would not stop the read
    db = tmp_path / "blog.duckdb"
    state, report = run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_failed() and "1 dump(s) not loaded: 001_2e98f75a052abd0d.txt" in state.message
    assert report.not_loaded == {"001_2e98f75a052abd0d.txt": "cannot be read: Permission denied"}
    assert count(db, "SELECT count(*) FROM posts") == 20  # 30 less sample 001's ten


def test_bad_dump_is_recorded_and_named_while_the_others_load(prefect_server, raw_copy, tmp_path):
    from flows.ingest import run_ingest

    (raw_copy / "zz_broken.txt").write_bytes(b"\x00\x01\x02\xff" * 500)
    db = tmp_path / "blog.duckdb"
    state, report = run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_failed()
    assert "zz_broken.txt" in state.message and "1 dump(s) not loaded" in state.message
    assert list(report.not_loaded) == ["zz_broken.txt"]
    assert "binary_dump" in report.not_loaded["zz_broken.txt"]
    assert count(db, "SELECT count(*) FROM posts") == 30
    assert count(db, "SELECT count(*) FROM dumps WHERE status = 'rejected'") == 1
    assert count(db, "SELECT count(*) FROM rejects WHERE reason = 'binary_dump'") == 1


def test_parse_task_is_cached_by_content_and_parser_version(prefect_server, raw_copy):
    from prefect import flow

    from blogetl.sources.scan import scan
    from flows.ingest import parse_batch

    metas = scan(raw_copy)[:2]

    @flow
    def twice():
        return [parse_batch(metas, return_state=True) for _ in range(2)]

    first, second = twice()
    assert first.is_completed() and second.is_completed()
    assert second.name == "Cached"
    assert [path for path, _ in first.result()] == [m.path for m in metas]
    assert [t.post_sightings.num_rows for _, t in second.result()] == [t.post_sightings.num_rows for _, t in first.result()] == [9, 10]


def test_summary_artifact_lists_counts_and_failures(prefect_server, raw_copy, tmp_path):
    from flows.ingest import run_ingest
    from flows.report import summary_markdown

    state, report = run_ingest(str(raw_copy), str(tmp_path / "blog.duckdb"), dedup=False)
    md = summary_markdown(report.summary, {"x.txt": "rejected by the parser: empty_dump"})
    assert "| posts | 30 | added 30" in md
    assert "| parse |" in md and "| load |" in md
    assert "- `x.txt`: rejected by the parser: empty_dump" in md


def test_dask_runner_gives_the_same_warehouse(prefect_server, raw_copy, tmp_path):
    from flows.ingest import run_ingest

    state, report = run_ingest(str(raw_copy), str(tmp_path / "dask.duckdb"), dedup=False, task_runner="dask")
    assert state.is_completed(), state.message
    state2, _ = run_ingest(str(raw_copy), str(tmp_path / "threads.duckdb"), dedup=False)
    for table in ("posts", "comments", "post_sightings"):
        key = {"posts": "post_id", "comments": "comment_id", "post_sightings": "post_id, dump_id"}[table]
        q = f"SELECT {key} FROM {table} ORDER BY ALL"
        with duckdb.connect(str(tmp_path / "dask.duckdb"), read_only=True) as a, \
             duckdb.connect(str(tmp_path / "threads.duckdb"), read_only=True) as b:
            assert a.execute(q).fetchall() == b.execute(q).fetchall()
    assert report.summary.posts_added == 30


def test_unknown_task_runner_is_a_clear_error():
    from flows.runners import make_task_runner

    with pytest.raises(ValueError, match="unknown task runner 'spark'"):
        make_task_runner("spark")


def test_serve_registers_a_scheduled_deployment_and_stops(prefect_server, raw_copy, tmp_path):
    from prefect.client.orchestration import get_client

    from flows.serve import DEPLOYMENT_NAME, build_deployment, serve_until_stopped

    deployment = build_deployment("*/5 * * * *", str(raw_copy), str(tmp_path / "s.duckdb"))

    async def scenario():
        stop = asyncio.Event()
        serving = asyncio.create_task(serve_until_stopped(deployment, stop))
        await asyncio.sleep(3)
        async with get_client() as client:
            dep = await client.read_deployment_by_name(f"ingest/{DEPLOYMENT_NAME}")
            schedules = [s.schedule.cron for s in dep.schedules]
        stop.set()
        await asyncio.wait_for(serving, 60)  # stops by itself once told
        async with get_client() as client:
            paused = await client.read_deployment_by_name(f"ingest/{DEPLOYMENT_NAME}")
        return dep, schedules, paused

    dep, schedules, paused = asyncio.run(scenario())
    assert paused.paused  # pause_on_shutdown: no runs scheduled while nothing serves them
    assert schedules == ["*/5 * * * *"]
    assert dep.parameters["raw_dir"] == str(raw_copy.absolute())
    assert dep.global_concurrency_limit.limit == 1
    assert dep.concurrency_options.collision_strategy.value == "CANCEL_NEW"


def test_watch_ingests_a_dump_copied_into_raw(prefect_server, raw_copy, tmp_path):
    from flows.ingest import run_ingest
    from flows.watch import watch_raw

    db = tmp_path / "watch.duckdb"
    runs: list[float] = []

    def run():
        run_ingest(str(raw_copy), str(db), dedup=False)
        runs.append(time.monotonic())

    dropped: list[float] = []

    def drop_files():
        while not runs:
            time.sleep(0.1)
        time.sleep(1.0)
        dropped.append(time.monotonic())
        for i in range(3):  # a burst: one run, not three
            shutil.copy(raw_copy / "000_17c9fd5fd54ce450.txt", raw_copy / f"new_{i}.txt")

    stop = threading.Event()
    threading.Thread(target=drop_files, daemon=True).start()
    guard = threading.Timer(120, stop.set)  # a watch that never sees the files still ends
    guard.daemon = True
    guard.start()
    try:
        made = watch_raw(raw_copy, run, initial_run=True, step_ms=500, debounce_ms=5000, settle=0.5, stop_event=stop, max_runs=2)
    finally:
        guard.cancel()  # a pending timer would keep pytest's process alive for two minutes
        stop.set()
    assert made == 2
    assert runs[1] - dropped[0] < 15, "the new dumps were ingested within seconds"
    assert count(db, "SELECT count(*) FROM dumps") == 8
    assert count(db, "SELECT count(*) FROM posts") == 30  # copies add sightings, not posts
    assert count(db, "SELECT count(*) FROM ingest_runs") == 2


def test_settle_waits_for_a_file_still_being_written(tmp_path):
    from flows.watch import wait_until_settled

    f = tmp_path / "growing.txt"
    f.write_text("a")

    def writer():
        for _ in range(5):
            time.sleep(0.2)
            with f.open("a") as fh:
                fh.write("more")

    t = threading.Thread(target=writer)
    started = time.monotonic()
    t.start()
    assert wait_until_settled([f], settle=0.5, poll=0.05) == [f]
    t.join()
    assert time.monotonic() - started >= 1.0 + 0.5 - 0.1  # waited for the last write, then the settle time
    assert f.read_text() == "a" + "more" * 5


def test_two_concurrent_ingest_processes_neither_corrupts_nor_duplicates(prefect_server, raw_copy, tmp_path):
    db = tmp_path / "blog.duckdb"
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    cmd = [str(BLOGETL), "ingest", "--raw", str(raw_copy), "--db", str(db), "--no-dedup"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert count(db, "SELECT count(*) FROM posts") == 30
    assert count(db, "SELECT count(*) FROM post_sightings") == 31
    runs = recent_runs(db)  # the second run found it all loaded: its row waits in the record for a publish
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
    assert sum(r["posts_added"] for r in runs) == 30


def test_prefect_yaml_deploys_the_flow_to_a_work_pool(prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    async def create_pool():
        async with get_client() as client:
            await client.create_work_pool(WorkPoolCreate(name="blogetl", type="process"), overwrite=True)

    asyncio.run(create_pool())
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "BLOGETL_HOME": str(Path.cwd())}
    prefect = Path(sys.executable).with_name("prefect")
    done = subprocess.run([str(prefect), "--no-prompt", "deploy", "--name", "blogetl-ingest"], env=env,
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stdout + done.stderr

    async def read():
        async with get_client() as client:
            return await client.read_deployment_by_name("ingest/blogetl-ingest")

    dep = asyncio.run(read())
    assert dep.work_pool_name == "blogetl"
    assert [s.schedule.cron for s in dep.schedules] == ["*/15 * * * *"]
    assert dep.parameters == {"raw_dir": "raw", "db_path": "warehouse/blog.duckdb", "dedup": True}
