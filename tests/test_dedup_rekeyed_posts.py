"""Article ids survive a change of post ids (an upgrade that re-keys posts records post_redirects)."""

from __future__ import annotations

import duckdb
from fixtures.dumps import sample

from blogetl.dedup import create_input, run
from blogetl.parse.parser import parse_text


def body(prefix: str) -> str:
    """The first post's body of a sample."""
    return parse_text(sample(prefix)).posts[0].body


def test_articles_keep_their_ids_when_their_posts_are_rekeyed() -> None:
    """VK's op-ed and its Folkbladet version, then the same texts under new post ids with redirects."""
    con = duckdb.connect()
    con.execute("CREATE TABLE posts (post_id VARCHAR, title VARCHAR, body VARCHAR, site VARCHAR, page_kind VARCHAR)")
    create_input(con, "posts")
    con.execute("CREATE TABLE post_redirects (old_post_id VARCHAR, new_post_id VARCHAR, run_id INTEGER, reason VARCHAR)")
    rows = [("vk", "Sätt stopp", body("003"), "vk.se"), ("fb", "Historisk satsning", body("002"), "vk.se"),
            ("oa", "Vill stoppa bedrägerier", body("004"), "offentligaaffarer.se")]
    con.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, 'listing')", rows)
    run(con)
    before = dict(con.execute("SELECT post_id, article_id FROM article_members").fetchall())
    con.execute("UPDATE posts SET post_id = 'new-' || post_id, site = 'blogg.' || site")
    con.execute("INSERT INTO post_redirects SELECT post_id, 'new-' || post_id, 2, 'rekeyed' FROM (VALUES ('vk'), ('fb'), ('oa')) t(post_id)")
    run(con)
    after = dict(con.execute("SELECT post_id, article_id FROM article_members").fetchall())
    assert {f"new-{p}": a for p, a in before.items()} == after
    assert con.execute("SELECT count(*) FROM article_redirects").fetchone() == (0,)
