"""The `ingest` flow: discover dumps, parse the new or changed ones in parallel, load with one writer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.futures import as_completed
from prefect.states import Completed, Failed
from prefect.tasks import exponential_backoff

from blogetl.models import PARSER_VERSION
from blogetl.pipeline import RunReport, load_all
from blogetl.warehouse import (
    DumpMeta,
    DumpTables,
    IngestSummary,
    Warehouse,
    WarehouseLocked,
    parse_dump,
    scan,
)
from blogetl.warehouse.arrow import layout_digest
from flows import _env  # noqa: F401  (flows/__init__.py applies it before any Prefect import)
from flows.report import progress_for, summary_markdown
from flows.runners import (
    api_for_workers,
    make_task_runner,
    uses_temporary_server,
    wait_for_task_run_records,
)

DEFAULT_RAW = "raw"
DEFAULT_DB = "warehouse/blog.duckdb"


@dataclass
class FlowReport:
    """What one ingest flow run did: the warehouse summary plus the dumps it could not load."""

    summary: IngestSummary
    not_loaded: dict[str, str] = field(default_factory=dict)  # path -> why
    task_runs: int = 0  # task runs the flow run made: discover, open, one parse per dump, load


def parse_cache_key(_context: Any, parameters: dict[str, Any]) -> str:
    """Cache parses by content, parser version and table layout (and path: the tables carry the dump's path)."""
    meta: DumpMeta = parameters["meta"]
    return f"blogetl-parse-{PARSER_VERSION}-{layout_digest()}-{meta.sha256}-{meta.path}"


def only_lock_errors(_task: Any, _run: Any, state: State) -> bool:
    """Retry only when the warehouse was locked by another writer, never on bad input."""
    try:
        state.result()
    except WarehouseLocked:
        return True
    except Exception:
        return False
    return False


@task(name="discover-dumps")
def discover(raw_dir: str) -> list[DumpMeta]:
    """Every dump under raw/ with its sha256."""
    return scan(raw_dir)


@task(name="open-warehouse", cache_policy=NO_CACHE, retries=4, retry_delay_seconds=exponential_backoff(5), retry_condition_fn=only_lock_errors)
def open_warehouse(db_path: str) -> Warehouse:
    """Take the writer lock and start the run's working copy (retried while another run holds it)."""
    return Warehouse.open(db_path)


@task(name="parse-dump", cache_key_fn=parse_cache_key, persist_result=True, task_run_name="parse {meta.path}")
def parse(meta: DumpMeta) -> DumpTables:
    """Read and parse one dump into compact Arrow tables."""
    return parse_dump(meta)


@task(name="load-and-publish", cache_policy=NO_CACHE, persist_result=False)
def publish(wh: Warehouse, dedup: bool) -> IngestSummary:
    """The single writer's last step: the later stages, the index refresh and the publish."""
    stages = []
    if dedup:
        from blogetl.dedup import run as deduplicate

        stages.append(deduplicate)
    return wh.finish(after_load=stages)


def parse_chunk(chunk: Sequence[DumpMeta], advance: Any) -> list[tuple[DumpMeta, DumpTables | BaseException]]:
    """Parse one chunk of dumps in parallel on the flow's task runner; failures are named, not fatal."""
    futures = parse.map(chunk)
    by_run = {str(f.task_run_id): m for f, m in zip(futures, chunk, strict=True)}
    out: list[tuple[DumpMeta, DumpTables | BaseException]] = []
    for future in as_completed(futures):
        meta = by_run[str(future.task_run_id)]
        try:
            out.append((meta, future.result()))
        except Exception as exc:
            out.append((meta, exc))
        advance()
    return out


@flow(name="ingest", description="Parse new or changed dumps under raw/ and publish the DuckDB warehouse.")
def ingest_flow(raw_dir: str = DEFAULT_RAW, db_path: str = DEFAULT_DB, dedup: bool = True) -> State:
    """Discover, parse in parallel, load with one writer, deduplicate, publish, report."""
    logger = get_run_logger()
    scanned = discover(raw_dir)
    wh = open_warehouse(db_path)
    try:
        todo = wh.plan(scanned).todo
        logger.info("%d dumps under %s, %d new or changed", len(scanned), raw_dir, len(todo))
        with progress_for(len(todo)) as advance:  # the library's loop; the parses are Prefect tasks
            failed, rejected = load_all(wh, todo, lambda chunk: parse_chunk(chunk, advance))
        summary = publish(wh, dedup)
    except BaseException as exc:
        wh.abort(exc)
        raise
    run_report = RunReport(summary, RunReport.rules(summary.unreadable, failed, rejected), dumps_seen=len(scanned))
    report = FlowReport(summary, run_report.not_loaded, task_runs=len(todo) + 3)
    markdown = summary_markdown(report.summary, report.not_loaded)
    logger.info("%s", report.summary.format())
    create_markdown_artifact(markdown, key="blogetl-ingest-summary", description="blogetl ingest run summary")
    if not run_report.ok:
        return Failed(message=run_report.message, data=report)
    return Completed(message=run_report.message, data=report)


def run_ingest(raw_dir: str = DEFAULT_RAW, db_path: str = DEFAULT_DB, *, dedup: bool = True,
               task_runner: str = "threads", dask_address: str | None = None) -> tuple[State, FlowReport | None]:
    """Run the ingest flow on the chosen task runner; returns its final state and report."""
    runner = make_task_runner(task_runner, dask_address)
    temporary = uses_temporary_server()
    with api_for_workers(task_runner):
        state = ingest_flow.with_options(task_runner=runner)(raw_dir, db_path, dedup, return_state=True)
        report = state.result(raise_on_failure=False) if state.is_completed() or state.is_failed() else None
        if temporary and isinstance(report, FlowReport) and state.state_details.flow_run_id:
            wait_for_task_run_records(state.state_details.flow_run_id, report.task_runs)
    return state, report if isinstance(report, FlowReport) else None
