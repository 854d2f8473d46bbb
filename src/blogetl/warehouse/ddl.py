"""Applying the schema: tables, views, comments and the full-text index, idempotently."""

from __future__ import annotations

import duckdb

from blogetl.warehouse._sql import literal, transaction
from blogetl.warehouse.fts import fts_index_exists, rebuild_fts
from blogetl.warehouse.schema import TABLES, create_sql
from blogetl.warehouse.views import VIEWS

# (object, column or '') -> comment, for every table, view and column of the public schema.
Comments = dict[tuple[str, str], str]


def wanted_comments() -> Comments:
    """The comment every table, view and column should carry."""
    out: Comments = {}
    for table in TABLES:
        out[(table.name, "")] = f"{table.comment} Key: {', '.join(table.key)}."
        out.update({(table.name, c.name): c.comment for c in table.columns})
    for view in VIEWS:
        out[(view.name, "")] = view.comment
        out.update({(view.name, col): text for col, text in view.columns.items()})
    return out


def current_comments(con: duckdb.DuckDBPyConnection) -> Comments:
    """The comments the main schema carries now."""
    rows = con.execute("""
        SELECT table_name, '', comment FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database()
        UNION ALL SELECT view_name, '', comment FROM duckdb_views() WHERE schema_name = 'main' AND database_name = current_database() AND NOT internal
        UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' AND database_name = current_database()
    """).fetchall()
    return {(obj, col): text for obj, col, text in rows}


def comment_sql(obj: str, column: str, text: str) -> str:
    """COMMENT ON for a table, view or column."""
    if column:
        return f"COMMENT ON COLUMN {obj}.{column} IS {literal(text)}"
    kind = "VIEW" if any(v.name == obj for v in VIEWS) else "TABLE"
    return f"COMMENT ON {kind} {obj} IS {literal(text)}"


def add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Add columns a newer blogetl defines to tables an older one created (loads insert BY NAME)."""
    have = set(con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND database_name = current_database()"
    ).fetchall())
    for table in TABLES:
        for c in table.columns:
            if (table.name, c.name) not in have:
                con.execute(f"ALTER TABLE {table.name} ADD COLUMN {c.name} {c.type}")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create whatever is missing (tables, views, comments, full-text index) in one transaction; safe to repeat."""
    with transaction(con):
        for table in TABLES:
            con.execute(create_sql(table))
        add_missing_columns(con)
        for view in VIEWS:
            con.execute(f"CREATE OR REPLACE VIEW {view.name} AS {view.sql}")
        have = current_comments(con)
        for (obj, column), text in wanted_comments().items():
            if have.get((obj, column)) != text:
                con.execute(comment_sql(obj, column, text))
        if not fts_index_exists(con):
            rebuild_fts(con)
