"""A listing's teaser joins the article it was cut from (relation excerpt) and never bridges two."""

from __future__ import annotations

import duckdb
from fixtures.dumps import sample

from blogetl.dedup import create_input, run
from blogetl.parse.parser import parse_text


def body(prefix: str) -> str:
    """The first post's body of a sample, as the parser reads it."""
    return parse_text(sample(prefix)).posts[0].body


def teaser(text: str, words: int) -> str:
    """A section page's teaser: the first words of the text, cut off with '…'."""
    return " ".join(text.split()[:words]) + " …"


def posts_con(rows: list[tuple[str, str, str, bool]]) -> duckdb.DuckDBPyConnection:
    """A posts table with the is_excerpt flag the parser sets."""
    con = duckdb.connect()
    con.execute("CREATE TABLE posts (post_id VARCHAR PRIMARY KEY, title VARCHAR, body VARCHAR, site VARCHAR, page_kind VARCHAR, is_excerpt BOOLEAN)")
    create_input(con, "posts", is_excerpt="is_excerpt")
    con.executemany("INSERT INTO posts VALUES (?, ?, ?, 'blogg.vk.se', 'listing', ?)", rows)
    return con


def members(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """post_id -> (the canonical post of its article, its relation)."""
    rows = con.execute("""
        SELECT m.post_id, c.post_id, m.relation FROM article_members m
        JOIN article_members c ON c.article_id = m.article_id AND c.is_canonical
    """).fetchall()
    return {p: (canon, rel) for p, canon, rel in rows}


def test_teasers_join_the_article_they_were_cut_from() -> None:
    """Two full op-eds and a teaser of each: each teaser is an excerpt member of its own article."""
    op_ed, other = body("003"), body("002")
    con = posts_con([
        ("full", "Sätt stopp", op_ed, False),
        ("other", "Historisk satsning", other, False),
        ("t1", "Sätt stopp", teaser(op_ed, 40), True),
        ("t2", "Historisk satsning", teaser(other, 30), True),
    ])
    run(con)
    got = members(con)
    assert got["t1"] == ("full", "excerpt") and got["t2"] == ("other", "excerpt")
    assert got["full"] == ("full", "version") and got["other"] == ("other", "version")
    pair = con.execute("SELECT relation, quoter_post_id FROM post_pairs WHERE 't1' IN (post_a, post_b)").fetchall()
    assert pair == [("excerpt", "t1")]


def test_a_full_text_is_never_an_excerpt_and_unrelated_teasers_stay_alone() -> None:
    """Without the flag the same text is a version (re-scrape); a teaser of an unknown article is its own."""
    op_ed = body("003")
    con = posts_con([
        ("full", "Sätt stopp", op_ed, False),
        ("copy", "Sätt stopp", teaser(op_ed, 60), False),
        ("alone", "Annat", teaser(body("001"), 40), True),
    ])
    run(con)
    got = members(con)
    assert got["copy"][1] != "excerpt"
    assert got["alone"] == ("alone", "version")
