"""Read-only access for analysts: ``blogetl.connect`` (documented there) and the search the CLI prints."""

from __future__ import annotations

from pathlib import Path

import duckdb

from blogetl.warehouse._sql import OFFLINE, literal
from blogetl.warehouse._sql import connect as _connect
from blogetl.warehouse.errors import WarehouseError
from blogetl.warehouse.fts import fts_index_exists

DEFAULT_DB = Path("warehouse/blog.duckdb")


def connect(path: Path | str = DEFAULT_DB, *, fresh: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published warehouse; see blogetl.connect."""
    db = Path(path)
    if not db.is_file():
        raise WarehouseError(f"no warehouse at {db} (blogetl ingest makes one)")
    if not fresh:
        try:
            return _connect(str(db), read_only=True)
        except duckdb.ConnectionException:
            # this process opened the file already with other settings: share that database, as DuckDB does
            return duckdb.connect(str(db), read_only=True)
    con = duckdb.connect(":memory:", config=OFFLINE)
    name = db.stem.replace('"', '""')
    con.execute(f'ATTACH {literal(str(db))} AS "{name}" (READ_ONLY)')
    con.execute(f'USE "{name}"')
    return con


def search(con: duckdb.DuckDBPyConnection, query: str, *, limit: int = 10,
           conjunctive: bool = False) -> list[tuple[str, str, float, str]]:
    """(post_id, title, score, snippet) of the best posts for the query: the rows of the search() macro."""
    if not fts_index_exists(con):
        raise WarehouseError("this warehouse has no Swedish search index yet: run blogetl ingest once with this "
                             "blogetl (it builds the index)")
    rows = con.execute("SELECT post_id, title, score, snippet FROM search(?, n := ?, conjunctive := ?)",
                       [query, limit, int(conjunctive)]).fetchall()
    return [(str(p), str(t or ""), float(s), str(snip)) for p, t, s, snip in rows]
