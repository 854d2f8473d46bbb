"""Task runners chosen at run time: threads by default, Dask for scale-out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

TASK_RUNNERS = ("threads", "dask")


def make_task_runner(kind: str = "threads", dask_address: str | None = None, *, dask_workers: int = 2) -> TaskRunner:
    """threads: a local thread pool; dask: prefect-dask on a LocalCluster, or on dask_address."""
    if kind == "threads":
        return ThreadPoolTaskRunner(max_workers=os.cpu_count() or 2)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    raise ValueError(f"unknown task runner {kind!r}: choose one of {', '.join(TASK_RUNNERS)}")


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
