"""The dedup stage in bounded pieces gives what it gives in one piece, and an incremental run
regroups only what a change can reach, ending where a clean build ends."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_dedup import load_posts  # noqa: E402
from gen_corpus import generate  # noqa: E402

from blogetl.dedup import pipeline as stage  # noqa: E402
from blogetl.dedup import run, work  # noqa: E402

POSTS = generate(600, 7).posts

RESULT_SQL = {
    "pairs": "SELECT post_a, post_b, relation, quoter_post_id, coverage_a, coverage_b, matched_words FROM post_pairs ORDER BY ALL",
    "boilerplate": "SELECT * FROM dedup_boilerplate ORDER BY ALL",
    "fingerprints": "SELECT count(*), sum(fp % 1000003) FROM dedup_fingerprints",
    "members": """SELECT m.post_id, m.relation, m.is_canonical, m.outlet_id, m.matched_post_id, a.canonical_post_id,
                         a.title, a.members, a.versions, a.duplicates, a.quotes
                  FROM article_members m JOIN articles a USING (article_id) ORDER BY ALL""",
}


def built(posts: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """A database with these posts, deduplicated once."""
    con = duckdb.connect()
    load_posts(con, posts)
    run(con)
    return con


def results(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """What the stage produced, ids of articles left out (they depend on history)."""
    return {name: con.execute(sql).fetchall() for name, sql in RESULT_SQL.items()}


def partition(con: duckdb.DuckDBPyConnection) -> set[frozenset[str]]:
    """Articles as sets of posts."""
    rows = con.execute("SELECT list(post_id ORDER BY post_id) FROM article_members GROUP BY article_id").fetchall()
    return {frozenset(r[0]) for r in rows}


def test_buckets_and_chunks_do_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = results(built(POSTS))
    assert len(whole["pairs"]) > 50 and any(r[7] > 1 for r in whole["members"])  # there is something to find
    monkeypatch.setattr(stage, "BUCKET_ROWS", 997)  # dozens of buckets for lines and fingerprints
    monkeypatch.setattr(stage, "VERIFY_CHUNK", 7)
    monkeypatch.setattr(stage, "DOCS_WINDOW", 20)  # one read for one to three chunks of 7 candidates
    monkeypatch.setattr(stage, "OUTLET_SLICE", 13)
    monkeypatch.setattr(stage, "SINGLES_SLICE", 11)
    monkeypatch.setattr(work, "VOCAB_LIMIT", 50)
    con = duckdb.connect()
    load_posts(con, POSTS)
    summary = run(con)
    assert results(con) == whole
    assert summary["articles"] == len(partition(con))


def test_two_worker_processes_write_what_one_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CPU work on a pool of two processes (slices and chunks small enough that several are
    in flight at once) gives the tables one process gives, row for row."""
    whole = results(built(POSTS))
    monkeypatch.setattr(stage, "VERIFY_CHUNK", 50)
    monkeypatch.setattr(stage, "OUTLET_SLICE", 64)
    con = duckdb.connect()
    load_posts(con, POSTS)
    summary = run(con, workers=2)
    assert summary["candidates"] > 4 * 50  # the verification went through the pool in several chunks
    assert results(con) == whole
    assert summary["articles"] == len(partition(con))


def test_incremental_runs_end_where_a_clean_build_ends() -> None:
    con = duckdb.connect()
    load_posts(con, POSTS[:400])
    run(con)
    before = dict(con.execute("SELECT post_id, article_id FROM article_members").fetchall())
    # New posts, an edited post, a removed post: each run regroups only what they reach.
    load_posts(con, POSTS[400:])
    first = run(con)
    edited = POSTS[10]["post_id"]
    con.execute("UPDATE posts SET body = body || ? WHERE post_id = ?", ["\n\nEtt nytt stycke om något helt annat.", edited])
    gone = POSTS[20]["post_id"]
    con.execute("DELETE FROM posts WHERE post_id = ?", [gone])
    second = run(con)
    assert first["regrouped_posts"] < len(POSTS) and second["regrouped_posts"] < 50
    now = con.execute("SELECT post_id, title, body, site, page_kind FROM posts").fetchall()
    clean = built([dict(zip(("post_id", "title", "body", "site", "page_kind"), row, strict=True)) for row in now])
    assert partition(con) == partition(clean)
    mine, theirs = results(con), results(clean)
    assert mine["members"] == theirs["members"]
    assert [r for r in mine["pairs"] if r[2] != "shared"] == [r for r in theirs["pairs"] if r[2] != "shared"]
    # An article no change reached kept its id.
    after = dict(con.execute("SELECT post_id, article_id FROM article_members").fetchall())
    kept = [p for p, a in before.items() if p not in (edited, gone) and after.get(p) == a]
    assert len(kept) > 300


def test_a_title_change_reaches_the_article_without_a_body_change() -> None:
    con = built(POSTS[:50])
    post = con.execute("SELECT canonical_post_id FROM articles WHERE members = 1 ORDER BY 1 LIMIT 1").fetchone()[0]  # type: ignore[index]
    con.execute("UPDATE posts SET title = 'Ny rubrik' WHERE post_id = ?", [post])
    con.execute("UPDATE posts SET body = body || ' Mer.' WHERE post_id = ?", [POSTS[49]["post_id"]])  # so the run runs
    summary = run(con)
    assert summary["regrouped_posts"] < 50
    assert con.execute("SELECT title FROM articles WHERE canonical_post_id = ?", [post]).fetchall() == [("Ny rubrik",)]


def test_small_runs_recount_only_touched_lines_and_match_a_clean_build() -> None:
    """A short line reaching 5 posts in a small run becomes boilerplate, and stops being one when
    a post holding it goes: each small run recounts only the lines its posts hold (the boilerplate
    table and pairs still equal a clean build's)."""
    signature = "Skribenten är fritidspolitiker i Umeå."  # short: boilerplate from 5 posts on
    posts = [dict(p) for p in POSTS[:420]]
    for p in posts[400:406]:
        p["body"] = f"{p['body']}\n\n{signature}"
    con = duckdb.connect()
    load_posts(con, posts[:400])
    run(con)
    flips = []
    for lo in range(400, 420, 4):  # five runs of four new posts each (< 10 % of the posts: the touched path)
        load_posts(con, posts[lo : lo + 4])
        flips.append(run(con)["boilerplate_flipped_posts"])
        assert con.execute("SELECT count(*) FROM dedup_boilerplate WHERE example = ?", [signature]).fetchone()[0] == (lo >= 404)
    con.execute("DELETE FROM posts WHERE post_id IN (?, ?)", [posts[400]["post_id"], posts[401]["post_id"]])
    flips.append(run(con)["boilerplate_flipped_posts"])
    assert flips[1] >= 5 and flips[-1] >= 4  # the line went boilerplate, then back
    assert con.execute("SELECT count(*) FROM dedup_boilerplate WHERE example = ?", [signature]).fetchone() == (0,)
    now = con.execute("SELECT post_id, title, body, site, page_kind FROM posts").fetchall()
    clean = built([dict(zip(("post_id", "title", "body", "site", "page_kind"), row, strict=True)) for row in now])
    mine, theirs = results(con), results(clean)
    assert mine["boilerplate"] == theirs["boilerplate"]
    assert mine["members"] == theirs["members"]
