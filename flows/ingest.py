"""The `ingest` flow: discover dumps, parse the new or changed ones in parallel, load with one writer."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
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
    DumpGone,
    ParseFailed,
    RunReport,
    chunks_by_bytes,
    could_not_run,
    load_all,
    parse_dump,
    plan_run,
)
from blogetl.sources.scan import DumpMeta, Known, rescan, scan
from blogetl.warehouse import DumpTables, IngestSummary, Warehouse
from blogetl.warehouse.arrow import layout_digest
from flows import (
    _env,  # noqa: F401  (flows/__init__.py applies it before any Prefect import)
    cache,
)
from flows.alerts import alert_on_failure
from flows.analysis import publish_report, record_checks
from flows.policy import Policy
from flows.report import BatchProgress, failure_markdown, summary_markdown
from flows.retry import (
    attempts_left,
    is_transient,
    no_more_retries,
    termination_in,
    worth_a_flow_retry,
)
from flows.runners import (
    api_for_workers,
    make_task_runner,
    uses_temporary_server,
    wait_for_task_run_records,
)

DEFAULT_RAW = "raw"
DEFAULT_DB = "warehouse/blog.duckdb"

# Read once at import: the decorators below take it, and a served run imports this module afresh
# in its own process (with the environment `blogetl serve` was started with).
POLICY = Policy.from_env()


@dataclass
class FlowReport:
    """What one ingest flow run did: the warehouse summary plus the dumps it could not load."""

    summary: IngestSummary
    not_loaded: dict[str, str] = field(default_factory=dict)  # path -> why it needs a look
    task_runs: int = 0  # task runs the flow run made: discover, open, one parse per batch, publish
    warnings: list[str] = field(default_factory=list)  # about raw/ (empty, or none of the known dumps)
    checks: str | None = None  # the data checks on the published warehouse: pass, warn, fail (None: could not run)
    report_path: str | None = None  # the HTML report written beside it (None: could not be written)


def batch_cache_key(_context: Any, parameters: dict[str, Any]) -> str:
    """Cache a batch's parses by its dumps' content and paths, the parser version and the table layout."""
    metas: Sequence[DumpMeta] = parameters["metas"]
    dumps = xxhash.xxh3_64_hexdigest("\x1f".join(f"{m.sha256}\x1e{m.path}" for m in metas).encode("utf-8", "surrogateescape"))
    return f"blogetl-parse-{PARSER_VERSION}-{layout_digest()}-{dumps}"


def batch_run_name() -> str:
    """'parse 000_x.txt +49': the batch's first dump and how many more."""
    metas = task_run.parameters["metas"]
    return f"parse {metas[0].path}" + (f" +{len(metas) - 1}" if len(metas) > 1 else "")


def transient_errors(_task: Any, _run: Any, state: State) -> bool:
    """Retry opening the warehouse only while another writer holds it or the I/O may work again."""
    try:
        state.result()
    except Exception as exc:
        return is_transient(exc)
    return False


@task(name="discover-dumps", cache_policy=NO_CACHE)
def discover(raw_dir: str, known: Known | None = None) -> list[DumpMeta]:
    """Every dump under raw/ with its sha256; one `known` holds with the same size and modification
    time keeps its recorded sha256 unread (the library's quick check, scan())."""
    return scan(raw_dir, known)


class DumpsUnreadable(Exception):
    """Some dumps could not be read on this attempt (Prefect tries the task again)."""


@task(name="read-again", cache_policy=NO_CACHE, retries=POLICY.read_retries, retry_delay_seconds=POLICY.read_retry_delay)
def read_again(metas: list[DumpMeta]) -> list[DumpMeta]:
    """Hash the dumps that could not be read once more; raises while attempts are left and some still fail."""
    out, still = [], []
    for meta in metas:
        try:
            out.append(rescan(meta))
        except FileNotFoundError:
            out.append(meta)  # gone: no retry brings it back
        except OSError as exc:
            out.append(DumpMeta(meta.root, meta.path, "", 0, meta.site_hint, meta.modified_at, meta.file,
                                error=f"cannot be read: {exc.strerror or exc}"))
            still.append(meta)
    if still and attempts_left():
        get_run_logger().warning("%d dump(s) still cannot be read (%s); trying again in %.0f s", len(still),
                                 ", ".join(m.path for m in still[:5]), POLICY.read_retry_delay)
        raise DumpsUnreadable(", ".join(m.path for m in still))
    return out


def with_retried_reads(scanned: list[DumpMeta]) -> list[DumpMeta]:
    """The scan, with the dumps it could not read tried again (a permission or network hiccup)."""
    unreadable = [m for m in scanned if m.error is not None]
    if not unreadable or POLICY.read_retries <= 0:
        return scanned
    state = read_again(unreadable, return_state=True)
    if not state.is_completed():
        return scanned
    again = {m.path: m for m in state.result()}
    return [again.get(m.path, m) for m in scanned]


@task(name="open-warehouse", cache_policy=NO_CACHE, retries=POLICY.open_retries,
      retry_delay_seconds=exponential_backoff(POLICY.open_retry_delay), retry_condition_fn=transient_errors)
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
# cache_expiration: Prefect ignores a cached parse older than this; flows/cache.py removes it.
@task(name="parse-batch", cache_key_fn=batch_cache_key, persist_result=True, cache_result_in_memory=False,
      cache_expiration=timedelta(days=POLICY.cache_days) if POLICY.cache_days > 0 else None,
      task_run_name=batch_run_name, retries=POLICY.read_retries, retry_delay_seconds=POLICY.read_retry_delay)
def parse_batch(metas: list[DumpMeta]) -> list[tuple[str, DumpTables | DumpGone | str]]:
    """Read and parse a batch of dumps into compact Arrow tables; a failed dump gives its error text.

    A dump that cannot be read (an I/O error, not a parse error) makes the batch raise while
    attempts are left, so Prefect parses the batch again after BLOGETL_READ_RETRY_DELAY s.
    """
    out: list[tuple[str, DumpTables | DumpGone | str]] = []
    unreadable = []
    for meta in metas:
        try:
            out.append((meta.path, parse_dump(meta)))
        except DumpGone as exc:  # deleted since the scan: left out of the run, as the library does
            out.append((meta.path, exc))
        except OSError as exc:
            if not isinstance(exc, FileNotFoundError):
                unreadable.append(meta.path)
            out.append((meta.path, f"cannot be read: {exc.strerror or exc}"))
        except Exception as exc:  # one dump's failure is named; the batch's others are kept
            out.append((meta.path, f"{type(exc).__name__}: {exc}"))
    if unreadable and attempts_left():
        get_run_logger().warning("%d dump(s) cannot be read (%s); trying the batch again in %.0f s",
                                 len(unreadable), ", ".join(unreadable[:5]), POLICY.read_retry_delay)
        raise DumpsUnreadable(", ".join(unreadable))
    return out


@task(name="load-and-publish", cache_policy=NO_CACHE, persist_result=False)
def publish(wh: Warehouse, dedup: bool, failed: dict[str, str] | None = None) -> IngestSummary:
    """The single writer's last step: the later stages, the index refresh, the run's row and the publish."""
    stages = []
    if dedup:
        from blogetl.dedup import run as deduplicate

        # every core for a big run (a Dask worker: one); the warehouse made the dedup tables at open
        stages.append(partial(deduplicate, workers=0, schema_ready=True))
    return wh.finish(after_load=stages, failed=failed)


def parse_chunk(chunk: Sequence[DumpMeta], progress: BatchProgress) -> list[tuple[DumpMeta, DumpTables | BaseException]]:
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
        if any(isinstance(result, str | DumpGone) for _, result in parsed) or rewritten(batch, parsed):
            # a batch with a failed or vanished dump is not reused: the next run parses (and reads) it afresh;
            # nor one with a dump rewritten since discovery: its key names bytes that were not the ones parsed
            cache.forget(batch_cache_key(None, {"metas": batch}))
        for path, result in parsed:
            out.append((metas[path], ParseFailed(result) if isinstance(result, str) else result))
        progress.batch_done(len(batch))
    return out


def rewritten(batch: Sequence[DumpMeta], parsed: Sequence[tuple[str, DumpTables | DumpGone | str]]) -> bool:
    """Some dump of the batch was parsed from other bytes than discovery hashed (the cache key's sha256)."""
    scanned = {m.path: m.sha256 for m in batch}
    return any(isinstance(result, DumpTables) and result.dumps.column("sha256").to_pylist() != [scanned[path]]
               for path, result in parsed)


def end_or_retry(exc: BaseException) -> None:
    """Before the flow raises: a stop (Ctrl-C, SIGTERM) is raised as itself, so Prefect ends the run
    as stopped rather than failed and retried; an error no retry can fix spends the run's retries."""
    stop = termination_in(exc)
    if stop is not None and stop is not exc:
        raise stop from None
    if isinstance(exc, Exception) and not worth_a_flow_retry(exc):
        no_more_retries()


def prune_cache() -> None:
    """Remove expired cached parses and, beyond BLOGETL_CACHE_MAX_MB, the oldest (before a run adds more)."""
    removed = cache.prune(max_age_days=POLICY.cache_days, max_bytes=POLICY.cache_max_mb * 1e6)
    if removed.files:
        get_run_logger().info("removed %s from the parse cache (expired or beyond its size bound)", removed.describe())


# retries: a run that raised (an I/O error while loading, a lost worker) runs again after a
# delay; safe because a run is idempotent (it loads only what the warehouse does not hold).
# Failures no retry can fix end the run at once (flows/retry.py). on_failure: the alert.
@flow(name="ingest", description="Parse new or changed dumps under raw/ and publish the DuckDB warehouse.",
      retries=POLICY.flow_retries, retry_delay_seconds=int(POLICY.flow_retry_delay), on_failure=[alert_on_failure])
def ingest_flow(raw_dir: str = DEFAULT_RAW, db_path: str = DEFAULT_DB, dedup: bool = True) -> State:
    """Discover, parse in parallel, load with one writer, deduplicate, publish, report."""
    logger = get_run_logger()
    prune_cache()
    try:
        wh = open_warehouse(db_path)
    except Exception as exc:
        end_or_retry(exc)
        raise
    try:
        scanned = with_retried_reads(discover(raw_dir, wh.known_files()))
        plan, warnings = plan_run(wh, raw_dir, scanned)
        todo = plan.todo
        logger.info("%d dumps under %s, %d new or changed", len(scanned), raw_dir, len(todo))
        for warning in warnings:
            logger.warning("%s", warning)
        progress = BatchProgress(logger, len(todo), batches_for(todo))
        failed, _rejected = load_all(wh, todo, lambda chunk: parse_chunk(chunk, progress))
        summary = publish(wh, dedup, failed)
    except BaseException as exc:
        wh.abort(exc)
        if isinstance(exc, Exception) and termination_in(exc) is None:  # the artifact says what ingest_runs says
            with suppress(Exception):  # best effort: the run's own error is what the flow must end with
                create_markdown_artifact(failure_markdown(wh.run_id, db_path, could_not_run(exc)),
                                         key="blogetl-ingest-summary", description="blogetl ingest run summary")
        end_or_retry(exc)
        raise
    warnings = [*warnings, *wh.left_out.values(), *wh.warnings]  # wh's: the published file restored, dumps cut short
    for gone in wh.left_out.values():
        logger.warning("%s", gone)
    run_report = RunReport(summary, warnings)
    report = FlowReport(summary, run_report.not_loaded, task_runs=batches_for(todo) + 3, warnings=warnings)
    markdown = summary_markdown(report.summary, report.not_loaded, warnings)
    logger.info("%s", report.summary.format())
    create_markdown_artifact(markdown, key="blogetl-ingest-summary", description="blogetl ingest run summary")
    report.checks = record_checks(db_path)  # flows/analysis.py: after each publish
    written = publish_report(db_path)
    report.report_path = str(written) if written else None
    if not run_report.ok:
        no_more_retries()  # the run finished: the dumps it could not load were retried already
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
