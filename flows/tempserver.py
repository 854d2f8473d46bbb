"""The temporary Prefect server `ingest` and `watch` start when no PREFECT_API_URL is set: stopped on
every way out, and found and stopped by the next command when its starter died anyway.

Prefect starts that server on demand and stops it at interpreter exit (atexit); a process killed
outright (SIGKILL, the OOM killer) never gets there, and the server (a 230-280 MB uvicorn) lived on
under PID 1. So blogetl starts it itself, before any Prefect client would (the client then uses it):

- it dies with the process that started it (Linux: the parent-death signal, SIGTERM), so a SIGKILL
  of blogetl takes it along;
- it is stopped when the command ends, however it ends (a `finally`, not only atexit);
- its PID is recorded under PREFECT_HOME (`blogetl-servers/<pid>.json`, with the starter's PID and
  both processes' start times, so a reused PID is never taken for it); each command that starts one
  first stops the servers whose starter is gone (where no parent-death signal exists, or one was missed).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil
from prefect.logging import get_logger
from prefect.server.api.server import SubprocessASGIServer

log = get_logger("blogetl.flows")

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
RECORDS = "blogetl-servers"
APP = "prefect.server.api.server:create_app"


def records_dir() -> Path:
    """Where the servers' records live: under PREFECT_HOME."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home) / RECORDS


def _die_with_parent(parent: int) -> None:
    """In the server's process before it runs: get SIGTERM when the process that started it dies."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os.kill(os.getpid(), signal.SIGTERM)


class TemporaryServer(SubprocessASGIServer):
    """Prefect's temporary server, started so that it dies with its starter and is recorded."""

    # Its own registry: creating one must not hand back Prefect's default instance. It is made the
    # default (Prefect's registry, key None) by temporary_server(), so every client uses it.
    _instances: dict[int | None, SubprocessASGIServer] = {}

    def __init__(self, port: int | None = None, *, die_with_parent: bool = sys.platform == "linux") -> None:
        """A server not started yet; die_with_parent: ask for the parent-death signal (Linux)."""
        if hasattr(self, "record"):  # Prefect's SubprocessASGIServer() calls __init__ again on the instance it returns
            return
        super().__init__(port)
        self.die_with_parent = die_with_parent
        self.record: Path | None = None

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        """Prefect's own command (SubprocessASGIServer, prefect 3.8.8), with the parent-death signal, recorded."""
        import prefect
        from prefect.settings import get_current_settings

        parent = os.getpid()
        process = subprocess.Popen(
            args=[sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent), "--factory", APP,
                  "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
                 **get_current_settings().to_environment_variables(exclude_unset=True)},
            preexec_fn=(lambda: _die_with_parent(parent)) if self.die_with_parent else None,
        )
        self.forget()  # a retry on another port replaces the first process
        self.record = remember(process.pid)
        return process

    def forget(self) -> None:
        """Remove the server's record."""
        if self.record is not None:
            self.record.unlink(missing_ok=True)
            self.record = None

    def stop(self) -> None:
        """Stop the server (Prefect's stop: SIGTERM, then SIGKILL after 5 s) and remove its record."""
        try:
            super().stop()
        finally:
            self.forget()
            if SubprocessASGIServer._instances.get(None) is self:
                del SubprocessASGIServer._instances[None]


def _started(pid: int) -> float | None:
    """A process's start time, None when there is no such process."""
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def remember(server_pid: int) -> Path:
    """Record a server this process started."""
    folder = records_dir()
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / f"{server_pid}.json"
    record.write_text(json.dumps({"server_pid": server_pid, "server_started": _started(server_pid),
                                  "owner_pid": os.getpid(), "owner_started": _started(os.getpid())}))
    return record


def stop_left_over_servers(timeout: float = 10.0) -> list[int]:
    """Stop the recorded servers whose starter is gone; returns their PIDs. A record naming a process that
    is gone, or that is no longer that server (a reused PID), is only removed."""
    folder = records_dir()
    stopped = []
    for record in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(record.read_text())
            server, owner = int(data["server_pid"]), int(data["owner_pid"])
        except (OSError, ValueError, KeyError, TypeError):
            record.unlink(missing_ok=True)
            continue
        if owner != os.getpid() and _started(owner) == data.get("owner_started") and _started(owner) is not None:
            continue  # its starter runs: its server is in use
        if _started(server) is not None and _started(server) == data.get("server_started"):
            try:
                process = psutil.Process(server)
                if APP in " ".join(process.cmdline()):
                    process.terminate()
                    try:
                        process.wait(timeout)
                    except psutil.TimeoutExpired:
                        process.kill()
                    stopped.append(server)
                    log.warning("stopped a temporary Prefect server (PID %d) left running by blogetl process %d, "
                                "which ended without stopping it", server, owner)
            except psutil.Error:
                pass
        record.unlink(missing_ok=True)
    return stopped


@contextmanager
def temporary_server() -> Iterator[None]:
    """Around a command that runs flows: when no Prefect API is configured, stop the servers dead
    commands left, start the temporary server (it dies with this process), and stop it at the end."""
    from flows.runners import uses_temporary_server

    if not uses_temporary_server() or SubprocessASGIServer._instances.get(None) is not None:
        yield
        return
    stop_left_over_servers()
    server = TemporaryServer()
    SubprocessASGIServer._instances[None] = server  # the instance Prefect's clients start and use
    try:
        server.start()
        yield
    finally:
        server.stop()
