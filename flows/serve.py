"""`blogetl serve`: the ingest flow as a deployment on a cron schedule, one run at a time."""

from __future__ import annotations

from pathlib import Path

from prefect import serve as prefect_serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment

from flows import _env  # noqa: F401  (flows/__init__.py applies it before any Prefect import)
from flows.ingest import DEFAULT_DB, DEFAULT_RAW, ingest_flow

DEPLOYMENT_NAME = "blogetl-ingest"
DEFAULT_CRON = "*/15 * * * *"


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


def serve(cron: str = DEFAULT_CRON, raw_dir: str = DEFAULT_RAW, db_path: str = DEFAULT_DB) -> None:
    """Serve the deployment until interrupted (Ctrl-C pauses its schedule)."""
    prefect_serve(build_deployment(cron, raw_dir, db_path), limit=1)
