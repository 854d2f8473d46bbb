"""Dedup on the five sample dumps: one cross-published op-ed, everything else single."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from fixtures.dumps import SAMPLES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_dedup import load_posts, sample_posts  # noqa: E402

from blogetl.dedup import run  # noqa: E402
from blogetl.warehouse.schema import DEDUP_TABLES as TABLES  # noqa: E402

VK_TITLE = "Sätt stopp för organiserad brottslighet. Varenda skattekrona ska gå till de människor som har behov av välfärden"
FB_TITLE = "Stoppa organiserad brottslighet från att etablera sig i Umeå"
OA_TITLE = "Vill stoppa bedrägerier i hemtjänst"


FIRST_RUN: dict[str, object] = {}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    """The samples loaded and deduplicated once (the summary kept in FIRST_RUN)."""
    db = duckdb.connect()
    load_posts(db, sample_posts(SAMPLES))
    FIRST_RUN.update(run(db))
    return db


def ids_by_title(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """title -> post_id."""
    return {t: p for p, t in con.execute("SELECT post_id, title FROM posts").fetchall()}


def test_samples_hold_thirty_posts(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("SELECT count(*) FROM posts").fetchone() == (30,)


def test_exactly_one_multi_member_article_with_the_three_copies(con: duckdb.DuckDBPyConnection) -> None:
    ids = ids_by_title(con)
    multi = con.execute("SELECT article_id FROM articles WHERE members > 1").fetchall()
    assert len(multi) == 1
    rows = con.execute("""SELECT post_id, relation, outlet_id, outlet_source FROM article_members
                          WHERE article_id = ? ORDER BY post_id""", [multi[0][0]]).fetchall()
    assert sorted(rows) == sorted([
        (ids[VK_TITLE], "version", "vk", "text"),
        (ids[FB_TITLE], "version", "folkbladet", "text"),
        (ids[OA_TITLE], "quote", "offentliga-affarer", "site"),
    ])


def test_every_post_in_exactly_one_article(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("SELECT count(*), count(DISTINCT post_id) FROM article_members").fetchone() == (30, 30)
    assert con.execute("SELECT count(*) FROM posts ANTI JOIN article_members USING (post_id)").fetchone() == (0,)


def test_v_articles_counts_the_op_ed_once(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("SELECT count(*) FROM v_articles").fetchone() == (28,)
    row = con.execute("""SELECT title, members, versions, quotes, outlets, quoted_in
                         FROM v_articles WHERE members > 1""").fetchone()
    assert row == (VK_TITLE, 3, 2, 1, ["Folkbladet", "VK"], ["Offentliga Affärer"])


def test_outlet_evidence_points_at_the_phrase(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""SELECT m.outlet_evidence, substr(p.body, m.outlet_evidence_start + 1,
                                 m.outlet_evidence_end - m.outlet_evidence_start)
                          FROM article_members m JOIN posts p USING (post_id)
                          WHERE m.outlet_source = 'text' ORDER BY 1""").fetchall()
    phrases = [r[0] for r in rows]
    assert all(a == b for a, b in rows)
    assert "I dagens VK 16/11 skriver jag" in phrases
    assert "I dagens Folkbladet skriver jag" in phrases


def test_post_printed_in_two_papers_names_both(con: duckdb.DuckDBPyConnection) -> None:
    ids = ids_by_title(con)
    row = con.execute("SELECT outlet_ids FROM article_members WHERE post_id = ?",
                      [ids["Replik på insändare om marknadslösningar"]]).fetchone()
    assert row == (["vk", "folkbladet"],)


def test_expressen_mention_is_not_where_the_post_ran(con: duckdb.DuckDBPyConnection) -> None:
    ids = ids_by_title(con)
    row = con.execute("SELECT outlet_ids, outlet_source FROM article_members WHERE post_id = ?",
                      [ids["Planen för att slakta välfärden"]]).fetchone()
    assert row == (["vk"], "site")  # "I dagens Expressen skriver kommunalråden …" is someone else's text
    assert con.execute("SELECT name FROM outlets WHERE outlet_id = 'expressen'").fetchone() == ("Expressen",)


def test_signature_lines_are_masked_as_boilerplate(con: duckdb.DuckDBPyConnection) -> None:
    examples = {r[0] for r in con.execute("SELECT example FROM dedup_boilerplate").fetchall()}
    assert "Andreas Lundgren(s)" in examples
    assert any(e.startswith("Ordf") and "familjenämnden" in e for e in examples)


def test_passage_offsets_show_the_shared_text_in_both_posts(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""
        SELECT m.shared_text, substr(a.body, m.a_start + 1, m.a_end - m.a_start),
               substr(b.body, m.b_start + 1, m.b_end - m.b_start), m.matched_words
        FROM passage_matches m JOIN posts a ON a.post_id = m.post_a JOIN posts b ON b.post_id = m.post_b
    """).fetchall()
    assert rows
    for shared, in_a, in_b, words in rows:
        assert shared == in_a
        assert words >= 10
        assert len(set(in_a.lower().split()) & set(in_b.lower().split())) >= 5


def test_version_pair_figures(con: duckdb.DuckDBPyConnection) -> None:
    ids = ids_by_title(con)
    a, b = sorted([ids[VK_TITLE], ids[FB_TITLE]])
    rel, cov_a, cov_b, passages = con.execute(
        "SELECT relation, coverage_a, coverage_b, passages FROM post_pairs WHERE post_a = ? AND post_b = ?", [a, b]
    ).fetchone()
    assert rel == "version"
    assert passages >= 3
    assert 0.25 < min(cov_a, cov_b) < 0.4 < 0.55 < max(cov_a, cov_b)


def test_no_pair_but_the_op_ed_family_is_grouped(con: duckdb.DuckDBPyConnection) -> None:
    ids = ids_by_title(con)
    family = {ids[VK_TITLE], ids[FB_TITLE], ids[OA_TITLE]}
    rows = con.execute("SELECT post_a, post_b FROM post_pairs WHERE relation <> 'shared'").fetchall()
    assert rows and all({a, b} <= family for a, b in rows)


def test_rerun_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    tables = ["articles", "article_members", "post_pairs", "passage_matches", "post_outlets",
              "dedup_fingerprints", "dedup_boilerplate", "article_redirects", "dedup_runs"]
    before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    summary = run(con)
    assert summary["changed"] is False
    assert {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables} == before


def test_every_table_view_and_column_is_commented(con: duckdb.DuckDBPyConnection) -> None:
    names = [t.name for t in TABLES]
    tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall())
    assert all(tables.get(n) for n in names)
    assert con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'v_articles'").fetchone()[0]
    blank = con.execute(f"""SELECT table_name, column_name FROM duckdb_columns()
                            WHERE table_name IN ({', '.join("'" + n + "'" for n in names)})
                            AND (comment IS NULL OR comment = '')""").fetchall()
    assert blank == []


def test_summary_reports_counts_and_timings(con: duckdb.DuckDBPyConnection) -> None:
    assert con is not None
    s = FIRST_RUN
    assert s["changed"] is True and s["posts"] == 30 and s["new_or_changed"] == 30
    assert s["articles"] == 28 and s["multi_member_articles"] == 1
    assert s["unverified_candidates"] == 0 and s["verified_pairs"] == 3
    assert set(s["timings"]) >= {"fingerprint", "candidates", "verify", "group"}  # type: ignore[call-overload]
