"""Scheduled runs that fire, and clean stops (issue 11): a real Prefect server (`blogetl server`),
`blogetl serve` on a one-minute cron, `blogetl watch`; SIGTERM and SIGINT leave no process behind.

Every process here gets a PREFECT_HOME of its own: afterwards no process may carry it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

pytestmark = pytest.mark.slow

BLOGETL = Path(sys.executable).with_name("blogetl")
SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"
NOISE = ("never awaited", "Traceback", "RuntimeWarning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(home: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without its Prefect or blogetl settings, with a PREFECT_HOME of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BLOGETL_", "DASK_"))}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_HOME=str(home),
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180", **extra)
    return env


def carriers(home: Path) -> list[str]:
    """Processes whose environment carries PREFECT_HOME=home (pid and command line)."""
    needle = f"PREFECT_HOME={home}".encode()
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                if needle not in fh.read().split(b"\0"):
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{pid} {cmdline[:200]}")
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def no_carriers_left(home: Path, timeout: float = 30.0) -> list[str]:
    """Wait up to timeout s for every process carrying home to end; returns those still there."""
    deadline = time.monotonic() + timeout
    while (left := carriers(home)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def wait_for(what: str, check, timeout: float, poll: float = 1.0, alive: subprocess.Popen | None = None, log: Path | None = None):
    """Poll check() until it returns something truthy; fail with the log after timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and alive.poll() is not None:
            pytest.fail(f"the process ended ({alive.returncode}) while waiting for {what}:\n{log.read_text() if log else ''}")
        got = check()
        if got:
            return got
        time.sleep(poll)
    pytest.fail(f"no {what} within {timeout:.0f} s:\n{log.read_text() if log else ''}")


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 60.0, log: Path | None = None) -> int:
    """Send sig and wait for the process to end; its exit code (a timeout fails with the process's output)."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {timeout:.0f} s after signal {sig}; its output:\n{log.read_text() if log else ''}")


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts; any still running at its end are killed (by pid, with their children)."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def spawn(procs: list[subprocess.Popen], args: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BLOGETL), *args], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    procs.append(proc)
    return proc


def call(method: str, url: str, **kwargs) -> httpx.Response:
    """One API call, tried again while the server answers 503 (SQLite busy under the runs' writes)."""
    for _ in range(20):
        response = httpx.request(method, url, timeout=30, **kwargs)
        if response.status_code != 503:
            break
        time.sleep(0.5)
    response.raise_for_status()
    return response


def flow_runs(api: str, **flow_run_filter) -> list[dict]:
    return list(call("POST", f"{api}/flow_runs/filter", json={"flow_runs": flow_run_filter, "limit": 50}).json())


def count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute(sql).fetchone()[0])


def copies(raw: Path, n: int, tag: str) -> None:
    """n copies of each sample under raw/ (new dumps: new paths, known content)."""
    for i in range(n):
        for f in SAMPLES.iterdir():
            shutil.copy(f, raw / f"{tag}{i:03d}_{f.name}")


def test_serve_runs_the_schedule_on_a_real_server_and_stops_cleanly(tmp_path, started):
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    db = tmp_path / "wh" / "blog.duckdb"
    server_home, serve_home = tmp_path / "server-home", tmp_path / "serve-home"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"

    # the server, as an operator starts it; the scheduler looks for due runs every 5 s (60 s by default)
    server_log = tmp_path / "server.log"
    server = spawn(started, ["server", "--port", str(port)], env_for(server_home, PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5"),
                   server_log, tmp_path)

    def healthy() -> bool:
        try:
            return httpx.get(f"{api}/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for("healthy server", healthy, 180, alive=server, log=server_log)
    assert f"export PREFECT_API_URL={api}" in server_log.read_text()

    # serve on a one-minute cron; the runner polls every 2 s (10 s by default)
    serve_log = tmp_path / "serve.log"
    serve = spawn(started, ["serve", "--cron", "* * * * *", "--raw", str(raw), "--db", str(db)],
                  env_for(serve_home, PREFECT_API_URL=api, PREFECT_RUNNER_POLL_FREQUENCY="2"), serve_log, tmp_path)
    completed = wait_for("completed scheduled flow run",
                         lambda: [r for r in flow_runs(api, state={"type": {"any_": ["COMPLETED"]}}) if r["auto_scheduled"]],
                         200, poll=2, alive=serve, log=serve_log)
    assert completed[0]["name"] and completed[0]["state"]["message"] == "all 5 dumps loaded"
    assert count(db, "SELECT count(*) FROM ingest_runs") >= 1
    assert count(db, "SELECT count(*) FROM posts") == 30

    # a run in progress when SIGTERM comes: cancelled, nothing published, no process left behind
    copies(raw, 80, "new")  # 400 new dumps: a run of several seconds
    deployment = call("GET", f"{api}/deployments/name/ingest/blogetl-ingest").json()
    call("POST", f"{api}/deployments/{deployment['id']}/create_flow_run", json={})
    running = wait_for("running flow run", lambda: flow_runs(api, state={"type": {"any_": ["RUNNING"]}}), 120, poll=0.5,
                       alive=serve, log=serve_log)
    wait_for("a parsed batch", lambda: "parsed 50/" in serve_log.read_text(), 60, poll=0.2, alive=serve, log=serve_log)
    dumps_before = count(db, "SELECT count(*) FROM dumps")
    assert stop(serve) == 0, serve_log.read_text()
    assert no_carriers_left(serve_home) == []
    log = serve_log.read_text()
    for noise in NOISE:
        assert noise not in log, f"{noise!r} in serve's output:\n{log}"
    assert "stopped" in log
    state = call("GET", f"{api}/flow_runs/{running[0]['id']}").json()["state"]
    assert state["type"] in ("CANCELLED", "CANCELLING", "CRASHED"), state
    assert count(db, "SELECT count(*) FROM dumps") == dumps_before  # the cut run published nothing

    # the server stops on SIGTERM too, leaving nothing behind (uvicorn shuts down, then re-raises the signal)
    assert stop(server) in (0, -signal.SIGTERM), server_log.read_text()
    assert no_carriers_left(server_home) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_watch_stops_mid_run_leaving_no_process_behind(tmp_path, started, sig):
    raw = tmp_path / "raw"
    raw.mkdir()
    copies(raw, 60, "c")  # 300 dumps: the first run parses for a few seconds
    db = tmp_path / "wh" / "blog.duckdb"
    home = tmp_path / "home"
    log = tmp_path / "watch.log"
    watch = spawn(started, ["watch", "--raw", str(raw), "--db", str(db)], env_for(home), log, tmp_path)
    wait_for("a parsed batch", lambda: "parsed 50/300" in log.read_text(), 240, poll=0.2, alive=watch, log=log)
    assert len(carriers(home)) == 2  # watch and its temporary Prefect server
    assert stop(watch, sig, timeout=150, log=log) == 0, log.read_text()  # a loaded machine stops slowly
    assert no_carriers_left(home) == [], log.read_text()
    out = log.read_text()
    for noise in NOISE:
        assert noise not in out, f"{noise!r} in watch's output:\n{out}"
    assert "stopped watching" in out and "Stopping temporary server" in out
    assert not db.exists() or count(db, "SELECT count(*) FROM dumps") == 0  # the cut run published nothing


def test_serve_without_a_server_refuses_and_says_what_to_do(tmp_path):
    (tmp_path / "raw").mkdir()
    done = subprocess.run([str(BLOGETL), "serve", "--raw", str(tmp_path / "raw")], env=env_for(tmp_path / "home"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "no schedule would ever fire" in done.stderr and "blogetl server" in done.stderr
    assert "export PREFECT_API_URL=http://127.0.0.1:4200/api" in done.stderr
    port = free_port()  # nothing listens there
    done = subprocess.run([str(BLOGETL), "serve", "--raw", str(tmp_path / "raw")],
                          env=env_for(tmp_path / "home", PREFECT_API_URL=f"http://127.0.0.1:{port}/api"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and f"no Prefect server answers at PREFECT_API_URL=http://127.0.0.1:{port}/api" in done.stderr


def test_server_refuses_a_port_in_use(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = subprocess.run([str(BLOGETL), "server", "--port", str(port)], env=env_for(tmp_path / "home"),
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and f"port {port} is in use" in done.stderr


def test_server_command_is_prefect_server_start_offline_with_the_ui():
    from flows.server import server_command

    argv, env = server_command(4321)
    assert argv[1:] == ["--no-prompt", "server", "start", "--host", "127.0.0.1", "--port", "4321"]
    assert Path(argv[0]).name == "prefect"
    assert env["PREFECT_UI_ENABLED"] == "true" and env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["DO_NOT_TRACK"] == "1" and "PREFECT_API_URL" not in env
