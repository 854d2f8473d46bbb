"""The schema analysts query: names, comments on everything, views, and Swedish full-text search."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from blogetl import pipeline
from blogetl.parse.parser import parse_bytes
from blogetl.sources.files import DumpFile
from blogetl.warehouse import ensure_schema, extension_directory, shell_sql
from blogetl.warehouse.arrow import STAGED_TABLES, to_arrow
from blogetl.warehouse.examples import EXAMPLES
from blogetl.warehouse.schema import INGEST_RUNS, TABLES, arrow_schema

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"  # copies of raw/'s dumps; tests never read raw/
PUBLIC = {"dumps", "posts", "comments", "post_sightings", "rejects", "ingest_runs", "v_posts", "v_comment_threads"}
SEARCH = """
    SELECT p.title FROM (SELECT *, fts_main_posts.match_bm25(post_id, 'brottslighet') AS score FROM posts) p
    WHERE score IS NOT NULL ORDER BY score DESC"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse of one run over the shipped samples."""
    db = tmp_path_factory.mktemp("wh") / "blog.duckdb"
    pipeline.run(SAMPLES, db)
    return db


@pytest.fixture
def con(built: Path) -> duckdb.DuckDBPyConnection:
    """A read-only analyst session on the built warehouse."""
    with duckdb.connect(str(built), read_only=True) as con:
        yield con


def test_the_issue_names_are_all_there(con: duckdb.DuckDBPyConnection) -> None:
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                       "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'main'").fetchall()}
    assert names >= PUBLIC


def test_every_table_view_and_column_has_a_comment(con: duckdb.DuckDBPyConnection) -> None:
    db = "database_name = current_database()"
    missing = con.execute(f"""
        SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE {db} AND comment IS NULL
        UNION ALL SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE {db} AND NOT internal AND comment IS NULL
        UNION ALL SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE {db} AND comment IS NULL""").fetchall()
    assert missing == []
    assert con.execute("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'fts_main_posts'").fetchone()[0] > 0


def test_ensure_schema_is_idempotent() -> None:
    with duckdb.connect() as con:
        ensure_schema(con)
        ensure_schema(con)
        assert con.execute("SELECT count(*) FROM v_posts").fetchone() == (0,)


def test_ensure_schema_adds_columns_an_older_warehouse_lacks() -> None:
    with duckdb.connect() as con:
        con.execute("CREATE TABLE ingest_runs (run_id INTEGER, started_at TIMESTAMP)")
        ensure_schema(con)
        columns = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'ingest_runs'").fetchall()}
        assert columns == set(INGEST_RUNS.names)


def test_ensure_schema_drops_the_columns_an_older_warehouse_stored_and_this_one_does_not() -> None:
    with duckdb.connect() as con:
        con.execute("CREATE TABLE post_sightings (post_id VARCHAR, dump_id VARCHAR, body VARCHAR, body_head VARCHAR, body_sketch UBIGINT[])")
        con.execute("INSERT INTO post_sightings VALUES ('p', 'd', 'Text.', 'text', [1, 2])")
        ensure_schema(con)
        columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'post_sightings' "
                                             "ORDER BY column_index").fetchall()]
        assert columns[:3] == ["post_id", "dump_id", "body"] and "body_head" not in columns and "body_sketch" not in columns
        assert con.execute("SELECT post_id, dump_id, body FROM post_sightings").fetchall() == [("p", "d", "Text.")]


def test_staged_arrow_schemas_match_the_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in STAGED_TABLES:
        columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table.name]).fetchall()]
        names = arrow_schema(table).names
        assert [c for c in columns if c in names] == names  # a load supplies stored columns only, in the table's order
    assert {t.name for t in TABLES} >= {t.name for t in STAGED_TABLES}


def test_a_parsed_dump_s_tables_have_the_staged_schemas() -> None:
    """to_arrow's tables (rows converted as one struct array, or the shared empty table) are typed as a load expects."""
    kinds = set()
    dumps = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.txt"))] + [("empty.txt", b"")]  # the last: a reject
    for name, data in dumps:
        tables = to_arrow(DumpFile(name, data, "0" * 64, len(data), None), parse_bytes(data, filename=name))
        assert [t.schema for t in tables.tables()] == [arrow_schema(t) for t in STAGED_TABLES]
        kinds |= {(name, t.num_rows > 0) for name, t in zip(("dumps", "posts", "comments", "rejects"), tables.tables(), strict=True)}
    assert kinds >= {("posts", True), ("comments", True), ("comments", False), ("rejects", True), ("rejects", False)}


def test_swedish_full_text_search_finds_inflected_forms(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(shell_sql())
    titles = [r[0] for r in con.execute(SEARCH).fetchall()]
    assert any(t.startswith("Sätt stopp för organiserad brottslighet") for t in titles)


def test_the_search_index_follows_the_posts(tmp_path: Path) -> None:
    raw = Path(shutil.copytree(SAMPLES, tmp_path / "raw"))
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw, db)
    (raw / "new.txt").write_text("Ny rubrik\n\nLångt inlägg om brottsligheten i staden.\n", encoding="utf-8")
    pipeline.run(raw, db)
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute(shell_sql())
        assert "Ny rubrik" in [r[0] for r in con.execute(SEARCH).fetchall()]  # it only says 'brottsligheten'


def test_the_analysts_shell_loads_the_extension_offline(built: Path, tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("duckdb")
    if not cli.exists():
        pytest.skip("duckdb CLI not installed in this environment")
    if not os.access(cli, os.X_OK):  # the duckdb-cli wheel installs it without the executable bit
        cli = Path(shutil.copy(cli, tmp_path / "duckdb"))
        cli.chmod(0o755)
    out = subprocess.run([str(cli), "-readonly", "-csv", str(built), "-c", shell_sql() + SEARCH + ";"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "Sätt stopp för organiserad brottslighet" in out


def test_the_extension_comes_from_the_installed_package() -> None:
    folder = extension_directory()
    assert folder.name == "extensions" and folder.parent.name == "duckdb_ext"
    assert f"SET extension_directory = '{folder}';\nLOAD fts;" in shell_sql()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_example_queries_run(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(shell_sql())
    got = con.execute(EXAMPLES[name]).fetchall()
    assert got or name == "rejects to look at"


def test_the_shell_lines_print_from_the_command_line() -> None:
    out = subprocess.run([sys.executable, "-m", "blogetl.warehouse.fts"], capture_output=True, text=True, check=True).stdout
    assert out == shell_sql()
