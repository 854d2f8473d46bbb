"""Task runners chosen at run time: threads by default, Dask for scale-out."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from prefect.logging import get_logger
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

log = get_logger("blogetl.flows")  # under prefect's handlers, so operators see it with the run's log

TASK_RUNNERS = ("threads", "dask")


def make_task_runner(kind: str = "threads", dask_address: str | None = None, *, dask_workers: int = 2) -> TaskRunner[Any]:
    """threads: a local thread pool; dask: prefect-dask on a LocalCluster, or on dask_address."""
    if kind == "threads":
        return ThreadPoolTaskRunner(max_workers=os.cpu_count() or 2)
    if kind == "dask":
        from prefect_dask.task_runners import DaskTaskRunner

        quiet = os.environ.get("BLOGETL_VERBOSITY", "normal") != "verbose"
        if quiet:
            quiet_dask()
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        # silence_logs: the level of the workers' own log; dashboard_address None: no dashboard (and no
        # link to one that is gone when the run ends)
        return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None,
                                              "silence_logs": logging.ERROR if quiet else logging.INFO})
    raise ValueError(f"unknown task runner {kind!r}: choose one of {', '.join(TASK_RUNNERS)}")


class DropClosedComms(logging.Filter):
    """Drops distributed's reports of a connection closed under it: on a normal shutdown the
    scheduler, the nanny and the workers close their comms in no set order."""

    NAMES = ("CommClosedError", "StreamClosedError")

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a record about (or carrying) a closed comm."""
        if record.exc_info and record.exc_info[0] is not None and record.exc_info[0].__name__ in self.NAMES:
            return False
        return not any(name in record.getMessage() for name in self.NAMES)


def quiet_dask() -> None:
    """distributed.* at ERROR, without closed-comm reports; prefect-dask's own lines (the cluster it
    creates, a dashboard link that is dead once the run ends) at WARNING."""
    import distributed  # noqa: F401  (creates its loggers, with dask's configured levels)

    logging.getLogger("prefect.task_runner.dask").setLevel(logging.WARNING)

    drop = DropClosedComms()
    names = [name for name in logging.root.manager.loggerDict if name == "distributed" or name.startswith("distributed.")]
    for name in [*names, "tornado.application", "asyncio"]:
        logger = logging.getLogger(name)
        if name == "distributed" or name.startswith("distributed."):
            logger.setLevel(max(logger.getEffectiveLevel(), logging.ERROR))
        if not any(isinstance(f, DropClosedComms) for f in logger.filters):
            logger.addFilter(drop)


@contextmanager
def api_for_workers(kind: str) -> Iterator[None]:
    """Give Dask workers the parent's API: without PREFECT_API_URL each worker would start its own
    temporary server (measured: +40 s for two workers), so start the shared one and export its URL."""
    if kind != "dask" or os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = SubprocessASGIServer()  # the same singleton the client would start on demand
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def uses_temporary_server() -> bool:
    """True when no Prefect API is configured, so a flow run starts (and at exit stops) a temporary server."""
    from prefect.settings import get_current_settings

    return not os.environ.get("PREFECT_API_URL") and not get_current_settings().api.url


def wait_for_task_run_records(flow_run_id: UUID, expected: int, *, timeout: float = 120.0, poll: float = 0.5) -> int:
    """Wait until the server has recorded `expected` finished task runs of a flow run; returns how many it has.

    The temporary server records task runs from events, behind the flow: measured here, about
    28 task runs/s, so a 1,000-dump run finishes ~40 s before its history is written. Stopping the
    server earlier loses that history and logs 'Error flushing events' tracebacks.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        TaskRunFilter,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.client.schemas.objects import TERMINAL_STATES

    flow_runs = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    finished = TaskRunFilter(state=TaskRunFilterState(type=TaskRunFilterStateType(any_=list(TERMINAL_STATES))))
    deadline, told = time.monotonic() + timeout, False
    with get_client(sync_client=True) as client:
        while True:
            # the expected-th finished task run exists exactly when at least `expected` are recorded
            if expected <= 0 or client.read_task_runs(flow_run_filter=flow_runs, task_run_filter=finished,
                                                      offset=expected - 1, limit=1):
                return expected
            if time.monotonic() > deadline:
                recorded = len(client.read_task_runs(flow_run_filter=flow_runs, task_run_filter=finished, limit=200))
                log.warning("Prefect recorded %s of %d task runs within %.0f s; the run's history may be incomplete",
                            f"{recorded}+" if recorded == 200 else recorded, expected, timeout)
                return recorded
            if not told:
                log.info("waiting for the temporary Prefect server to record %d task runs", expected)
                told = True
            time.sleep(poll)
