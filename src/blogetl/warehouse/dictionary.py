"""The data dictionary read back from a warehouse (``blogetl describe``) and exports of its tables
and views (``blogetl export``): blogetl's own objects only, never DuckDB's catalog."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import duckdb

from blogetl.warehouse._sql import literal

# blogetl's objects: the non-internal ones of this database (main and the search index's schema).
OWN = "NOT internal AND database_name = current_database()"

# The query the README shows: every column of every table and view, with its comment.
DICTIONARY_SQL = f"""
SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns()
WHERE {OWN} ORDER BY schema_name, table_name, column_index"""


@dataclass(frozen=True)
class Obj:
    """A table or view: schema, name, kind, comment."""

    schema: str
    name: str
    kind: str
    comment: str

    @property
    def qualified(self) -> str:
        """name for the main schema, schema.name otherwise."""
        return self.name if self.schema == "main" else f"{self.schema}.{self.name}"


def objects(con: duckdb.DuckDBPyConnection) -> list[Obj]:
    """Every table and view of blogetl's, main schema first."""
    rows = con.execute(f"""SELECT * FROM (
        SELECT schema_name, table_name, 'table', coalesce(comment, '') FROM duckdb_tables() WHERE {OWN} AND NOT temporary
        UNION ALL
        SELECT schema_name, view_name, 'view', coalesce(comment, '') FROM duckdb_views() WHERE {OWN} AND NOT temporary
        ) o(schema_name, name, kind, comment) ORDER BY schema_name <> 'main', schema_name, name""").fetchall()
    return [Obj(*r) for r in rows]


def find(con: duckdb.DuckDBPyConnection, name: str) -> Obj | None:
    """The table or view called name (or schema.name)."""
    return next((o for o in objects(con) if name in (o.qualified, f"{o.schema}.{o.name}")), None)


def columns(con: duckdb.DuckDBPyConnection, obj: Obj) -> list[tuple[str, str, str]]:
    """(column, type, comment) of a table or view, in order."""
    rows = con.execute(f"""SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns()
                           WHERE {OWN} AND schema_name = ? AND table_name = ? ORDER BY column_index""",
                       [obj.schema, obj.name]).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def uncommented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """schema.object or schema.object.column for every table, view or column without a comment."""
    out = [f"{o.schema}.{o.name}" for o in objects(con) if not o.comment.strip()]
    for o in objects(con):
        out += [f"{o.schema}.{o.name}.{c}" for c, _, text in columns(con, o) if not text.strip()]
    return out


class ExportFormat(StrEnum):
    """File formats of blogetl export."""

    parquet = "parquet"
    csv = "csv"


def is_nested(data_type: str) -> bool:
    """A list, struct, map or union type: CSV gets it as JSON text."""
    return data_type.endswith("]") or data_type.startswith(("STRUCT", "MAP", "UNION"))


def analyst_objects(con: duckdb.DuckDBPyConnection) -> list[Obj]:
    """What export writes by default: the main schema's tables and views but the dedup stage's internal state."""
    return [o for o in objects(con) if o.schema == "main" and not o.comment.startswith("Internal:")]


def export(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: ExportFormat, objs: list[Obj]) -> list[tuple[Obj, Path, int]]:
    """Write each object to out_dir/<name>.<fmt> (CSV: a header, nested columns as JSON); returns (object, file, rows)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    done = []
    for obj in objs:
        cols = columns(con, obj)
        select = ", ".join(f'to_json("{c}")::VARCHAR AS "{c}"' if fmt is ExportFormat.csv and is_nested(t) else f'"{c}"'
                           for c, t, _ in cols)
        target = out_dir / f"{obj.qualified}.{fmt.value}"
        options = "FORMAT parquet, COMPRESSION zstd" if fmt is ExportFormat.parquet else "FORMAT csv, HEADER true"
        rows = con.execute(f'COPY (SELECT {select} FROM "{obj.schema}"."{obj.name}") TO {literal(str(target))} ({options})'
                           ).fetchone()  # COPY answers with the rows it wrote
        done.append((obj, target, int(rows[0]) if rows else 0))
    return done
