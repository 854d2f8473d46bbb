"""Full-text search on posts in Swedish: lemmas, not stems; updated incrementally; plain SQL to query.

DuckDB's fts extension stems English-style ASCII (accents stripped, so ``får`` became ``far``, an
English stop word) and its ``PRAGMA create_fts_index`` can only rebuild the whole index.  So
blogetl keeps its own index, in the extension's schema and with the extension's query API
(``fts_main_posts.match_bm25(post_id, 'words')``, same options, same BM25):

- ``fts_main_posts.docs``: one row per indexed post (``docid``, ``post_id``, ``len`` = its terms
  in title and body, ``h`` = the hash of title and body it was indexed with);
- ``fts_main_posts.terms``: one row per (post, field, lemma) with the term frequency ``tf``;
- ``fts_main_posts.lemmas``: the lemma of every word form the index has seen (``bostäderna`` ->
  ``bostad``, ``fick`` -> ``få``), computed in Python with simplemma (Swedish) at index time, so
  that a query is lemmatised in SQL alone: the plain ``duckdb`` shell needs no Python and no extension.

A token is a run of letters and digits (``[\\p{L}\\p{N}]+``), lowercased, accents kept (å, ä, ö).
No stop words are left out: BM25's idf gives ``och`` almost no weight, and every Swedish list at
hand drops words analysts look for (the ``stop-words`` package's drops ``få``, ``fick``, ``beslut``).

A run re-indexes only posts whose title or body hash changed and drops posts that are gone, in
batches of BATCH_POSTS posts (memory does not grow with the warehouse); it lemmatises only word
forms the lemma table does not hold yet.  ``match_bm25`` computes BM25 (k = 1.2, b = 0.75) from
collection statistics taken at query time over the whole index: document count, average length
and each query term's document frequency.  Scores are therefore exactly those of one index built
from scratch over the current posts (the extension's formula, tested), however many incremental
runs built it.  ``search(query)`` (a table macro in the main schema) ranks the same way and adds a
snippet with the matched words marked.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

import duckdb
import pyarrow as pa

from blogetl.warehouse._sql import literal
from blogetl.warehouse.errors import ExtensionNotFound

FTS_SCHEMA = "fts_main_posts"
LANGUAGE = "sv"  # simplemma's code for Swedish
FIELDS = ("title", "body")
BATCH_POSTS = 20_000  # posts tokenised per statement: DuckDB cannot spill a GROUP BY keyed on text
TOKEN = r"[\p{L}\p{N}]+"  # RE2: a run of letters and digits in any script
MARK = "**"  # around each matched word in search()'s snippet (Markdown bold)
# An index built with other rules is rebuilt whole: change INDEX_VERSION with the tokens or lemmas;
# MACROS_VERSION with the SQL of the macros (replaced in place, no rebuild).
INDEX_VERSION = f"2: tokens {TOKEN} lowercased, simplemma {importlib.metadata.version('simplemma')} {LANGUAGE} lemmas, no stop words"
MACROS_VERSION = "2"

_TABLES = {
    "docs": ("docid BIGINT NOT NULL, post_id VARCHAR NOT NULL, len BIGINT NOT NULL, h UBIGINT NOT NULL",
             "Full-text index: one row per indexed post (internal; query with search('words') or "
             "fts_main_posts.match_bm25(post_id, 'words'))",
             {"docid": "the post's number in the index", "post_id": "posts.post_id",
              "len": "terms (words) in its title and body",
              "h": "hash(title, body) when indexed; a post whose hash differs is indexed again"}),
    "terms": ("docid BIGINT NOT NULL, fieldid INTEGER NOT NULL, term VARCHAR NOT NULL, tf INTEGER NOT NULL",
              "Full-text index: the lemmas of each post and field with their frequency (internal)",
              {"docid": "docs.docid", "fieldid": "fields.fieldid (0 title, 1 body)",
               "term": "a lemma (fts_main_posts.lemmas.lemma): the base form of the words of the field",
               "tf": "occurrences of the lemma's forms in the field"}),
    "fields": ("fieldid INTEGER NOT NULL, field VARCHAR NOT NULL",
               "Full-text index: the indexed columns of posts (internal)",
               {"fieldid": "field number", "field": "posts column name"}),
    "lemmas": ("form VARCHAR NOT NULL, lemma VARCHAR NOT NULL",
               "Full-text index: the lemma of every word form the index has seen (simplemma, Swedish), lowercase. "
               "Queries are lemmatised through it; a word it does not hold stands for itself. Key: form.",
               {"form": "a token as indexed: letters and digits, lowercase, accents kept (bostäderna)",
                "lemma": "its base form (bostad); the form itself when simplemma knows no other"}),
    "meta": ("key VARCHAR NOT NULL, value VARCHAR NOT NULL",
             "Full-text index: the rules it was built with; a blogetl with other rules rebuilds it (internal). Key: key.",
             {"key": "index (tokens and lemmas) or macros", "value": "version of those rules"}),
}

# The query's words -> lemmas (a form the index never saw stands for itself), distinct.
_QUERY_TERMS = f"""
    SELECT DISTINCT coalesce(l.lemma, w.form) AS t
    FROM (SELECT unnest({FTS_SCHEMA}.tokenize(query_string)) AS form) w
    LEFT JOIN {FTS_SCHEMA}.lemmas l ON l.form = w.form"""

# BM25 over the index as the fts extension computes it; CTEs up to `scores (fts_doc, score)`.
# No column of these scopes may be called like a caller's argument (post_id) or a parameter of
# the macros (query_string, fields, k, b, conjunctive, n): a macro substitutes them by name.
_BM25 = f"""
    tokens AS ({_QUERY_TERMS}
    ), fieldids AS (
        SELECT fieldid FROM {FTS_SCHEMA}.fields
        WHERE CASE WHEN fields IS NULL THEN 1 ELSE field = ANY(SELECT unnest(string_split(fields, ','))) END
    ), qterms AS (
        SELECT docid, fieldid, term, tf FROM {FTS_SCHEMA}.terms
        WHERE term IN (SELECT t FROM tokens)
    ), term_tf AS (
        SELECT docid, term, sum(tf) AS tf FROM qterms
        WHERE CASE WHEN fields IS NULL THEN 1 ELSE fieldid IN (SELECT fieldid FROM fieldids) END
        GROUP BY docid, term
    ), cdocs AS (
        SELECT docid FROM term_tf GROUP BY docid
        HAVING CASE WHEN conjunctive THEN count(DISTINCT term) = (SELECT count(*) FROM tokens) ELSE 1 END
    ), df AS (
        SELECT term, count(DISTINCT docid) AS df FROM qterms GROUP BY term
    ), stats AS (
        SELECT count(*) AS num_docs, avg(len) AS avgdl FROM {FTS_SCHEMA}.docs
    ), subscores AS (
        SELECT d.post_id AS fts_doc,
               log((((stats.num_docs - df.df) + 0.5) / (df.df + 0.5)) + 1)
               * ((term_tf.tf * (k + 1)) / (term_tf.tf + (k * ((1 - b) + (b * (d.len / stats.avgdl)))))) AS subscore
        FROM term_tf JOIN cdocs USING (docid) JOIN {FTS_SCHEMA}.docs d USING (docid) JOIN df USING (term), stats
    ), scores AS (
        SELECT fts_doc, sum(subscore) AS score FROM subscores GROUP BY fts_doc
    )"""

_TOKENIZE = f"""
CREATE OR REPLACE MACRO {FTS_SCHEMA}.tokenize(s) AS
    regexp_extract_all(lower(nfc_normalize(CAST(s AS VARCHAR))), '{TOKEN}')"""

# The extension's match_bm25 (same signature and options), reading the lemma index.
_MATCH_BM25 = f"""
CREATE OR REPLACE MACRO {FTS_SCHEMA}.match_bm25(docname, query_string, fields := NULL, k := 1.2, b := 0.75,
                                                conjunctive := 0) AS (
    WITH {_BM25}
    -- No row, so NULL, for a post that does not match.
    SELECT score FROM scores WHERE fts_doc = docname
)"""

# search('words'): the best n posts with a snippet around the first matched word of the body
# (the start of the body when only the title matches), the matched words between MARK and MARK.
_SEARCH = f"""
CREATE OR REPLACE MACRO main.search(query_string, n := 10, fields := NULL, k := 1.2, b := 0.75, conjunctive := 0) AS TABLE
    WITH {_BM25}, best AS (
        SELECT fts_doc AS hit, score AS hit_score FROM scores ORDER BY score DESC, fts_doc LIMIT n
    ), marked_forms AS (
        SELECT form AS marked FROM {FTS_SCHEMA}.lemmas WHERE lemma IN (SELECT t FROM tokens)
        UNION SELECT t FROM tokens
    ), pieces AS (
        SELECT best.hit, u.piece, u.i,
               lower(nfc_normalize(u.piece)) IN (SELECT marked FROM marked_forms) AS matched
        FROM best JOIN posts p ON p.post_id = best.hit,
             unnest(regexp_extract_all(coalesce(p.body, ''), '{TOKEN}|[^\\p{{L}}\\p{{N}}]+')) WITH ORDINALITY AS u(piece, i)
    ), window_of AS (
        SELECT hit, coalesce(min(i) FILTER (matched), 1) AS first_i, max(i) AS last_i FROM pieces GROUP BY hit
    ), snippets AS (
        SELECT pc.hit,
               CASE WHEN min(pc.i) > 1 THEN '…' ELSE '' END
               || regexp_replace(string_agg(CASE WHEN pc.matched THEN '{MARK}' || pc.piece || '{MARK}' ELSE pc.piece END,
                                            '' ORDER BY pc.i), '\\s+', ' ', 'g')
               || CASE WHEN max(pc.i) < any_value(w.last_i) THEN '…' ELSE '' END AS snippet
        FROM pieces pc JOIN window_of w USING (hit)
        WHERE pc.i BETWEEN w.first_i - 16 AND w.first_i + 40
        GROUP BY pc.hit
    )
    SELECT best.hit AS post_id, p.title, best.hit_score AS score, coalesce(s.snippet, '') AS snippet
    FROM best JOIN posts p ON p.post_id = best.hit LEFT JOIN snippets s ON s.hit = best.hit
    ORDER BY best.hit_score DESC, best.hit"""


def lemmatize(forms: list[str]) -> list[str]:
    """The Swedish lemma of each lowercase word form (simplemma), lowercase; the form itself when
    simplemma returns nothing.

    low_memory: simplemma keeps its Swedish dictionary compressed (30 MB instead of 120 MB, loaded
    in 1.3 s instead of 2.1 s, 8.5 instead of 5 µs a word here; the same lemmas on raw20's 12,470 forms).
    """
    import simplemma  # imported here: loading it costs a run that meets no new word nothing

    return [simplemma.lemmatize(form, lang=LANGUAGE, low_memory=True).lower() or form for form in forms]


def extension_directory() -> Path:
    """The folder to set as DuckDB's extension_directory: duckdb-ext-fts's `duckdb_ext/extensions`."""
    spec = importlib.util.find_spec("duckdb_ext")
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        folder = Path(root) / "extensions"
        if any(folder.glob(f"v{duckdb.__version__}/*/fts.duckdb_extension")):
            return folder
    raise ExtensionNotFound(
        f"no fts extension for DuckDB {duckdb.__version__} under {roots or 'duckdb_ext (not installed)'}; "
        "install the duckdb-ext-fts version that matches duckdb"
    )


def shell_sql() -> str:
    """SQL that loads DuckDB's own fts extension offline (its stem() and PRAGMA create_fts_index);
    blogetl's search and match_bm25 are plain SQL and need none of it."""
    return (f"SET autoinstall_known_extensions = false;\n"
            f"SET extension_directory = {literal(str(extension_directory()))};\nLOAD fts;\n")


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension into a connection, never from the network."""
    con.execute(shell_sql())


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Columns of a table of the index schema (empty when it does not exist)."""
    return {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                                      "AND database_name = current_database()", [FTS_SCHEMA, table]).fetchall()}


def _versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The rules the index was built with (empty when it has no meta table)."""
    if not _columns(con, "meta"):
        return {}
    return {str(k): str(v) for k, v in con.execute(f"SELECT key, value FROM {FTS_SCHEMA}.meta").fetchall()}


def fts_index_exists(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the incremental index exists and was built with this blogetl's tokens and lemmas (an
    index the extension built, or one of stems, is not one: update_fts rebuilds it)."""
    return "post_id" in _columns(con, "docs") and _versions(con).get("index") == INDEX_VERSION


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create tokenize, match_bm25 and search; record their version."""
    for sql in (_TOKENIZE, _MATCH_BM25, _SEARCH):
        con.execute(sql)
    con.execute(f"DELETE FROM {FTS_SCHEMA}.meta WHERE key = 'macros'")
    con.execute(f"INSERT INTO {FTS_SCHEMA}.meta VALUES ('macros', ?)", [MACROS_VERSION])


def ensure_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the query macros when this blogetl's differ from those the index holds (no re-indexing)."""
    if fts_index_exists(con) and _versions(con).get("macros") != MACROS_VERSION:
        create_macros(con)


def _create(con: duckdb.DuckDBPyConnection) -> None:
    """The index's schema, tables and macros, empty; any older index (the extension's, or stems) is dropped."""
    con.execute(f"DROP SCHEMA IF EXISTS {FTS_SCHEMA} CASCADE")  # the extension's index too: its macros live there
    con.execute(f"CREATE SCHEMA {FTS_SCHEMA}")
    for table, (ddl, _, _) in _TABLES.items():
        con.execute(f"CREATE TABLE {FTS_SCHEMA}.{table} ({ddl})")
    con.execute(f"INSERT INTO {FTS_SCHEMA}.fields VALUES " + ", ".join(f"({i}, '{f}')" for i, f in enumerate(FIELDS)))
    con.execute(f"INSERT INTO {FTS_SCHEMA}.meta VALUES ('index', ?)", [INDEX_VERSION])
    create_macros(con)
    for table, (_, comment, notes) in _TABLES.items():
        con.execute(f"COMMENT ON TABLE {FTS_SCHEMA}.{table} IS {literal(comment)}")
        for column, text in notes.items():
            con.execute(f"COMMENT ON COLUMN {FTS_SCHEMA}.{table}.{column} IS {literal(text)}")


def _add_lemmas(con: duckdb.DuckDBPyConnection) -> int:
    """Lemmatise the forms of _fts_forms the lemma table does not hold yet; returns how many."""
    new = [r[0] for r in con.execute(
        f"SELECT DISTINCT form FROM _fts_forms ANTI JOIN {FTS_SCHEMA}.lemmas USING (form)").fetchall()]
    if new:
        con.register("_fts_new_lemmas", pa.table({"form": new, "lemma": lemmatize(new)}))
        try:
            con.execute(f"INSERT INTO {FTS_SCHEMA}.lemmas SELECT form, lemma FROM _fts_new_lemmas")
        finally:
            con.unregister("_fts_new_lemmas")
    return len(new)


def update_fts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Bring the index up to date with posts: drop posts gone or changed, index new and changed
    ones BATCH_POSTS at a time.  Returns posts indexed and dropped, and word forms lemmatised."""
    if not fts_index_exists(con):
        _create(con)
    ensure_macros(con)
    s = FTS_SCHEMA
    # posts.text_hash is hash(title, body), kept by the load: no body is read to find the changed posts
    # (any expression naming body, even a coalesce that never needs it, makes the scan read them all;
    # a null hash matches no document, so such a post is indexed again at every run, never missed)
    con.execute("CREATE OR REPLACE TEMP TABLE _fts_current AS SELECT rowid AS rid, post_id, text_hash AS h FROM posts")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _fts_drop AS
        SELECT docid FROM {s}.docs d ANTI JOIN _fts_current c ON c.post_id = d.post_id AND c.h = d.h""")
    dropped = int(con.execute("SELECT count(*) FROM _fts_drop").fetchone()[0])  # type: ignore[index]
    if dropped:
        con.execute(f"DELETE FROM {s}.terms WHERE docid IN (SELECT docid FROM _fts_drop)")
        con.execute(f"DELETE FROM {s}.docs WHERE docid IN (SELECT docid FROM _fts_drop)")
    base = int(con.execute(f"SELECT coalesce(max(docid), 0) FROM {s}.docs").fetchone()[0])  # type: ignore[index]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _fts_todo AS
        SELECT rid, post_id, h, row_number() OVER (ORDER BY rid) AS rn FROM _fts_current ANTI JOIN {s}.docs USING (post_id)""")
    todo = int(con.execute("SELECT count(*) FROM _fts_todo").fetchone()[0])  # type: ignore[index]
    # A batch reads its posts by rowid range: DuckDB skips the row groups outside it, where a join
    # on post_id scans every post's text (at 1 GB, 0.77 s a field and batch; the range 0.04 s).
    # Posts are numbered in rowid order, so a batch of new posts (appended) is one short range.
    lemmatised = 0
    for lo in range(0, todo, BATCH_POSTS):
        first, last = con.execute(f"SELECT min(rid), max(rid) FROM _fts_todo WHERE rn > {lo} AND rn <= {lo + BATCH_POSTS}").fetchone()  # type: ignore[misc]
        fields = " UNION ALL ".join(
            f"SELECT t.rn, {i} AS fieldid, unnest({s}.tokenize(p.{f})) AS form FROM batch t "
            f"JOIN (SELECT rowid AS rid, {f} FROM posts WHERE rowid BETWEEN {int(first)} AND {int(last)}) p USING (rid)"
            for i, f in enumerate(FIELDS))
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _fts_forms AS
            WITH batch AS (SELECT rid, rn FROM _fts_todo WHERE rn > {lo} AND rn <= {lo + BATCH_POSTS}),
                 tokens AS ({fields})
            SELECT {base} + rn AS docid, fieldid, form, count(*)::INTEGER AS tf
            FROM tokens WHERE form IS NOT NULL GROUP BY ALL""")
        lemmatised += _add_lemmas(con)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _fts_terms AS
            SELECT f.docid, f.fieldid, l.lemma AS term, sum(f.tf)::INTEGER AS tf
            FROM _fts_forms f JOIN {s}.lemmas l USING (form) GROUP BY ALL""")
        con.execute(f"""
            INSERT INTO {s}.docs
            SELECT {base} + t.rn, t.post_id, coalesce(l.len, 0), coalesce(t.h, 0) FROM _fts_todo t
            LEFT JOIN (SELECT docid, sum(tf) AS len FROM _fts_terms GROUP BY docid) l ON l.docid = {base} + t.rn
            WHERE t.rn > {lo} AND t.rn <= {lo + BATCH_POSTS}""")
        # In docid order: the docid column compresses to runs and the terms of a post sit together
        # (20 MB: the table 8.75 -> 5.25 MiB; bench/bench_size.py).
        con.execute(f"INSERT INTO {s}.terms SELECT * FROM _fts_terms ORDER BY docid, fieldid, term")
    con.execute("DROP TABLE IF EXISTS _fts_terms")
    con.execute("DROP TABLE IF EXISTS _fts_forms")
    return {"indexed": todo, "dropped": dropped, "forms_lemmatised": lemmatised}


if __name__ == "__main__":  # python -m blogetl.warehouse.fts: the lines to paste into the duckdb shell
    print(shell_sql(), end="")
