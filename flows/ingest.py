"""The `ingest` flow: discover dumps, parse the new or changed ones in parallel, load with one writer."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import xxhash
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.runtime import task_run
from prefect.states import Completed, Failed
from prefect.tasks import exponential_backoff

from blogetl.models import PARSER_VERSION
from blogetl.pipeline import (
    ParseFailed,
    RunReport,
    chunks_by_bytes,
    could_not_run,
    load_all,
    parse_dump,
    plan_run,
)
from blogetl.sources.scan import DumpMeta, scan
from blogetl.warehouse import DumpTables, IngestSummary, Warehouse, WarehouseLocked
from blogetl.warehouse.arrow import layout_digest
from flows import _env  # noqa: F401  (flows/__init__.py applies it before any Prefect import)
from flows.report import failure_markdown, progress_for, summary_markdown
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
    not_loaded: dict[str, str] = field(default_factory=dict)  # path -> why it needs a look
    task_runs: int = 0  # task runs the flow run made: discover, open, one parse per batch, publish
    warnings: list[str] = field(default_factory=list)  # about raw/ (empty, or none of the known dumps)


def batch_cache_key(_context: Any, parameters: dict[str, Any]) -> str:
    """Cache a batch's parses by its dumps' content and paths, the parser version and the table layout."""
    metas: Sequence[DumpMeta] = parameters["metas"]
    dumps = xxhash.xxh3_64_hexdigest("\x1f".join(f"{m.sha256}\x1e{m.path}" for m in metas).encode("utf-8", "surrogateescape"))
    return f"blogetl-parse-{PARSER_VERSION}-{layout_digest()}-{dumps}"


def batch_run_name() -> str:
    """'parse 000_x.txt +49': the batch's first dump and how many more."""
    metas = task_run.parameters["metas"]
    return f"parse {metas[0].path}" + (f" +{len(metas) - 1}" if len(metas) > 1 else "")


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


# A parse task takes a batch of dumps: the temporary server records ~28 task runs a second, so a
# task per dump made it the bottleneck of a run of thousands of dumps.
BATCH_BYTES = 2_000_000
BATCH_DUMPS = 50


# cache_result_in_memory=False: the flow keeps every task call's state (Prefect tracks them for
# dependencies, PrefectHQ/prefect#12668); without it each state held its batch's tables, and the
# flow's memory grew with the corpus (7.3 GB at 1 GB of dumps).  The result is read back from storage.
@task(name="parse-batch", cache_key_fn=batch_cache_key, persist_result=True, cache_result_in_memory=False,
      task_run_name=batch_run_name)
def parse_batch(metas: list[DumpMeta]) -> list[tuple[str, DumpTables | str]]:
    """Read and parse a batch of dumps into compact Arrow tables; a failed dump gives its error text."""
    out: list[tuple[str, DumpTables | str]] = []
    for meta in metas:
        try:
            out.append((meta.path, parse_dump(meta)))
        except Exception as exc:  # one dump's failure is named; the batch's others are kept
            out.append((meta.path, f"{type(exc).__name__}: {exc}"))
    return out


@task(name="load-and-publish", cache_policy=NO_CACHE, persist_result=False)
def publish(wh: Warehouse, dedup: bool, failed: dict[str, str] | None = None) -> IngestSummary:
    """The single writer's last step: the later stages, the index refresh, the run's row and the publish."""
    stages = []
    if dedup:
        from blogetl.dedup import run as deduplicate

        stages.append(deduplicate)
    return wh.finish(after_load=stages, failed=failed)


def parse_chunk(chunk: Sequence[DumpMeta], advance: Any) -> list[tuple[DumpMeta, DumpTables | BaseException]]:
    """Parse one chunk of dumps in batches, in parallel on the flow's task runner; failures are named."""
    batches = list(chunks_by_bytes(chunk, BATCH_BYTES, BATCH_DUMPS))
    futures = parse_batch.map(batches)
    metas = {m.path: m for m in chunk}
    out: list[tuple[DumpMeta, DumpTables | BaseException]] = []
    for future, batch in zip(futures, batches, strict=True):
        try:
            parsed = future.result()
        except Exception as exc:  # the task itself failed: every dump of its batch is named
            parsed = [(m.path, f"{type(exc).__name__}: {exc}") for m in batch]
        for path, result in parsed:
            out.append((metas[path], ParseFailed(result) if isinstance(result, str) else result))
            advance()
    return out


@flow(name="ingest", description="Parse new or changed dumps under raw/ and publish the DuckDB warehouse.")
def ingest_flow(raw_dir: str = DEFAULT_RAW, db_path: str = DEFAULT_DB, dedup: bool = True) -> State:
    """Discover, parse in parallel, load with one writer, deduplicate, publish, report."""
    logger = get_run_logger()
    scanned = discover(raw_dir)
    wh = open_warehouse(db_path)
    try:
        plan, warnings = plan_run(wh, raw_dir, scanned)
        todo = plan.todo
        logger.info("%d dumps under %s, %d new or changed", len(scanned), raw_dir, len(todo))
        for warning in warnings:
            logger.warning("%s", warning)
        with progress_for(len(todo)) as advance:  # the library's loop; the parses are Prefect tasks
            failed, _rejected = load_all(wh, todo, lambda chunk: parse_chunk(chunk, advance))
        summary = publish(wh, dedup, failed)
    except BaseException as exc:
        wh.abort(exc)
        if isinstance(exc, Exception):  # the artifact says what ingest_runs says: failed, and why
            with suppress(Exception):  # best effort: the run's own error is what the flow must end with
                create_markdown_artifact(failure_markdown(wh.run_id, db_path, could_not_run(exc)),
                                         key="blogetl-ingest-summary", description="blogetl ingest run summary")
        raise
    run_report = RunReport(summary, warnings)
    report = FlowReport(summary, run_report.not_loaded, task_runs=batches_for(todo) + 3, warnings=warnings)
    markdown = summary_markdown(report.summary, report.not_loaded, warnings)
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


def batches_for(todo: Sequence[DumpMeta]) -> int:
    """How many parse batches a run of these dumps makes (its chunks, each cut into batches)."""
    return sum(len(list(chunks_by_bytes(chunk, BATCH_BYTES, BATCH_DUMPS))) for chunk in chunks_by_bytes(todo))
