"""Loading a batch of parsed dumps: replace each dump's old contribution, then re-merge its posts and comments."""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass

import duckdb

from blogetl.warehouse import changes
from blogetl.warehouse._sql import column_list, fetch_rows, transaction
from blogetl.warehouse.arrow import STAGED_TABLES, DumpTables
from blogetl.warehouse.resolve import record_redirects, resolve_batch
from blogetl.warehouse.schema import COMMENTS, POST_SIGHTINGS, POSTS, Table

# Which sighting wins: the dump loaded by the latest run, ties broken by path.
_SIGHTINGS = """
    s AS (
        SELECT ps.*, (d.last_run_id, d.path) AS recency, d.file_modified_at AS seen_at
        FROM {sightings} ps JOIN dumps d USING (dump_id)
        WHERE ps.post_id IN (SELECT post_id FROM _affected)
    )"""
# Text and flags from the latest complete sighting (not cut short, not an excerpt); the date
# from the best sighting showing one; these from the latest listing page that shows them.
_TEXT_FIELDS = ("title", "body", "truncated", "title_key", "title_derived", "is_excerpt")
_DATE_FIELDS = ("published_at", "published_text", "published_start_offset", "published_end_offset", "published_dump_id")
_LISTING_FIELDS = ("byline_author", "byline_date", "comment_count_declared", "reactions")
_BEST = "(NOT truncated AND NOT coalesce(is_excerpt, false), recency)"
_TEXT_HASH = "hash(txt.title, txt.body)"  # posts.text_hash, as its Column.fill computes it


def _struct(fields: tuple[str, ...], source: dict[str, str] | None = None) -> str:
    """A struct literal of columns, some taken from other expressions."""
    return "{" + ", ".join(f"'{f}': {(source or {}).get(f, f)}" for f in fields) + "}"


_TODO = "SELECT dump_id FROM _batch WHERE state <> 'unchanged'"
_IN_TODO = f"dump_id IN ({_TODO})"

# A post sighting's text is stored only where it is not its post's current text (null: posts.body).
# Posts merge from every sighting of the affected posts as it will be after the batch, each with its
# text: the stored ones of other dumps (_stored_sightings: a null read as the post's text before the
# batch) and the batch's own.
_STORED_SIGHTINGS = f"""
    CREATE OR REPLACE TEMP TABLE _stored_sightings AS
    SELECT ps.* REPLACE (coalesce(ps.body, p.body) AS body)
    FROM post_sightings ps LEFT JOIN _posts_before p USING (post_id)
    WHERE ps.post_id IN (SELECT post_id FROM _affected) AND ps.dump_id NOT IN ({_TODO})"""
_SIGHTINGS_AFTER = f"""(
    SELECT * FROM _stored_sightings
    UNION ALL BY NAME SELECT * FROM _in_post_sightings WHERE {_IN_TODO})"""

MERGED_POSTS = f"""
    WITH {_SIGHTINGS.format(sightings=_SIGHTINGS_AFTER)}, merged AS (
        SELECT post_id,
               arg_max(site, recency) FILTER (WHERE site IS NOT NULL) AS site,
               arg_max({_struct(_TEXT_FIELDS)}, {_BEST}) AS txt,
               arg_max({_struct(_DATE_FIELDS, {"published_dump_id": "dump_id"})}, {_BEST})
                   FILTER (WHERE published_at IS NOT NULL OR published_text IS NOT NULL) AS pub,
               {", ".join(f"arg_max({f}, (page_kind = 'listing', recency)) FILTER (WHERE {f} IS NOT NULL) AS {f}" for f in _LISTING_FIELDS)},
               min(seen_at) AS first_seen_at
        FROM s GROUP BY post_id
    )
    SELECT {", ".join(f"txt.{c} AS {c}" if c in _TEXT_FIELDS else f"pub.{c} AS {c}" if c in _DATE_FIELDS
                      else f"{_TEXT_HASH} AS {c}" if c == "text_hash" else c
                      for c in POSTS.names)} FROM merged"""

# The thread comes from the latest complete sighting on a single page (or any page that showed comments).
MERGED_COMMENTS = f"""
    WITH {_SIGHTINGS.format(sightings="post_sightings")}, source AS (
        SELECT post_id, arg_max(dump_id, (NOT truncated, recency)) AS dump_id
        FROM s
        WHERE page_kind = 'single'
           OR EXISTS (SELECT 1 FROM comment_sightings c WHERE c.post_id = s.post_id AND c.dump_id = s.dump_id)
        GROUP BY post_id
    )
    SELECT {column_list(COMMENTS.names, "c.")} FROM comment_sightings c JOIN source USING (post_id, dump_id)"""

# The batch's sightings, once posts are merged.
_ADD_SIGHTINGS = f"""
    INSERT INTO post_sightings BY NAME
    SELECT i.* REPLACE (CASE WHEN i.body = m.body THEN NULL ELSE i.body END AS body)
    FROM _in_post_sightings i LEFT JOIN _merged m USING (post_id) WHERE i.{_IN_TODO}"""
# The stored sightings of other dumps whose post's text changed: the text they showed is kept where it
# no longer is the post's, and dropped where it now is.
_RESTORE_SIGHTINGS = """
    UPDATE post_sightings ps SET body = CASE WHEN f.body = m.body THEN NULL ELSE f.body END
    FROM _stored_sightings f, _merged m
    WHERE ps.post_id = f.post_id AND ps.dump_id = f.dump_id AND m.post_id = f.post_id
      AND (CASE WHEN f.body = m.body THEN NULL ELSE f.body END) IS DISTINCT FROM ps.body"""


@dataclass(frozen=True)
class BatchResult:
    """What one batch did: the state of each dump path, and sightings and rejects added and removed."""

    states: dict[str, str]
    counts: Counter[str]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The single integer a statement returns (a count, or a DELETE's row count)."""
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _classify(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Mark each dump of the batch new, changed (same path, other bytes or parser) or unchanged."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _batch AS
        SELECT i.dump_id, i.path, d.first_run_id AS old_first_run_id,
               CASE WHEN d.dump_id IS NULL THEN 'new' WHEN d.sha256 = i.sha256 AND d.parser_version = i.parser_version THEN 'unchanged' ELSE 'changed' END AS state
        FROM _in_dumps i LEFT JOIN dumps d USING (dump_id)""")
    return dict(con.execute("SELECT path, state FROM _batch").fetchall())


def _replace_contributions(con: duckdb.DuckDBPyConnection, run_id: int, counts: Counter[str]) -> None:
    """Swap the dumps rows, comment sightings and rejects of new and changed dumps for the batch's, and
    remove their post sightings (the batch's are added once posts are merged, see _merge_posts)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _affected AS
        SELECT post_id FROM post_sightings WHERE {_IN_TODO}
        UNION SELECT post_id FROM _in_post_sightings WHERE {_IN_TODO}""")
    fetch_rows(con, POSTS.name, "post_id", "_posts_before", "SELECT post_id FROM _affected")
    con.execute(_STORED_SIGHTINGS)
    for table in STAGED_TABLES[1:]:
        counts[f"{table.name}_removed"] = _scalar(con, f"DELETE FROM {table.name} WHERE {_IN_TODO}")
        if table is not POST_SIGHTINGS:
            counts[f"{table.name}_added"] = _scalar(
                con, f"INSERT INTO {table.name} BY NAME SELECT * FROM _in_{table.name} WHERE {_IN_TODO}")
    con.execute(f"DELETE FROM dumps WHERE {_IN_TODO}")
    con.execute(f"""
        INSERT INTO dumps BY NAME
        SELECT i.*, coalesce(b.old_first_run_id, {run_id}) AS first_run_id, {run_id} AS last_run_id
        FROM _in_dumps i JOIN _batch b USING (dump_id) WHERE b.state <> 'unchanged'""")


def sync(con: duckdb.DuckDBPyConnection, table: Table, merged_sql: str, scope_sql: str) -> None:
    """Make the rows of table whose key is in scope equal merged_sql's rows, rewriting only differences.

    The rows compared are copied first (_before: see fetch_rows), so a batch reads the table's long
    text only for the keys it merges, and not at all when they are all new; what it writes and
    deletes is noted for the run's counts (blogetl.warehouse.changes)."""
    key, name, before = table.key[0], table.name, f"_{table.name}_before"
    differs = " OR ".join(f"m.{c} IS DISTINCT FROM t.{c}" for c in table.names if c != key)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _merged AS {merged_sql}")
    fetch_rows(con, name, key, before, f"SELECT {key} FROM _merged")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _changed AS
        SELECT m.* FROM _merged m LEFT JOIN {before} t USING ({key}) WHERE t.{key} IS NULL OR {differs}""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _gone AS
        SELECT {key} FROM {name} WHERE {key} IN ({scope_sql}) AND {key} NOT IN (SELECT {key} FROM _merged)""")
    fetch_rows(con, name, key, before, "SELECT * FROM _gone")
    changes.note(con, table, before, "_changed", "_gone")
    con.execute(f"DELETE FROM {name} WHERE {key} IN (SELECT {key} FROM _changed) OR {key} IN (SELECT {key} FROM _gone)")
    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _changed")


def _apply(con: duckdb.DuckDBPyConnection, batch: DumpTables, run_id: int) -> BatchResult:
    """The statements of one batch, inside the caller's transaction (the batch's dumps table registered)."""
    states = _classify(con)
    counts: Counter[str] = Counter()
    if any(state != "unchanged" for state in states.values()):
        for table in (POSTS, COMMENTS):  # their rows as they are before the batch, those it reads (fetch_rows)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _{table.name}_before AS SELECT * FROM {table.name} LIMIT 0")
        batch, redirects = resolve_batch(con, batch)
        for table, data in zip(STAGED_TABLES[1:], batch.tables()[1:], strict=True):
            con.register(f"_in_{table.name}", data)
        _replace_contributions(con, run_id, counts)
        sync(con, POSTS, MERGED_POSTS, "SELECT post_id FROM _affected")
        counts["post_sightings_added"] = _scalar(con, _ADD_SIGHTINGS)  # _merged: the affected posts, as sync left them
        if _scalar(con, "SELECT count(*) FROM _stored_sightings"):
            con.execute(_RESTORE_SIGHTINGS)
        sync(con, COMMENTS, MERGED_COMMENTS, "SELECT comment_id FROM comments WHERE post_id IN (SELECT post_id FROM _affected)")
        record_redirects(con, redirects, run_id)
        for temp in ("_posts_before", "_comments_before", "_stored_sightings", "_merged", "_changed", "_gone"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    return BatchResult(states, counts)


def load_batch(con: duckdb.DuckDBPyConnection, batch: DumpTables, run_id: int) -> BatchResult:
    """Load a batch of parsed dumps in one transaction, from registered Arrow tables."""
    con.register("_in_dumps", batch.dumps)
    try:
        with transaction(con):
            result = _apply(con, batch, run_id)
    finally:
        for table in STAGED_TABLES:
            with contextlib.suppress(duckdb.Error):
                con.unregister(f"_in_{table.name}")
    return result
