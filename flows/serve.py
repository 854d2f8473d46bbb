"""`blogetl serve`: the ingest flow as a deployment on a cron schedule, one run at a time.

Runs against a Prefect server whose scheduler runs (`blogetl server`, or the operator's own;
flows/server.py checks first). SIGINT and SIGTERM stop it the same way: the runner stops
polling, a run in progress is cancelled (its working copy is discarded, the published
warehouse stays as the last finished run left it), the schedule is paused, and the process
exits leaving no child behind. Prefect's own `serve()` handles SIGTERM with a sync call in an
async context (`coroutine 'Runner.astop' was never awaited`), so blogetl drives the Runner itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
from contextlib import suppress
from pathlib import Path

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.logging import get_logger
from prefect.runner import Runner

from flows import _env  # noqa: F401  (flows/__init__.py applies it before any Prefect import)
from flows.ingest import DEFAULT_DB, DEFAULT_RAW, ingest_flow

DEPLOYMENT_NAME = "blogetl-ingest"
DEFAULT_CRON = "*/15 * * * *"

log = get_logger("blogetl.serve")


def build_deployment(cron: str = DEFAULT_CRON, raw_dir: str = DEFAULT_RAW, db_path: str = DEFAULT_DB,
                     name: str = DEPLOYMENT_NAME) -> RunnerDeployment:
    """The scheduled deployment: absolute paths, at most one run at a time (late ones are cancelled)."""
    deployment = ingest_flow.to_deployment(
        name=name,
        cron=cron,
        parameters={"raw_dir": str(Path(raw_dir).absolute()), "db_path": str(Path(db_path).absolute())},
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        description="Scheduled blogetl ingestion of raw/ into the DuckDB warehouse.",
        tags=["blogetl"],
    )
    # to_deployment is sync_compatible: called outside an event loop it returns the deployment
    assert isinstance(deployment, RunnerDeployment), type(deployment)
    return deployment


async def serve_until_stopped(deployment: RunnerDeployment, stop: asyncio.Event | None = None) -> None:
    """Serve the deployment until SIGINT, SIGTERM or `stop`; then stop the runner and wait for it."""
    stop = stop or asyncio.Event()
    runner = Runner(limit=1, pause_on_shutdown=True)
    await runner.aadd_deployment(deployment)
    started = asyncio.create_task(runner.start())
    await asyncio.sleep(0)  # Runner.start installs its own SIGTERM handler first; ours replace it
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({started, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if started in done:  # the runner ended by itself: say why
            started.result()
            return
        log.info("stopping: no new runs; a run in progress is cancelled")
        terminate_runs(runner)
        if runner.started:
            await runner.astop()
        with suppress(asyncio.CancelledError):
            await started
    finally:
        waiter.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    log.info("stopped")


def terminate_runs(runner: Runner) -> None:
    """SIGTERM the flow runs in progress, the processes the runner started (its process map, which
    Prefect 3.8's own SIGTERM handling reads too; never other children of this process, such as a
    temporary server).  Each aborts where it is and publishes nothing.  The runner's own
    cancellation acts only after its next poll of the API, seconds later (6 s measured), by when
    a small run has published."""
    for entry in list(getattr(runner, "_flow_run_process_map", {}).values()):
        with suppress(ProcessLookupError):
            os.kill(entry["pid"], signal.SIGTERM)


def serve(cron: str = DEFAULT_CRON, raw_dir: str = DEFAULT_RAW, db_path: str = DEFAULT_DB) -> None:
    """Serve the deployment until interrupted (Ctrl-C or SIGTERM pauses its schedule)."""
    deployment = build_deployment(cron, raw_dir, db_path)
    log.info("serving deployment 'ingest/%s' on %r (Ctrl-C or SIGTERM stops it)", DEPLOYMENT_NAME, cron)
    asyncio.run(serve_until_stopped(deployment))
