"""The dedup tables and the v_articles view, declared as data, created idempotently.

Analyst-facing: ``outlets``, ``articles``, ``article_members``, ``article_redirects``,
``passage_matches``, ``post_pairs``, ``post_outlets`` and ``v_articles``.  Internal state for
incremental runs has the ``dedup_`` prefix.  Every table, view and column is commented.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Table:
    """One table: name, comment, and (column, type, comment) triples."""

    name: str
    comment: str
    columns: tuple[tuple[str, str, str], ...]
    key: tuple[str, ...] = ()


TABLES: tuple[Table, ...] = (
    Table("outlets", "Newspapers, magazines and sites that publish articles. Editable: add outlets or aliases; the next dedup run re-reads them. Seeded once with VK, Folkbladet, Offentliga Affärer, Expressen and a few others.", (
        ("outlet_id", "VARCHAR", "stable short id, e.g. vk, folkbladet, offentliga-affarer"),
        ("name", "VARCHAR NOT NULL", "display name"),
        ("aliases", "VARCHAR[] NOT NULL", "every name it goes by; an alias with a dot and no space is a domain matched against the dump's site"),
        ("kind", "VARCHAR", "newspaper, trade press, ..."),
    ), ("outlet_id",)),
    Table("articles", "One row per article: a text published once or several times (versions in several outlets, re-scrapes, reports quoting it). Every post belongs to exactly one article; most have one member.", (
        ("article_id", "VARCHAR", "stable id: kept when versions join, the older id survives a merge (see article_redirects); never a component number"),
        ("canonical_post_id", "VARCHAR NOT NULL", "the fullest version (most words; ties: first seen, then post_id)"),
        ("title", "VARCHAR", "title of the canonical post"),
        ("members", "INTEGER NOT NULL", "posts in the article"),
        ("versions", "INTEGER NOT NULL", "members with relation version (distinct texts)"),
        ("duplicates", "INTEGER NOT NULL", "members with relation duplicate (re-scrapes of a version)"),
        ("quotes", "INTEGER NOT NULL", "members with relation quote (reports quoting it)"),
        ("created_run", "INTEGER NOT NULL", "dedup run that first created this id (smaller = older)"),
        ("changed_run", "INTEGER NOT NULL", "last dedup run that changed its membership or canonical post"),
    ), ("article_id",)),
    Table("article_members", "Which article each post belongs to, how (relation), where that copy was published (outlet, with evidence) and how similar it is to the member it matched best.", (
        ("article_id", "VARCHAR NOT NULL", "articles.article_id"),
        ("post_id", "VARCHAR NOT NULL", "posts.post_id; each post appears exactly once"),
        ("relation", "VARCHAR NOT NULL", "version: a distinct text of the article (a single post is its only version); duplicate: the same text as another member (re-scrape); quote: a report quoting or reproducing parts of it; excerpt: a listing's teaser of it (posts.is_excerpt)"),
        ("is_canonical", "BOOLEAN NOT NULL", "true for the article's canonical post"),
        ("outlet_id", "VARCHAR", "where this copy was published (first of outlet_ids); null when nothing says"),
        ("outlet_ids", "VARCHAR[] NOT NULL", "all outlets this copy names for itself (a post printed in two papers names both)"),
        ("outlet_source", "VARCHAR", "evidence kind for outlet_id: text (the post says so), site (the dump's site), self (a news page naming its own paper)"),
        ("outlet_evidence", "VARCHAR", "the phrase (or site) that names the outlet"),
        ("outlet_evidence_start", "INTEGER", "character offset of the phrase in posts.body"),
        ("outlet_evidence_end", "INTEGER", "one past its last character"),
        ("matched_post_id", "VARCHAR", "the other member this post shares most text with (null for a single-member article)"),
        ("matched_relation", "VARCHAR", "relation of that pair (post_pairs.relation)"),
        ("coverage_self", "DOUBLE", "share of this post's words (boilerplate excluded) found in matched_post_id"),
        ("coverage_other", "DOUBLE", "share of matched_post_id's words found in this post"),
        ("matched_words", "INTEGER", "identical words in the shared passages"),
        ("passages", "INTEGER", "separate shared passages (see passage_matches)"),
    ), ("post_id",)),
    Table("article_redirects", "Article ids that no longer exist and the article they were merged into; follow article_id to find it (always one hop).", (
        ("old_article_id", "VARCHAR", "an id that was merged away"),
        ("article_id", "VARCHAR NOT NULL", "the surviving article"),
        ("run_no", "INTEGER NOT NULL", "dedup run that merged it"),
        ("reason", "VARCHAR NOT NULL", "merged: joined an older article"),
    ), ("old_article_id",)),
    Table("post_pairs", "Every verified pair of posts that share at least one aligned passage, with the relation it was classified as (an unverified candidate is never stored). Only duplicate and version join articles; quote and excerpt attach a single post; shared (a reused paragraph) never groups.", (
        ("post_a", "VARCHAR NOT NULL", "the smaller post_id"),
        ("post_b", "VARCHAR NOT NULL", "the larger post_id"),
        ("relation", "VARCHAR NOT NULL", "duplicate, version, quote, excerpt or shared (thresholds in blogetl.dedup.config)"),
        ("quoter_post_id", "VARCHAR", "for quote: the post reproducing the other; for excerpt: the teaser"),
        ("coverage_a", "DOUBLE NOT NULL", "share of post_a's words (boilerplate excluded) in shared passages"),
        ("coverage_b", "DOUBLE NOT NULL", "share of post_b's words in shared passages"),
        ("matched_words", "INTEGER NOT NULL", "identical words in shared passages"),
        ("passages", "INTEGER NOT NULL", "separate passages"),
        ("longest_passage", "INTEGER NOT NULL", "matched words of the longest passage"),
        ("shared_fingerprints", "INTEGER NOT NULL", "sampled n-gram fingerprints the candidate join found in common"),
    ), ("post_a", "post_b")),
    Table("passage_matches", "The shared passages of each verified pair, with character ranges in both bodies, so every grouping can be audited: substr(body, start + 1, end - start).", (
        ("post_a", "VARCHAR NOT NULL", "post_pairs.post_a"),
        ("post_b", "VARCHAR NOT NULL", "post_pairs.post_b"),
        ("passage_no", "INTEGER NOT NULL", "1-based, in post_b's order"),
        ("a_start", "INTEGER NOT NULL", "character offset in post_a's body (0-based)"),
        ("a_end", "INTEGER NOT NULL", "one past the passage's last character in post_a"),
        ("b_start", "INTEGER NOT NULL", "character offset in post_b's body"),
        ("b_end", "INTEGER NOT NULL", "one past the passage's last character in post_b"),
        ("matched_words", "INTEGER NOT NULL", "identical words in the passage (small edits inside are bridged)"),
        ("shared_text", "VARCHAR NOT NULL", "the passage as it reads in post_a"),
    ), ("post_a", "post_b", "passage_no")),
    Table("post_outlets", "Every outlet a post names for itself, with the evidence; article_members shows the best one.", (
        ("post_id", "VARCHAR NOT NULL", "posts.post_id"),
        ("outlet_id", "VARCHAR NOT NULL", "outlets.outlet_id"),
        ("rank", "INTEGER NOT NULL", "1 = first mentioned"),
        ("source", "VARCHAR NOT NULL", "text, site or self (see article_members.outlet_source)"),
        ("phrase", "VARCHAR NOT NULL", "the phrase or site"),
        ("start_offset", "INTEGER", "character offset of the phrase in posts.body; null for site"),
        ("end_offset", "INTEGER", "one past the phrase"),
    ), ("post_id", "outlet_id")),
    Table("dedup_docs", "Internal: posts the dedup stage has fingerprinted, with the content hash that decides whether a post must be redone.", (
        ("post_id", "VARCHAR", "posts.post_id"),
        ("content_md5", "VARCHAR NOT NULL", "md5 of body and site when fingerprinted"),
        ("words", "INTEGER NOT NULL", "words in the body"),
        ("fingerprints", "INTEGER NOT NULL", "sampled n-grams stored"),
    ), ("post_id",)),
    Table("dedup_lines", "Internal: the key of every line holding words, per post; counting posts per key finds boilerplate.", (
        ("post_id", "VARCHAR NOT NULL", "posts.post_id"),
        ("line_no", "INTEGER NOT NULL", "0-based line of the body"),
        ("line_key", "UBIGINT NOT NULL", "xxh3_64 over the line's word hashes"),
        ("words", "INTEGER NOT NULL", "words on the line"),
    ), ()),
    Table("dedup_fingerprints", "Internal: sampled word n-gram fingerprints of every post, kept so new posts are compared against them instead of all pairs again.", (
        ("post_id", "VARCHAR NOT NULL", "posts.post_id"),
        ("fp", "UBIGINT NOT NULL", "n-gram hash (blogetl.dedup.fingerprint: stable across versions)"),
        ("pos", "INTEGER NOT NULL", "word position of the n-gram in the body"),
        ("line_key", "UBIGINT NOT NULL", "key of its line, to mask boilerplate at query time"),
    ), ()),
    Table("dedup_boilerplate", "Lines masked as boilerplate (signatures, sign-offs, missed chrome): they recur in many posts and never count as shared text.", (
        ("line_key", "UBIGINT", "dedup_lines.line_key"),
        ("posts", "INTEGER NOT NULL", "posts containing the line"),
        ("words", "INTEGER NOT NULL", "words on the line"),
        ("example", "VARCHAR", "the line as it reads in one post"),
    ), ("line_key",)),
    Table("dedup_state", "Internal: settings digest, outlets digest, run counter.", (
        ("key", "VARCHAR", "setting name"),
        ("value", "VARCHAR", "its value"),
    ), ("key",)),
    Table("dedup_runs", "One row per dedup run that changed something, with its summary.", (
        ("run_no", "INTEGER", "1, 2, ..."),
        ("started_at", "TIMESTAMP NOT NULL", "UTC start"),
        ("seconds", "DOUBLE NOT NULL", "wall time"),
        ("summary", "JSON NOT NULL", "counts and timings as returned by blogetl.dedup.run"),
    ), ("run_no",)),
)

V_ARTICLES = """
CREATE OR REPLACE VIEW v_articles AS
WITH m AS (
    SELECT am.*, o.name AS outlet_name, p.title AS post_title
    FROM article_members am
    LEFT JOIN outlets o USING (outlet_id)
    LEFT JOIN posts p USING (post_id)
), names AS (
    SELECT am.article_id, am.relation, o.name
    FROM article_members am, unnest(am.outlet_ids) AS u(outlet_id)
    JOIN outlets o ON o.outlet_id = u.outlet_id
)
SELECT
    a.article_id,
    a.title,
    a.canonical_post_id,
    a.members,
    a.versions,
    a.duplicates,
    a.quotes,
    coalesce((SELECT list(DISTINCT n.name ORDER BY n.name) FROM names n
              WHERE n.article_id = a.article_id AND n.relation <> 'quote'), []) AS outlets,
    coalesce((SELECT list(DISTINCT n.name ORDER BY n.name) FROM names n
              WHERE n.article_id = a.article_id AND n.relation = 'quote'), []) AS quoted_in,
    (SELECT list({'post_id': m.post_id, 'relation': m.relation, 'title': m.post_title,
                  'outlet': m.outlet_name, 'outlet_source': m.outlet_source}
                 ORDER BY m.is_canonical DESC, CASE m.relation WHEN 'version' THEN 0 WHEN 'duplicate' THEN 1 ELSE 2 END,
                          m.post_id)
     FROM m WHERE m.article_id = a.article_id) AS copies
FROM articles a
"""
V_ARTICLES_COMMENT = (
    "One row per article, dedup-aware: an op-ed printed in two papers and blogged twice counts "
    "once. outlets: where its versions ran; quoted_in: outlets of reports quoting it; copies: "
    "every member post with its relation and outlet."
)


def _sql_str(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def schema_sql() -> str:
    """The whole DDL script: tables, comments, view."""
    out: list[str] = []
    for t in TABLES:
        cols = [f"{name} {kind}" for name, kind, _ in t.columns]
        if t.key:
            cols.append(f"PRIMARY KEY ({', '.join(t.key)})")
        out.append(f"CREATE TABLE IF NOT EXISTS {t.name} ({', '.join(cols)})")
        out.append(f"COMMENT ON TABLE {t.name} IS {_sql_str(t.comment)}")
        out.extend(f"COMMENT ON COLUMN {t.name}.{name} IS {_sql_str(comment)}" for name, _, comment in t.columns)
    out.append(V_ARTICLES.strip())
    out.append(f"COMMENT ON VIEW v_articles IS {_sql_str(V_ARTICLES_COMMENT)}")
    return ";\n".join(out) + ";"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, the view and all comments; safe to call on every run."""
    con.execute(schema_sql())
