"""One call from raw/ to a published warehouse: scan, parse what is new or changed, load, publish."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from blogetl.parser import parse_bytes
from blogetl.warehouse.arrow import DumpTables, to_arrow
from blogetl.warehouse.scan import DumpMeta, scan
from blogetl.warehouse.store import AfterLoad, Warehouse, chunked
from blogetl.warehouse.summary import IngestSummary


def parse_dump(meta: DumpMeta) -> DumpTables:
    """Read and parse one dump into Arrow tables (what a parallel parse task returns)."""
    dump = meta.read()
    result = parse_bytes(dump.data, filename=dump.path, site_hint=dump.site_hint)
    return to_arrow(dump, result, modified_at=meta.modified_at)


def ingest(
    raw_dir: Path | str,
    db_path: Path | str,
    *,
    after_load: Sequence[AfterLoad] = (),
    lock_timeout: float = 30.0,
    batch_size: int = 200,
) -> IngestSummary:
    """Load the new and changed dumps under raw_dir into db_path and publish it; running twice is safe."""
    with Warehouse.open(db_path, lock_timeout=lock_timeout) as wh:
        with wh.timer("scan"):
            todo = wh.plan(scan(raw_dir)).todo
        for chunk in chunked(todo, batch_size):
            with wh.timer("parse"):
                tables = [parse_dump(meta) for meta in chunk]
            wh.load_arrow(tables, batch_size=batch_size)
        return wh.finish(after_load=after_load)
