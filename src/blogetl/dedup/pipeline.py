"""The dedup stage over a DuckDB connection: a short list of steps, each returning its values.

    changes -> forget -> fingerprint -> boilerplate -> candidates -> verify -> outlets -> group

The stage reads ``dedup_input`` (``sql.INPUT_COLUMNS``: post id, title, body, site, excerpt
flag, dates), which the warehouse declares as a view over its tables; ``create_input`` makes one
over a plain table.  Only posts new or changed since the last run are fingerprinted, and only
pairs that involve them are looked for, by joining their fingerprints against all stored ones in
DuckDB; grouping then reaches only the posts a change can reach.  The CPU work (fingerprinting,
aligning, outlet phrases) runs in ``blogetl.dedup.work`` on a pool of processes when there is
enough of it.  All SQL is in ``blogetl.dedup.sql``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from blogetl.dedup import outlets as ol
from blogetl.dedup import sql
from blogetl.dedup import work as w
from blogetl.dedup.config import DEFAULT, DedupConfig
from blogetl.dedup.fingerprint import Fingerprints
from blogetl.dedup.group import (
    Assignment,
    Group,
    Pair,
    PostInfo,
    Previous,
    assign_ids,
    fresh_id,
    group,
)
from blogetl.dedup.work import Candidate
from blogetl.ids import stable_id
from blogetl.timing import timed
from blogetl.warehouse.ddl import ensure_schema
from blogetl.warehouse.schema import (
    ARTICLE_REDIRECTS,
    DEDUP,
    DEDUP_STATE,
    OUTLETS,
    insert_new,
    upsert,
)

__all__ = ["Candidate", "DedupError", "create_input", "run"]

log = logging.getLogger("blogetl.dedup")
STATE_TABLES = ("dedup_docs", "dedup_lines", "dedup_fingerprints", "dedup_boilerplate",
                "post_pairs", "passage_matches", "post_outlets")
BUCKET_ROWS = 2_000_000  # rows of a bucketed aggregation (blogetl.dedup.sql)
OUTLET_SLICE = 20_000  # posts read for outlet phrases at a time
VERIFY_CHUNK = 1000  # candidates aligned per chunk: the bodies and alignments held at once
DOCS_WINDOW = 20_000  # posts whose bodies one read fetches for verification (~40 MB of text)
SINGLES_SLICE = 100_000  # new single-post articles given ids at a time
PARALLEL_MIN_ITEMS = 3  # slices or chunks of work below which a pool costs more than it saves


class DedupError(RuntimeError):
    """The dedup stage cannot run on this database."""


@dataclass
class Summary:
    """Counts and timings of one run (returned as a dict)."""

    counts: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the wall time of a block to timings[stage] (rounded, and logged)."""
        before = self.timings.get(stage, 0.0)
        try:
            with timed(self.timings, stage):
                yield
        finally:
            log.info("dedup %s: %.2f s", stage, self.timings[stage] - before)
            self.timings[stage] = round(self.timings[stage], 4)


@dataclass(frozen=True)
class Settings:
    """What the run compares with the last one: settings and the (user-editable) outlets."""

    changed: bool  # the dedup settings changed: every post is fingerprinted again
    outlets: tuple[ol.Outlet, ...]
    outlets_changed: bool  # the outlets table changed: every post's outlets are found again


@dataclass(frozen=True)
class Changes:
    """Posts new or changed since they were fingerprinted, and posts gone from the input."""

    changed: list[str]
    removed: list[str]


def run(con: duckdb.DuckDBPyConnection, config: DedupConfig = DEFAULT, *, workers: int = 1,
        schema_ready: bool = False) -> dict[str, Any]:
    """Bring the dedup tables up to date with ``dedup_input``; returns counts and timings.

    schema_ready: the caller made the dedup tables as this blogetl declares them (the warehouse does
    when it opens its working copy), so they are not checked again (0.07 s of a small run).

    workers: processes for the CPU work; 0 uses every core when the run has several batches of
    it.  More than one starts a process pool (forkserver), which re-imports the calling script:
    a script that calls this with workers != 1 needs the ``if __name__ == "__main__":`` guard.
    """
    started, t0 = datetime.now(UTC), time.perf_counter()
    s = Summary()
    with s.timed("schema"):
        require_input(con)
        if not schema_ready:
            ensure_schema(con, (DEDUP,))
        settings = prepare_state(con, config)
    with s.timed("changes"):
        changes = find_changes(con, full=settings.changed)
    s.counts.update(posts=count(con, sql.INPUT), new_or_changed=len(changes.changed), removed=len(changes.removed))
    if not (changes.changed or changes.removed or settings.changed or settings.outlets_changed):
        s.counts["changed"] = False
        return _result(s, t0)
    run_no = int(_state(con, "run_no") or 0) + 1
    con.execute(sql.TOUCHED_NEW)  # the lines of posts removed, changed or added (update_boilerplate drops it)
    forget(con, changes.changed + changes.removed)
    with w.pool(_workers(workers, len(changes.changed), config)) as mapper:
        with s.timed("fingerprint"):
            s.counts["fingerprints_added"] = fingerprint(con, changes.changed, config, mapper)
        with s.timed("boilerplate"):
            every_line = settings.changed or len(changes.changed) * 10 >= count(con, "dedup_docs")
            flipped = update_boilerplate(con, config, s.counts, every_line=every_line)
        forget_pairs(con, flipped)
        dirty = sorted(set(changes.changed) | set(flipped))
        with s.timed("candidates"):
            candidates = find_candidates(con, dirty, config)
        with s.timed("verify"):
            s.counts.update(verify(con, candidates, config, mapper))
        with s.timed("outlets"):
            s.counts.update(detect_outlets(con, None if settings.outlets_changed else changes.changed,
                                           settings.outlets, mapper))
    with s.timed("group"):
        regroup_all = settings.outlets_changed
        s.counts.update(regroup(con, run_no, None if regroup_all else sorted(set(dirty) | set(changes.removed))))
    _set_state(con, run_no=str(run_no), outlets_digest=_outlets_digest(settings.outlets))
    s.counts.update(changed=True, run_no=run_no)
    result = _result(s, t0)
    con.execute(sql.RUN_RECORD, [run_no, started.replace(tzinfo=None), result["seconds"], json.dumps(result)])
    return result


def _workers(asked: int, changed: int, cfg: DedupConfig) -> int:
    """Processes for the CPU work: as asked, or (0) every core when the run has several batches of it."""
    if asked > 0:
        return asked
    return w.cores() if changed >= PARALLEL_MIN_ITEMS * cfg.batch_size else 1


def _result(s: Summary, t0: float) -> dict[str, Any]:
    """The summary as a plain dict with throughput."""
    seconds = round(time.perf_counter() - t0, 4)
    done = s.counts.get("new_or_changed", 0)
    return {**s.counts, "seconds": seconds, "posts_per_second": round(done / seconds, 1) if seconds else None,
            "timings": s.timings}


# --- input and state -----------------------------------------------------------------------


def require_input(con: duckdb.DuckDBPyConnection) -> None:
    """Fail with a clear message when ``dedup_input`` is missing or lacks a column."""
    have = dict(con.execute(sql.INPUT_COLUMNS_NOW).fetchall())
    missing = [name for name, _ in sql.INPUT_COLUMNS if name not in have]
    if missing:
        what = "there is no relation dedup_input" if not have else f"dedup_input lacks columns {missing}"
        raise DedupError(f"{what}; the warehouse declares it (blogetl.warehouse.views), "
                         "and blogetl.dedup.create_input(con) makes one over a plain posts table")


def create_input(con: duckdb.DuckDBPyConnection, source: str = "posts", **columns: str) -> None:
    """Declare ``dedup_input`` over a plain table of posts (tests, notebooks, other warehouses).

    ``source`` must have post_id, title, body and site; the other input columns are given as SQL
    expressions over it (``is_excerpt="is_excerpt"``), and are false or null when not given
    (text_hash: computed from title and body; rid: the source's rowid, so a source that is a view
    needs another, e.g. ``rid="row_number() OVER (ORDER BY post_id)"``).
    """
    defaults = {"is_excerpt": "false", "published_at": "NULL", "first_seen_at": "NULL", "text_hash": "hash(title, body)",
                "rid": "rowid"}
    exprs = [f"CAST({columns.get(name, defaults.get(name, name))} AS {kind}) AS {name}" for name, kind in sql.INPUT_COLUMNS]
    con.execute(f"CREATE OR REPLACE VIEW {sql.INPUT} AS SELECT {', '.join(exprs)} FROM {source}")


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows in a table or view."""
    return int(con.execute(sql.COUNT.format(table=table)).fetchone()[0])  # type: ignore[index]


def _state(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A value from dedup_state."""
    row = con.execute(sql.STATE_GET, [key]).fetchone()
    return None if row is None else str(row[0])


def _set_state(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    """Upsert values into dedup_state."""
    for key, value in values.items():
        upsert(con, DEDUP_STATE, {"key": key, "value": value})


def prepare_state(con: duckdb.DuckDBPyConnection, config: DedupConfig) -> Settings:
    """Seed new default outlets; wipe every derived table when the settings changed."""
    changed = _state(con, "config_digest") != config.digest()
    if changed:
        for table in STATE_TABLES:
            con.execute(sql.CLEAR.format(table=table))
        _set_state(con, config_digest=config.digest())
    _seed_outlets(con)
    outlets = tuple(ol.Outlet(r[0], r[1], tuple(r[2] or ()), r[3] or "") for r in con.execute(sql.OUTLETS_ALL).fetchall())
    return Settings(changed, outlets, _state(con, "outlets_digest") != _outlets_digest(outlets))


# The outlets seeded before the profiles named more (state "1" of older warehouses).
_FIRST_SEED = ("vk", "folkbladet", "offentliga-affarer", "expressen", "dn", "aftonbladet", "svd", "dagens-samhalle")


def _seed_outlets(con: duckdb.DuckDBPyConnection) -> None:
    """Insert each default outlet once: a new one reaches old warehouses, a row users edited or deleted stays so."""
    state = _state(con, "outlets_seeded")
    seeded = set(_FIRST_SEED) if state == "1" else set(json.loads(state) if state else [])
    for o in ol.DEFAULT_OUTLETS:
        if o.outlet_id not in seeded:
            insert_new(con, OUTLETS, {"outlet_id": o.outlet_id, "name": o.name, "aliases": list(o.aliases), "kind": o.kind})
    _set_state(con, outlets_seeded=json.dumps(sorted(seeded | {o.outlet_id for o in ol.DEFAULT_OUTLETS})))


def _outlets_digest(outlets: Sequence[ol.Outlet]) -> str:
    """A hash of the outlets table, to notice user edits."""
    return json.dumps([[o.outlet_id, o.name, list(o.aliases), o.kind] for o in outlets], ensure_ascii=False)


# --- changes -------------------------------------------------------------------------------


def find_changes(con: duckdb.DuckDBPyConnection, *, full: bool) -> Changes:
    """Posts whose text or site differs from what was fingerprinted (all when full), and those gone."""
    with _temp(con, "_dedup_current"):
        con.execute(sql.CURRENT)
        changed = con.execute(sql.CHANGED, [full]).fetchall()
        removed = con.execute(sql.REMOVED).fetchall()
    return Changes([r[0] for r in changed], [r[0] for r in removed])


@contextmanager
def _temp(con: duckdb.DuckDBPyConnection, *names: str) -> Iterator[None]:
    """Temp tables a step builds, dropped when it is done."""
    try:
        yield
    finally:
        for name in names:
            con.execute(sql.DROP.format(name=name))


def _temp_ids(con: duckdb.DuckDBPyConnection, name: str, ids: Sequence[str]) -> None:
    """A temp table of post ids (with a row number) for joins."""
    con.register("_dedup_ids", pa.table({"post_id": pa.array(list(ids), pa.string())}))
    try:
        con.execute(sql.IDS.format(name=name))
    finally:
        con.unregister("_dedup_ids")


def _span(con: duckdb.DuckDBPyConnection, ids: str) -> str:
    """A filter of dedup_input on the range of rid the posts of the temp table `ids` span (literal
    numbers: a parameter is not pushed into the scan)."""
    lo, hi = con.execute(sql.SPAN.format(ids=ids)).fetchone()  # type: ignore[misc]
    return "false" if lo is None else f"rid BETWEEN {int(lo)} AND {int(hi)}"


def forget(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> None:
    """Drop everything derived from these posts' text."""
    if not ids:
        return
    with _temp(con, "_dedup_forget"):
        _temp_ids(con, "_dedup_forget", ids)
        con.execute(sql.TOUCHED_ADD.format(ids="_dedup_forget"))
        for table in ("dedup_docs", "dedup_lines", "dedup_fingerprints", "post_outlets"):
            con.execute(sql.FORGET.format(table=table))
    forget_pairs(con, ids)


def forget_pairs(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> None:
    """Drop verified pairs (and their passages) involving these posts."""
    if not ids:
        return
    with _temp(con, "_dedup_forget"):
        _temp_ids(con, "_dedup_forget", ids)
        for table in ("post_pairs", "passage_matches"):
            con.execute(sql.FORGET_PAIRS.format(table=table))


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, Any]) -> None:
    """Bulk insert columns (arrays or lists) through Arrow."""
    data = pa.table(dict(columns))
    if data.num_rows == 0:
        return
    con.register("_dedup_rows", data)
    try:
        names = ", ".join(columns)
        con.execute(sql.INSERT_ARROW.format(table=table, names=names))
    finally:
        con.unregister("_dedup_rows")


def _slices(con: duckdb.DuckDBPyConnection, table: str, columns: str, size: int) -> Iterator[pa.Table]:
    """The rows of a temp table, size rows at a time in storage order, as Arrow.

    DuckDB keeps the table (and spills it to its temp directory); Python holds one slice.  Slices
    are cut by rowid, which DuckDB reads directly: a filter on another column reads every row group
    for every slice, 518 times the bodies of 518k posts at 1 GB (measured: 17 ms against 4.5 ms a
    slice at 100 MB, and growing with the table).
    """
    row = con.execute(sql.MAX_ROWID.format(table=table)).fetchone()
    total = int(row[0]) + 1 if row and row[0] is not None else 0
    for lo in range(0, total, size):
        yield con.execute(sql.SLICE.format(columns=columns, table=table), [lo, lo + size]).fetch_arrow_table()


# --- fingerprints and boilerplate -----------------------------------------------------------


def fingerprint(con: duckdb.DuckDBPyConnection, ids: Sequence[str], cfg: DedupConfig, mapper: w.Mapper[Any, Any]) -> int:
    """Fingerprint the posts slice by slice and store their lines, fingerprints and docs; returns
    the number of fingerprints added."""
    total = 0
    with _temp(con, "_dedup_todo", "_dedup_todo_body"):
        _temp_ids(con, "_dedup_todo", ids)
        con.execute(sql.TODO_BODIES.format(span=_span(con, "_dedup_todo")))
        slices = _slices(con, "_dedup_todo_body", "post_id, body, content_md5", cfg.batch_size)
        for rows, fp in mapper(_fingerprint_slice(cfg), slices):
            post_ids = rows.column("post_id").combine_chunks()
            _insert(con, "dedup_lines", {"post_id": post_ids.take(fp.line_post), "line_no": fp.line_no,
                                         "line_key": fp.line_key, "words": fp.line_words})
            _insert(con, "dedup_fingerprints", {"post_id": post_ids.take(fp.fp_post), "fp": fp.fp_hash,
                                                "pos": fp.fp_pos, "line_key": fp.fp_line})
            per_post = np.bincount(fp.fp_post, minlength=rows.num_rows).astype(np.int32)
            _insert(con, "dedup_docs", {"post_id": post_ids, "content_md5": rows.column("content_md5"),
                                        "words": fp.post_words, "fingerprints": per_post})
            total += len(fp.fp_hash)
        con.execute(sql.TOUCHED_ADD.format(ids="_dedup_todo"))
    return total


@dataclass(frozen=True)
class _fingerprint_slice:  # noqa: N801 - a picklable partial of work.fingerprint
    cfg: DedupConfig

    def __call__(self, rows: pa.Table) -> tuple[pa.Table, Fingerprints]:
        """The slice (its ids and hashes go back with the result) and its fingerprints."""
        fp = w.fingerprint(rows.column("body").to_pylist(), self.cfg)
        return rows.select(["post_id", "content_md5"]), fp


def _buckets(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """How many buckets keep each under BUCKET_ROWS rows of table."""
    return max(1, -(-count(con, table) // BUCKET_ROWS))


def update_boilerplate(con: duckdb.DuckDBPyConnection, cfg: DedupConfig, counts: dict[str, Any], *,
                       every_line: bool) -> list[str]:
    """Recount recurring lines: those the run's posts touched (``_dedup_touched``), or every line;
    returns the posts holding lines whose status flipped."""
    con.execute(sql.KEYS)  # kept for find_candidates
    scope = "" if every_line else sql.IN_TOUCHED
    with _temp(con, "_dedup_bp", "_dedup_touched"):
        con.execute(sql.TOUCHED_DISTINCT)
        con.execute(sql.BOILER_NEW)
        buckets = _buckets(con, "dedup_lines")
        for bucket in range(buckets):
            con.execute(sql.BOILER_BUCKET.format(scope=scope, bucket=sql.bucket("line_key", buckets, bucket)),
                        [cfg.boiler_short_min_posts, cfg.boiler_short_words, cfg.boiler_any_min_posts])
        flipped = [r[0] for r in con.execute(sql.BOILER_FLIPPED.format(scope=scope)).fetchall()]
        con.execute(sql.CLEAR.format(table="dedup_boilerplate") if every_line else sql.BOILER_CLEAR)
        con.execute(sql.BOILER_WRITE)
    counts["boilerplate_lines"] = count(con, "dedup_boilerplate")
    counts["boilerplate_flipped_posts"] = len(flipped)
    return flipped


# --- candidates and verification ------------------------------------------------------------


def find_candidates(con: duckdb.DuckDBPyConnection, dirty: Sequence[str], cfg: DedupConfig) -> list[Candidate]:
    """Pairs involving a dirty post that share >= min_shared_fps usable fingerprints (uses the
    post keys update_boilerplate left, and drops them)."""
    with _temp(con, "_dedup_keys", "_dedup_dirty", "_dedup_dirty_keys", "_dedup_dirty_fps", "_dedup_shared"):
        if not dirty:
            return []
        _temp_ids(con, "_dedup_dirty", dirty)
        con.execute(sql.DIRTY_KEYS)
        few = len(dirty) * 10 < count(con, "_dedup_keys")
        if few:
            con.execute(sql.DIRTY_FPS)
        buckets = 1 if few else _buckets(con, "dedup_fingerprints")
        con.execute(sql.SHARED_NEW)
        for bucket in range(buckets):
            con.execute(sql.SHARED_BUCKET.format(only_dirty=sql.ONLY_DIRTY if few else "", bucket=sql.bucket("f.fp", buckets, bucket)),
                        [cfg.max_df])
        rows = con.execute(sql.CANDIDATES, [cfg.min_shared_fps]).fetchall()
    return [Candidate(a, b, n) for a, b, n in rows]


def verify(con: duckdb.DuckDBPyConnection, candidates: list[Candidate], cfg: DedupConfig,
           mapper: w.Mapper[Any, Any]) -> dict[str, Any]:
    """Align every candidate; store verified pairs and their passages, drop the rest; returns counts.

    Candidates come sorted by post_a and are aligned VERIFY_CHUNK at a time, each chunk with the
    bodies it needs; bodies are read for as many chunks at once as need at most DOCS_WINDOW posts,
    so memory does not grow with the corpus and the posts' bodies are not scanned once a chunk.
    """
    boiler = frozenset(r[0] for r in con.execute(sql.BOILER_KEYS).fetchall())  # few: recurring lines
    tasks = (w.VerifyTask(chunk, docs, boiler, cfg) for chunk, docs in _chunks_with_docs(con, candidates))
    relations: dict[str, int] = {}
    for done in mapper(w.verify, tasks):
        _insert(con, "post_pairs", done.pairs)
        _insert(con, "passage_matches", done.passages)
        for rel, n in done.relations.items():
            relations[rel] = relations.get(rel, 0) + n
    verified = sum(relations.values())
    return {"candidates": len(candidates), "verified_pairs": verified, "unverified_candidates": len(candidates) - verified,
            "relations_found": dict(sorted(relations.items()))}


def _chunks_with_docs(con: duckdb.DuckDBPyConnection,
                      candidates: list[Candidate]) -> Iterator[tuple[list[Candidate], list[tuple[str, str, bool]]]]:
    """Each chunk of VERIFY_CHUNK candidates with (post_id, body, is_excerpt) of the posts it needs,
    by post_id. One read fetches the bodies of consecutive chunks that need DOCS_WINDOW posts at most
    (each read scans the posts' bodies: at 1 GB, 0.5 s a read)."""
    chunks = [candidates[lo : lo + VERIFY_CHUNK] for lo in range(0, len(candidates), VERIFY_CHUNK)]
    needs = [sorted({c.post_a for c in chunk} | {c.post_b for c in chunk}) for chunk in chunks]
    start = 0
    while start < len(chunks):
        window, end = set(needs[start]), start + 1
        while end < len(chunks) and len(window.union(needs[end])) <= DOCS_WINDOW:
            window.update(needs[end])
            end += 1
        with _temp(con, "_dedup_need"):
            _temp_ids(con, "_dedup_need", sorted(window))
            docs = {pid: (pid, body, bool(excerpt)) for pid, body, excerpt in con.execute(sql.VERIFY_DOCS).fetchall()}
        for chunk, need in zip(chunks[start:end], needs[start:end], strict=True):
            yield chunk, [docs[pid] for pid in need if pid in docs]
        start = end


# --- outlets --------------------------------------------------------------------------------


def detect_outlets(con: duckdb.DuckDBPyConnection, ids: Sequence[str] | None, outlets: tuple[ol.Outlet, ...],
                   mapper: w.Mapper[Any, Any]) -> dict[str, int]:
    """Find each post's outlets (all posts when ids is None, e.g. after the table was edited); returns counts.

    DuckDB first flags the bodies that name an outlet at all (RE2, both cores); only those
    are read by the phrase regexes, the rest get the site's outlet.
    """
    with _temp(con, "_dedup_outlets", "_dedup_outlet_posts"):
        if ids is None:
            con.execute(sql.CLEAR.format(table="post_outlets"))
            con.execute(sql.OUTLETS_ALL_POSTS)
        else:
            _temp_ids(con, "_dedup_outlets", ids)
        con.execute(sql.OUTLET_POSTS.format(span=_span(con, "_dedup_outlets")), [ol.mention_regex(outlets)])
        slices = (tuple(rows.column(c).to_pylist() for c in ("post_id", "body", "site"))
                  for rows in _slices(con, "_dedup_outlet_posts", "post_id, body, site", OUTLET_SLICE))
        scanned = read = 0
        for rows, cols in _outlet_results(slices, outlets, mapper):
            scanned += len(rows[0])
            read += sum(1 for body in rows[1] if body)
            _insert(con, "post_outlets", {k: pa.array(v, pa.int32() if k in ("rank", "start_offset", "end_offset")
                                                      else pa.string()) for k, v in cols.items()})
    return {"outlet_posts_scanned": scanned, "outlet_posts_read": read}


@dataclass(frozen=True)
class _detect_slice:  # noqa: N801 - a picklable partial of work.detect_outlets
    outlets: tuple[ol.Outlet, ...]

    def __call__(self, rows: Any) -> tuple[Any, w.Columns]:
        return rows, w.detect_outlets(rows, self.outlets)


def _outlet_results(slices: Iterator[Any], outlets: tuple[ol.Outlet, ...], mapper: w.Mapper[Any, Any]) -> Iterator[Any]:
    """(rows, post_outlets columns) per slice."""
    return mapper(_detect_slice(outlets), slices)


# --- grouping -------------------------------------------------------------------------------

_REACH_TABLES = ("_dedup_moves", "_dedup_prev", "_dedup_seed", "_dedup_reach", "_dedup_prev_reach", "_dedup_world",
                 "_dedup_members", "_dedup_single", "_dedup_single_new", "_dedup_single_todo")


def regroup(con: duckdb.DuckDBPyConnection, run_no: int, dirty: Sequence[str] | None) -> dict[str, int]:
    """Regroup the posts a change can reach, keep ids stable, rewrite their articles and members.

    The reach (``_dedup_reach``) is every post linked to a dirty one through stored pairs or a
    previous article, repeated until nothing is added: articles outside it cannot change.  Inside
    it, posts with no pair and no previous company are single-post articles, written in SQL (most
    posts of a full build); the rest are grouped in Python (``group.group`` / ``assign_ids``).
    ``dirty`` None regroups everything (the outlets table changed).  Returns counts.
    """
    with _temp(con, *_REACH_TABLES):
        reach = _reach(con, dirty)
        rows = con.execute(sql.POST_INFOS).fetchall()
        infos = {pid: PostInfo(words, first) for pid, words, first in rows}
        groups = group(infos, [Pair(*r) for r in con.execute(sql.PAIRS).fetchall()])
        ids = assign_ids(groups, _previous(con, infos), run_no)
        old = _old_articles(con)
        con.execute(sql.DELETE_REACH_MEMBERS)
        con.execute(sql.DELETE_REACH_ARTICLES)
        _write_articles(con, groups, ids, old, run_no)
        _write_members(con, groups, ids)
        _write_singles(con, run_no)
        _write_redirects(con, ids.redirects, run_no)
    con.execute(sql.REFRESH_TITLES)
    return {"regrouped_posts": reach, "articles": count(con, "articles"),
            "multi_member_articles": int(con.execute(sql.MULTI_MEMBER_ARTICLES).fetchone()[0]),  # type: ignore[index]
            "redirects_added": len(ids.redirects)}


def _reach(con: duckdb.DuckDBPyConnection, dirty: Sequence[str] | None) -> int:
    """Fill the reach's temp tables (sql.PREVIOUS ... sql.WORLD); returns the reach's size.

    ``_dedup_prev`` is the last run's (post_id, raw_post_id, article_id) with re-keyed post ids
    followed (``_dedup_moves``), so an article keeps its id.
    """
    has_redirects = bool(con.execute(sql.HAS_POST_REDIRECTS).fetchone()[0])  # type: ignore[index]
    con.execute(sql.REDIRECTED_POSTS if has_redirects else sql.NO_REDIRECTED_POSTS)
    con.execute(sql.PREVIOUS)
    if dirty is None:
        con.execute(sql.REACH_ALL)
    else:
        _temp_ids(con, "_dedup_seed", dirty)
        con.execute(sql.REACH_SEED)
        while True:
            added = con.execute(sql.REACH_GROW).fetchone()
            if not added or not added[0]:
                break
    con.execute(sql.PREV_REACH)
    con.execute(sql.WORLD)
    return count(con, "_dedup_reach")


def _previous(con: duckdb.DuckDBPyConnection, world: Mapping[str, PostInfo]) -> Previous:
    """The article state the last run left for the reach, and the ids new articles must avoid."""
    rows = con.execute(sql.PREVIOUS_ARTICLES).fetchall()
    return Previous({p: a for p, a, _, _ in rows}, {a: c for _, a, c, _ in rows}, {a: r for _, a, _, r in rows},
                    frozenset(_taken_ids(con, sorted(world))))


def _taken_ids(con: duckdb.DuckDBPyConnection, canonicals: Sequence[str]) -> set[str]:
    """The ids a new article of one of these posts could be given that were ever used
    (``group.fresh_id`` salts its way past them): asked of the database, salt by salt."""
    taken: set[str] = set()
    todo = list(canonicals)
    salt = 0
    while todo:
        cand = {(stable_id("article", p, salt) if salt else stable_id("article", p)): p for p in todo}
        con.register("_dedup_cand", pa.table({"article_id": pa.array(list(cand), pa.string())}))
        try:
            used = {r[0] for r in con.execute(sql.IDS_USED).fetchall()}
        finally:
            con.unregister("_dedup_cand")
        taken |= used
        todo = [cand[i] for i in used]
        salt += 1
    return taken


def _old_articles(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, frozenset[tuple[str, str]], int]]:
    """article_id -> (canonical, {(post, relation)}, changed_run) as stored, for the reach's articles."""
    rows = con.execute(sql.OLD_ARTICLES).fetchall()
    return {aid: (canon, frozenset((p, r) for p, r in members), changed) for aid, canon, changed, members in rows}


def _write_articles(con: duckdb.DuckDBPyConnection, groups: list[Group], ids: Assignment,
                    old: dict[str, tuple[str, frozenset[tuple[str, str]], int]], run_no: int) -> None:
    """Insert the Python-grouped articles; changed_run moves only for articles whose content changed."""
    if not groups:
        return
    cols: dict[str, list[Any]] = {k: [] for k in ("article_id", "canonical_post_id", "members",
                                                  "versions", "duplicates", "quotes", "created_run",
                                                  "changed_run")}
    for aid, g in zip(ids.ids, groups, strict=True):
        content = (g.canonical, frozenset(g.members.items()))
        prev = old.get(aid)
        changed = prev[2] if prev is not None and (prev[0], prev[1]) == content else run_no
        rels = list(g.members.values())
        row = (aid, g.canonical, len(g.members), rels.count("version"),
               rels.count("duplicate"), rels.count("quote"), ids.created[aid], changed)
        for key, value in zip(cols, row, strict=True):
            cols[key].append(value)
    con.register("_dedup_rows", pa.table(cols))
    try:
        con.execute(sql.INSERT_ARTICLES)
    finally:
        con.unregister("_dedup_rows")


_MEMBER_NAMES = ("article_id", "post_id", "relation", "is_canonical", "matched_post_id", "matched_relation",
                 "coverage_self", "coverage_other", "matched_words", "passages")


def _write_members(con: duckdb.DuckDBPyConnection, groups: list[Group], ids: Assignment) -> None:
    """Insert the Python-grouped members: relation, outlet with evidence, best-matching member."""
    rows = []
    for aid, g in zip(ids.ids, groups, strict=True):
        for post_id, relation in sorted(g.members.items()):
            p = g.best.get(post_id)
            other = p.other(post_id) if p else None
            rows.append((aid, post_id, relation, post_id == g.canonical, other, p.relation if p else None,
                         p.cov(post_id) if p else None, p.cov(other) if p and other else None,
                         p.matched if p else None, p.passages if p else None))
    con.execute(sql.MEMBERS_NEW)
    _insert(con, "_dedup_members", {n: [r[i] for r in rows] for i, n in enumerate(_MEMBER_NAMES)} if rows else {})
    con.execute(sql.INSERT_MEMBERS)


def _write_singles(con: duckdb.DuckDBPyConnection, run_no: int) -> None:
    """Single-post articles of the reach, in SQL (sql.SINGLES): new ones get ids slice by slice."""
    con.execute(sql.SINGLES)
    con.execute(sql.SINGLES_NEW)
    con.execute(sql.SINGLES_TODO)
    for rows in _slices(con, "_dedup_single_todo", "post_id", SINGLES_SLICE):
        posts = rows.column("post_id").to_pylist()
        taken = _taken_ids(con, posts)
        fresh = [fresh_id(p, taken) for p in posts]
        _insert(con, "_dedup_single_new", {"post_id": pa.array(posts, pa.string()), "article_id": pa.array(fresh, pa.string())})
    con.execute(sql.SINGLES_RUNS, {"run_no": run_no})
    con.execute(sql.INSERT_SINGLE_ARTICLES)
    con.execute(sql.INSERT_SINGLE_MEMBERS)


def _write_redirects(con: duckdb.DuckDBPyConnection, redirects: dict[str, str], run_no: int) -> None:
    """Record merged ids and repoint older redirects so every lookup is one hop."""
    for old_id, new_id in sorted(redirects.items()):
        con.execute(sql.REPOINT_REDIRECTS, [new_id, old_id])
        upsert(con, ARTICLE_REDIRECTS, {"old_article_id": old_id, "article_id": new_id, "run_no": run_no, "reason": "merged"})
