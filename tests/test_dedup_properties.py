"""Invariants of dedup: idempotent, independent of input order; boilerplate never groups."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import duckdb
from fixtures.dumps import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_dedup import load_posts, sample_posts  # noqa: E402
from gen_corpus import SIGNATURES, Writer, generate, sample_sentences  # noqa: E402
from quality_gate import check  # noqa: E402

from blogetl.dedup import run  # noqa: E402

RESULT_TABLES = ("articles", "article_members", "article_redirects", "post_pairs", "passage_matches",
                 "post_outlets", "dedup_boilerplate", "dedup_fingerprints", "dedup_docs", "outlets")
SLOW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def dedup(posts: list[dict[str, str | None]]) -> duckdb.DuckDBPyConnection:
    """A fresh database holding these posts, deduplicated."""
    con = duckdb.connect()
    load_posts(con, posts)
    run(con)
    return con


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    """Every result table, sorted."""
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in RESULT_TABLES}


@SLOW
@given(st.randoms(use_true_random=False))
def test_sample_order_does_not_matter(rng: random.Random) -> None:
    posts = sample_posts(SAMPLES)
    shuffled = posts[:]
    rng.shuffle(shuffled)
    assert snapshot(dedup(shuffled)) == snapshot(dedup(posts))


@SLOW
@given(st.integers(0, 10_000), st.randoms(use_true_random=False))
def test_generated_order_does_not_matter(seed: int, rng: random.Random) -> None:
    posts = generate(150, seed).posts
    shuffled = posts[:]
    rng.shuffle(shuffled)
    assert snapshot(dedup(shuffled)) == snapshot(dedup(posts))


@SLOW
@given(st.integers(0, 10_000))
def test_running_again_is_a_no_op(seed: int) -> None:
    con = dedup(generate(150, seed).posts)
    before = snapshot(con)
    runs = con.execute("SELECT count(*) FROM dedup_runs").fetchone()
    assert run(con)["changed"] is False
    assert snapshot(con) == before
    assert con.execute("SELECT count(*) FROM dedup_runs").fetchone() == runs


def test_quality_floors_on_a_generated_corpus() -> None:
    assert check(posts=2000, seed=1) == []


def unrelated_posts(n: int, seed: int, extra: str) -> list[dict[str, str | None]]:
    """n unrelated generated posts, each ending with the same extra block."""
    w = Writer(random.Random(seed), sample_sentences(), 0.5)
    return [{"post_id": f"b{i:04d}", "title": w.title(), "body": "\n\n".join(
        [" ".join(p) for p in w.paragraphs(3, 6)] + [extra]), "site": "vk.se", "page_kind": "listing"}
        for i in range(n)]


def test_shared_signature_blocks_never_group_posts() -> None:
    block = "\n\n".join([SIGNATURES[0], SIGNATURES[2], SIGNATURES[6], "Läs hela debattartikeln här nedan:"])
    con = dedup(unrelated_posts(80, 1, block))
    assert con.execute("SELECT max(members) FROM articles").fetchone() == (1,)
    masked = {r[0] for r in con.execute("SELECT example FROM dedup_boilerplate").fetchall()}
    assert SIGNATURES[2] in masked and "Andreas Lundgren(s)" in masked
    assert con.execute("SELECT count(*) FROM post_pairs").fetchone() == (0,)


def test_a_shared_long_line_below_the_boilerplate_count_is_only_shared() -> None:
    line = ("Socialdemokraterna i Umeå kommun vill att alla barn ska få en trygg uppväxt med "
            "förskola skola fritid och kultur nära hemmet oavsett var i kommunen de bor")
    con = dedup(unrelated_posts(8, 2, line))
    assert con.execute("SELECT count(*) FROM dedup_boilerplate").fetchone() == (0,)  # 8 posts, 28 words
    assert con.execute("SELECT max(members) FROM articles").fetchone() == (1,)
    relations = {r[0] for r in con.execute("SELECT relation FROM post_pairs").fetchall()}
    assert relations == {"shared"}
