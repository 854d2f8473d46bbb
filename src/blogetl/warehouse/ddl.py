"""Applying the schema registry: tables, views, comments and the full-text index, idempotently.

``ensure_schema`` creates what is missing and migrates what an older blogetl left: it adds the
columns a newer one declares, and rebuilds (rows kept) a table that still carries a PRIMARY KEY
or UNIQUE constraint, as the dedup stage's tables did until its schema joined the registry.
"""

from __future__ import annotations

import duckdb

from blogetl.warehouse._sql import column_list, literal, transaction
from blogetl.warehouse.fts import ensure_macros, fts_index_exists, update_fts
from blogetl.warehouse.schema import PARTS, WAREHOUSE, Table, create_sql, tables
from blogetl.warehouse.storage import compresses_long_text
from blogetl.warehouse.views import VIEWS, View, views_for

# (object, column or '') -> comment, for every table, view and column of the public schema.
Comments = dict[tuple[str, str], str]
_MAIN = "schema_name = 'main' AND database_name = current_database()"


def views(*parts: str) -> tuple[View, ...]:
    """The views that can be made where the tables of the given parts (all when none is named) exist."""
    return views_for(parts or PARTS)


def present_parts(con: duckdb.DuckDBPyConnection, parts: tuple[str, ...]) -> tuple[str, ...]:
    """The given parts and those whose tables the database already holds (the dedup stage ensuring its
    part of a warehouse keeps the views that read both)."""
    have = {r[0] for r in con.execute(f"SELECT table_name FROM duckdb_tables() WHERE {_MAIN}").fetchall()}
    return tuple(p for p in PARTS if p in parts or all(t.name in have for t in tables(p)))


def wanted_comments(*parts: str) -> Comments:
    """The comment every table, view and column (of the given parts, or all) should carry."""
    out: Comments = {}
    for table in tables(*parts):
        out[(table.name, "")] = f"{table.comment} Key: {', '.join(table.key)}."
        out.update({(table.name, c.name): c.comment for c in table.columns})
    for view in views(*parts):
        out[(view.name, "")] = view.comment
        out.update({(view.name, col): text for col, text in view.columns.items()})
    return out


def current_comments(con: duckdb.DuckDBPyConnection) -> Comments:
    """The comments the main schema carries now."""
    rows = con.execute(f"""
        SELECT table_name, '', comment FROM duckdb_tables() WHERE {_MAIN}
        UNION ALL SELECT view_name, '', comment FROM duckdb_views() WHERE {_MAIN} AND NOT internal
        UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() WHERE {_MAIN}
    """).fetchall()
    return {(obj, col): text for obj, col, text in rows}


def comment_sql(obj: str, column: str, text: str) -> str:
    """COMMENT ON for a table, view or column."""
    if column:
        return f"COMMENT ON COLUMN {obj}.{column} IS {literal(text)}"
    kind = "VIEW" if any(v.name == obj for v in VIEWS) else "TABLE"
    return f"COMMENT ON {kind} {obj} IS {literal(text)}"


def existing_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """table -> {column: type} in column order, for every table of the main schema."""
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in con.execute(
        f"SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE {_MAIN} ORDER BY table_name, column_index"
    ).fetchall():
        out.setdefault(table, {})[column] = kind
    return out


def add_missing_columns(con: duckdb.DuckDBPyConnection, *parts: str) -> None:
    """Add columns a newer blogetl defines to tables an older one created (loads insert BY NAME).

    NOT NULL is left out: DuckDB cannot add a column with a constraint, and old rows have no value
    unless the column says how to compute it (Column.fill).
    """
    have = existing_columns(con)
    for table in tables(*parts):
        added = [c for c in table.columns if c.name not in have.get(table.name, {})]
        for c in added:
            con.execute(f"ALTER TABLE {table.name} ADD COLUMN {c.name} {c.type}")
        fills = [f"{c.name} = {c.fill}" for c in added if c.fill is not None]
        if fills and table.name in have:  # one UPDATE after the ALTERs (DuckDB refuses an ALTER after an UPDATE)
            con.execute(f"UPDATE {table.name} SET {', '.join(fills)}")


def drop_retired_columns(con: duckdb.DuckDBPyConnection, *parts: str) -> None:
    """Drop the columns an older blogetl stored that this one no longer does (Table.retired)."""
    have = existing_columns(con)
    for table in tables(*parts):
        for name in table.retired:
            if name in have.get(table.name, {}):
                con.execute(f"ALTER TABLE {table.name} DROP COLUMN {name}")


def constrained_tables(con: duckdb.DuckDBPyConnection, *parts: str) -> list[Table]:
    """Registry tables that carry a PRIMARY KEY or UNIQUE constraint (made by an older blogetl)."""
    names = {r[0] for r in con.execute(
        f"SELECT table_name FROM duckdb_constraints() WHERE {_MAIN} AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
    ).fetchall()}
    return [t for t in tables(*parts) if t.name in names]


def drop_key_constraints(con: duckdb.DuckDBPyConnection, *parts: str) -> list[str]:
    """Rebuild each constrained table as the registry declares it, rows kept; returns their names.

    DuckDB cannot drop a PRIMARY KEY, so the rows move to a new table that takes the old one's
    name (views read tables by name, so they follow; ensure_schema sets the comments again).
    A column only the old table has (a user's addition to outlets, say) is kept, after the declared ones.
    """
    have = existing_columns(con)
    done = []
    for table in constrained_tables(con, *parts):
        old = have[table.name]
        new = f"{table.name}__rebuilt"
        extra = ", ".join(f"{name} {kind}" for name, kind in old.items() if name not in table.names)
        create = create_sql(table, compress=compresses_long_text(con)).replace(f" {table.name} (", f" {new} (", 1)
        con.execute(f"DROP TABLE IF EXISTS {new}")
        con.execute(create[:-1] + f", {extra})" if extra else create)
        con.execute(f"INSERT INTO {new} ({column_list(old)}) SELECT {column_list(old)} FROM {table.name}")
        con.execute(f"DROP TABLE {table.name}")
        con.execute(f"ALTER TABLE {new} RENAME TO {table.name}")
        done.append(table.name)
    return done


def ensure_schema(con: duckdb.DuckDBPyConnection, parts: tuple[str, ...] = PARTS) -> None:
    """Create and migrate the tables and views of the given parts (all by default), with every
    comment, and the full-text index when the warehouse part is included; one transaction, safe to repeat.

    The dedup stage passes ``(DEDUP,)``: it needs only a posts table and runs on any database.
    """
    compress = compresses_long_text(con)
    with transaction(con):
        for table in tables(*parts):
            con.execute(create_sql(table, compress=compress))
        drop_key_constraints(con, *parts)
        add_missing_columns(con, *parts)
        drop_retired_columns(con, *parts)
        present = present_parts(con, parts)
        for view in views(*present):
            con.execute(f"CREATE OR REPLACE VIEW {view.name} AS {view.sql}")
        have = current_comments(con)
        for (obj, column), text in wanted_comments(*present).items():
            if have.get((obj, column)) != text:
                con.execute(comment_sql(obj, column, text))
        if WAREHOUSE in parts and not fts_index_exists(con):
            update_fts(con)
        elif WAREHOUSE in parts:
            ensure_macros(con)  # a newer blogetl's search macros, without re-indexing
