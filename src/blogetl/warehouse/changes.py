"""Counting what a run changed in posts and comments: row hashes remembered at the start, compared at the end."""

from __future__ import annotations

import duckdb

from blogetl.warehouse.schema import COMMENTS, POSTS, Table

COUNTED = (POSTS, COMMENTS)


def remember(con: duckdb.DuckDBPyConnection) -> None:
    """Keep a hash of every posts and comments row as the run found them."""
    for t in COUNTED:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _before_{t.name} AS SELECT {t.key[0]} AS k, hash(t) AS h FROM {t.name} t")


def _changes(con: duckdb.DuckDBPyConnection, t: Table) -> dict[str, int]:
    """Rows of one table added, updated, removed and unchanged since remember()."""
    row = con.execute(f"""
        SELECT count(*) FILTER (WHERE b.k IS NULL), count(*) FILTER (WHERE a.h <> b.h),
               count(*) FILTER (WHERE a.k IS NULL), count(*) FILTER (WHERE a.h = b.h)
        FROM (SELECT {t.key[0]} AS k, hash(t) AS h FROM {t.name} t) a FULL JOIN _before_{t.name} b ON a.k = b.k""").fetchone()
    verbs = ("added", "updated", "removed", "unchanged")
    return {f"{t.name}_{verb}": int(n) for verb, n in zip(verbs, row or (0, 0, 0, 0), strict=True)}


def changes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """posts_added … comments_unchanged since remember()."""
    return {k: v for t in COUNTED for k, v in _changes(con, t).items()}
