"""The DuckDB warehouse: idempotent, incremental loading of parsed dumps, published atomically.

    summary = ingest("raw", "warehouse/blog.duckdb")
    print(summary.format())

For a flow that parses in parallel and loads with one writer:

    with Warehouse.open("warehouse/blog.duckdb") as wh:
        todo = wh.plan(scan("raw")).todo                          # new or changed sha256
        wh.load_arrow(parse_dump(meta) for meta in todo)          # parse_dump runs anywhere
        summary = wh.finish(after_load=[deduplicate])
"""

from blogetl.warehouse.arrow import DumpTables, to_arrow
from blogetl.warehouse.ddl import ensure_schema
from blogetl.warehouse.errors import ExtensionNotFound, WarehouseError, WarehouseLocked
from blogetl.warehouse.fts import extension_directory, load_fts, shell_sql
from blogetl.warehouse.ingest import ingest, parse_dump
from blogetl.warehouse.scan import DumpMeta, Plan, plan, scan
from blogetl.warehouse.snapshot import snapshot
from blogetl.warehouse.store import AfterLoad, Warehouse
from blogetl.warehouse.summary import IngestSummary, RunCounts

__all__ = [
    "AfterLoad", "DumpMeta", "DumpTables", "ExtensionNotFound", "IngestSummary", "Plan", "RunCounts",
    "Warehouse", "WarehouseError", "WarehouseLocked", "ensure_schema", "extension_directory", "ingest",
    "load_fts", "parse_dump", "plan", "scan", "shell_sql", "snapshot", "to_arrow",
]
