"""The incremental full-text index scores exactly as DuckDB's fts extension would on the same
posts built from scratch, after any sequence of additions, edits and removals."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from fixtures.dumps import SAMPLES

from blogetl import pipeline
from blogetl.warehouse.fts import load_fts, update_fts

QUERIES = [
    ("brottslighet", {}),
    ("Umeå kommun", {}),
    ("organiserad brottslighet välfärd", {"conjunctive": 1}),
    ("stoppa", {"fields": "'title'"}),
    ("hemtjänst bedrägerier", {"k": 1.5, "b": 0.6}),
    ("the och i", {}),  # stop words of the extension's list and Swedish words that are not
]


def scores(con: duckdb.DuckDBPyConnection, schema: str, table: str, query: str, options: dict[str, object]) -> list[tuple[str, float]]:
    """(post_id, score) of every post the query matches, by one index's match_bm25."""
    extra = "".join(f", {k} := {v}" for k, v in options.items())
    rows = con.execute(f"""
        SELECT post_id, round({schema}.match_bm25(post_id, ?{extra}), 9) AS s FROM {table}
        WHERE s IS NOT NULL ORDER BY post_id""", [query]).fetchall()
    return [(r[0], r[1]) for r in rows]


def same_as_a_fresh_extension_index(con: duckdb.DuckDBPyConnection) -> None:
    """Every query scores every post as the extension's index built now on a copy of posts."""
    con.execute("CREATE OR REPLACE TABLE posts_ref AS SELECT post_id, title, body FROM posts")
    con.execute("PRAGMA create_fts_index('posts_ref', 'post_id', 'title', 'body', stemmer = 'swedish', overwrite = 1)")
    for query, options in QUERIES:
        mine = scores(con, "fts_main_posts", "posts", query, options)
        theirs = scores(con, "fts_main_posts_ref", "posts_ref", query, options)
        assert mine == theirs, query
        extra = "".join(f", {k} := {v}" for k, v in options.items())
        where = f"SELECT post_id FROM posts WHERE fts_main_posts.match_bm25(post_id, {query!r}{extra}) IS NOT NULL ORDER BY 1"
        assert con.execute(where).fetchall() == [(p,) for p, _ in mine], query  # the macro in a WHERE clause too
    assert any(scores(con, "fts_main_posts", "posts", q, o) for q, o in QUERIES)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """The samples loaded into a warehouse."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    db = tmp_path / "blog.duckdb"
    assert pipeline.run(raw, db).ok
    return db


def test_scores_equal_the_extensions_after_edits_additions_and_removals(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    load_fts(con)
    same_as_a_fresh_extension_index(con)
    posts = [r[0] for r in con.execute("SELECT post_id FROM posts ORDER BY post_id").fetchall()]
    con.execute("UPDATE posts SET body = body || ' Brottsligheten i Umeå ökar enligt polisen.' WHERE post_id = ?", [posts[0]])
    con.execute("UPDATE posts SET title = 'Stoppa fusket' WHERE post_id = ?", [posts[1]])
    con.execute("DELETE FROM posts WHERE post_id = ?", [posts[2]])
    con.execute("INSERT INTO posts (post_id, title, body) SELECT 'new-' || post_id, title || ' igen', body FROM posts LIMIT 3")
    assert update_fts(con) == {"indexed": 5, "dropped": 3}  # 2 edited + 3 new indexed; 2 edited + 1 gone dropped
    same_as_a_fresh_extension_index(con)
    assert update_fts(con) == {"indexed": 0, "dropped": 0}


def test_a_word_of_a_just_added_post_is_found_right_after_the_run(warehouse: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "zz_new.txt").write_text(
        "Kvarnbäcksprojektet försenas igen\n\nAv , , Bli först att kommentera 0\n\n"
        "Kvarnbäcksprojektet i Umeå försenas ett år, meddelar kommunen.\n", encoding="utf-8")
    assert pipeline.run(raw, warehouse).ok
    con = duckdb.connect(str(warehouse), read_only=True)
    load_fts(con)
    found = con.execute("""SELECT title FROM posts
        WHERE fts_main_posts.match_bm25(post_id, 'kvarnbäcksprojektet') IS NOT NULL""").fetchall()
    assert found == [("Kvarnbäcksprojektet försenas igen",)]


def test_an_index_the_extension_built_is_replaced(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    load_fts(con)
    con.execute("PRAGMA drop_fts_index('posts')")
    con.execute("PRAGMA create_fts_index('posts', 'post_id', 'title', 'body', stemmer = 'swedish', overwrite = 1)")
    assert update_fts(con)["indexed"] == con.execute("SELECT count(*) FROM posts").fetchone()[0]  # type: ignore[index]
    same_as_a_fresh_extension_index(con)
