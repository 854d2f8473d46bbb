"""Full-text search on posts: the fts extension loaded offline from the duckdb-ext-fts package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

from blogetl.warehouse._sql import literal
from blogetl.warehouse.errors import ExtensionNotFound

FTS_SCHEMA = "fts_main_posts"
# strip_accents stays on (the default), so 'Umea' also finds 'Umeå'; the Swedish stemmer
# folds inflections, so 'brottslighet' finds 'brottsligheten'.
CREATE_INDEX = "PRAGMA create_fts_index('posts', 'post_id', 'title', 'body', stemmer = 'swedish', overwrite = 1)"
_TABLE_COMMENT = (
    "Internal table of the full-text index on posts (title, body), rebuilt by every run that "
    "changes posts; query it with fts_main_posts.match_bm25(post_id, 'words')."
)


def extension_directory() -> Path:
    """The folder to set as DuckDB's extension_directory: duckdb-ext-fts's `duckdb_ext/extensions`."""
    spec = importlib.util.find_spec("duckdb_ext")
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        folder = Path(root) / "extensions"
        if any(folder.glob(f"v{duckdb.__version__}/*/fts.duckdb_extension")):
            return folder
    raise ExtensionNotFound(
        f"no fts extension for DuckDB {duckdb.__version__} under {roots or 'duckdb_ext (not installed)'}; "
        "install the duckdb-ext-fts version that matches duckdb"
    )


def shell_sql() -> str:
    """What an analyst pastes into the duckdb shell before using fts_main_posts.match_bm25."""
    return (f"SET autoinstall_known_extensions = false;\n"
            f"SET extension_directory = {literal(str(extension_directory()))};\nLOAD fts;\n")


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension into a connection, never from the network."""
    con.execute(shell_sql())


def fts_index_exists(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the posts full-text index has been built."""
    row = con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ?", [FTS_SCHEMA]).fetchone()
    return bool(row and row[0])


def rebuild_fts(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the Swedish full-text index on posts(title, body) and comment its tables."""
    load_fts(con)  # only here: loading costs ~0.1 s per database instance, and a no-op run needs none
    con.execute(CREATE_INDEX)
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = ?", [FTS_SCHEMA]
    ).fetchall()
    for table in sorted({t for t, _ in rows}):
        con.execute(f"COMMENT ON TABLE {FTS_SCHEMA}.{table} IS {literal(_TABLE_COMMENT)}")
    for table, column in rows:
        con.execute(f"COMMENT ON COLUMN {FTS_SCHEMA}.{table}.{column} IS 'internal to the full-text index'")


if __name__ == "__main__":  # python -m blogetl.warehouse.fts: the lines to paste into the duckdb shell
    print(shell_sql(), end="")
