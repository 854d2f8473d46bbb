"""The warehouse tables as data: names, types and the comments that make the data dictionary."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from blogetl.warehouse.summary import RunCounts


@dataclass(frozen=True)
class Column:
    """One column: its DuckDB type, its comment, and whether loads supply it (staged)."""

    name: str
    type: str
    comment: str
    staged: bool = True


@dataclass(frozen=True)
class Table:
    """One table of the public schema; key is unique, kept so by the loader."""

    name: str
    comment: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        """All column names in order."""
        return [c.name for c in self.columns]

    @property
    def staged(self) -> list[str]:
        """Names of the columns a load supplies."""
        return [c.name for c in self.columns if c.staged]


def _cols(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    """Columns from (name, type, comment) triples."""
    return tuple(Column(*spec) for spec in specs)


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
        ("source_format", "VARCHAR", "text, html, binary or empty"),
        ("page_kind", "VARCHAR", "listing (many posts with bylines), single (one post and its thread), article (other sites) or unknown"),
        ("site", "VARCHAR", "site the page was saved from; null when unknown"),
        ("status", "VARCHAR", "loaded (no rejects), partially_rejected (records and rejects) or rejected (rejects only)"),
        ("posts_found", "INTEGER", "posts the parser found in the dump"),
        ("comments_found", "INTEGER", "comments the parser found in the dump"),
        ("rejects_found", "INTEGER", "pieces of text the parser could not place (see rejects)"),
        ("parser_version", "VARCHAR", "version of the parser that read the dump"),
        ("file_modified_at", "TIMESTAMP", "file modification time (UTC) when loaded: the best available estimate of when the page was scraped"),
        ("profile", "VARCHAR", "site profile the parser read the page with (blogetl.sites); null for empty or binary files"),
        ("mojibake_repaired", "BOOLEAN", "the text was UTF-8 read as cp1252 (Ã¥ for å) and was repaired before parsing"),
    )
    + (
        Column("first_run_id", "INTEGER", "run that first loaded this path (ingest_runs.run_id)", staged=False),
        Column("last_run_id", "INTEGER", "run that loaded the current content; later runs win when sightings disagree", staged=False),
        Column("missing_since_run_id", "INTEGER", "first run that no longer found the file under raw/; null while it is there. "
               "Its posts, comments and rejects stay in the warehouse: nothing is deleted because a file was moved away", staged=False),
    )
    + _cols(("decoded_text", "VARCHAR", "the decoded text every offset of this dump refers to")),
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
    + _cols(("published_dump_id", "VARCHAR", "the dump whose decoded_text published_start_offset and published_end_offset index")),
)

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
        *_POST_FIELDS,
        ("copies", "INTEGER", "times the page shows this text (1; 2 or more when a page repeats a post: the row keeps the first complete copy)"),
        ("body_hash", "VARCHAR", "identity sketch: xxh3 of the body's normalised words (blogetl.identity)"),
        ("body_shingles", "INTEGER", "identity sketch: distinct word 4-grams of the body (a cut-short or excerpt body leaves out its last word)"),
        ("body_sketch", "UBIGINT[]", "identity sketch: the smallest xxh3 hashes of those 4-grams (bottom-k); used while a batch loads, NULL once stored (recomputed from body when needed)"),
        ("body_head", "VARCHAR", "identity sketch: the first characters of the normalised body, to match a cut-short sighting"),
    ),
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
        ("reason", "VARCHAR", "machine-readable reason code (blogetl.models.RejectReason: empty_dump, binary_dump, undecodable, no_structure, text_before_first_post, orphan_comment_text, text_after_page_end, parser_error)"),
        ("detail", "VARCHAR", "human-readable explanation"),
        *_SPAN,
        ("text", "VARCHAR", "the rejected text itself"),
    ),
)

INGEST_RUNS = Table(
    "ingest_runs",
    "One row per ingestion run that reached the end, successful or failed; killed runs leave no trace.",
    ("run_id",),
    _cols(
        ("run_id", "INTEGER", "run number, 1 for the first run"),
        ("started_at", "TIMESTAMP", "when the run started (UTC)"),
        ("finished_at", "TIMESTAMP", "when the run published the warehouse (UTC)"),
        ("status", "VARCHAR", "succeeded or failed"),
        ("error", "VARCHAR", "why a failed run failed; null on success"),
        ("parser_version", "VARCHAR", "version of the parser the run used"),
        *_COUNTS,
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

TABLES = (DUMPS, POSTS, POST_SIGHTINGS, COMMENTS, COMMENT_SIGHTINGS, REJECTS, INGEST_RUNS, POST_REDIRECTS)

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "UBIGINT[]": pa.list_(pa.uint64()),
}


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema of what a load supplies for a table (its staged columns)."""
    return pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in table.columns if c.staged])


def create_sql(table: Table) -> str:
    """CREATE TABLE IF NOT EXISTS for a table.

    Keys are documented, not declared: in DuckDB 1.4 a PRIMARY KEY's index makes the file grow
    by a block at every checkpoint (duckdb/duckdb#19468); the loader keeps keys unique itself.
    """
    return f"CREATE TABLE IF NOT EXISTS {table.name} ({', '.join(f'{c.name} {c.type}' for c in table.columns)})"
