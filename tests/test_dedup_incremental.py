"""Incremental runs: new posts against stored fingerprints, stable article ids, redirects."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from fixtures.dumps import SAMPLES as SAMPLE_DIR

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_dedup import load_posts, sample_posts  # noqa: E402
from gen_corpus import generate  # noqa: E402

from blogetl.dedup import run  # noqa: E402

SAMPLES = {p["title"]: p for p in sample_posts(SAMPLE_DIR)}
VK = SAMPLES["Sätt stopp för organiserad brottslighet. Varenda skattekrona ska gå till de människor som har behov av välfärden"]
FB = SAMPLES["Stoppa organiserad brottslighet från att etablera sig i Umeå"]
OA = SAMPLES["Vill stoppa bedrägerier i hemtjänst"]
OTHERS = [p for p in SAMPLES.values() if p not in (VK, FB, OA)]


def article_of(con: duckdb.DuckDBPyConnection, post: dict[str, str | None]) -> str:
    """The article id of a post."""
    return str(con.execute("SELECT article_id FROM article_members WHERE post_id = ?", [post["post_id"]]).fetchone()[0])  # type: ignore[index]


def fresh() -> duckdb.DuckDBPyConnection:
    """An empty database with a posts table."""
    con = duckdb.connect()
    load_posts(con, [])
    return con


def test_a_version_arriving_later_joins_and_keeps_the_article_id() -> None:
    con = fresh()
    load_posts(con, [VK, *OTHERS])
    run(con)
    first = article_of(con, VK)
    fps_before = con.execute("SELECT * FROM dedup_fingerprints ORDER BY ALL").fetchall()
    load_posts(con, [FB])
    summary = run(con)
    assert summary["new_or_changed"] == 1 and summary["candidates"] == 1  # one new post, one candidate
    assert article_of(con, FB) == article_of(con, VK) == first
    stored = con.execute("SELECT * FROM dedup_fingerprints WHERE post_id <> ? ORDER BY ALL", [FB["post_id"]]).fetchall()
    assert stored == fps_before  # old posts were not fingerprinted again
    load_posts(con, [OA])
    run(con)
    assert article_of(con, OA) == first
    assert con.execute("SELECT relation FROM article_members WHERE post_id = ?", [OA["post_id"]]).fetchone() == ("quote",)
    assert con.execute("SELECT count(*) FROM article_redirects").fetchone() == (0,)


def test_an_op_ed_arriving_after_its_report_joins_the_reports_article() -> None:
    con = fresh()
    load_posts(con, [OA, *OTHERS])
    run(con)
    oa_first = article_of(con, OA)
    load_posts(con, [VK])
    summary = run(con)
    assert summary["redirects_added"] == 0
    assert article_of(con, OA) == article_of(con, VK) == oa_first  # the id its member already had
    assert con.execute("SELECT canonical_post_id, members FROM articles WHERE article_id = ?",
                       [oa_first]).fetchone() == (VK["post_id"], 2)


def split_op_ed() -> tuple[dict[str, str | None], dict[str, str | None], dict[str, str | None]]:
    """Two halves of the VK op-ed (sharing nothing) and the whole, which bridges them."""
    paras = [p for p in str(VK["body"]).split("\n\n") if len(p.split()) > 20]
    half = len(paras) // 2

    def post(pid: str, ps: list[str]) -> dict[str, str | None]:
        return {"post_id": pid, "title": pid, "body": "\n\n".join(ps), "site": "vk.se", "page_kind": "listing"}

    return post("first-half", paras[:half]), post("second-half", paras[half:]), post("whole", paras)


def test_merge_keeps_the_older_id_and_redirects_the_younger() -> None:
    first, second, whole = split_op_ed()
    con = fresh()
    load_posts(con, [first])
    run(con)
    older = article_of(con, first)
    load_posts(con, [second])
    run(con)
    younger = article_of(con, second)
    assert older != younger
    load_posts(con, [whole])
    summary = run(con)
    assert article_of(con, first) == article_of(con, second) == article_of(con, whole) == older
    assert summary["redirects_added"] == 1
    assert con.execute("SELECT old_article_id, article_id FROM article_redirects").fetchall() == [(younger, older)]
    assert con.execute("SELECT canonical_post_id, created_run, changed_run FROM articles WHERE article_id = ?",
                       [older]).fetchone() == ("whole", 1, 3)


def test_a_changed_body_is_redone_and_can_split_an_article() -> None:
    con = fresh()
    load_posts(con, [VK, FB, OA, *OTHERS])
    run(con)
    article = article_of(con, VK)
    con.execute("UPDATE posts SET body = ? WHERE post_id = ?", [OTHERS[0]["body"] + "\n\nNytt stycke.", FB["post_id"]])
    summary = run(con)
    assert summary["new_or_changed"] == 1
    assert article_of(con, VK) == article == article_of(con, OA)
    assert article_of(con, FB) == article_of(con, OTHERS[0]) != article  # it now copies another post
    pairs = con.execute("SELECT post_a, post_b, relation FROM post_pairs WHERE ? IN (post_a, post_b)",
                        [FB["post_id"]]).fetchall()
    assert pairs == [(*sorted([FB["post_id"], OTHERS[0]["post_id"]]), "duplicate")]


def test_a_removed_post_leaves_its_article() -> None:
    con = fresh()
    load_posts(con, [VK, FB, OA, *OTHERS])
    run(con)
    con.execute("DELETE FROM posts WHERE post_id = ?", [OA["post_id"]])
    summary = run(con)
    assert summary["removed"] == 1
    assert con.execute("SELECT members, quotes FROM articles WHERE article_id = ?", [article_of(con, VK)]).fetchone() == (2, 0)
    assert con.execute("SELECT count(*) FROM post_pairs WHERE ? IN (post_a, post_b)", [OA["post_id"]]).fetchone() == (0,)


def partition(con: duckdb.DuckDBPyConnection) -> set[frozenset[tuple[str, str]]]:
    """Articles as sets of (post, relation), ids left out."""
    rows = con.execute("SELECT article_id, post_id, relation FROM article_members").fetchall()
    out: dict[str, set[tuple[str, str]]] = {}
    for aid, pid, rel in rows:
        out.setdefault(aid, set()).add((pid, rel))
    return {frozenset(v) for v in out.values()}


@pytest.mark.slow
def test_three_incremental_runs_group_like_one_batch() -> None:
    posts = generate(1500, 3).posts
    batch = fresh()
    load_posts(batch, posts)
    run(batch)
    inc = fresh()
    for lo, hi in ((0, 700), (700, 1200), (1200, 1500)):
        load_posts(inc, posts[lo:hi])
        summary = run(inc)
        assert summary["new_or_changed"] == hi - lo
    assert partition(inc) == partition(batch)
    # Pairs that group are the same.  An incremental run may keep a few extra "shared" pairs:
    # they were found while an n-gram was still rarer than max_df (see README of the stage).
    same = "SELECT post_a, post_b, relation, coverage_a, coverage_b FROM post_pairs WHERE relation <> 'shared' ORDER BY ALL"
    assert inc.execute(same).fetchall() == batch.execute(same).fetchall()


def test_changed_settings_recompute_everything_but_keep_ids() -> None:
    import dataclasses

    from blogetl.dedup import DEFAULT

    con = fresh()
    load_posts(con, [VK, FB, OA, *OTHERS])
    run(con)
    ids = con.execute("SELECT post_id, article_id FROM article_members ORDER BY ALL").fetchall()
    summary = run(con, dataclasses.replace(DEFAULT, max_df=29))
    assert summary["new_or_changed"] == 30
    assert con.execute("SELECT post_id, article_id FROM article_members ORDER BY ALL").fetchall() == ids
