"""Small SQL-text helpers shared by the warehouse modules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import duckdb

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
