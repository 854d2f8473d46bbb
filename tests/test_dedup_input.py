"""The dedup stage reads one declared relation, dedup_input: its dates reach the tie-break, and a
missing column is a clear error, not a silent NULL."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from blogetl.dedup import DedupError, create_input, run

SAMPLE = Path(__file__).resolve().parent.parent / "raw" / "003_837c0e1b7ac6da94.txt"


def two_copies(first_seen: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """Two posts with the same text (a re-scrape), seen first at the given times."""
    paras = [p for p in SAMPLE.read_text(encoding="utf-8").split("\n\n") if len(p.split()) > 20][:4]
    con = duckdb.connect()
    con.execute("CREATE TABLE posts (post_id VARCHAR, title VARCHAR, body VARCHAR, site VARCHAR, seen TIMESTAMP)")
    for pid in ("a", "b"):
        con.execute("INSERT INTO posts VALUES (?, ?, ?, 'vk.se', ?)", [pid, f"Titel {pid}", "\n\n".join(paras), first_seen[pid]])
    create_input(con, "posts", first_seen_at="seen")
    run(con)
    return con


@pytest.mark.parametrize(("seen", "canonical"), [
    ({"a": "2020-01-02", "b": "2020-01-01"}, "b"),
    ({"a": "2020-01-01", "b": "2020-01-02"}, "a"),
])
def test_the_copy_seen_first_is_canonical(seen: dict[str, str], canonical: str) -> None:
    con = two_copies(seen)
    assert con.execute("SELECT members, canonical_post_id, title FROM articles").fetchall() == [(2, canonical, f"Titel {canonical}")]


def test_a_missing_input_column_is_named() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE posts (post_id VARCHAR, title VARCHAR, body VARCHAR, site VARCHAR)")
    create_input(con, "posts")
    con.execute("CREATE OR REPLACE VIEW dedup_input AS SELECT post_id, title, body, site, false AS is_excerpt, "
                "NULL::TIMESTAMP AS published_at, hash(title, body) AS text_hash, rowid AS rid FROM posts")  # first_seen_at renamed away
    with pytest.raises(DedupError, match=r"dedup_input lacks columns \['first_seen_at'\]"):
        run(con)
    with pytest.raises(DedupError, match="there is no relation dedup_input"):
        run(duckdb.connect())
