"""The data dictionary is complete (every table, view and column of blogetl's has a comment), the
README's query and `blogetl describe` show blogetl's objects only, and `blogetl export` writes
every table and view as Parquet or CSV with nested columns intact (CSV: as JSON)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest
from fixtures.dumps import SAMPLES
from typer.testing import CliRunner

from blogetl import pipeline
from blogetl.dedup import run as deduplicate
from blogetl.warehouse import dictionary, ensure_schema
from blogetl.warehouse.schema import DEDUP, PARTS
from blogetl.warehouse.views import VIEWS, views_for
from flows.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples' warehouse with the dedup stage's tables filled."""
    db = tmp_path_factory.mktemp("dictionary") / "blog.duckdb"
    assert pipeline.run(SAMPLES, db, after_load=[deduplicate]).ok
    return db


def test_no_table_view_or_column_lacks_a_comment(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = {o.qualified for o in dictionary.objects(con)}
        assert {"posts", "v_posts", "v_articles", "fts_main_posts.terms", "fts_main_posts.lemmas"} <= names
        assert dictionary.uncommented(con) == []


def test_an_uncommented_column_is_found(warehouse: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE posts ADD COLUMN mood VARCHAR")
        con.execute("CREATE VIEW v_moods AS SELECT post_id, mood FROM posts")
        assert dictionary.uncommented(con) == ["main.v_moods", "main.posts.mood", "main.v_moods.post_id", "main.v_moods.mood"]


@pytest.mark.parametrize("parts", [PARTS, (DEDUP,)])
def test_every_view_declares_a_comment_for_each_of_its_columns(parts: tuple[str, ...]) -> None:
    with duckdb.connect() as con:
        if parts == (DEDUP,):  # the dedup stage on a database of its own: a minimal posts table
            con.execute("CREATE TABLE posts (post_id VARCHAR, title VARCHAR, body VARCHAR, site VARCHAR, page_kind VARCHAR)")
        ensure_schema(con, parts)
        made = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert made == {v.name for v in views_for(parts)}
        for view in views_for(parts):
            got = [r[0] for r in con.execute(f"SELECT * FROM {view.name} LIMIT 0").description]
            assert list(view.columns) == got, view.name
            assert all(text.strip() for text in view.columns.values()), view.name
    assert {v.name for v in VIEWS} == {v.name for v in views_for(PARTS)}  # every view is made in a warehouse


def test_the_readme_dictionary_query_lists_blogetls_columns_only(warehouse: Path) -> None:
    (query,) = [q for q in re.findall(r"`(SELECT [^`]*duckdb_columns\(\)[^`]*)`", README)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(query).fetchall()
        own = sum(len(dictionary.columns(con, o)) for o in dictionary.objects(con))
    assert len(rows) == own > 200
    assert {r[0] for r in rows} == {"main", "fts_main_posts"}
    assert ("main", "v_articles", "copies") in {r[:3] for r in rows}


def test_describe_lists_the_objects_and_one_objects_columns(warehouse: Path) -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["describe", "--db", str(warehouse)])
    assert listing.exit_code == 0, listing.output
    assert re.search(r"^v_articles +view +One row per article", listing.output, re.M)
    assert "fts_main_posts.lemmas" in listing.output and "pg_catalog" not in listing.output
    one = runner.invoke(app, ["describe", "v_articles", "--db", str(warehouse)])
    assert one.exit_code == 0, one.output
    for column, text in next(v for v in views_for(PARTS) if v.name == "v_articles").columns.items():
        assert re.search(rf"^{column} .* {re.escape(text)}", one.output, re.M), column
    unknown = runner.invoke(app, ["describe", "nope", "--db", str(warehouse)])
    assert unknown.exit_code == 2 and "no table or view 'nope'" in unknown.output


def test_export_parquet_keeps_every_row_and_nested_column(warehouse: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", str(tmp_path / "out"), "--db", str(warehouse)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        objs = dictionary.analyst_objects(con)
        assert {p.name for p in (tmp_path / "out").iterdir()} == {f"{o.name}.parquet" for o in objs}
        assert "dedup_fingerprints" not in {o.name for o in objs}  # internal state stays out by default
        for obj in objs:
            back = con.execute(f"SELECT * FROM read_parquet('{tmp_path / 'out' / obj.name}.parquet') ORDER BY ALL").fetchall()
            assert back == con.execute(f"SELECT * FROM {obj.name} ORDER BY ALL").fetchall(), obj.name


def test_export_csv_writes_nested_columns_as_json(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = CliRunner().invoke(app, ["export", str(out), "--format", "csv", "-t", "v_articles", "-t", "outlets",
                                      "--db", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["outlets.csv", "v_articles.csv"]
    with (out / "v_articles.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["article_id"]: r for r in csv.DictReader(fh)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        want = con.execute("SELECT article_id, outlets, copies FROM v_articles").fetchall()
    assert len(rows) == len(want) > 0
    for article_id, outlets, copies in want:
        assert json.loads(rows[article_id]["outlets"]) == outlets
        assert json.loads(rows[article_id]["copies"]) == copies
    assert any(len(c) > 1 for _, _, c in want)
    bad = CliRunner().invoke(app, ["export", str(out), "--format", "xlsx", "--db", str(warehouse)])
    assert bad.exit_code == 2 and "'xlsx' is not one of parquet, csv" in bad.output
