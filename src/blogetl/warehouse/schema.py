"""Every table of the warehouse as data, the dedup stage's too: names, types, keys and the comments
that make the data dictionary.

One key policy for all of them: a table's key is declared here as data (and named in its comment)
but never as a PRIMARY KEY or UNIQUE constraint, because in DuckDB 1.4 a constraint's index makes
the file grow by a block at every checkpoint (duckdb/duckdb#19468).  The writers keep keys unique
(the loader's merge, the dedup stage's delete-and-rewrite, ``upsert`` and ``insert_new`` below)
and the tests check it.  ``blogetl.warehouse.ddl.ensure_schema`` creates and migrates them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from blogetl.warehouse.summary import RunCounts

# Which stage writes a table (and which tables ensure_schema handles for a caller): the loader's
# tables need the warehouse; the dedup stage's need only a posts table, so it runs on any database.
WAREHOUSE = "warehouse"
DEDUP = "dedup"
PARTS = (WAREHOUSE, DEDUP)


@dataclass(frozen=True)
class Column:
    """One column: its DuckDB type, its comment, whether loads supply it (staged), whether it may
    be null, whether it differs between two identical builds (volatile: run times), and the
    compression DuckDB must use for it (LONG_TEXT for long text; None: DuckDB chooses)."""

    name: str
    type: str
    comment: str
    staged: bool = True
    not_null: bool = False
    volatile: bool = False
    compression: str | None = None
    fill: str | None = None  # SQL giving the value of rows an older blogetl wrote, when the column is added
    counted: bool = True  # a change of it alone counts as a row updated (posts_updated); False: it follows file times


@dataclass(frozen=True)
class Table:
    """One table; key is unique (and not null), kept so by its writer, never by a constraint."""

    name: str
    comment: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    part: str = WAREHOUSE
    retired: tuple[str, ...] = ()  # columns an older blogetl stored: dropped by ensure_schema

    @property
    def names(self) -> list[str]:
        """All column names in order."""
        return [c.name for c in self.columns]

    @property
    def staged(self) -> list[str]:
        """Names of the columns a load supplies."""
        return [c.name for c in self.columns if c.staged]


# Long text that is written once and read whole or rarely (the dumps' decoded text, rejected text,
# the dedup stage's shared passages) is stored with ZSTD: in the storage format of v1.4 DuckDB would
# choose it for the decoded text anyway, and it takes a quarter of the bytes of the text
# (bench/bench_size.py).  Bodies are left to DuckDB (dictionary + FSST, about half the bytes): ZSTD
# compresses 2,048 values at a time, so reading one post's body (the dedup stage, the full-text
# index, identity) decompressed thousands (a 1 % run at 100 MB took 20 s instead of 12 s).
LONG_TEXT = "zstd"
_LONG = "VARCHAR LONG"  # the type of a long-text column in the specs below


def _col(name: str, type_: str, comment: str) -> Column:
    """A column from a (name, type, comment) triple; a type ending in NOT NULL makes it required,
    VARCHAR LONG is a VARCHAR stored with LONG_TEXT compression."""
    base, not_null = (type_.removesuffix(" NOT NULL"), True) if type_.endswith(" NOT NULL") else (type_, False)
    if base == _LONG:
        return Column(name, "VARCHAR", comment, not_null=not_null, compression=LONG_TEXT)
    return Column(name, base, comment, not_null=not_null)


def _cols(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    """Columns from (name, type, comment) triples."""
    return tuple(_col(*spec) for spec in specs)


# Offsets everywhere are Python str indices into dumps.decoded_text (0-based, end exclusive);
# DuckDB's substr counts characters the same way, 1-based.
_SPAN = (
    ("start_offset", "INTEGER", "first character in the dump's decoded_text (0-based)"),
    ("end_offset", "INTEGER", "one past the last character; the text is substr(decoded_text, start_offset + 1, end_offset - start_offset)"),
)
_POST_FIELDS = (
    ("site", "VARCHAR", "site the post was published on, e.g. vk.se; null when unknown"),
    ("title", "VARCHAR", "the post's title as shown"),
    ("body", "VARCHAR", "the post's text: paragraphs separated by blank lines, site chrome removed"),
    ("byline_author", "VARCHAR", "author named in the byline; null when the scraper stripped it (usual on VK)"),
    ("byline_date", "VARCHAR", "date in the byline as written; null when stripped"),
    ("comment_count_declared", "INTEGER", "comment count the page's label declares ('6 kommentarer'); null when none"),
    ("reactions", "INTEGER", "reaction counter after the byline; null when none"),
    ("truncated", "BOOLEAN", "the dump ends inside this post, so its text is incomplete"),
    ("title_key", "VARCHAR", "identity key: a hash of the site and the normalised title. Posts sharing it are different texts "
     "under one title (a blog name taken as title, a reused headline); the first text of a key has post_id = title_key"),
    ("title_derived", "BOOLEAN", "the page shows no headline: the title was derived from the body"),
    ("is_excerpt", "BOOLEAN", "a teaser on a listing page, cut off before the article's end"),
    ("published_at", "TIMESTAMP", "publication date (and time when shown) as the page states it, naive local time; null when the page shows none"),
    ("published_text", "VARCHAR", "the publication date as written on the page"),
    ("published_start_offset", "INTEGER", "where published_text starts in the dump's decoded_text (0-based)"),
    ("published_end_offset", "INTEGER", "one past its last character"),
)
_COMMENT_FIELDS = (
    ("post_id", "VARCHAR", "the post the comment belongs to (posts.post_id)"),
    ("parent_id", "VARCHAR", "the comment this one replies to (comments.comment_id); null for top-level comments"),
    ("depth", "INTEGER", "0 for top-level comments, 1 for replies to them, and so on"),
    ("position", "INTEGER", "1-based order of the comment in the thread as shown"),
    ("author", "VARCHAR", "comment author's name as shown"),
    ("is_post_author", "BOOLEAN", "the page marks the author as the post's author ('inläggsförfattare')"),
    ("body", "VARCHAR", "the comment's text"),
    ("truncated", "BOOLEAN", "the dump ends inside this comment"),
)
_COUNTS = tuple((name, "INTEGER", f.description or "") for name, f in RunCounts.model_fields.items())
COUNT_COLUMNS = tuple(name for name, _, _ in _COUNTS)

DUMPS = Table(
    "dumps",
    "One row per dump file ever loaded from raw/, with what the parser made of its latest content.",
    ("dump_id",),
    _cols(
        ("dump_id", "VARCHAR", "stable id of the dump: a hash of its path, kept when the file's content changes"),
        ("path", "VARCHAR", "path of the dump file relative to raw/, forward slashes; unique"),
        ("sha256", "VARCHAR", "sha256 of the file's bytes when last loaded"),
        ("size", "BIGINT", "size of the file in bytes"),
        ("encoding", "VARCHAR", "encoding detected for the bytes; null for empty or binary files"),
        ("source_format", "VARCHAR", "text, html, binary, empty, or link (a symbolic link out of raw/, not read)"),
        ("page_kind", "VARCHAR", "listing (many posts with bylines), single (one post and its thread), article (other sites) or unknown"),
        ("site", "VARCHAR", "site the page was saved from; null when unknown"),
        ("status", "VARCHAR", "loaded (no rejects), partially_rejected (records and rejects) or rejected (rejects only)"),
        ("posts_found", "INTEGER", "posts the parser found in the dump"),
        ("comments_found", "INTEGER", "comments the parser found in the dump"),
        ("rejects_found", "INTEGER", "pieces of text the parser could not place (see rejects)"),
        ("parser_version", "VARCHAR", "version of the parser that read the dump"),
        ("file_modified_at", "TIMESTAMP", "file modification time (UTC) when loaded: the best available estimate of when the page was scraped"),
        ("profile", "VARCHAR", "site profile the parser read the page with (blogetl.parse.sites); null for empty or binary files"),
        ("mojibake_repaired", "BOOLEAN", "the text was UTF-8 read as cp1252 (Ã¥ for å) and was repaired before parsing"),
    )
    + (
        Column("first_run_id", "INTEGER", "run that first loaded this path (ingest_runs.run_id)", staged=False),
        Column("last_run_id", "INTEGER", "run that loaded the current content; later runs win when sightings disagree", staged=False),
        Column("missing_since_run_id", "INTEGER", "first run that no longer found the file under raw/; null while it is there. "
               "Its posts, comments and rejects stay in the warehouse: nothing is deleted because a file was moved away", staged=False),
    )
    + _cols(("decoded_text", _LONG, "the decoded text every offset of this dump refers to")),
)

POSTS = Table(
    "posts",
    "One row per distinct post (one text: sightings join a post when they show its text, edited, cut short or as an "
    "excerpt), merged from all its sightings: text, title and flags from the latest complete sighting, the publication "
    "date from the best sighting showing one, byline, declared comments and reactions from the latest listing page "
    "that shows them. Ids that changed are in post_redirects.",
    ("post_id",),
    _cols(("post_id", "VARCHAR", "stable id: title_key for the first text seen under a title key, a hash of title_key and that "
                                 "text's first body otherwise; the same on every page showing the text"))
    + _cols(*_POST_FIELDS)
    + _cols(("published_dump_id", "VARCHAR", "the dump whose decoded_text published_start_offset and published_end_offset index"))
    + (Column("first_seen_at", "TIMESTAMP", "earliest modification time of a dump holding the post (about when it was "
              "first scraped): breaks ties between equally full versions",
              fill="(SELECT min(d.file_modified_at) FROM post_sightings ps JOIN dumps d USING (dump_id) "
                   "WHERE ps.post_id = posts.post_id)", counted=False),
       Column("text_hash", "UBIGINT", "DuckDB hash() of title and body: the search index and the dedup stage compare it to "
              "find the posts whose text changed without reading every body", fill="hash(title, body)", counted=False)),
)

# A sighting's text is stored only where it differs from its post's (an earlier version, an excerpt, a
# page cut short): most sightings show the post's current text, which posts.body holds already.
_SIGHTING_BODY = ("body", "VARCHAR", "the post's text as this dump showed it; null when that is the post's current text "
                  "(posts.body), so each text is stored once. v_post_sightings gives it in every row")

POST_SIGHTINGS = Table(
    "post_sightings",
    "One row per post and dump it was seen in, with the values that dump showed; posts merges them.",
    ("post_id", "dump_id"),
    _cols(
        ("post_id", "VARCHAR", "the post seen (posts.post_id)"),
        ("dump_id", "VARCHAR", "the dump it was seen in (dumps.dump_id)"),
        ("page_kind", "VARCHAR", "kind of page it was seen on: listing, single or article"),
        ("position", "INTEGER", "1-based position of the post on that page"),
        *_SPAN,
        *(_SIGHTING_BODY if spec[0] == "body" else spec for spec in _POST_FIELDS),
        ("copies", "INTEGER", "times the page shows this text (1; 2 or more when a page repeats a post: the row keeps the first complete copy)"),
    ),
    # The identity sketch (blogetl.parse.identity) is neither stored nor staged: a sighting is sketched
    # from its text when identity compares it, which most sightings never need.
    retired=("body_hash", "body_shingles", "body_sketch", "body_head"),
)

COMMENTS = Table(
    "comments",
    "One row per comment, from the thread of the post's latest single-page sighting.",
    ("comment_id",),
    _cols(("comment_id", "VARCHAR", "stable id: a hash of the post, the parent, the author and the text"), *_COMMENT_FIELDS),
)

COMMENT_SIGHTINGS = Table(
    "comment_sightings",
    "One row per comment and dump it was seen in, with offsets; comments keeps one thread per post.",
    ("comment_id", "dump_id"),
    _cols(
        ("comment_id", "VARCHAR", "the comment seen (comments.comment_id)"),
        ("dump_id", "VARCHAR", "the dump it was seen in (dumps.dump_id)"),
        *_COMMENT_FIELDS,
        *_SPAN,
    ),
)

REJECTS = Table(
    "rejects",
    "Every piece of input the parser could not place, with its dump, offsets, reason and text.",
    ("reject_id",),
    _cols(
        ("reject_id", "VARCHAR", "stable id: a hash of the dump, the offsets and the reason"),
        ("dump_id", "VARCHAR", "the dump the text comes from (dumps.dump_id)"),
        ("reason", "VARCHAR", "machine-readable reason code (blogetl.models.RejectReason: empty_dump, binary_dump, undecodable, no_structure, text_before_first_post, orphan_comment_text, text_after_page_end, parser_error, value_out_of_range, link_outside_raw)"),
        ("detail", "VARCHAR", "human-readable explanation"),
        *_SPAN,
        ("text", _LONG, "the rejected text itself"),
    ),
)

# How many dumps needing a look a run names in ingest_runs.not_loaded (dumps_not_loaded counts them all).
NOT_LOADED_KEPT = 100

INGEST_RUNS = Table(
    "ingest_runs",
    "One row per ingestion run that reached the end, successful, incomplete or failed; killed runs, and runs that "
    "could not take the writer lock, leave no trace. status agrees with the exit code of blogetl ingest (0 succeeded, "
    "1 incomplete, 3 failed) and the Prefect flow run's final state.",
    ("run_id",),
    _cols(("run_id", "INTEGER", "run number, 1 for the first run"))
    + (
        Column("started_at", "TIMESTAMP", "when the run started (UTC)", volatile=True),
        Column("finished_at", "TIMESTAMP", "when the run published the warehouse (UTC)", volatile=True),
    )
    + _cols(
        ("status", "VARCHAR", "succeeded: every dump under raw/ is loaded or acknowledged (dump_acks); incomplete: published, "
         "but dumps_not_loaded dumps need a look (not_loaded names them); failed: the run stopped, nothing but this row "
         "was published (error says why)"),
        ("error", "VARCHAR", "why a failed run failed; null otherwise"),
        ("parser_version", "VARCHAR", "version of the parser the run used"),
        *_COUNTS,
        ("not_loaded", "STRUCT(path VARCHAR, why VARCHAR)[]", f"the dumps that need a look, by path (the first {NOT_LOADED_KEPT}): "
         "path under raw/ and why (cannot be read, parse failed, rejected by the parser); empty when none"),
    ),
)

DUMP_ACKS = Table(
    "dump_acks",
    "Dumps an operator acknowledged (blogetl ack PATH --reason ...): while a dump keeps the bytes it was acknowledged with "
    "(or stays unreadable), runs report it as acknowledged instead of failing on it. Changed bytes that still do not load "
    "need a look again; blogetl ack PATH --remove withdraws an acknowledgement.",
    ("path",),
    (
        Column("path", "VARCHAR", "the dump's path under raw/ (dumps.path)", staged=False),
        Column("sha256", "VARCHAR", "sha256 of the bytes acknowledged; null: acknowledged while the file could not be read", staged=False),
        Column("reason", "VARCHAR", "why the operator accepts the dump as it is", staged=False),
        Column("acknowledged_at", "TIMESTAMP", "when it was acknowledged (UTC)", staged=False, volatile=True),
        Column("acknowledged_by", "VARCHAR", "the operating-system user who acknowledged it", staged=False),
    ),
)

POST_REDIRECTS = Table(
    "post_redirects",
    "Post ids that changed and where their text went: a post found to hold two texts (split), or a page read under another "
    "title or site (rekeyed). Follow new_post_id (one hop; an old id can lead to several posts).",
    ("old_post_id", "new_post_id"),
    (
        Column("old_post_id", "VARCHAR", "the id the text had", staged=False),
        Column("new_post_id", "VARCHAR", "the post holding that text now (posts.post_id)", staged=False),
        Column("run_id", "INTEGER", "run that changed the id (ingest_runs.run_id)", staged=False),
        Column("reason", "VARCHAR", "split: the old post held more than one text and this one got its own id (old_post_id may still "
               "name another text); rekeyed: the page is now read with another title or site", staged=False),
    ),
)

# --- the dedup stage's tables (blogetl.dedup) ---------------------------------------------------
# Analyst-facing: outlets, articles, article_members, article_redirects, post_pairs,
# passage_matches, post_outlets (and the v_articles view); internal state has the dedup_ prefix.


def _dedup(name: str, comment: str, key: tuple[str, ...], *specs: tuple[str, str, str]) -> Table:
    """A table the dedup stage writes."""
    return Table(name, comment, key, _cols(*specs), part=DEDUP)


OUTLETS = _dedup(
    "outlets",
    "Newspapers, magazines and sites that publish articles. Editable: add outlets or aliases; the next dedup run re-reads "
    "them. Seeded once with VK, Folkbladet, Offentliga Affärer, Expressen and a few others.",
    ("outlet_id",),
    ("outlet_id", "VARCHAR NOT NULL", "stable short id, e.g. vk, folkbladet, offentliga-affarer"),
    ("name", "VARCHAR NOT NULL", "display name"),
    ("aliases", "VARCHAR[] NOT NULL", "every name it goes by; an alias with a dot and no space is a domain matched against the dump's site"),
    ("kind", "VARCHAR", "newspaper, trade press, ..."),
)

ARTICLES = _dedup(
    "articles",
    "One row per article: a text published once or several times (versions in several outlets, re-scrapes, reports quoting "
    "it). Every post belongs to exactly one article; most have one member.",
    ("article_id",),
    ("article_id", "VARCHAR NOT NULL", "stable id: kept when versions join, the older id survives a merge (see article_redirects); never a component number"),
    ("canonical_post_id", "VARCHAR NOT NULL", "the fullest version (most words; ties: first seen, then post_id)"),
    ("title", "VARCHAR", "title of the canonical post"),
    ("members", "INTEGER NOT NULL", "posts in the article"),
    ("versions", "INTEGER NOT NULL", "members with relation version (distinct texts)"),
    ("duplicates", "INTEGER NOT NULL", "members with relation duplicate (re-scrapes of a version)"),
    ("quotes", "INTEGER NOT NULL", "members with relation quote (reports quoting it)"),
    ("created_run", "INTEGER NOT NULL", "dedup run that first created this id (smaller = older)"),
    ("changed_run", "INTEGER NOT NULL", "last dedup run that changed its membership or canonical post"),
)

ARTICLE_MEMBERS = _dedup(
    "article_members",
    "Which article each post belongs to, how (relation), where that copy was published (outlet, with evidence) and how "
    "similar it is to the member it matched best.",
    ("post_id",),
    ("article_id", "VARCHAR NOT NULL", "articles.article_id"),
    ("post_id", "VARCHAR NOT NULL", "posts.post_id; each post appears exactly once"),
    ("relation", "VARCHAR NOT NULL", "version: a distinct text of the article (a single post is its only version); duplicate: "
     "the same text as another member (re-scrape); quote: a report quoting or reproducing parts of it; excerpt: a listing's "
     "teaser of it (posts.is_excerpt)"),
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
)

ARTICLE_REDIRECTS = _dedup(
    "article_redirects",
    "Article ids that no longer exist and the article they were merged into; follow article_id to find it (always one hop).",
    ("old_article_id",),
    ("old_article_id", "VARCHAR NOT NULL", "an id that was merged away"),
    ("article_id", "VARCHAR NOT NULL", "the surviving article"),
    ("run_no", "INTEGER NOT NULL", "dedup run that merged it"),
    ("reason", "VARCHAR NOT NULL", "merged: joined an older article"),
)

POST_PAIRS = _dedup(
    "post_pairs",
    "Every verified pair of posts that share at least one aligned passage, with the relation it was classified as (an "
    "unverified candidate is never stored). Only duplicate and version join articles; quote and excerpt attach a single "
    "post; shared (a reused paragraph) never groups.",
    ("post_a", "post_b"),
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
)

PASSAGE_MATCHES = _dedup(
    "passage_matches",
    "The shared passages of each verified pair, with character ranges in both bodies, so every grouping can be audited: "
    "substr(body, start + 1, end - start).",
    ("post_a", "post_b", "passage_no"),
    ("post_a", "VARCHAR NOT NULL", "post_pairs.post_a"),
    ("post_b", "VARCHAR NOT NULL", "post_pairs.post_b"),
    ("passage_no", "INTEGER NOT NULL", "1-based, in post_b's order"),
    ("a_start", "INTEGER NOT NULL", "character offset in post_a's body (0-based)"),
    ("a_end", "INTEGER NOT NULL", "one past the passage's last character in post_a"),
    ("b_start", "INTEGER NOT NULL", "character offset in post_b's body"),
    ("b_end", "INTEGER NOT NULL", "one past the passage's last character in post_b"),
    ("matched_words", "INTEGER NOT NULL", "identical words in the passage (small edits inside are bridged)"),
    ("shared_text", _LONG + " NOT NULL", "the passage as it reads in post_a"),
)

POST_OUTLETS = _dedup(
    "post_outlets",
    "Every outlet a post names for itself, with the evidence; article_members shows the best one.",
    ("post_id", "outlet_id"),
    ("post_id", "VARCHAR NOT NULL", "posts.post_id"),
    ("outlet_id", "VARCHAR NOT NULL", "outlets.outlet_id"),
    ("rank", "INTEGER NOT NULL", "1 = first mentioned"),
    ("source", "VARCHAR NOT NULL", "text, site or self (see article_members.outlet_source)"),
    ("phrase", "VARCHAR NOT NULL", "the phrase or site"),
    ("start_offset", "INTEGER", "character offset of the phrase in posts.body; null for site"),
    ("end_offset", "INTEGER", "one past the phrase"),
)

DEDUP_DOCS = _dedup(
    "dedup_docs",
    "Internal: posts the dedup stage has fingerprinted, with the content hash that decides whether a post must be redone.",
    ("post_id",),
    ("post_id", "VARCHAR NOT NULL", "posts.post_id"),
    ("content_md5", "VARCHAR NOT NULL", "DuckDB hash() of body and site when fingerprinted, as text (md5 in older warehouses, whose posts are fingerprinted again once; the name stays)"),
    ("words", "INTEGER NOT NULL", "words in the body"),
    ("fingerprints", "INTEGER NOT NULL", "sampled n-grams stored"),
)

DEDUP_LINES = _dedup(
    "dedup_lines",
    "Internal: the key of every line holding words, per post; counting posts per key finds boilerplate.",
    ("post_id", "line_no"),
    ("post_id", "VARCHAR NOT NULL", "posts.post_id"),
    ("line_no", "INTEGER NOT NULL", "0-based line of the body"),
    ("line_key", "UBIGINT NOT NULL", "xxh3_64 over the line's word hashes"),
    ("words", "INTEGER NOT NULL", "words on the line"),
)

DEDUP_FINGERPRINTS = _dedup(
    "dedup_fingerprints",
    "Internal: sampled word n-gram fingerprints of every post, kept so new posts are compared against them instead of all "
    "pairs again.",
    ("post_id", "pos"),
    ("post_id", "VARCHAR NOT NULL", "posts.post_id"),
    ("fp", "UBIGINT NOT NULL", "n-gram hash (blogetl.dedup.fingerprint: stable across versions)"),
    ("pos", "INTEGER NOT NULL", "word position of the n-gram in the body"),
    ("line_key", "UBIGINT NOT NULL", "key of its line, to mask boilerplate at query time"),
)

DEDUP_BOILERPLATE = _dedup(
    "dedup_boilerplate",
    "Lines masked as boilerplate (signatures, sign-offs, missed chrome): they recur in many posts and never count as shared text.",
    ("line_key",),
    ("line_key", "UBIGINT NOT NULL", "dedup_lines.line_key"),
    ("posts", "INTEGER NOT NULL", "posts containing the line"),
    ("words", "INTEGER NOT NULL", "words on the line"),
    ("example", "VARCHAR", "the line as it reads in one post"),
)

DEDUP_STATE = _dedup(
    "dedup_state",
    "Internal: settings digest, outlets digest, run counter.",
    ("key",),
    ("key", "VARCHAR NOT NULL", "setting name"),
    ("value", "VARCHAR", "its value"),
)

DEDUP_RUNS = Table(
    "dedup_runs",
    "One row per dedup run that changed something, with its summary.",
    ("run_no",),
    (
        Column("run_no", "INTEGER", "1, 2, ...", not_null=True),
        Column("started_at", "TIMESTAMP", "UTC start", not_null=True, volatile=True),
        Column("seconds", "DOUBLE", "wall time", not_null=True, volatile=True),
        Column("summary", "JSON", "counts and timings as returned by blogetl.dedup.run", not_null=True, volatile=True),
    ),
    part=DEDUP,
)

WAREHOUSE_TABLES = (DUMPS, POSTS, POST_SIGHTINGS, COMMENTS, COMMENT_SIGHTINGS, REJECTS, INGEST_RUNS, POST_REDIRECTS, DUMP_ACKS)
DEDUP_TABLES = (OUTLETS, ARTICLES, ARTICLE_MEMBERS, ARTICLE_REDIRECTS, POST_PAIRS, PASSAGE_MATCHES, POST_OUTLETS,
                DEDUP_DOCS, DEDUP_LINES, DEDUP_FINGERPRINTS, DEDUP_BOILERPLATE, DEDUP_STATE, DEDUP_RUNS)
TABLES = WAREHOUSE_TABLES + DEDUP_TABLES

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "UBIGINT[]": pa.list_(pa.uint64()),
}


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema of what a load supplies for a table: its staged columns."""
    return pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in table.columns if c.staged])


def tables(*parts: str) -> tuple[Table, ...]:
    """The tables of the given parts (all when none is named), in declaration order."""
    return tuple(t for t in TABLES if not parts or t.part in parts)


def column_sql(column: Column, *, compress: bool = True, not_null: bool | None = None) -> str:
    """A column's definition: type, its compression (when compress: the database's storage must
    support it, see blogetl.warehouse.storage) and NOT NULL (the column's own unless not_null says)."""
    using = f" USING COMPRESSION {column.compression}" if compress and column.compression else ""
    required = column.not_null if not_null is None else not_null
    return f"{column.name} {column.type}{using}{' NOT NULL' if required else ''}"


def create_sql(table: Table, *, compress: bool = True) -> str:
    """CREATE TABLE IF NOT EXISTS for a table: columns, compression and NOT NULL, never a key
    constraint (see the module doc)."""
    cols = ", ".join(column_sql(c, compress=compress) for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {table.name} ({cols})"


def _key_match(table: Table, left: str, right: str) -> str:
    """The join condition of two aliases on the table's key."""
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in table.key)


def _merge_source(row: Mapping[str, Any]) -> str:
    """A one-row source relation for MERGE, its values bound as parameters in row order."""
    return "(SELECT " + ", ".join(f"? AS {name}" for name in row) + ") AS s"


def upsert(con: duckdb.DuckDBPyConnection, table: Table, row: Mapping[str, Any]) -> None:
    """Write one row, replacing the row holding its key (what INSERT OR REPLACE did with a PRIMARY KEY).

    One MERGE statement, so it is atomic on its own; row names the key and any other columns.
    """
    rest = [name for name in row if name not in table.key]
    update = f"WHEN MATCHED THEN UPDATE SET {', '.join(f'{n} = s.{n}' for n in rest)} " if rest else ""
    con.execute(f"MERGE INTO {table.name} t USING {_merge_source(row)} ON {_key_match(table, 't', 's')} "
                f"{update}WHEN NOT MATCHED THEN INSERT BY NAME", list(row.values()))


def insert_new(con: duckdb.DuckDBPyConnection, table: Table, row: Mapping[str, Any]) -> None:
    """Write one row unless a row holding its key exists (what INSERT OR IGNORE did with a PRIMARY KEY)."""
    con.execute(f"MERGE INTO {table.name} t USING {_merge_source(row)} ON {_key_match(table, 't', 's')} "
                "WHEN NOT MATCHED THEN INSERT BY NAME", list(row.values()))
