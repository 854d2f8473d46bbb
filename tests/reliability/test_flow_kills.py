"""Issue 14, point 15, and the kill tests on the flow path: `blogetl ingest` as a flow killed at a few
points (SIGKILL while its temporary Prefect server starts and after the parse, SIGTERM mid-parse)
leaves no server behind and publishes all of its run or none of it; a server that a dead run left
anyway is stopped by the next run; the re-run equals a clean build.

Every process here has a PREFECT_HOME of its own: afterwards no process may carry it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from blogetl import pipeline
from blogetl.dedup import run as deduplicate
from blogetl.warehouse import Warehouse, snapshot
from blogetl.warehouse.history import recent_runs

pytestmark = pytest.mark.slow

BLOGETL = Path(sys.executable).with_name("blogetl")
SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"

# A process that starts the temporary server as blogetl does, but (as where no parent-death signal
# exists) without dying with it: killed, it leaves its server running, recorded under PREFECT_HOME.
LEAVES_A_SERVER = """
import time
from prefect.server.api.server import SubprocessASGIServer
from flows.tempserver import TemporaryServer
server = TemporaryServer(die_with_parent=False)
SubprocessASGIServer._instances[None] = server
server.start()
print("server", server.server_process.pid, flush=True)
time.sleep(600)
"""


def env_for(home: Path) -> dict[str, str]:
    """The test's environment without Prefect or blogetl settings, with a PREFECT_HOME of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BLOGETL_", "DASK_"))}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_HOME=str(home),
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180")
    return env


def carriers(home: Path) -> list[str]:
    """Live processes whose environment carries PREFECT_HOME=home (pid and command line)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.status() != psutil.STATUS_ZOMBIE and process.environ().get("PREFECT_HOME") == str(home):
                found.append(f"{process.pid} {' '.join(process.cmdline())[:200]}")
        except psutil.Error:  # gone meanwhile, or not ours to read
            continue
    return found


def no_carriers_left(home: Path, timeout: float = 30.0) -> list[str]:
    """Wait up to timeout s for every process carrying home to end; returns those still there."""
    deadline = time.monotonic() + timeout
    while (left := carriers(home)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def tables(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows but ingest_runs' (compared by runs())."""
    return {name: rows for name, rows in snapshot(db).items() if name != "ingest_runs"}


def runs(db: Path) -> list[tuple[int, str]]:
    """(run_id, status) of every run, as `blogetl status` reads them."""
    return sorted((int(r["run_id"]), str(r["status"])) for r in recent_runs(db, 100))


def wait_for_line(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    """Wait until the process's log shows text."""
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {text!r} (exit {proc.poll()}):\n{log.read_text(errors='replace')}")
        time.sleep(0.1)


def flow_ingest(raw: Path, db: Path, home: Path, log: Path) -> subprocess.Popen[bytes]:
    """`blogetl ingest` as a flow, with its temporary Prefect server, output to log."""
    with log.open("wb") as out:
        return subprocess.Popen([str(BLOGETL), "ingest", "--raw", str(raw), "--db", str(db)], env=env_for(home),
                                stdout=out, stderr=subprocess.STDOUT)


def test_a_flow_ingest_killed_anywhere_leaves_no_server_and_the_rerun_equals_a_clean_build(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    clean, killed, home = tmp_path / "clean" / "blog.duckdb", tmp_path / "killed" / "blog.duckdb", tmp_path / "home"
    pipeline.run(raw, clean, after_load=[deduplicate])  # as `blogetl ingest` runs it
    pipeline.run(raw, killed, after_load=[deduplicate])
    for n in range(60):  # 300 new dumps: the flow parses in six batches
        for sample in SAMPLES.iterdir():
            shutil.copy(sample, raw / f"c{n:02d}_{sample.name}")
    before = tables(killed)
    with Warehouse.open(clean) as wh:  # clean sees the runs killed sees: one stopped by SIGTERM is recorded failed
        wh.abort(KeyboardInterrupt("SIGTERM"))
    pipeline.run(raw, clean, after_load=[deduplicate])
    after = tables(clean)
    assert runs(clean) == [(1, "succeeded"), (2, "failed"), (3, "succeeded")]

    for sig, line in ((signal.SIGKILL, "Starting temporary server"), (signal.SIGTERM, "parsed 50/300"),
                      (signal.SIGKILL, "parsed 300/300")):
        log = tmp_path / f"ingest-{sig.name}-{line.split()[0]}.log"
        proc = flow_ingest(raw, killed, home, log)
        wait_for_line(log, line, proc)
        deadline = time.monotonic() + 60
        while len(carriers(home)) < 2 and time.monotonic() < deadline:  # the server's process starts after the line
            time.sleep(0.1)
        assert len(carriers(home)) == 2  # the flow process and its temporary server
        proc.send_signal(sig)
        assert proc.wait(timeout=120) == (130 if sig == signal.SIGTERM else -signal.SIGKILL), log.read_text()
        assert no_carriers_left(home) == [], f"{sig.name} at {line!r} left a process:\n{log.read_text()}"
        assert tables(killed) in (before, after), f"{sig.name} at {line!r}: neither all of the run nor none of it"
        if sig == signal.SIGTERM:  # a stop is recorded as a failed run, as the flow's retries need
            assert runs(killed)[-1] == (2, "failed")

    helper = subprocess.Popen([sys.executable, "-c", LEAVES_A_SERVER], env=env_for(home), stdout=subprocess.PIPE)
    assert helper.stdout is not None
    server = int(helper.stdout.readline().split()[1])
    helper.kill()
    helper.wait(timeout=30)
    assert psutil.pid_exists(server) and psutil.Process(server).status() != psutil.STATUS_ZOMBIE  # left running

    log = tmp_path / "rerun.log"
    rerun = flow_ingest(raw, killed, home, log)
    assert rerun.wait(timeout=600) == 0, log.read_text()
    assert f"stopped a temporary Prefect server (PID {server}) left running by blogetl process {helper.pid}" in log.read_text()
    assert no_carriers_left(home) == [], log.read_text()
    assert not list((home / "blogetl-servers").iterdir())  # every record is gone with its server
    assert tables(killed) == after and runs(killed) == runs(clean)
