"""Post ids across dumps: each incoming sighting joins the stored post that shows its text (blogetl.parse.identity).

Runs inside a batch's transaction, after the batch's dumps are classified (``_batch``) and
before their sightings are written; the posts whose text it reads go to ``_posts_before``
(made empty by blogetl.warehouse.merge, which compares against it later).  Stored sightings of the same title keys from other dumps
keep their ids; sightings of the dumps being replaced say which id each text had before (an
edited post keeps its id), and where an id changes the change goes to ``post_redirects``.
A sighting loaded before identity existed (its ``title_key`` is null after the column
migration) was keyed by title alone: its id is not trusted to name one text, only to say where
a text came from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pyarrow as pa

from blogetl.parse.identity import Sighting, comment_ids, resolve, same_text
from blogetl.warehouse._sql import fetch_rows
from blogetl.warehouse.arrow import DumpTables
from blogetl.warehouse.schema import COMMENT_SIGHTINGS, arrow_schema

_TODO = "SELECT dump_id FROM _batch WHERE state <> 'unchanged'"
_STORED = """
    SELECT coalesce(s.title_key, s.post_id) AS title_key, s.post_id, s.dump_id, d.path, s.position,
           coalesce(s.truncated, false) OR coalesce(s.is_excerpt, false) AS partial,
           coalesce(s.body, p.body) AS body
    FROM post_sightings s JOIN dumps d USING (dump_id) LEFT JOIN _posts_before p USING (post_id)"""
_KEPT = f"""{_STORED}
    WHERE s.title_key IN (SELECT title_key FROM _resolve_keys) AND s.dump_id NOT IN ({_TODO})"""
_PREV = f"{_STORED} WHERE s.dump_id IN ({_TODO})"
# The posts whose text those sightings show (a sighting's body is null where it is its post's).
_THEIR_POSTS = f"""
    SELECT post_id FROM post_sightings
    WHERE body IS NULL AND (dump_id IN ({_TODO}) OR title_key IN (SELECT title_key FROM _resolve_keys))"""


@dataclass(frozen=True)
class Redirect:
    """An id that changed: the text it named now belongs to new_post_id."""

    old_post_id: str
    new_post_id: str
    reason: str


def _sighting(row: dict[str, Any]) -> Sighting:
    """A stored or incoming post_sightings row as an identity sighting (sketched from its text only if compared)."""
    return Sighting(row["title_key"] or row["post_id"], row["dump_id"], (row["path"], row["position"]), row["body"] or "",
                    bool(row["partial"]), row["post_id"])


def _stored(con: duckdb.DuckDBPyConnection, sql: str) -> list[Sighting]:
    """Stored sightings a query selects."""
    return [_sighting(row) for row in con.execute(sql).fetch_arrow_table().to_pylist()]


def _incoming(batch: DumpTables, todo: set[str]) -> list[Sighting]:
    """The batch's sightings of new and changed dumps, in table order."""
    paths = dict(zip(batch.dumps.column("dump_id").to_pylist(), batch.dumps.column("path").to_pylist(), strict=True))
    cols = ["title_key", "post_id", "dump_id", "position", "truncated", "is_excerpt", "body"]
    rows = batch.post_sightings.select(cols).to_pylist()
    return [_sighting({**r, "path": paths[r["dump_id"]], "partial": r["truncated"] or r["is_excerpt"]})
            for r in rows if r["dump_id"] in todo]


def resolve_batch(con: duckdb.DuckDBPyConnection, batch: DumpTables) -> tuple[DumpTables, list[Redirect]]:
    """The batch with every post id resolved against the warehouse, and the ids that changed."""
    todo = {str(r[0]) for r in con.execute(_TODO).fetchall()}
    new = _incoming(batch, todo)
    if not new and not todo:
        return batch, []
    con.register("_resolve_keys", pa.table({"title_key": pa.array(sorted({s.key for s in new}), pa.string())}))
    try:
        fetch_rows(con, "posts", "post_id", "_posts_before", _THEIR_POSTS)
        kept, prev = _stored(con, _KEPT), _stored(con, _PREV)
    finally:
        con.unregister("_resolve_keys")
    ids = resolve(new, kept, [p for p in prev if p.key in {s.key for s in new}])
    final = [replace(s, post_id=i) for s, i in zip(new, ids, strict=True)]
    moved = {(s.page, s.post_id): f.post_id for s, f in zip(new, final, strict=True) if s.post_id != f.post_id}
    return _rewrite(batch, moved), _redirects(prev, final)


def _rewrite(batch: DumpTables, moved: dict[tuple[str, str], str]) -> DumpTables:
    """The batch with post ids moved, comments following their post (ids derived anew)."""
    if not moved:
        return batch
    ps = batch.post_sightings
    post_ids = [moved.get((d, p), p) for d, p in zip(ps.column("dump_id").to_pylist(), ps.column("post_id").to_pylist(), strict=True)]
    ps = ps.set_column(ps.schema.get_field_index("post_id"), "post_id", pa.array(post_ids, pa.string()))
    return DumpTables(batch.dumps, ps, _move_comments(batch.comment_sightings, moved), batch.rejects)


def _move_comments(table: pa.Table, moved: dict[tuple[str, str], str]) -> pa.Table:
    """Comment sightings of moved posts under the new post id, with the comment ids the parser would give."""
    rows = table.to_pylist()
    threads: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if (row["dump_id"], row["post_id"]) in moved:
            threads[(row["dump_id"], row["post_id"])].append(row)
    for key, thread in threads.items():
        thread.sort(key=lambda r: r["position"])
        ids = comment_ids(moved[key], [(r["comment_id"], r["parent_id"], r["author"], r["body"]) for r in thread])
        for r in thread:
            r.update(post_id=moved[key], comment_id=ids[r["comment_id"]],
                     parent_id=ids.get(r["parent_id"], r["parent_id"]) if r["parent_id"] else None)
    return pa.Table.from_pylist(rows, schema=arrow_schema(COMMENT_SIGHTINGS)) if threads else table


def _redirects(prev: list[Sighting], final: list[Sighting]) -> list[Redirect]:
    """A replaced dump's old sightings whose text now has another id: split (same key) or rekeyed.
    An old sighting whose text the page still shows under its own id has gone nowhere (a page may show
    one text under two titles: the two posts are not redirects of each other)."""
    by_page: dict[str, list[Sighting]] = defaultdict(list)
    for s in final:
        by_page[s.page].append(s)
    out = set()
    for p in prev:
        page = by_page.get(p.page, ())
        if any(n.post_id == p.post_id and same_text(p, n) for n in page):
            continue  # its text is on the page under its id still: another post of the same text is not where it went
        out |= {Redirect(p.post_id, n.post_id, "split" if p.key == n.key else "rekeyed")
                for n in page if p.post_id != n.post_id and same_text(p, n)}
    return sorted(out, key=lambda r: (r.old_post_id, r.new_post_id))


def record_redirects(con: duckdb.DuckDBPyConnection, redirects: list[Redirect], run_id: int) -> None:
    """Add new redirects (the first run that made one keeps it) and keep every lookup one hop."""
    for r in redirects:
        con.execute("""INSERT INTO post_redirects SELECT ?, ?, ?, ?
                       WHERE NOT EXISTS (SELECT 1 FROM post_redirects WHERE old_post_id = ? AND new_post_id = ?)""",
                    [r.old_post_id, r.new_post_id, run_id, r.reason, r.old_post_id, r.new_post_id])
    if redirects:
        _one_hop(con)


def _one_hop(con: duckdb.DuckDBPyConnection) -> None:
    """Redirects to an id that is gone and redirected itself point past it."""
    gone = """{r}.new_post_id NOT IN (SELECT post_id FROM posts)
              AND {r}.new_post_id IN (SELECT old_post_id FROM post_redirects)"""
    for _ in range(8):  # chains are short; a cycle of dead ids cannot grow
        if not con.execute(f"SELECT count(*) FROM post_redirects r WHERE {gone.format(r='r')}").fetchone()[0]:  # type: ignore[index]
            break
        con.execute(f"""
            INSERT INTO post_redirects
            SELECT DISTINCT r.old_post_id, n.new_post_id, r.run_id, r.reason
            FROM post_redirects r JOIN post_redirects n ON r.new_post_id = n.old_post_id
            WHERE {gone.format(r='r')} AND r.old_post_id <> n.new_post_id
              AND NOT EXISTS (SELECT 1 FROM post_redirects x WHERE x.old_post_id = r.old_post_id AND x.new_post_id = n.new_post_id)""")
        con.execute(f"DELETE FROM post_redirects WHERE {gone.format(r='post_redirects')}")
