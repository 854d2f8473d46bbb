"""A warehouse's contents as plain rows, for comparing two builds (run timestamps left out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blogetl.warehouse._sql import column_list, connect
from blogetl.warehouse.schema import TABLES

VOLATILE = {"ingest_runs": {"started_at", "finished_at"}}


def snapshot(db_path: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every public table's rows, sorted, without the columns that differ between identical builds."""
    with connect(str(db_path), read_only=True) as con:
        out = {}
        for table in TABLES:
            cols = [c for c in table.names if c not in VOLATILE.get(table.name, set())]
            out[table.name] = con.execute(f"SELECT {column_list(cols)} FROM {table.name} ORDER BY ALL").fetchall()
        return out
