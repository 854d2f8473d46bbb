"""Counting what a run changed in posts and comments.

merge.sync notes every key it writes or deletes in ``_run_<table>``: whether the row existed when
the run began and its hash then (the first batch that touches a key reads the row as the run found
it), and its hash now (null: gone).  The counts come from those notes alone, so a run that touches
a few posts never hashes the whole table.
"""

from __future__ import annotations

import duckdb

from blogetl.warehouse.schema import COMMENTS, POSTS, Table

COUNTED = (POSTS, COMMENTS)


def _row_hash(t: Table, alias: str) -> str:
    """A hash of the counted columns of a row of t (posts.first_seen_at follows the dumps' file times:
    a dump scraped again moves it for all its posts, which are not updated posts for that)."""
    return f"hash({', '.join(f'{alias}.{c.name}' for c in t.columns if c.counted)})"


def start(con: duckdb.DuckDBPyConnection) -> None:
    """Begin counting: no key touched yet."""
    for t in COUNTED:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _run_{t.name} (k VARCHAR, existed BOOLEAN, h_before UBIGINT, h_now UBIGINT)")


def note(con: duckdb.DuckDBPyConnection, t: Table, before: str, written: str, gone: str) -> None:
    """Note the keys a sync writes (the rows of `written`) and deletes (the keys of `gone`); `before`
    holds the rows of both as they were before this batch."""
    key, run = t.key[0], f"_run_{t.name}"
    if t not in COUNTED:
        return
    con.execute(f"""
        INSERT INTO {run}
        SELECT k.{key}, b.{key} IS NOT NULL, CASE WHEN b.{key} IS NOT NULL THEN {_row_hash(t, 'b')} END, NULL
        FROM (SELECT {key} FROM {written} UNION SELECT {key} FROM {gone}) k LEFT JOIN {before} b ON b.{key} = k.{key}
        WHERE k.{key} NOT IN (SELECT k FROM {run})""")
    con.execute(f"UPDATE {run} r SET h_now = w.h FROM (SELECT {key} AS k, {_row_hash(t, 'w')} AS h FROM {written} w) w WHERE r.k = w.k")
    con.execute(f"UPDATE {run} SET h_now = NULL WHERE k IN (SELECT {key} FROM {gone})")


def _changes(con: duckdb.DuckDBPyConnection, t: Table) -> dict[str, int]:
    """Rows of one table added, updated, removed and unchanged since start()."""
    row = con.execute(f"""
        SELECT count(*) FILTER (WHERE NOT existed AND h_now IS NOT NULL),
               count(*) FILTER (WHERE existed AND h_now IS NOT NULL AND h_now <> h_before),
               count(*) FILTER (WHERE existed AND h_now IS NULL),
               (SELECT count(*) FROM {t.name})
        FROM _run_{t.name}""").fetchone()
    added, updated, removed, rows = (int(n) for n in row or (0, 0, 0, 0))
    counts = {"added": added, "updated": updated, "removed": removed, "unchanged": rows - added - updated}
    return {f"{t.name}_{verb}": n for verb, n in counts.items()}


def changes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """posts_added … comments_unchanged since start()."""
    return {k: v for t in COUNTED for k, v in _changes(con, t).items()}
