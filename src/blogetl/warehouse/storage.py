"""The warehouse file's storage format, and the one-time rewrite of a file in an older one.

DuckDB writes a new file in the storage format of v0.10/v1.0 unless told otherwise, and in that
format it stores strings of a few kB (bodies, the dumps' decoded text) uncompressed, each column
segment with overflow blocks of its own: at 20 MB of dumps the warehouse was 6.2x the dumps. In the
format of v1.4 (STORAGE_VERSION) it compresses strings with dictionaries and FSST, and the long-text
columns the schema registry declares (blogetl.warehouse.schema.LONG_TEXT) with ZSTD: about 2x
(bench/bench_size.py).  Every file blogetl creates is in STORAGE_VERSION (blogetl.warehouse._sql.connect);
a warehouse an older blogetl created is rewritten once, at its next run, by ``upgrade``.

A file in this format needs DuckDB 1.4 or newer to open (the pinned duckdb and duckdb-cli are 1.4.4).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import duckdb

from blogetl.warehouse._sql import STORAGE_VERSION, connect, literal
from blogetl.warehouse.schema import column_sql, tables

log = logging.getLogger(__name__)

_ZSTD_FROM = (1, 2, 0)  # the first storage version with ZSTD (and dictionary + FSST) for strings
_VERSION = re.compile(r"v(\d+)\.(\d+)\.(\d+)")


def _parse(text: str) -> tuple[int, int, int]:
    """'v1.4.0+' -> (1, 4, 0)."""
    m = _VERSION.match(text)
    if not m:
        raise ValueError(f"not a DuckDB storage version: {text!r}")
    return int(m[1]), int(m[2]), int(m[3])


def storage_version(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int] | None:
    """The storage version of the connection's database file; None for an in-memory database."""
    row = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    text = (row[0] or {}).get("storage_version") if row else None
    return _parse(str(text)) if text else None


def compresses_long_text(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database can store LONG_TEXT columns compressed (an older or in-memory one would
    store them uncompressed, which is worse than DuckDB's own choice: they are left to it there)."""
    version = storage_version(con)
    return version is not None and version >= _ZSTD_FROM


def outdated(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's file is in an older storage format than STORAGE_VERSION."""
    version = storage_version(con)
    return version is not None and version < _parse(STORAGE_VERSION)


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, bool]]]:
    """table -> [(column, type, nullable)] in order, for the main schema of the connection's database."""
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, kind, nullable in con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND database_name = current_database() ORDER BY table_name, column_index"
    ).fetchall():
        out.setdefault(table, []).append((column, kind, bool(nullable)))
    return out


# How rows change shape on the way: an older blogetl stored every post sighting's text, this one
# leaves a post's current text to posts.body (blogetl.warehouse.merge).
_SOURCE = {("main", "post_sightings"): "_old.main.post_sightings s LEFT JOIN _old.main.posts p USING (post_id)"}
_VALUE = {("main", "post_sightings", "body"): "CASE WHEN s.body = p.body THEN NULL ELSE s.body END"}


def _ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def upgrade(path: Path, *, memory_limit: str) -> None:
    """Rewrite the database file at path in STORAGE_VERSION, everything kept: schemas, tables (their
    rows, column order and NOT NULLs), views, macros and comments; the registry's long-text columns
    get their compression, retired columns are left out, and post sightings keep only texts that are
    not their post's (_VALUE).
    The new file replaces the old one only when complete."""
    new = path.with_name(path.name + ".upgrade")
    new.unlink(missing_ok=True)
    log.warning("rewriting %s in DuckDB's storage format %s (once; it compresses text)", path, STORAGE_VERSION)
    try:
        with connect(str(new)) as con:
            con.execute(f"SET memory_limit = {literal(memory_limit)}")
            con.execute("SET preserve_insertion_order = false")
            db = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            con.execute(f"ATTACH {literal(str(path))} AS _old (READ_ONLY)")
            con.execute(f'COPY FROM DATABASE _old TO "{db}" (SCHEMA)')  # tables empty; views, macros, comments
            have = _columns(con)
            for table in tables():  # made again, empty, with compression and without retired columns
                declared = {c.name: c for c in table.columns if c.compression}
                names = {name for name, _, _ in have.get(table.name, [])}
                if names & (declared.keys() | set(table.retired)):
                    cols = ", ".join(column_sql(declared[name], not_null=not nullable) if name in declared
                                     else f"{_ident(name)} {kind}{'' if nullable else ' NOT NULL'}"
                                     for name, kind, nullable in have[table.name] if name not in table.retired)
                    con.execute(f"DROP TABLE {table.name}")
                    con.execute(f"CREATE TABLE {table.name} ({cols})")  # comments: ensure_schema sets them again
            for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                                             "WHERE database_name = '_old' ORDER BY ALL").fetchall():
                target = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
                                                    "AND schema_name = ? AND table_name = ? ORDER BY column_index",
                                                    [db, schema, table]).fetchall()]
                values = ", ".join(f"{_VALUE.get((schema, table, c), 's.' + _ident(c))} AS {_ident(c)}" for c in target)
                source = _SOURCE.get((schema, table), f'_old."{schema}"."{table}" s')
                con.execute(f'INSERT INTO "{db}"."{schema}"."{table}" BY NAME SELECT {values} FROM {source}')
            con.execute("DETACH _old")
            con.execute("CHECKPOINT")
        new.replace(path)
    finally:
        new.unlink(missing_ok=True)
