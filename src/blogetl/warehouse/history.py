"""Reading a published warehouse's bookkeeping read-only: recent runs, acknowledgements, dump states.

Readers never take the writer lock: a run works on a copy and publishes by rename, so these work
while another process is writing (``blogetl status``, ``blogetl ack --list``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from blogetl.warehouse._sql import connect, strings
from blogetl.warehouse.acks import Ack, acks
from blogetl.warehouse.errors import WarehouseError
from blogetl.warehouse.guard import pending_runs


class NotAWarehouse(WarehouseError):
    """A DuckDB file without blogetl's tables."""


@contextmanager
def published(db_path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published file."""
    with connect(str(db_path), read_only=True) as con:
        yield con


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the main schema's tables."""
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database()"
    ).fetchall()}


def recent_runs(db_path: Path | str, last: int = 10) -> list[dict[str, Any]]:
    """The last runs of ingest_runs, newest first, as column -> value (columns an older blogetl
    did not record are absent); with the runs that changed nothing since the last publish, which
    ingest_runs gets at the next one (blogetl.warehouse.guard)."""
    with published(db_path) as con:
        if "ingest_runs" not in _tables(con):
            raise NotAWarehouse(f"{db_path} has no ingest_runs table: it is no blogetl warehouse")
        cur = con.execute("SELECT * FROM ingest_runs ORDER BY run_id DESC LIMIT ?", [last])
        names = [d[0] for d in cur.description or ()]
        runs = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    recorded = {r["run_id"] for r in runs}
    pending = [r for r in pending_runs(db_path) if r["run_id"] not in recorded]
    return sorted(pending + runs, key=lambda r: -int(r["run_id"]))[:last]


def published_acks(db_path: Path | str) -> dict[str, Ack]:
    """Every acknowledgement the published warehouse holds (none in a warehouse older than dump_acks)."""
    with published(db_path) as con:
        tables = _tables(con)
        if "dumps" not in tables:
            raise NotAWarehouse(f"{db_path} has no dumps table: it is no blogetl warehouse")
        return acks(con) if "dump_acks" in tables else {}


def dump_states(db_path: Path | str, paths: Sequence[str]) -> dict[str, tuple[str, str, bool]]:
    """path -> (sha256, status, missing from raw/) of the named dumps the warehouse holds."""
    with published(db_path) as con, strings(con, "_paths", "path", paths):
        rows = con.execute("SELECT path, sha256, status, missing_since_run_id IS NOT NULL FROM dumps "
                           "WHERE path IN (SELECT path FROM _paths)").fetchall()
    return {path: (sha, status, missing) for path, sha, status, missing in rows}
