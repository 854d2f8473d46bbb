"""Operating the flows (issue 11): alerts, retries, the parse cache's bounds, progress, verbosity, Dask's quiet."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest

BLOGETL = Path(sys.executable).with_name("blogetl")
BROKEN = b"\x00\x01\x02\xff" * 500  # a binary dump: recorded, rejected, named


def count(db: Path, sql: str) -> int:
    """One integer from the published warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute(sql).fetchone()[0])


# --- alerts -----------------------------------------------------------------------------------


class Receiver:
    """A local webhook: an HTTP server in a thread that keeps what is POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                received.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/blogetl-alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch) -> Iterator[Receiver]:
    """A webhook on 127.0.0.1, configured as BLOGETL_ALERT_URL."""
    with Receiver() as r:
        monkeypatch.setenv("BLOGETL_ALERT_URL", r.url)
        yield r


@pytest.mark.flows
def test_a_partly_loaded_run_alerts_the_webhook_naming_the_dumps_not_loaded(prefect_server, raw_copy, tmp_path, receiver):
    from flows.ingest import run_ingest

    (raw_copy / "zz_broken.txt").write_bytes(BROKEN)
    state, report = run_ingest(str(raw_copy), str(tmp_path / "blog.duckdb"), dedup=False)
    assert state.is_failed() and state.name == "Failed"  # final at once: not AwaitingRetry, not retried
    assert len(receiver.bodies) == 1, receiver.bodies
    alert = receiver.bodies[0]
    assert alert["type"] == "failure"
    assert "1 dump(s) not loaded" in alert["title"]
    assert "zz_broken.txt: rejected by the parser: binary_dump" in alert["message"]
    assert str(tmp_path / "blog.duckdb") in alert["message"]


@pytest.mark.flows
def test_a_complete_run_sends_no_alert(prefect_server, raw_copy, tmp_path, receiver):
    from flows.ingest import run_ingest

    state, _ = run_ingest(str(raw_copy), str(tmp_path / "blog.duckdb"), dedup=False)
    assert state.is_completed()
    assert receiver.bodies == []


def test_an_unreachable_webhook_is_a_warning_not_a_failure(caplog):
    from flows.alerts import send

    with caplog.at_level(logging.WARNING):
        assert send("http://127.0.0.1:9/nothing-listens-here", "subject", "body") is False
    assert "could not send the alert" in caplog.text


def test_alert_urls_become_apprise_urls():
    from flows.alerts import apprise_urls, redact

    assert apprise_urls("https://hooks.example.org/x") == "jsons://hooks.example.org/x"
    assert apprise_urls("mailtos://u:p@smtp.example.org?to=ops@example.org") == "mailtos://u:p@smtp.example.org?to=ops@example.org"
    assert redact("json://user:token@host/x") == "json://user:***@host/x"


# --- retries ----------------------------------------------------------------------------------


def flaky_open(monkeypatch, name: str, failures: int) -> list[int]:
    """Make Path.open fail with EIO for `name` the first `failures` times; returns the attempt counter."""
    real_open = Path.open
    attempts = [0]

    def guarded(self, *args, **kwargs):
        if self.name == name:
            attempts[0] += 1
            if attempts[0] <= failures:
                raise OSError(5, "Input/output error", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)
    return attempts


@pytest.mark.flows
def test_a_dump_unreadable_at_the_scan_is_loaded_on_the_retry(prefect_server, raw_copy, tmp_path, monkeypatch):
    from flows.ingest import POLICY, run_ingest

    assert POLICY.read_retries >= 1
    attempts = flaky_open(monkeypatch, "001_2e98f75a052abd0d.txt", failures=2)  # the scan, then the first read-again
    db = tmp_path / "blog.duckdb"
    state, report = run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_completed(), state.message
    assert report.not_loaded == {}
    assert attempts[0] >= 3
    assert count(db, "SELECT count(*) FROM posts") == 30


@pytest.mark.flows
def test_a_dump_unreadable_at_the_parse_is_loaded_on_the_retry(prefect_server, raw_copy, tmp_path, monkeypatch):
    from flows.ingest import run_ingest

    unique = f"zz_{time.time_ns()}.txt"  # a batch no earlier test cached
    (raw_copy / unique).write_bytes((raw_copy / "002_cfe29880190abf46.txt").read_bytes())
    real_read = Path.read_bytes
    reads = [0]

    def flaky_read(self):
        if self.name == unique:
            reads[0] += 1
            if reads[0] == 1:
                raise OSError(5, "Input/output error", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", flaky_read)
    db = tmp_path / "blog.duckdb"
    state, report = run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_completed(), state.message
    assert reads[0] == 2  # the batch was parsed again
    assert count(db, "SELECT count(*) FROM dumps") == 6


@pytest.mark.flows
def test_a_run_that_raised_is_run_again_by_the_flow_retry(prefect_server, raw_copy, tmp_path, monkeypatch):
    from blogetl.warehouse import Warehouse
    from flows.ingest import ingest_flow

    real_finish = Warehouse.finish
    calls = [0]

    def flaky_finish(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == 1:
            raise OSError(5, "Input/output error")  # a network file system's hiccup, say
        return real_finish(self, *args, **kwargs)

    monkeypatch.setattr(Warehouse, "finish", flaky_finish)
    db = tmp_path / "blog.duckdb"
    state = ingest_flow.with_options(retries=1, retry_delay_seconds=0)(str(raw_copy), str(db), False, return_state=True)
    assert state.is_completed(), state.message
    assert calls[0] == 2
    assert count(db, "SELECT count(*) FROM posts") == 30
    assert count(db, "SELECT count(*) FROM ingest_runs WHERE status = 'failed'") == 1  # the first attempt's record


@pytest.mark.flows
def test_a_wrong_path_is_not_retried(prefect_server, raw_copy, tmp_path):
    from flows.ingest import ingest_flow

    (tmp_path / "a-folder").mkdir()
    started = time.monotonic()
    state = ingest_flow.with_options(retries=2, retry_delay_seconds=30)(
        str(raw_copy), str(tmp_path / "a-folder"), False, return_state=True)  # --db a directory
    assert state.is_failed(), state
    assert time.monotonic() - started < 25  # no 30 s wait for a retry


def test_retry_decisions():
    import errno

    from prefect.exceptions import TerminationSignal

    from blogetl.warehouse import WarehouseLocked
    from flows.retry import is_transient, termination_in, worth_a_flow_retry

    assert is_transient(WarehouseLocked("x")) and is_transient(OSError(errno.EIO, "io"))
    assert not is_transient(IsADirectoryError(errno.EISDIR, "dir"))
    assert worth_a_flow_retry(OSError(errno.EIO, "Input/output error")) and worth_a_flow_retry(ConnectionResetError())
    assert worth_a_flow_retry(duckdb.IOException("IO Error: Could not read from file: Input/output error"))
    assert worth_a_flow_retry(type("KilledWorker", (Exception,), {})("worker died"))
    for permanent in (WarehouseLocked("x"), PermissionError(errno.EACCES, "no"), OSError(errno.ENOSPC, "full"),
                      duckdb.IOException("IO Error: Could not write file: No space left on device"),
                      duckdb.OutOfMemoryException("Out of Memory Error"), RuntimeError("a bug")):
        assert not worth_a_flow_retry(permanent), permanent
    stop = TerminationSignal(signal=15)
    try:
        try:
            raise stop
        except TerminationSignal as inner:
            raise RuntimeError("Query interrupted") from inner
    except RuntimeError as exc:
        assert termination_in(exc) is stop
        assert not worth_a_flow_retry(exc)


def test_policy_reads_the_environment(monkeypatch):
    from flows.policy import Policy

    monkeypatch.setenv("BLOGETL_FLOW_RETRIES", "3")
    monkeypatch.setenv("BLOGETL_CACHE_DAYS", "0.5")
    policy = Policy.from_env()
    assert (policy.flow_retries, policy.cache_days, policy.read_retries) == (3, 0.5, 2)
    monkeypatch.setenv("BLOGETL_READ_RETRIES", "many")
    with pytest.raises(ValueError, match="BLOGETL_READ_RETRIES='many' is not a number"):
        Policy.from_env()


# --- the parse cache --------------------------------------------------------------------------


def test_the_parse_task_has_an_expiry():
    from flows.ingest import POLICY, parse_batch

    assert parse_batch.cache_expiration == timedelta(days=POLICY.cache_days)


def write_cached(folder: Path, name: str, size: int, age_days: float) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    when = time.time() - age_days * 86400
    os.utime(path, (when, when))
    return path


def test_prune_removes_expired_then_oldest_beyond_the_size_bound(tmp_path):
    from flows.cache import clean, prune

    old = write_cached(tmp_path, "blogetl-parse-old", 100, 10)
    mid = write_cached(tmp_path, "blogetl-parse-mid", 100, 3)
    new = write_cached(tmp_path, "blogetl-parse-new", 100, 1)
    other = write_cached(tmp_path, "some-flow-result", 100, 30)
    removed = prune(tmp_path, max_age_days=7, max_bytes=150)
    assert (removed.files, removed.bytes) == (2, 200)
    assert not old.exists() and not mid.exists() and new.exists() and other.exists()
    assert clean(tmp_path).files == 1 and not new.exists() and other.exists()


def test_clean_cache_command_removes_cached_parses(tmp_path):
    storage = tmp_path / "home" / "storage"
    storage.mkdir(parents=True)
    write_cached(storage, "blogetl-parse-a", 1000, 0)
    write_cached(storage, "blogetl-parse-b", 1000, 20)
    write_cached(storage, "not-ours", 10, 20)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_LOCAL_STORAGE_PATH", None)
    done = subprocess.run([str(BLOGETL), "clean-cache", "--older-than", "7"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("removed 1 cached parse result (0.0 MB) from ")
    done = subprocess.run([str(BLOGETL), "clean-cache"], env=env, capture_output=True, text=True, timeout=120)
    assert "removed 1 cached parse result" in done.stdout
    assert sorted(p.name for p in storage.iterdir()) == ["not-ours"]


@pytest.mark.flows
def test_a_batch_with_a_failed_dump_is_not_cached(prefect_server, raw_copy, tmp_path, monkeypatch):
    from flows.cache import cached_files
    from flows.ingest import run_ingest

    for f in raw_copy.iterdir():
        if f.name != "003_837c0e1b7ac6da94.txt":
            f.unlink()
    monkeypatch.setattr("blogetl.pipeline.parse_decoded", lambda *a, **k: (_ for _ in ()).throw(ValueError("parser bug")))
    before = {p.name for p, _, _ in cached_files()}
    state, report = run_ingest(str(raw_copy), str(tmp_path / "blog.duckdb"), dedup=False)
    assert state.is_failed() and "parser bug" in report.not_loaded["003_837c0e1b7ac6da94.txt"]
    assert {p.name for p, _, _ in cached_files()} == before  # nothing cached for the failed batch


# --- progress, verbosity, Dask --------------------------------------------------------------


def test_progress_line_per_batch_with_an_eta_only_on_long_runs():
    from flows.report import BatchProgress

    lines: list[str] = []
    short = BatchProgress(lines.append, 10, 2, clock=iter([0.0, 0.5, 1.0]).__next__)
    short.batch_done(5)
    short.batch_done(5)
    assert lines == ["parsed 5/10 dumps (batch 1/2) in 0 s", "parsed 10/10 dumps (batch 2/2) in 1 s"]
    lines.clear()
    long = BatchProgress(lines.append, 2000, 40, clock=iter([0.0] + [5.0 * i for i in range(1, 41)]).__next__)
    for _ in range(40):
        long.batch_done(50)
    assert len(lines) == 40
    assert lines[0] == "parsed 50/2000 dumps (batch 1/40) in 5 s, about 3 min 15 s left"
    assert lines[-1] == "parsed 2000/2000 dumps (batch 40/40) in 3 min 20 s"


def test_verbosity_sets_prefect_and_dask_logging(monkeypatch):
    from flows._env import set_verbosity, verbosity_env

    for key in verbosity_env("normal"):
        monkeypatch.delenv(key, raising=False)
    assert verbosity_env("quiet")["PREFECT_LOGGING_LEVEL"] == "WARNING"
    assert verbosity_env("normal")["PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL"] == "WARNING"
    assert verbosity_env("verbose")["DASK_LOGGING__DISTRIBUTED"] == "info"
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "DEBUG")
    set_verbosity("normal", force=False)  # the operator's own setting wins over the default
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "DEBUG"
    try:
        set_verbosity("quiet")
        assert os.environ["PREFECT_LOGGING_LEVEL"] == "WARNING"
        assert logging.getLogger("prefect.task_runs").level == logging.WARNING
    finally:
        set_verbosity("normal")


def test_quiet_and_verbose_together_are_a_usage_error(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    (tmp_path / "raw").mkdir()
    result = CliRunner().invoke(app, ["ingest", "--raw", str(tmp_path / "raw"), "--quiet", "--verbose"])
    assert result.exit_code == 2
    assert "choose one of --quiet and --verbose" in result.output


def test_closed_comm_reports_are_dropped():
    from flows.runners import DropClosedComms

    drop = DropClosedComms()
    record = logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1, "x", None, None)
    assert drop.filter(record)
    try:
        raise type("CommClosedError", (Exception,), {})("in <TCP (closed)>")
    except Exception:
        record.exc_info = sys.exc_info()
    assert not drop.filter(record)


@pytest.mark.flows
@pytest.mark.slow
def test_dask_run_is_quiet_by_default(prefect_server, raw_copy, tmp_path):
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    for key in ("BLOGETL_VERBOSITY", "PREFECT_LOGGING_LEVEL", "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL",
                "DASK_LOGGING__DISTRIBUTED"):
        env.pop(key, None)
    done = subprocess.run([str(BLOGETL), "ingest", "--raw", str(raw_copy), "--db", str(tmp_path / "d.duckdb"),
                           "--no-dedup", "--task-runner", "dask"], env=env, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "parsed 5/5 dumps (batch 1/1)" in out
    for noise in ("distributed.", "dashboard", "CommClosedError", "Traceback", "Task run 'parse"):
        assert noise not in out, f"{noise!r} in the output:\n{out}"
