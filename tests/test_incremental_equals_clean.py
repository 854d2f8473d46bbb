"""A warehouse built by incremental runs (new dumps, then changed dumps) holds what one
clean build of the same raw/ holds, table by table.  What may differ is history, and only that:
run numbers, article ids (an id survives from the first run that made the article, a clean build
names it after today's canonical post), the full-text index's internal doc numbers, and 'shared'
pairs an incremental run found while an n-gram was still rarer than max_df."""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from blogetl import pipeline
from blogetl.dedup import run as deduplicate
from blogetl.warehouse.snapshot import snapshot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import scale  # noqa: E402

HISTORY = {  # table -> columns that record history, not content
    "dumps": {"first_run_id", "last_run_id", "missing_since_run_id"},
    "articles": {"article_id", "created_run", "changed_run"},
    "article_members": {"article_id"},
}
SKIPPED = {"ingest_runs", "dedup_runs", "dedup_state", "article_redirects", "post_redirects", "dump_acks"}


def content(db: Path) -> dict[str, Any]:
    """The snapshot without history; the index as (post, field, term, tf); pairs but 'shared'."""
    snap = snapshot(db)
    out: dict[str, Any] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for table, rows in snap.items():
            if table in SKIPPED:
                continue
            names = [r[0] for r in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
            cols = [c for c in names if c not in HISTORY.get(table, set())]
            out[table] = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
            assert len(out[table]) == len(rows)
        out["post_pairs"] = [r for r in out["post_pairs"] if r[2] != "shared"]
        out["passage_matches"] = con.execute("""SELECT m.* FROM passage_matches m JOIN post_pairs p USING (post_a, post_b)
                                                WHERE p.relation <> 'shared' ORDER BY ALL""").fetchall()
        out["fts"] = con.execute("""SELECT d.post_id, t.fieldid, t.term, t.tf, d.len FROM fts_main_posts.terms t
                                    JOIN fts_main_posts.docs d USING (docid) ORDER BY ALL""").fetchall()
    return out


@pytest.mark.slow
def test_incremental_runs_hold_what_a_clean_build_holds(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    corpus = scale.Corpus(raw, seed=3)
    first = corpus.grow(0.25)
    # a page that shows one text under two titles (a re-post under another headline), scraped
    # again below with its third post edited: the case that once gave live posts wrong redirects
    donor = first[0].read_text(encoding="utf-8").split("\n\n")
    same, other = donor[2], donor[6]
    twice = raw / "000000_vk_one_text_two_titles.txt"
    posts = [("Samma text, första rubriken", same), ("Samma text, andra rubriken", same), ("En tredje rubrik", other)]
    twice.write_text(scale.listing_page(posts, random.Random(1)), encoding="utf-8")
    held_back = tmp_path / "later"
    held_back.mkdir()
    for path in first[len(first) // 2 :]:
        shutil.move(path, held_back / path.name)
    inc = tmp_path / "inc.duckdb"
    stages = [deduplicate]
    assert pipeline.run(raw, inc, after_load=stages).ok  # half the dumps
    for path in held_back.iterdir():
        shutil.move(path, raw / path.name)
    corpus.grow(0.1)
    assert pipeline.run(raw, inc, after_load=stages).ok  # the rest, and new ones
    changed = corpus.change(0.2, random.Random(5))
    assert changed
    posts[2] = ("En tredje rubrik", other + " Uppdaterad med en mening till.")
    twice.write_text(scale.listing_page(posts, random.Random(1)), encoding="utf-8")
    assert pipeline.run(raw, inc, after_load=stages).ok  # changed dumps: one post edited in each
    clean = tmp_path / "clean.duckdb"
    assert pipeline.run(raw, clean, after_load=stages).ok
    mine, theirs = content(inc), content(clean)
    assert mine.keys() == theirs.keys()
    assert mine["posts"] and mine["fts"] and mine["post_pairs"] and mine["article_members"]
    for table in sorted(mine):
        assert mine[table] == theirs[table], table
    with duckdb.connect(str(inc), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM posts WHERE title LIKE 'Samma text, %'").fetchone() == (2,)
        # no post of this corpus ever changes its id, so no run may redirect one (a clean build has none)
        assert con.execute("SELECT * FROM post_redirects").fetchall() == []
