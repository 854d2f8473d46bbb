"""The single writer of a run: a locked working copy, loaded in batches, published by atomic rename.

A run starts from the private copy of what the last run published (blogetl.warehouse.guard), after
checking the published file against that run's record; it reads that copy read-only until it has
something to write, so a run that finds nothing changed makes no working copy and publishes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import duckdb

from blogetl.models import PARSER_VERSION, ParseResult
from blogetl.sources.files import DumpFile
from blogetl.sources.scan import DumpMeta, Known, Plan, plan
from blogetl.timing import timed
from blogetl.warehouse import changes, guard
from blogetl.warehouse._sql import column_list, connect, literal, strings, transaction
from blogetl.warehouse.acks import dumps_to_look_at
from blogetl.warehouse.arrow import DumpTables, to_arrow
from blogetl.warehouse.ddl import ensure_schema
from blogetl.warehouse.errors import WarehouseError
from blogetl.warehouse.files import WarehouseFiles, discard_work
from blogetl.warehouse.fts import fts_index_exists, update_fts
from blogetl.warehouse.lock import WriterLock
from blogetl.warehouse.merge import load_batch
from blogetl.warehouse.schema import INGEST_RUNS, NOT_LOADED_KEPT, WAREHOUSE_TABLES
from blogetl.warehouse.storage import outdated, upgrade
from blogetl.warehouse.summary import IngestSummary, RunCounts

log = logging.getLogger(__name__)
_STACK_TRACE = "\n\nStack Trace:"  # what DuckDB appends to a fatal error's message
AfterLoad = Callable[[duckdb.DuckDBPyConnection], dict[str, Any]]
T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most size items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def utcnow() -> datetime:
    """Now, as naive UTC (the warehouse's TIMESTAMP convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def open_work(files: WarehouseFiles, begin: guard.Start) -> duckdb.DuckDBPyConnection:
    """The run's working copy (the base copy renamed, or a copy of the published file), opened with the
    schema ensured and the ingest_runs rows of earlier runs that changed nothing written in."""
    begin.make_work()
    try:
        con = connect(str(files.work))
        if outdated(con):  # a warehouse an older blogetl made: rewritten once in today's storage format
            con.close()
            upgrade(files.work, memory_limit=memory_limit())
            con = connect(str(files.work))
    except duckdb.Error as exc:
        discard_work(files)
        raise WarehouseError(
            f"{files.published} cannot be opened as a DuckDB {duckdb.__version__} warehouse "
            f"({type(exc).__name__}: {str(exc).replace(str(files.work), str(files.published))}); "
            "move it away to build a new one, or pass another --db"
        ) from exc
    try:
        con.execute("SET enable_progress_bar = false")  # a library must not draw on the caller's terminal
        limit_memory(con, files)
        record = begin.record
        if record is None or record.inputs is None or record.code != guard.code_digest():
            ensure_schema(con)  # else a run of this same code published the file: its schema is this code's (0.1 s saved)
        for row in begin.record.pending_runs if begin.record else []:
            insert_run(con, guard.run_row(row))
    except BaseException:
        con.close()
        raise
    return con


# DuckDB takes 80 % of RAM unless told: the writer gets a bound, and spills to a folder beside
# the warehouse beyond it.  BLOGETL_DUCKDB_MEMORY_LIMIT overrides it (any DuckDB size: '2GB').
# Every stage works in bounded batches (the dedup stage's big aggregations on integer keys, in
# buckets), so the bound holds at any corpus size (bench/scale.py, README "Performance").
# Insertion order is not preserved: no table's meaning depends on it (every reader orders),
# and keeping it costs memory in every CREATE TABLE AS / INSERT ... SELECT.
DEFAULT_MEMORY_LIMIT = "384MB"


def memory_limit() -> str:
    """The writer's memory bound: BLOGETL_DUCKDB_MEMORY_LIMIT, or DEFAULT_MEMORY_LIMIT."""
    return os.environ.get("BLOGETL_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)


# DuckDB checkpoints when its write-ahead log passes 16 MB, so a run checkpointed at nearly every
# commit (the load's, each stage's), each checkpoint rewriting the blocks the run had touched so far.
# The working copy is private and its log thrown away with it when a run fails, so it checkpoints
# rarely: measured on +1 % new dumps on a 1 GB warehouse, load 3.96 -> 1.07 s, dedup 8.96 -> 6.21 s,
# index 3.71 -> 3.07 s, the one checkpoint at publish 0.2 -> 1.1 s; a 100 MB build 57.8 -> 52.0 s.
WAL_AUTOCHECKPOINT = "1GB"

# DuckDB's checkpoint also vacuums: it merges a table's adjacent row groups that fit in fewer, so a run
# that appended a few hundred posts rewrote and compressed again the text of every post (and dump)
# the runs since the last full row group of 122,880 appended: on +1 % of 100 MB, 0.24-0.36 s of its
# 0.3 s checkpoint (0.06 s without). A run's own checkpoints do not vacuum; the publishing one does
# when the run numbers since the last publish reach a multiple of COMPACT_EVERY (runs that change
# nothing publish nothing but are numbered), and in a run that loads at least 1/COMPACT_SHARE of the
# dumps (a full build): small row groups and deleted rows stay for at most COMPACT_EVERY runs.
COMPACT_EVERY = 8
COMPACT_SHARE = 4


def compacts(run_id: int, published_run: int, loaded: int, dumps: int) -> bool:
    """Whether a run's publishing checkpoint vacuums (merges small row groups, drops deleted rows);
    published_run: the run that published the file this run started from.

    >>> [compacts(r, r - 1, 5, 1000) for r in (7, 8, 9)], compacts(10, 6, 5, 1000), compacts(3, 2, 300, 1000)
    ([False, True, False], True, True)
    """
    return run_id // COMPACT_EVERY > published_run // COMPACT_EVERY or loaded * COMPACT_SHARE >= dumps


def limit_memory(con: duckdb.DuckDBPyConnection, files: WarehouseFiles) -> None:
    """Bound the writer's memory, give it a temp folder next to the working copy, and let it checkpoint rarely."""
    con.execute(f"SET memory_limit = {literal(memory_limit())}")
    con.execute(f"SET temp_directory = {literal(str(files.work) + '.tmp')}")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET wal_autocheckpoint = {literal(WAL_AUTOCHECKPOINT)}")
    con.execute("SET max_vacuum_tasks = 0")  # guard.publish vacuums when the run compacts (COMPACT_EVERY)


def last_run_id(con: duckdb.DuckDBPyConnection, record: guard.Record | None = None) -> int:
    """The highest run id recorded: in ingest_runs, or pending in the record."""
    row = con.execute("SELECT coalesce(max(run_id), 0) FROM ingest_runs").fetchone()
    pending = [int(r["run_id"]) for r in record.pending_runs] if record else []
    return max([int(row[0]) if row else 0, *pending])


def insert_run(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
    """Record one ingest_runs row."""
    names = INGEST_RUNS.names
    marks = ", ".join("?" for _ in names)
    con.execute(f"INSERT INTO ingest_runs ({column_list(names)}) VALUES ({marks})", [row.get(n) for n in names])


@contextmanager
def edit_published(db_path: Path | str, *, lock_timeout: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A small edit of a published warehouse outside a run (an acknowledgement): the writer lock, a
    working copy with the schema ensured, published when the block ends; thrown away if it raises."""
    files = WarehouseFiles.for_db(db_path)
    lock = WriterLock(files.lock, files.published).acquire(lock_timeout)
    con = None
    try:
        con = open_work(files, guard.start(files))
        with transaction(con):
            yield con
        guard.publish(con, files, run_id=last_run_id(con), inputs=None)  # None: the next run does the whole work
    except BaseException:
        if con is not None:
            con.close()
        discard_work(files)
        raise
    finally:
        lock.release()


class Warehouse:
    """One run's write access to a warehouse; analysts keep reading the published file meanwhile.

        with Warehouse.open(db) as wh:
            todo = wh.plan(scan("raw")).todo
            wh.load_arrow(parse_dump(m) for m in todo)
            summary = wh.finish()
    """

    def __init__(self, files: WarehouseFiles, lock: WriterLock, begin: guard.Start) -> None:
        """A run starting from `begin` (guard.start, under the lock); use Warehouse.open."""
        self.files, self._lock, self._start = files, lock, begin
        self._con: duckdb.DuckDBPyConnection | None = None
        self.started_at = utcnow()
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = list(begin.warnings)  # about the published file (written outside blogetl)
        self._states: dict[str, str] = {}
        self._counts: Counter[str] = Counter()
        self._unreadable: dict[str, str] = {}
        self._scanned: dict[str, str] = {}  # path -> sha256 of what this run found under raw/
        self._scan: list[DumpMeta] | None = None  # what plan() was given
        self._todo = 0
        self._present: list[str] | None = None  # every path the scan found (flagged missing once there is a working copy)
        self._checks: list[Callable[[], Mapping[str, str]]] = []  # see before_publish
        self.left_out: dict[str, str] = {}  # path -> why: dumps gone from raw/ between the scan and their parse
        self._open = True
        if begin.lazy:
            with begin.reader() as con:
                self.run_id = last_run_id(con, begin.record) + 1
        else:
            self.run_id = last_run_id(self._work(), begin.record) + 1

    @classmethod
    def open(cls, db_path: Path | str, *, lock_timeout: float = 30.0) -> Warehouse:
        """Take the writer lock (retrying up to lock_timeout s), check the published file and decide where
        the run starts from (the working copy is made when the run first writes)."""
        started = time.perf_counter()
        files = WarehouseFiles.for_db(db_path)
        files.published.parent.mkdir(parents=True, exist_ok=True)
        lock = WriterLock(files.lock, files.published).acquire(lock_timeout)
        begin = None
        try:
            begin = guard.start(files)
            wh = cls(files, lock, begin)
        except BaseException:
            if begin is not None:
                begin.close()
            discard_work(files)
            lock.release()
            raise
        wh.timings["open"] = time.perf_counter() - started
        return wh

    def _work(self) -> duckdb.DuckDBPyConnection:
        """The working copy's connection, made on first use."""
        if self._con is None:
            with self.timer("open"):
                con = open_work(self.files, self._start)
            try:
                changes.start(con)
            except BaseException:
                con.close()
                raise
            self._con = con
            if self._present is not None:
                self._flag_missing(self._present)
        return self._con

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The run's state to read: the working copy once there is one, else the base copy read-only."""
        if self._con is not None or not self._start.lazy:
            yield self.con
        else:
            with self._start.reader() as con:
                yield con

    def __enter__(self) -> Warehouse:
        """The run itself."""
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Publish on success unless already finished; on an exception record a failed run."""
        if exc is not None:
            self.abort(exc)
        elif self._open:
            self.finish()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The working copy's connection (after-load stages write their own tables through it)."""
        self._require_open()
        return self._work()

    def timer(self, stage: str) -> AbstractContextManager[None]:
        """Add the time spent in the block to timings[stage]."""
        return timed(self.timings, stage)

    def _require_open(self) -> None:
        """Fail clearly when the run was already finished or aborted."""
        if not self._open:
            raise WarehouseError(f"run {self.run_id} on {self.files.published} is already finished")

    def known_dumps(self) -> dict[str, str]:
        """path -> sha256 of every dump the warehouse holds; a dump parsed by another parser
        version gets a tagged value, so planning sees it as changed and parses it again."""
        with self._reading() as con:
            rows = con.execute("SELECT path, sha256, parser_version FROM dumps").fetchall()
        return {path: sha if version == PARSER_VERSION else f"{sha} (parser {version})" for path, sha, version in rows}

    def known_files(self) -> Known:
        """path -> (size, modification time, sha256) of every dump the warehouse holds, for scan's
        quick check (a file still of that size and time is not read again)."""
        with self._reading() as con:
            rows = con.execute("SELECT path, size, file_modified_at, sha256 FROM dumps WHERE size IS NOT NULL "
                               "AND file_modified_at IS NOT NULL AND sha256 IS NOT NULL").fetchall()
        return {path: (int(size), modified, sha) for path, size, modified, sha in rows}

    def plan(self, scanned: Sequence[DumpMeta]) -> Plan:
        """Split scanned dumps into new, changed and unchanged; the run counts them as seen."""
        result = plan(scanned, self.known_dumps())
        self._states.update({m.path: "unchanged" for m in result.unchanged})
        self._states.update({m.path: "pending" for m in result.todo})
        self._unreadable = {m.path: m.error or "" for m in result.unreadable}
        self._scanned = {m.path: m.sha256 for m in scanned if m.error is None}
        self._states.update({m.path: "unreadable" for m in result.unreadable})
        self._scan, self._todo = list(scanned), len(result.todo)
        self._present = [m.path for m in scanned]  # an unreadable file is there: not missing
        self._apply_present()
        return result

    def leave_out(self, gone: Mapping[str, str]) -> None:
        """Dumps deleted or renamed away since the scan (path -> why): left out of the run as if the
        scan had not found them; one the warehouse holds is missing, like any dump gone from raw/."""
        if not gone:
            return
        self.left_out.update(gone)
        for path in gone:
            self._states.pop(path, None)
            self._scanned.pop(path, None)
        self._present = [path for path in self._present or [] if path not in gone]
        self._apply_present()

    def _apply_present(self) -> None:
        """Flag the dumps missing from raw/ in the working copy; before there is one, only count them."""
        present = self._present or []
        if self._con is not None:
            self._flag_missing(present)
            return
        with self._reading() as con, strings(con, "_present", "path", present):
            row = con.execute("SELECT count(*) FROM dumps WHERE path NOT IN (SELECT path FROM _present)").fetchone()
        self._counts["dumps_missing"] = int(row[0]) if row else 0

    def _flag_missing(self, present: Sequence[str]) -> None:
        """Mark dumps gone from raw/ with this run (once), clear the mark of those back; delete nothing."""
        con = self.con
        with strings(con, "_present", "path", present), transaction(con):
            con.execute("""UPDATE dumps SET missing_since_run_id = NULL
                           WHERE missing_since_run_id IS NOT NULL AND path IN (SELECT path FROM _present)""")
            con.execute("UPDATE dumps SET missing_since_run_id = ? WHERE missing_since_run_id IS NULL "
                        "AND path NOT IN (SELECT path FROM _present)", [self.run_id])
        missing = con.execute("SELECT count(*) FROM dumps WHERE missing_since_run_id IS NOT NULL").fetchone()
        self._counts["dumps_missing"] = int(missing[0]) if missing else 0

    def before_publish(self, check: Callable[[], Mapping[str, str]]) -> None:
        """Have finish() call check() after the after-load stages: the dumps it names (path -> why) need a
        look, as failed ones do (loaded dumps whose file changed since the run read it)."""
        self._checks.append(check)

    def load(self, parsed: Iterable[tuple[DumpFile, ParseResult]], *, batch_size: int = 200) -> None:
        """Load parsed dumps (skipping those already loaded with the same sha256)."""
        self.load_arrow((to_arrow(dump, result) for dump, result in parsed), batch_size=batch_size)

    def load_arrow(self, tables: Iterable[DumpTables], *, batch_size: int = 200) -> None:
        """Load dumps shipped as Arrow tables, batch_size dumps per transaction."""
        self._require_open()
        for chunk in chunked(tables, batch_size):
            with self.timer("load"):
                result = load_batch(self.con, DumpTables.concat(chunk), self.run_id)
            for path, state in result.states.items():
                if self._states.get(path) in (None, "pending"):
                    self._states[path] = state
            self._counts += result.counts

    def counts(self) -> RunCounts:
        """What the run changed so far."""
        states = Counter(self._states.values())
        dumps = {"dumps_seen": len(self._states), **{f"dumps_{s}": states[s] for s in ("new", "changed", "unchanged", "unreadable")}}
        return RunCounts(**dumps, **changes.changes(self.con), **self._counts)

    def totals(self) -> dict[str, int]:
        """Rows per public table."""
        return {t.name: int(self.con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]) for t in WAREHOUSE_TABLES}  # type: ignore[index]

    def finish(self, *, after_load: Sequence[AfterLoad] = (), failed: Mapping[str, str] | None = None) -> IngestSummary:
        """Run the after-load stages, refresh the full-text index, record the run and publish.

        failed names the dumps whose parse failed in this run (path -> why). The run is recorded
        'succeeded' when no dump under raw/ needs a look (blogetl.warehouse.acks), else 'incomplete'.
        """
        self._require_open()
        inputs = guard.inputs_digest(self._scan, after_load) if self._scan is not None else None
        record = self._start.record
        if (self._con is None and self._todo == 0 and not failed and record is not None and inputs == record.inputs):
            return self._finish_unchanged(record)
        try:
            with self.timer("after_load"):
                stage_results = [stage(self.con) for stage in after_load]
            failed = {**(failed or {}), **{path: why for check in self._checks for path, why in check().items()}}
            need, acked = dumps_to_look_at(self.con, self.run_id, unreadable=self._unreadable, failed=failed,
                                           scanned=self._scanned)
            counts = self.counts().model_copy(update={"dumps_not_loaded": len(need), "dumps_acknowledged": len(acked)})
            with self.timer("fts"), transaction(self.con):
                if counts.posts_added or counts.posts_updated or counts.posts_removed or not fts_index_exists(self.con):
                    update_fts(self.con)
                row = self._run_row("incomplete" if need else "succeeded", counts)
                insert_run(self.con, {**row, "not_loaded": [{"path": p, "why": w} for p, w in list(need.items())[:NOT_LOADED_KEPT]]})
            totals = self.totals()
            with self.timer("publish"):
                self.warnings += guard.publish(self.con, self.files, run_id=self.run_id, inputs=inputs,
                                               compact=compacts(self.run_id, record.run_id if record else 0,
                                                                self._todo, len(self._states)))
        except BaseException as exc:
            self.abort(exc)
            raise
        self._release()
        return IngestSummary(**row, db_path=str(self.files.published), totals=totals, timings=self.timings,
                             unreadable=self._unreadable, not_loaded=need, acknowledged=acked,
                             after_load=stage_results)

    def _finish_unchanged(self, record: guard.Record) -> IngestSummary:
        """A run whose inputs are those the published file reflects: report from the base copy, add the
        run's row to the record (ingest_runs gets it at the next publish), publish nothing."""
        try:
            with self._start.reader() as con:
                need, acked = dumps_to_look_at(con, self.run_id, unreadable=self._unreadable, failed={},
                                               scanned=self._scanned)
                totals = {t.name: int(con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0])  # type: ignore[index]
                          for t in WAREHOUSE_TABLES}
            states = Counter(self._states.values())
            counts = RunCounts(dumps_seen=len(self._states), dumps_unchanged=states["unchanged"],
                               dumps_unreadable=states["unreadable"], dumps_missing=self._counts["dumps_missing"],
                               posts_unchanged=totals["posts"], comments_unchanged=totals["comments"],
                               dumps_not_loaded=len(need), dumps_acknowledged=len(acked))
            row = self._run_row("incomplete" if need else "succeeded", counts)
            guard.add_pending_run(self.files, record, {**row, "not_loaded": [{"path": p, "why": w}
                                                                            for p, w in list(need.items())[:NOT_LOADED_KEPT]]})
        except BaseException as exc:
            self.abort(exc)
            raise
        self._release()
        return IngestSummary(**row, db_path=str(self.files.published), totals=totals, timings=self.timings,
                             unreadable=self._unreadable, not_loaded=need, acknowledged=acked, published=False)

    def _run_row(self, status: str, counts: RunCounts, error: str | None = None) -> dict[str, Any]:
        """The ingest_runs row of this run."""
        return {"run_id": self.run_id, "started_at": self.started_at, "finished_at": utcnow(), "status": status,
                "error": error, "parser_version": PARSER_VERSION, **counts.model_dump()}

    def abort(self, error: BaseException | None = None) -> None:
        """Throw the run's work away; with an error, publish a 'failed' ingest_runs row (best effort)."""
        if not self._open:
            return
        try:
            self._start.close()
            if self._con is not None:
                self._con.close()
            discard_work(self.files)
            if error is not None:
                self._publish_failure(error)
        finally:
            self._release()

    def _publish_failure(self, error: BaseException) -> None:
        """Record a failed run on top of the published warehouse, nothing else."""
        message = f"{type(error).__name__}: {str(error).split(_STACK_TRACE)[0]}"
        con = None
        try:
            con = open_work(self.files, guard.start(self.files))
            insert_run(con, self._run_row("failed", RunCounts(), message))
            guard.publish(con, self.files, run_id=self.run_id, inputs=None)
        except Exception as exc:  # the original error matters more than the bookkeeping (and no traceback for it)
            if con is not None:  # a full disk: the connection must not keep the deleted copy's space
                with contextlib.suppress(duckdb.Error):
                    con.close()
            first = str(exc).splitlines()[0] if str(exc) else ""
            log.error("could not record failed run %s in %s: %s: %s", self.run_id, self.files.published,
                      type(exc).__name__, first)
            discard_work(self.files)

    def _release(self) -> None:
        """Close the connection if still open and let go of the lock."""
        self._open = False
        try:
            self._start.close()
            if self._con is not None:
                self._con.close()
        finally:
            self._lock.release()
