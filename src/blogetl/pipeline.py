"""One run, whatever runs it: scan (blogetl.sources) → plan → parse (blogetl.parse, a pluggable
map) → load in bounded chunks (blogetl.warehouse) → after-load stages → publish → a RunReport
that decides what failed.

The command line (``blogetl ingest --no-flow``) and the Prefect flow (``flows/ingest.py``)
both end in a ``RunReport``; its ``not_loaded`` and ``exit_code`` are the one set of failure
rules: a dump is not loaded when it could not be read, its parse failed, or the parser
rejected it whole (empty, binary, no structure).

>>> RunReport.rules({"a.txt": "cannot be read: Permission denied"}, {}, {"b.txt": "rejected by the parser: binary_dump"})
{'a.txt': 'cannot be read: Permission denied', 'b.txt': 'rejected by the parser: binary_dump'}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from blogetl.parse.parser import parse_bytes
from blogetl.sources.scan import DumpMeta, scan
from blogetl.warehouse.arrow import DumpTables, to_arrow
from blogetl.warehouse.store import AfterLoad, Warehouse
from blogetl.warehouse.summary import IngestSummary

# A parse map: dumps in, (dump, its tables or the exception that stopped its parse) out, in any order.
ParseMap = Callable[[Sequence[DumpMeta]], Iterable[tuple[DumpMeta, DumpTables | BaseException]]]

# A chunk is loaded once its dumps add up to this many bytes (or CHUNK_DUMPS dumps): what a run
# holds in memory at once does not grow with the corpus.
CHUNK_BYTES = 8_000_000
CHUNK_DUMPS = 200


def parse_dump(meta: DumpMeta) -> DumpTables:
    """Read and parse one dump into Arrow tables (what a parallel parse task returns)."""
    dump = meta.read()
    result = parse_bytes(dump.data, filename=dump.path, site_hint=dump.site_hint)
    return to_arrow(dump, result, modified_at=meta.modified_at)


def parse_in_process(metas: Sequence[DumpMeta]) -> Iterator[tuple[DumpMeta, DumpTables | BaseException]]:
    """The plain map: parse each dump here, one after the other; a failed parse is named, not raised."""
    for meta in metas:
        try:
            yield meta, parse_dump(meta)
        except Exception as exc:  # a bug on one dump must not take the others down
            yield meta, exc


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
    """What a run did and what it could not do: the summary, and each dump not loaded with why."""

    summary: IngestSummary
    not_loaded: dict[str, str] = field(default_factory=dict)  # path -> why
    dumps_seen: int = 0

    @staticmethod
    def rules(unreadable: dict[str, str], failed: dict[str, str], rejected: dict[str, str]) -> dict[str, str]:
        """The failure rules: unreadable, failed to parse, or rejected whole, by path."""
        return dict(sorted({**unreadable, **failed, **rejected}.items()))

    @property
    def ok(self) -> bool:
        """Every dump found was loaded."""
        return not self.not_loaded

    @property
    def exit_code(self) -> int:
        """0 when every dump was loaded; 1 when some were not (the others are loaded and published)."""
        return 0 if self.ok else 1

    @property
    def message(self) -> str:
        """One line: all loaded, or which dumps were not."""
        if self.ok:
            return f"all {self.dumps_seen} dumps loaded"
        return f"{len(self.not_loaded)} dump(s) not loaded: " + ", ".join(self.not_loaded)

    def details(self) -> list[str]:
        """One line per dump not loaded, with the reason."""
        return [f"{path}: {why}" for path, why in self.not_loaded.items()]


class ParseFailed(Exception):
    """A parse that failed where it ran (a worker, a task), carried by its message."""


def load_parsed(wh: Warehouse, results: Iterable[tuple[DumpMeta, DumpTables | BaseException]],
                chunk_dumps: int = CHUNK_DUMPS) -> tuple[dict[str, str], dict[str, str]]:
    """Load one chunk's parses in path order (ids never depend on which parse finished first),
    chunk_dumps dumps per transaction; returns the dumps whose parse failed and those the parser
    rejected whole."""
    tables: list[DumpTables] = []
    failed: dict[str, str] = {}
    for meta, result in results:
        if isinstance(result, BaseException):
            why = str(result) if isinstance(result, ParseFailed) else f"{type(result).__name__}: {result}"
            failed[meta.path] = f"parse failed: {why}"
        else:
            tables.append(result)
    tables.sort(key=lambda t: t.paths)
    wh.load_arrow(tables, batch_size=chunk_dumps)
    rejected = {path: why for part in tables for path, why in part.rejected().items()}
    return failed, rejected


def load_all(wh: Warehouse, todo: Sequence[DumpMeta], parse_map: ParseMap = parse_in_process,
             chunk_bytes: int = CHUNK_BYTES, chunk_dumps: int = CHUNK_DUMPS) -> tuple[dict[str, str], dict[str, str]]:
    """Parse and load the dumps chunk by chunk (one chunk in memory at a time, at most chunk_bytes
    and chunk_dumps); returns the dumps whose parse failed and those the parser rejected whole."""
    failed: dict[str, str] = {}
    rejected: dict[str, str] = {}
    for chunk in chunks_by_bytes(todo, chunk_bytes, chunk_dumps):
        with wh.timer("parse"):
            results = list(parse_map(chunk))
        more_failed, more_rejected = load_parsed(wh, results, chunk_dumps)
        failed.update(more_failed)
        rejected.update(more_rejected)
        del results
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
            scanned = scan(raw_dir)
            todo = wh.plan(scanned).todo
        failed, rejected = load_all(wh, todo, parse_map, chunk_bytes, chunk_dumps)
        summary = wh.finish(after_load=after_load)
    return RunReport(summary, RunReport.rules(summary.unreadable, failed, rejected), dumps_seen=summary.dumps_seen)
