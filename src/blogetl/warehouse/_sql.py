"""Small SQL-text helpers shared by the warehouse modules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import duckdb
import pyarrow as pa

# DuckDB installs a "known" extension from extensions.duckdb.org when a statement or a file
# needs it (opening a SQLite file under a .duckdb name fetches sqlite_scanner): never here.
OFFLINE: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False}


# The storage format of every file blogetl creates (blogetl.warehouse.storage: it compresses text).
STORAGE_VERSION = "v1.4.0"


def connect(path: str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never downloads an extension; a file it creates is in STORAGE_VERSION."""
    if read_only:
        return duckdb.connect(path, read_only=True, config=OFFLINE)
    return duckdb.connect(path, config={**OFFLINE, "storage_compatibility_version": STORAGE_VERSION})


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def column_list(names: Iterable[str], prefix: str = "") -> str:
    """Comma-separated column names, each optionally qualified."""
    return ", ".join(f"{prefix}{n}" for n in names)


def fetch_rows(con: duckdb.DuckDBPyConnection, table: str, key: str, into: str, keys_sql: str) -> int:
    """Add to the temp table `into` the rows of `table` whose key keys_sql selects and `into` lacks;
    returns how many.

    A scan hands a join (or an IN filter) every column it projects for every row it reads, so any
    filtered read of a table decompresses all its long text: the key column is scanned alone
    first, and whole rows are read only when some wanted key is there."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _fetch_keys AS
        SELECT {key} FROM {table} WHERE {key} IN ({keys_sql}) AND {key} NOT IN (SELECT {key} FROM {into})""")
    found = con.execute("SELECT count(*) FROM _fetch_keys").fetchone()
    if found and found[0]:
        con.execute(f"INSERT INTO {into} SELECT * FROM {table} WHERE {key} IN (SELECT {key} FROM _fetch_keys)")
    con.execute("DROP TABLE _fetch_keys")
    return int(found[0]) if found else 0


@contextmanager
def strings(con: duckdb.DuckDBPyConnection, name: str, column: str, values: Sequence[str]) -> Iterator[None]:
    """A relation `name` of one VARCHAR column holding values, for the block: registered Arrow (a list
    parameter such as `unnest(?::VARCHAR[])` is converted value by value: 0.76 s for 10,000 paths)."""
    con.register(name, pa.table({column: pa.array(list(values), pa.string())}))
    try:
        yield
    finally:
        con.unregister(name)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction around the block: committed on success, rolled back on any exception."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()
