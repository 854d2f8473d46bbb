"""The views for analysts' questions, on the samples' warehouse: who wrote a post, where it ran, which
outlet printed an article first, what text one version has and the other lacks, posts per month of
publication per outlet.  The samples show no publication dates (the scraper stripped the bylines),
so the date questions are checked on a copy with dates set on the two versions of the op-ed."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from fixtures.dumps import SAMPLES

from blogetl import pipeline
from blogetl.dedup import run as deduplicate

OPED = "Sätt stopp för organiserad brottslighet. Varenda skattekrona ska gå till de människor som har behov av välfärden"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples' warehouse, deduplicated."""
    db = tmp_path_factory.mktemp("views") / "blog.duckdb"
    assert pipeline.run(SAMPLES, db, after_load=[deduplicate]).ok
    return db


@pytest.fixture
def dated(warehouse: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A copy where the op-ed's Folkbladet version is dated 15 Nov 2021 and its VK version 16 Nov 2021."""
    db = Path(shutil.copy(warehouse, tmp_path / "dated.duckdb"))
    con = duckdb.connect(str(db))
    versions = dict(con.execute("""SELECT outlet, post_id FROM v_article_copies
                                   WHERE article_id = (SELECT article_id FROM v_articles WHERE title = ?) AND relation = 'version'""",
                                [OPED]).fetchall())
    assert set(versions) == {"VK", "Folkbladet"}
    con.execute("UPDATE posts SET published_at = ? WHERE post_id = ?", [datetime(2021, 11, 15, 8, 0), versions["Folkbladet"]])
    con.execute("UPDATE posts SET published_at = ? WHERE post_id = ?", [datetime(2021, 11, 16, 7, 30), versions["VK"]])
    return con


def test_the_author_comes_from_the_byline_or_the_threads_post_author(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT title, author, author_source FROM v_posts WHERE author IS NOT NULL").fetchall()
        marked = con.execute("SELECT DISTINCT p.title, c.author FROM comments c JOIN posts p USING (post_id) "
                             "WHERE c.is_post_author").fetchall()
    assert marked and rows == [(t, a, "comments") for t, a in marked]  # the samples' bylines carry no name


def test_every_post_has_its_outlet_and_article(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT title, outlet, article_id, relation FROM v_posts").fetchall()
        members = con.execute("SELECT count(*) FROM article_members").fetchone()
    assert (len(rows),) == members and all(r[2] and r[3] for r in rows)
    assert {r[1] for r in rows} == {"VK", "Folkbladet", "Offentliga Affärer"}
    assert ("Vill stoppa bedrägerier i hemtjänst", "Offentliga Affärer") in {r[:2] for r in rows}


def test_only_here_is_the_text_one_version_has_and_the_other_lacks(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("""SELECT c.outlet, c.only_here, c.only_in_matched, p.body, m.body
                              FROM v_article_copies c JOIN posts p USING (post_id) JOIN posts m ON m.post_id = c.matched_post_id
                              WHERE c.article_id = (SELECT article_id FROM v_articles WHERE title = ?)
                              AND c.relation = 'version'""", [OPED]).fetchall()
    by_outlet = {r[0]: r for r in rows}
    vk, folkbladet = by_outlet["VK"], by_outlet["Folkbladet"]
    assert vk[1][0].startswith("I dagens VK 16/11 skriver jag") and folkbladet[1][0].startswith("I dagens Folkbladet skriver jag")
    assert vk[1] == folkbladet[2] and folkbladet[1] == vk[2]  # the two sides of one alignment
    for _, only_here, _, body, other in rows:
        assert only_here
        for passage in only_here:
            assert passage in body
            if len(passage.split()) >= 4:
                assert passage not in other  # text of one version the other does not have
    single = duckdb.connect(str(warehouse), read_only=True).execute(
        "SELECT count(*) FROM v_article_copies WHERE matched_post_id IS NULL AND (len(only_here) > 0 OR len(only_in_matched) > 0)").fetchone()
    assert single == (0,)


def test_the_first_appearance_is_the_earliest_dated_copy(dated: duckdb.DuckDBPyConnection) -> None:
    row = dated.execute("SELECT first_outlet, first_published_at, copies FROM v_articles WHERE title = ?", [OPED]).fetchone()
    assert row is not None and row[:2] == ("Folkbladet", datetime(2021, 11, 15, 8, 0))
    assert {c["outlet"]: c["published_at"] for c in row[2] if c["relation"] == "version"} == {
        "Folkbladet": datetime(2021, 11, 15, 8, 0), "VK": datetime(2021, 11, 16, 7, 30)}
    firsts = dated.execute("SELECT outlet FROM v_article_copies WHERE is_first AND article_id = "
                           "(SELECT article_id FROM v_articles WHERE title = ?)", [OPED]).fetchall()
    assert firsts == [("Folkbladet",)]


def test_monthly_counts_go_by_publication_date_per_outlet(dated: duckdb.DuckDBPyConnection) -> None:
    rows = dated.execute("SELECT month, outlet, posts, articles FROM v_monthly_posts ORDER BY ALL").fetchall()
    dated_rows = [r for r in rows if r[0] is not None]
    assert [(str(m), o, p, a) for m, o, p, a in dated_rows] == [("2021-11-01", "Folkbladet", 1, 1), ("2021-11-01", "VK", 1, 1)]
    total = dated.execute("SELECT count(*) FROM posts").fetchone()
    assert (sum(r[2] for r in rows),) == total  # the undated posts are the month-NULL rows
