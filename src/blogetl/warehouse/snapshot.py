"""A warehouse's contents as plain rows, for comparing two builds (run times and timings left out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blogetl.warehouse._sql import column_list, connect
from blogetl.warehouse.schema import TABLES


def snapshot(db_path: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the registry (the dedup stage's too) the file holds, its rows sorted, without
    the volatile columns that differ between identical builds (run times, timings)."""
    with connect(str(db_path), read_only=True) as con:
        present = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database()"
        ).fetchall()}
        out = {}
        for table in TABLES:
            if table.name in present:  # a file an older blogetl published may lack the dedup tables
                cols = [c.name for c in table.columns if not c.volatile]
                out[table.name] = con.execute(f"SELECT {column_list(cols)} FROM {table.name} ORDER BY ALL").fetchall()
        return out
