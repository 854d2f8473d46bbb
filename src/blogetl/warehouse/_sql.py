"""Small SQL-text helpers shared by the warehouse modules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import duckdb


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
