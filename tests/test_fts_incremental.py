"""The incremental lemma index scores exactly as DuckDB's fts extension would, built from scratch on
the same words, after any sequence of additions, edits and removals.

The reference tokenises and lemmatises each post in Python (letters and digits, lowercased,
simplemma's Swedish lemma), spells every lemma as a made-up word of ASCII letters (so the
extension's own tokenizer, which drops digits and accents, leaves it alone) and lets the
extension build its index over those words, without stemmer or stop words: BM25's figures must
then be the same to the last digit.
"""

from __future__ import annotations

import itertools
import shutil
import string
import unicodedata
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from fixtures.dumps import SAMPLES

from blogetl import pipeline
from blogetl.warehouse import fts
from blogetl.warehouse.fts import INDEX_VERSION, lemmatize, load_fts, update_fts

QUERIES = [
    ("brottslighet", {}),
    ("Umeå kommun", {}),
    ("organiserad brottslighet välfärd", {"conjunctive": 1}),
    ("stoppa", {"fields": "'title'"}),
    ("hemtjänst bedrägerier", {"k": 1.5, "b": 0.6}),
    ("och i få", {}),  # the commonest words: no stop words are left out
    ("bostäderna fick", {}),  # forms: lemmatised through the index's lemma table
    ("kvarnbäcksprojektet", {}),  # a word no post has
]


def words(text: str | None) -> list[str]:
    """Runs of letters and digits, lowercased: the index's tokens, computed without DuckDB."""
    runs = itertools.groupby(text or "", key=lambda ch: unicodedata.category(ch)[0] in "LN")
    return ["".join(chars).lower() for is_word, chars in runs if is_word]


def spelled(n: int) -> str:
    """A made-up word of ASCII letters for the n-th lemma."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += string.ascii_lowercase[r]
        if not n:
            return "z" + out


def reference_index(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """posts_ref: each post's words as spelled lemmas, indexed by the extension; returns form -> spelled lemma."""
    posts = con.execute("SELECT post_id, title, body FROM posts ORDER BY post_id").fetchall()
    forms = sorted({w for _, title, body in posts for w in words(title) + words(body)})
    table = dict(zip(forms, lemmatize(forms), strict=True))
    stored = dict(con.execute("SELECT form, lemma FROM fts_main_posts.lemmas").fetchall())
    assert {f: stored.get(f) for f in forms} == table  # every form of the posts, with simplemma's lemma
    names: dict[str, str] = {}
    spell = lambda lemma: names.setdefault(lemma, spelled(len(names)))  # noqa: E731
    con.register("ref", pa.table({
        "post_id": [p for p, _, _ in posts],
        "title": [" ".join(spell(table[w]) for w in words(t)) for _, t, _ in posts],
        "body": [" ".join(spell(table[w]) for w in words(b)) for _, _, b in posts],
    }))
    con.execute("CREATE OR REPLACE TABLE posts_ref AS SELECT * FROM ref")
    con.unregister("ref")
    con.execute("PRAGMA create_fts_index('posts_ref', 'post_id', 'title', 'body', stemmer = 'none', stopwords = 'none', "
                "strip_accents = 0, lower = 0, overwrite = 1)")
    # a query word the index never saw stands for itself
    return {f: spell(stored.get(f, f)) for f in {w for q, _ in QUERIES for w in words(q)} | set(forms)}


def scores(con: duckdb.DuckDBPyConnection, schema: str, table: str, query: str, options: dict[str, object]) -> list[tuple[str, float]]:
    """(post_id, score) of every post the query matches, by one index's match_bm25."""
    extra = "".join(f", {k} := {v}" for k, v in options.items())
    rows = con.execute(f"""
        SELECT post_id, round({schema}.match_bm25(post_id, ?{extra}), 9) AS s FROM {table}
        WHERE s IS NOT NULL ORDER BY post_id""", [query]).fetchall()
    return [(r[0], r[1]) for r in rows]


def same_as_a_fresh_extension_index(con: duckdb.DuckDBPyConnection) -> None:
    """Every query scores every post as the extension's index built now on the posts' lemmas; search() agrees."""
    spelled_as = reference_index(con)
    for query, options in QUERIES:
        mine = scores(con, "fts_main_posts", "posts", query, options)
        theirs = scores(con, "fts_main_posts_ref", "posts_ref", " ".join(spelled_as[w] for w in words(query)), options)
        assert mine == theirs, query
        extra = "".join(f", {k} := {v}" for k, v in options.items())
        where = f"SELECT post_id FROM posts WHERE fts_main_posts.match_bm25(post_id, {query!r}{extra}) IS NOT NULL ORDER BY 1"
        assert con.execute(where).fetchall() == [(p,) for p, _ in mine], query  # the macro in a WHERE clause too
        found = con.execute(f"SELECT post_id, round(score, 9) FROM search({query!r}, n := 1000{extra}) ORDER BY post_id").fetchall()
        assert found == mine, query
    assert all(scores(con, "fts_main_posts", "posts", q, o) for q, o in QUERIES[:-1])
    assert not scores(con, "fts_main_posts", "posts", *QUERIES[-1])


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """The samples loaded into a warehouse."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    db = tmp_path / "blog.duckdb"
    assert pipeline.run(raw, db).ok
    return db


@pytest.mark.parametrize("batch", [fts.BATCH_POSTS, 2])  # 2: batches of posts far apart by rowid (edited in place, appended)
def test_scores_equal_the_extensions_after_edits_additions_and_removals(warehouse: Path, batch: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fts, "BATCH_POSTS", batch)
    con = duckdb.connect(str(warehouse))
    load_fts(con)  # for the reference index only
    same_as_a_fresh_extension_index(con)
    posts = [r[0] for r in con.execute("SELECT post_id FROM posts ORDER BY post_id").fetchall()]
    con.execute("UPDATE posts SET body = body || ' Brottsligheten i Umeå ökar enligt polisen. Kvarnbäcksprojektens' WHERE post_id = ?", [posts[0]])
    con.execute("UPDATE posts SET title = 'Stoppa fusket' WHERE post_id = ?", [posts[1]])
    con.execute("DELETE FROM posts WHERE post_id = ?", [posts[2]])
    con.execute("INSERT INTO posts (post_id, title, body) SELECT 'new-' || post_id, title || ' igen', body FROM posts LIMIT 3")
    con.execute("UPDATE posts SET text_hash = hash(title, body)")  # as the load keeps it (posts.text_hash)
    known = {r[0] for r in con.execute("SELECT form FROM fts_main_posts.lemmas").fetchall()}
    # 2 edited + 3 new indexed; 2 edited + 1 gone dropped; only the words no post had before are lemmatised
    assert update_fts(con) == {"indexed": 5, "dropped": 3, "forms_lemmatised": 4}
    added = {r[0] for r in con.execute("SELECT form FROM fts_main_posts.lemmas").fetchall()} - known
    assert added == {"polisen", "kvarnbäcksprojektens", "fusket", "igen"}
    QUERIES[-1] = ("kvarnbäcksprojektet", {})  # not a form of the index: it stands for itself, and finds nothing
    same_as_a_fresh_extension_index(con)
    assert update_fts(con) == {"indexed": 0, "dropped": 0, "forms_lemmatised": 0}


def test_a_word_of_a_just_added_post_is_found_right_after_the_run(warehouse: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "zz_new.txt").write_text(
        "Kvarnbäcksprojektet försenas igen\n\nAv , , Bli först att kommentera 0\n\n"
        "Kvarnbäcksprojektet i Umeå försenas ett år, meddelar kommunen.\n", encoding="utf-8")
    assert pipeline.run(raw, warehouse).ok
    con = duckdb.connect(str(warehouse), read_only=True)
    found = con.execute("""SELECT title FROM posts
        WHERE fts_main_posts.match_bm25(post_id, 'kvarnbäcksprojektet') IS NOT NULL""").fetchall()
    assert found == [("Kvarnbäcksprojektet försenas igen",)]


@pytest.mark.parametrize("older", ["the extension's", "stems"])
def test_an_index_of_other_rules_is_rebuilt(warehouse: Path, older: str) -> None:
    con = duckdb.connect(str(warehouse))
    load_fts(con)
    if older == "the extension's":
        con.execute("DROP SCHEMA fts_main_posts CASCADE")
        con.execute("PRAGMA create_fts_index('posts', 'post_id', 'title', 'body', stemmer = 'swedish', overwrite = 1)")
    else:  # blogetl's index before lemmas: same tables, stemmed terms, no meta row
        con.execute("UPDATE fts_main_posts.terms SET term = stem(term, 'swedish')")
        con.execute("DELETE FROM fts_main_posts.meta")
    posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]  # type: ignore[index]
    assert update_fts(con)["indexed"] == posts
    assert con.execute("SELECT value FROM fts_main_posts.meta WHERE key = 'index'").fetchone() == (INDEX_VERSION,)
    same_as_a_fresh_extension_index(con)
