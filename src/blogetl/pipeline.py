"""One run, whatever runs it: scan (blogetl.sources) → plan → parse (blogetl.parse, a pluggable
map) → load in bounded chunks (blogetl.warehouse) → after-load stages → publish → a RunReport
that decides the exit code.

The command line (``blogetl ingest --no-flow``) and the Prefect flow (``flows/ingest.py``)
both end in a ``RunReport``; its ``not_loaded`` and ``exit_code`` are the one set of failure
rules (``blogetl.warehouse.acks``, applied when the run is recorded, so ``ingest_runs.status``
says the same): a dump under raw/ needs a look when it cannot be read, its parse failed, or the
parser rejected it whole (empty, binary, no structure), in this run or, its bytes unchanged, in
an earlier one; unless an operator acknowledged it (``blogetl ack``).

Exit codes, with and without Prefect (README "Exit codes"):

>>> EXIT_LOADED, EXIT_NEEDS_LOOK, EXIT_USAGE, EXIT_COULD_NOT_RUN
(0, 1, 2, 3)
>>> could_not_run(OSError(13, "Permission denied", "/data/.blog.work.duckdb"))
'Permission denied: /data/.blog.work.duckdb'
>>> could_not_run(OSError(28, "No space left on device", "/data/blog.duckdb", None, "/data/.blog.work.duckdb"))
'No space left on device: /data/blog.duckdb -> /data/.blog.work.duckdb (free space on the disk of --db: a run writes a working copy of the warehouse beside it)'
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import pickle
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from blogetl.models import PageKind, ParseResult, Reject, RejectReason
from blogetl.parse.parser import parse_decoded
from blogetl.parse.sites import PROFILES
from blogetl.sources.decode import decode_dump
from blogetl.sources.files import DUMP_SUFFIXES, DumpFile, LinkOutsideRaw, modified_at
from blogetl.sources.scan import DumpMeta, Plan, scan
from blogetl.warehouse.arrow import (
    DumpTables,
    RowCounts,
    StagedRows,
    split_tables,
    staged_rows,
    tables_of,
    to_arrow,
)
from blogetl.warehouse.errors import WarehouseError
from blogetl.warehouse.store import AfterLoad, Warehouse, memory_limit
from blogetl.warehouse.summary import IngestSummary, names

EXIT_LOADED = 0  # every dump under raw/ is loaded (or acknowledged); the warehouse is published
EXIT_NEEDS_LOOK = 1  # the warehouse is published, but some dumps need a look (named on stderr)
EXIT_USAGE = 2  # a mistake in the command (an option, a path): nothing ran
EXIT_COULD_NOT_RUN = 3  # the lock is held, the disk or a permission refused, the database failed: nothing published

# A parse map: dumps in, (dump, its tables or the exception that stopped its parse) out, in any order.
ParseMap = Callable[[Sequence[DumpMeta]], Iterable[tuple[DumpMeta, DumpTables | BaseException]]]

# A chunk is loaded once its dumps add up to this many bytes (or CHUNK_DUMPS dumps): what a run
# holds in memory at once does not grow with the corpus.
CHUNK_BYTES = 8_000_000
CHUNK_DUMPS = 200


# Pages whose closing chrome the parser knows (the blog platform's footer): one that ends inside a
# post or comment was cut short, as a file still being written is.
CLOSED_PROFILES = frozenset(p.name for p in PROFILES if p.platform)


class DumpChanged(Exception):
    """A dump's file changed while the run read it: it is not loaded, and the next run reads it again."""


class DumpGone(Exception):
    """A dump deleted or renamed away between the scan and its parse: left out of the run, as the scan
    leaves out a file gone before it is hashed (a warning, not a failure; missing if the warehouse holds it)."""


def refused(meta: DumpMeta, why: str) -> DumpTables:
    """A dump file that is not read (a link out of raw/): a rejected dump with one reject that says why."""
    reject = Reject(reason=RejectReason.LINK_OUTSIDE_RAW, detail=why, text="", start_offset=0, end_offset=0)
    result = ParseResult(text="", page_kind=PageKind.UNKNOWN, source_format="link", site=meta.site_hint, rejects=[reject])
    return to_arrow(DumpFile(meta.path, b"", meta.sha256, 0, meta.site_hint), result, modified_at=meta.modified_at)


def parse_dump(meta: DumpMeta) -> DumpTables:
    """Read and parse one dump into Arrow tables (what a parallel parse task returns); DumpChanged when
    the bytes read are not those the scan hashed (the file is being written)."""
    parsed = read_and_parse(meta)
    if isinstance(parsed, DumpTables):
        return parsed
    dump, result, utf8 = parsed
    return to_arrow(dump, result, modified_at=meta.modified_at, text_utf8=utf8)


def read_and_parse(meta: DumpMeta) -> DumpTables | tuple[DumpFile, ParseResult, bytes | None]:
    """parse_dump before its tables are made: the dump, its parse and the UTF-8 of the parse's text when
    that is the dump's bytes (Decoded.utf8); the tables of a dump that is not read."""
    if meta.refused is not None:
        return refused(meta, meta.refused)
    try:
        dump = meta.read()
    except FileNotFoundError as exc:
        raise DumpGone(f"{meta.path} disappeared from raw/ after the scan; left out of this run") from exc
    except LinkOutsideRaw as exc:  # made a link since the scan
        return refused(meta, str(exc))
    if meta.sha256 and dump.sha256 != meta.sha256:
        raise DumpChanged("changed while the run read it (not the bytes the scan hashed): not loaded, the next run reads it")
    decoded = decode_dump(dump.data, filename=dump.path)
    result = parse_decoded(decoded, dump.data, site_hint=dump.site_hint, line_uses=False)  # the warehouse keeps no line uses
    return dump, result, decoded.utf8


def parse_in_process(metas: Sequence[DumpMeta]) -> Iterator[tuple[DumpMeta, DumpTables | BaseException]]:
    """The plain map: parse each dump here, one after the other; a failed parse is named, not raised."""
    for meta in metas:
        try:
            yield meta, parse_dump(meta)
        except Exception as exc:  # a bug on one dump must not take the others down
            yield meta, exc


# What a worker's task returns: the tables of its dumps made together (tables_of), and per dump the
# rows it has of them, its own tables (a dump not read), or the exception that stopped its parse.
TaskResult = tuple[DumpTables | None, list[RowCounts | DumpTables | BaseException]]


def parse_dumps(metas: Sequence[DumpMeta]) -> TaskResult:
    """parse_dump of each dump (a worker's task), their tables made in one conversion per table (and
    sent back as one stream each); an exception that cannot be pickled comes back as ParseFailed."""
    items: list[RowCounts | DumpTables | BaseException] = []
    rows: list[StagedRows] = []
    for meta in metas:
        try:
            parsed = read_and_parse(meta)
            if isinstance(parsed, DumpTables):
                items.append(parsed)
            else:
                dump, result, utf8 = parsed
                dumps, posts, comments, rejects = staged_rows(dump, result, meta.modified_at, text_utf8=utf8)
                rows.append((dumps, posts, comments, rejects))
                items.append((len(dumps), len(posts), len(comments), len(rejects)))
        except Exception as exc:  # a bug on one dump must not take the others down
            try:
                pickle.dumps(exc)
            except Exception:
                exc = ParseFailed(f"{type(exc).__name__}: {exc}")
            items.append(exc)
    if not rows:
        return None, items
    return tables_of(rows)[0], items


def task_results(result: TaskResult) -> list[DumpTables | BaseException]:
    """Each dump's tables (or exception) out of a worker task's result, in order."""
    whole, items = result
    counts = [item for item in items if isinstance(item, tuple)]
    tables = iter(split_tables(whole, counts) if whole is not None else [])
    return [next(tables) if isinstance(item, tuple) else item for item in items]


# A worker's task is a run of dumps, about 1/TASKS_PER_WORKER of a chunk's bytes per worker: a task per
# dump cost the parent 0.4 ms of CPU each (futures, pipe reads), 0.2 s per 20 MB it took from the workers.
TASKS_PER_WORKER = 8


def worker_tasks(metas: Sequence[DumpMeta], workers: int) -> list[Sequence[DumpMeta]]:
    """Consecutive runs of dumps of about equal bytes, TASKS_PER_WORKER per worker (a big dump alone)."""
    target = sum(m.size for m in metas) / (workers * TASKS_PER_WORKER)
    tasks: list[Sequence[DumpMeta]] = []
    start, size = 0, 0
    for i, meta in enumerate(metas):
        size += meta.size
        if size >= target:
            tasks.append(metas[start : i + 1])
            start, size = i + 1, 0
    if start < len(metas):
        tasks.append(metas[start:])
    return tasks


@contextmanager
def parse_in_processes(workers: int) -> Iterator[ParseMap]:
    """A map that parses on `workers` processes (the parser is pure Python: threads share one core).

    The processes are started once per run (forkserver: never a fork of a process holding DuckDB's
    threads) and parse each chunk's dumps in parallel, a run of dumps per task (worker_tasks); what
    they return is the same Arrow tables (pickled as Arrow IPC streams).  A dump whose parse fails is
    named; a worker that dies takes its task's dumps down, each named like any failed parse.
    """
    context = multiprocessing.get_context("forkserver")
    # the fork server imports the parse stage once; each worker is a fork of it, ready at once
    # (importing it in every worker cost each 0.5-0.8 s of CPU, more than a small run's parse)
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:

        def parse_map(metas: Sequence[DumpMeta]) -> Iterator[tuple[DumpMeta, DumpTables | BaseException]]:
            tasks = worker_tasks(metas, workers)
            futures = [pool.submit(parse_dumps, task) for task in tasks]
            for task, future in zip(tasks, futures, strict=True):
                try:
                    results = task_results(future.result())
                except Exception as exc:  # its worker's death (BrokenProcessPool)
                    results = [exc] * len(task)
                yield from zip(task, results, strict=True)

        yield parse_map


# A run parses on every core only when it has this much to parse: starting the processes costs
# about a second (README "Performance"), what one process parses of ~6 MB.
POOL_MIN_BYTES = 6_000_000


@contextmanager
def parse_on_cores(workers: int | None = None, min_bytes: int = POOL_MIN_BYTES) -> Iterator[ParseMap]:
    """The library's parse map: `workers` processes, or one per core when workers is None.

    With workers None the processes start only for a run that has min_bytes to parse, decided on
    its first chunk (chunks are CHUNK_BYTES or CHUNK_DUMPS long, so a bigger run starts with a
    full one): a small run, such as a few new dumps, parses here at no start-up cost.  A pool
    that no chunk uses starts no process.
    """
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n <= 1:
        yield parse_in_process
        return
    with parse_in_processes(n) as pooled:
        decided: list[bool] = []

        def parse_map(metas: Sequence[DumpMeta]) -> Iterable[tuple[DumpMeta, DumpTables | BaseException]]:
            if not decided:
                decided.append(workers is not None or len(metas) >= CHUNK_DUMPS or sum(m.size for m in metas) >= min_bytes)
            return pooled(metas) if decided[0] else parse_in_process(metas)

        yield parse_map


def chunks_by_bytes(todo: Sequence[DumpMeta], max_bytes: int = CHUNK_BYTES, max_dumps: int = CHUNK_DUMPS) -> Iterator[list[DumpMeta]]:
    """Consecutive chunks of dumps, each at most max_bytes (a bigger dump is a chunk of its own) and max_dumps."""
    chunk: list[DumpMeta] = []
    size = 0
    for meta in todo:
        if chunk and (size + meta.size > max_bytes or len(chunk) >= max_dumps):
            yield chunk
            chunk, size = [], 0
        chunk.append(meta)
        size += meta.size
    if chunk:
        yield chunk


@dataclass
class RunReport:
    """What a run did and what it could not do: the summary (with the dumps that need a look, and
    those acknowledged, as the warehouse recorded them) and warnings about raw/."""

    summary: IngestSummary
    warnings: list[str] = field(default_factory=list)

    @property
    def not_loaded(self) -> dict[str, str]:
        """Dumps under raw/ that need a look: path -> why."""
        return self.summary.not_loaded

    @property
    def acknowledged(self) -> dict[str, str]:
        """Dumps not loaded but acknowledged: path -> why, and the acknowledgement."""
        return self.summary.acknowledged

    @property
    def dumps_seen(self) -> int:
        """Dumps found under raw/."""
        return self.summary.dumps_seen

    @property
    def ok(self) -> bool:
        """No dump needs a look (ingest_runs.status 'succeeded')."""
        return not self.not_loaded

    @property
    def exit_code(self) -> int:
        """0 when no dump needs a look; 1 when some do (the others are loaded and published)."""
        return EXIT_LOADED if self.ok else EXIT_NEEDS_LOOK

    @property
    def message(self) -> str:
        """One line: all loaded, or which dumps were not (and which are acknowledged)."""
        acked = f"{len(self.acknowledged)} acknowledged: {names(self.acknowledged)}" if self.acknowledged else ""
        if self.ok:
            if not acked:
                return f"all {self.dumps_seen} dumps loaded"
            return f"{self.dumps_seen - len(self.acknowledged)} of {self.dumps_seen} dumps loaded, {acked}"
        return f"{len(self.not_loaded)} dump(s) not loaded: {names(self.not_loaded, 20)}" + (f"; {acked}" if acked else "")

    def details(self) -> list[str]:
        """One line per dump that needs a look, with the reason."""
        return [f"{path}: {why}" for path, why in self.not_loaded.items()]


def could_not_run(exc: BaseException) -> str:
    """One line for an error that stopped a run (exit code 3): the lock, the disk, a permission, the database."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (f"DuckDB ran out of memory within its limit of {memory_limit()}: raise BLOGETL_DUCKDB_MEMORY_LIMIT "
                f"(for example BLOGETL_DUCKDB_MEMORY_LIMIT=2GB) or free memory ({first})")
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename} -> {exc.filename2}" if exc.filename and exc.filename2 else exc.filename
        return (f"{exc.strerror}: {where}" if where else exc.strerror) + (NO_SPACE_HINT if exc.errno == errno.ENOSPC else "")
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, WarehouseError):
        return text
    hint = NO_SPACE_HINT if isinstance(exc, duckdb.Error) and "No space left on device" in text else ""
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__) + hint


NO_SPACE_HINT = " (free space on the disk of --db: a run writes a working copy of the warehouse beside it)"


def raw_warnings(raw_dir: Path | str, scanned: Sequence[DumpMeta], known: Collection[str]) -> list[str]:
    """Warnings about raw/ itself: it holds no dumps, or none of the dumps the warehouse knows (a wrong --raw?)."""
    if not scanned:
        kept = f"; the warehouse's {len(known)} dumps are kept and reported missing" if known else ""
        return [f"{raw_dir} holds no dumps ({', '.join(DUMP_SUFFIXES)} files){kept}"]
    if known and not any(m.path in known for m in scanned):
        return [f"{raw_dir} holds none of the {len(known)} dumps the warehouse knows (is it the right --raw?); "
                "they are kept and reported missing"]
    return []


def plan_run(wh: Warehouse, raw_dir: Path | str, scanned: Sequence[DumpMeta]) -> tuple[Plan, list[str]]:
    """The run's plan (new or changed dumps) and the warnings about raw/."""
    warnings = raw_warnings(raw_dir, scanned, wh.known_dumps())
    return wh.plan(scanned), warnings


class ParseFailed(Exception):
    """A parse that failed where it ran (a worker, a task), carried by its message."""


def changed_since_scan(meta: DumpMeta) -> str | None:
    """How a dump's file differs now from what the scan found (size, mtime), None when it does not (or is
    gone, or is a link the run does not read)."""
    if meta.refused is not None:
        return None
    try:
        st = meta.file.stat()
    except OSError:
        return None
    if st.st_size == meta.size and modified_at(st) == meta.modified_at:
        return None
    return f"{meta.size:,} -> {st.st_size:,} bytes" if st.st_size != meta.size else "rewritten, same size"


def as_read(meta: DumpMeta, result: DumpTables | BaseException) -> DumpTables | BaseException:
    """A parse, unless the file changed while the run read it (then DumpChanged: the next run reads it)."""
    why = changed_since_scan(meta)
    return DumpChanged(f"changed while the run read it ({why}): not loaded, the next run reads it") if why else result


def changed_after_reading(loaded: Sequence[DumpMeta]) -> dict[str, str]:
    """Loaded dumps whose file changed since the scan (a writer that paused): path -> why they need a look."""
    return {m.path: f"changed after the run read it ({why}): the warehouse holds the bytes read, the next run loads the new ones"
            for m in loaded if (why := changed_since_scan(m))}


def load_parsed(wh: Warehouse, results: Iterable[tuple[DumpMeta, DumpTables | BaseException]],
                chunk_dumps: int = CHUNK_DUMPS) -> tuple[dict[str, str], dict[str, str]]:
    """Load one chunk's parses in path order (ids never depend on which parse finished first),
    chunk_dumps dumps per transaction; returns the dumps whose parse failed and those the parser
    rejected whole."""
    tables: list[DumpTables] = []
    failed: dict[str, str] = {}
    gone: dict[str, str] = {}
    for meta, result in results:
        if isinstance(result, DumpGone):
            gone[meta.path] = str(result)
        elif isinstance(result, DumpChanged):
            failed[meta.path] = str(result)
        elif isinstance(result, BaseException):
            why = str(result) if isinstance(result, ParseFailed) else f"{type(result).__name__}: {result}"
            failed[meta.path] = f"parse failed: {why}"
        else:
            tables.append(result)
    tables.sort(key=lambda t: t.paths)
    wh.leave_out(gone)
    wh.load_arrow(tables, batch_size=chunk_dumps)
    rejected = {path: why for part in tables for path, why in part.rejected().items()}
    wh.warnings.extend(f"{path} looks cut short: it ends inside a post, without the page's closing footer (still being "
                       "written?); loaded as it is, the next run loads it again if it grows"
                       for part in tables for path in part.cut_short(CLOSED_PROFILES))
    return failed, rejected


def load_all(wh: Warehouse, todo: Sequence[DumpMeta], parse_map: ParseMap = parse_in_process,
             chunk_bytes: int = CHUNK_BYTES, chunk_dumps: int = CHUNK_DUMPS) -> tuple[dict[str, str], dict[str, str]]:
    """Parse and load the dumps chunk by chunk (one chunk in memory at a time, at most chunk_bytes
    and chunk_dumps); returns the dumps whose parse failed and those the parser rejected whole.

    A dump whose file changed while the run read it (size or mtime against the scan's, checked
    after its parse) is not loaded; one that changes after its load is named when the run publishes
    (Warehouse.before_publish): a writer that paused longer than `watch --settle`."""
    failed: dict[str, str] = {}
    rejected: dict[str, str] = {}
    for chunk in chunks_by_bytes(todo, chunk_bytes, chunk_dumps):
        with wh.timer("parse"):
            results = [(meta, as_read(meta, result)) for meta, result in parse_map(chunk)]
        more_failed, more_rejected = load_parsed(wh, results, chunk_dumps)
        failed.update(more_failed)
        rejected.update(more_rejected)
        del results
    loaded = [m for m in todo if m.path not in failed]
    wh.before_publish(lambda: changed_after_reading(loaded))
    return failed, rejected


def run(
    raw_dir: Path | str,
    db_path: Path | str,
    *,
    after_load: Sequence[AfterLoad] = (),
    parse_map: ParseMap = parse_in_process,
    lock_timeout: float = 30.0,
    chunk_bytes: int = CHUNK_BYTES,
    chunk_dumps: int = CHUNK_DUMPS,
) -> RunReport:
    """Load the new and changed dumps under raw_dir into db_path, publish it, and report; running
    twice is safe (the second run loads nothing new)."""
    with Warehouse.open(db_path, lock_timeout=lock_timeout) as wh:
        with wh.timer("scan"):
            scanned = scan(raw_dir, wh.known_files())
            plan, warnings = plan_run(wh, raw_dir, scanned)
        failed, _rejected = load_all(wh, plan.todo, parse_map, chunk_bytes, chunk_dumps)
        summary = wh.finish(after_load=after_load, failed=failed)
    return RunReport(summary, [*warnings, *wh.left_out.values(), *wh.warnings])
