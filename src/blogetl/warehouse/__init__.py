"""The DuckDB warehouse (storage only): idempotent, incremental loading of parsed dumps, published atomically.

A whole run (scan, parse, load in chunks, publish) is ``blogetl.pipeline.run``. Driven by hand,
for a flow that parses in parallel and loads with one writer:

    with Warehouse.open("warehouse/blog.duckdb") as wh:
        todo = wh.plan(scan("raw")).todo                          # blogetl.sources.scan: new or changed sha256
        wh.load_arrow(parse_dump(meta) for meta in todo)          # blogetl.pipeline.parse_dump runs anywhere
        summary = wh.finish(after_load=[deduplicate])
"""

from blogetl.warehouse.arrow import DumpTables, to_arrow
from blogetl.warehouse.ddl import ensure_schema
from blogetl.warehouse.errors import ExtensionNotFound, WarehouseError, WarehouseLocked
from blogetl.warehouse.fts import extension_directory, load_fts, shell_sql
from blogetl.warehouse.snapshot import snapshot
from blogetl.warehouse.store import AfterLoad, Warehouse
from blogetl.warehouse.summary import IngestSummary, RunCounts

__all__ = [
    "AfterLoad", "DumpTables", "ExtensionNotFound", "IngestSummary", "RunCounts",
    "Warehouse", "WarehouseError", "WarehouseLocked", "ensure_schema", "extension_directory",
    "load_fts", "shell_sql", "snapshot", "to_arrow",
]
