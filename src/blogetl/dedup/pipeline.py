"""The dedup stage over a DuckDB connection: fingerprint, mask, join, verify, group, name.

Only posts that are new or changed since the last run are fingerprinted, and only pairs
that involve them are looked for (by joining their fingerprints against all stored ones
in DuckDB); grouping then runs over all stored verified pairs, which is cheap.
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
from blogetl.dedup.align import Alignment, Prepared, align_prepared, prepare
from blogetl.dedup.classify import Relation, classify, excerpt_of, is_report, quoter
from blogetl.dedup.config import DEFAULT, DedupConfig
from blogetl.dedup.fingerprint import fingerprint_bodies
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
from blogetl.dedup.normalise import Doc, Vocab, tokenise_batch
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

log = logging.getLogger("blogetl.dedup")
STATE_TABLES = ("dedup_docs", "dedup_lines", "dedup_fingerprints", "dedup_boilerplate",
                "post_pairs", "passage_matches", "post_outlets")


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


def run(con: duckdb.DuckDBPyConnection, config: DedupConfig = DEFAULT) -> dict[str, Any]:
    """Bring the dedup tables up to date with ``posts``; returns counts and timings."""
    started, t0 = datetime.now(UTC), time.perf_counter()
    s = Summary()
    with s.timed("schema"):
        _require_posts(con)
        ensure_schema(con, (DEDUP,))
        _seed_outlets(con)
        settings_changed = _settings_changed(con, config)
        outlets = _load_outlets(con)
        outlets_changed = _state(con, "outlets_digest") != _outlets_digest(outlets)
    with s.timed("changes"):
        changed, removed = _changed_posts(con, full=settings_changed)
    s.counts.update(posts=_count(con, "posts"), new_or_changed=len(changed), removed=len(removed))
    if not (changed or removed or settings_changed or outlets_changed):
        s.counts["changed"] = False
        return _result(s, t0)
    run_no = int(_state(con, "run_no") or 0) + 1
    _forget(con, changed + removed)
    with s.timed("fingerprint"):
        _fingerprint(con, changed, config, s)
    with s.timed("boilerplate"):
        flipped = _update_boilerplate(con, config, s)
    _forget_pairs(con, flipped)
    dirty = sorted(set(changed) | set(flipped))
    with s.timed("candidates"):
        candidates = _candidates(con, dirty, config)
    with s.timed("verify"):
        _verify(con, candidates, config, s)
    with s.timed("outlets"):
        _detect_outlets(con, None if outlets_changed else changed, outlets, s)
    with s.timed("group"):
        _group(con, run_no, None if outlets_changed else sorted(set(dirty) | set(removed)), s)
    _set_state(con, run_no=str(run_no), outlets_digest=_outlets_digest(outlets))
    s.counts.update(changed=True, run_no=run_no)
    result = _result(s, t0)
    con.execute("INSERT INTO dedup_runs VALUES (?, ?, ?, ?)",
                [run_no, started.replace(tzinfo=None), result["seconds"], json.dumps(result)])
    return result


def _result(s: Summary, t0: float) -> dict[str, Any]:
    """The summary as a plain dict with throughput."""
    seconds = round(time.perf_counter() - t0, 4)
    done = s.counts.get("new_or_changed", 0)
    return {**s.counts, "seconds": seconds, "posts_per_second": round(done / seconds, 1) if seconds else None,
            "timings": s.timings}


# --- state ------------------------------------------------------------------------------


def _require_posts(con: duckdb.DuckDBPyConnection) -> None:
    """Fail with a clear message when there is no posts table to read."""
    missing = {"post_id", "title", "body", "site"} - set(_columns(con, "posts"))
    if missing:
        raise DedupError(f"table posts lacks columns {sorted(missing)}; load posts before deduplicating")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows in a table."""
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def _state(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A value from dedup_state."""
    row = con.execute("SELECT value FROM dedup_state WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def _set_state(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    """Upsert values into dedup_state."""
    for key, value in values.items():
        upsert(con, DEDUP_STATE, {"key": key, "value": value})


def _settings_changed(con: duckdb.DuckDBPyConnection, config: DedupConfig) -> bool:
    """True (and all derived state wiped) when the settings differ from the last run's."""
    if _state(con, "config_digest") == config.digest():
        return False
    for table in STATE_TABLES:
        con.execute(f"DELETE FROM {table}")
    _set_state(con, config_digest=config.digest())
    return True


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


def _load_outlets(con: duckdb.DuckDBPyConnection) -> list[ol.Outlet]:
    """The outlets table as it is now (users may have edited it)."""
    rows = con.execute("SELECT outlet_id, name, aliases, kind FROM outlets ORDER BY outlet_id").fetchall()
    return [ol.Outlet(r[0], r[1], tuple(r[2] or ()), r[3] or "") for r in rows]


def _outlets_digest(outlets: Sequence[ol.Outlet]) -> str:
    """A hash of the outlets table, to notice user edits."""
    return json.dumps([[o.outlet_id, o.name, list(o.aliases), o.kind] for o in outlets], ensure_ascii=False)


def _changed_posts(con: duckdb.DuckDBPyConnection, *, full: bool) -> tuple[list[str], list[str]]:
    """Posts new or changed since they were fingerprinted, and posts gone from posts."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dedup_current AS
        SELECT post_id, md5(coalesce(body, '') || chr(31) || coalesce(site, '')) AS content_md5 FROM posts
    """)
    changed = con.execute("""
        SELECT c.post_id FROM _dedup_current c LEFT JOIN dedup_docs d USING (post_id)
        WHERE d.post_id IS NULL OR d.content_md5 <> c.content_md5 OR ? ORDER BY c.post_id
    """, [full]).fetchall()
    removed = con.execute(
        "SELECT post_id FROM dedup_docs ANTI JOIN _dedup_current USING (post_id) ORDER BY post_id"
    ).fetchall()
    return [r[0] for r in changed], [r[0] for r in removed]


def _temp_ids(con: duckdb.DuckDBPyConnection, name: str, ids: Sequence[str]) -> None:
    """A temp table of post ids (with a row number) for joins."""
    con.register("_dedup_ids", pa.table({"post_id": pa.array(list(ids), pa.string())}))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS "
                "SELECT post_id, row_number() OVER (ORDER BY post_id) AS rn FROM _dedup_ids")
    con.unregister("_dedup_ids")


def _forget(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> None:
    """Drop everything derived from these posts' text."""
    if not ids:
        return
    _temp_ids(con, "_dedup_forget", ids)
    for table in ("dedup_docs", "dedup_lines", "dedup_fingerprints", "post_outlets"):
        con.execute(f"DELETE FROM {table} WHERE post_id IN (SELECT post_id FROM _dedup_forget)")
    _forget_pairs(con, ids)


def _forget_pairs(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> None:
    """Drop verified pairs (and their passages) involving these posts."""
    if not ids:
        return
    _temp_ids(con, "_dedup_forget", ids)
    for table in ("post_pairs", "passage_matches"):
        con.execute(f"""DELETE FROM {table} WHERE post_a IN (SELECT post_id FROM _dedup_forget)
                        OR post_b IN (SELECT post_id FROM _dedup_forget)""")


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, Any]) -> None:
    """Bulk insert columns (arrays or lists) through Arrow."""
    data = pa.table(columns)
    if data.num_rows == 0:
        return
    con.register("_dedup_rows", data)
    names = ", ".join(columns)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _dedup_rows")
    con.unregister("_dedup_rows")


# --- fingerprints and boilerplate -----------------------------------------------------------


VOCAB_LIMIT = 100_000  # raw tokens cached between batches; the cache is dropped past it (hashes are content-derived)


def _slices(con: duckdb.DuckDBPyConnection, table: str, columns: str, size: int) -> Iterator[pa.Table]:
    """The rows of a temp table, size rows at a time in storage order, as Arrow.

    DuckDB keeps the table (and spills it to its temp directory); Python holds one slice.  Slices
    are cut by rowid, which DuckDB reads directly: a filter on another column reads every row group
    for every slice, 518 times the bodies of 518k posts at 1 GB (measured: 17 ms against 4.5 ms a
    slice at 100 MB, and growing with the table).
    """
    row = con.execute(f"SELECT max(rowid) FROM {table}").fetchone()
    total = int(row[0]) + 1 if row and row[0] is not None else 0
    for lo in range(0, total, size):
        yield con.execute(f"SELECT {columns} FROM {table} WHERE rowid >= ? AND rowid < ?", [lo, lo + size]).fetch_arrow_table()


def _fingerprint(con: duckdb.DuckDBPyConnection, ids: Sequence[str], cfg: DedupConfig, s: Summary) -> None:
    """Fingerprint changed posts batch by batch and store lines, fingerprints and docs."""
    _temp_ids(con, "_dedup_todo", ids)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dedup_todo_body AS
        SELECT t.rn, t.post_id, coalesce(p.body, '') AS body, c.content_md5
        FROM _dedup_todo t JOIN posts p USING (post_id) JOIN _dedup_current c USING (post_id)
    """)  # one scan of posts, no sort of the bodies (a window over them does not spill); read back in slices
    vocab = Vocab()
    total = 0
    for rows in _slices(con, "_dedup_todo_body", "post_id, body, content_md5", cfg.batch_size):
        if len(vocab) > VOCAB_LIMIT:
            vocab = Vocab()
        post_ids = rows.column("post_id").combine_chunks()
        fp = fingerprint_bodies(rows.column("body").to_pylist(), n=cfg.ngram, sample_mod=cfg.sample_mod,
                                vocab=vocab)
        _insert(con, "dedup_lines", {"post_id": post_ids.take(fp.line_post), "line_no": fp.line_no,
                                     "line_key": fp.line_key, "words": fp.line_words})
        _insert(con, "dedup_fingerprints", {"post_id": post_ids.take(fp.fp_post), "fp": fp.fp_hash,
                                            "pos": fp.fp_pos, "line_key": fp.fp_line})
        per_post = np.bincount(fp.fp_post, minlength=rows.num_rows).astype(np.int32)
        _insert(con, "dedup_docs", {"post_id": post_ids, "content_md5": rows.column("content_md5"),
                                    "words": fp.post_words, "fingerprints": per_post})
        total += len(fp.fp_hash)
    con.execute("DROP TABLE _dedup_todo_body")
    s.counts["fingerprints_added"] = total


# DuckDB spills plain GROUP BYs and joins on integer keys to disk, but not those keyed on text
# (measured: grouping 3.4 M fingerprints by (fp, post_id) needs > 190 MB; by (fp, integer) it
# runs in 60 MB).  So the big aggregations key posts by ``_dedup_keys.k`` (a post's rank by id)
# and run in buckets of about BUCKET_ROWS rows (by hash value modulo the bucket count): what one
# statement holds does not grow with the corpus.
BUCKET_ROWS = 2_000_000


def _keys(con: duckdb.DuckDBPyConnection) -> None:
    """``_dedup_keys``: every fingerprinted post with an integer key in post_id order."""
    con.execute("CREATE OR REPLACE TEMP TABLE _dedup_keys AS "
                "SELECT post_id, row_number() OVER (ORDER BY post_id)::INTEGER AS k FROM dedup_docs")


def _buckets(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """How many buckets keep each under BUCKET_ROWS rows of table."""
    return max(1, -(-_count(con, table) // BUCKET_ROWS))


def _update_boilerplate(con: duckdb.DuckDBPyConnection, cfg: DedupConfig, s: Summary) -> list[str]:
    """Recount recurring lines; returns posts holding lines whose status flipped."""
    _keys(con)
    con.execute("CREATE OR REPLACE TEMP TABLE _dedup_bp (line_key UBIGINT, posts INTEGER, words INTEGER, "
                "example_k INTEGER, example_line INTEGER)")
    buckets = _buckets(con, "dedup_lines")
    for bucket in range(buckets):
        con.execute("""
            INSERT INTO _dedup_bp
            WITH per_post AS (
                SELECT line_key, k, max(words) AS words, min(line_no) AS line_no
                FROM dedup_lines JOIN _dedup_keys USING (post_id) WHERE line_key % ? = ? GROUP BY line_key, k)
            SELECT line_key, count(*), max(words), min(k), arg_min(line_no, k)
            FROM per_post GROUP BY line_key
            HAVING (count(*) >= ? AND max(words) <= ?) OR count(*) >= ?
        """, [buckets, bucket, cfg.boiler_short_min_posts, cfg.boiler_short_words, cfg.boiler_any_min_posts])
    flipped = con.execute("""
        WITH changed AS (
            SELECT line_key FROM _dedup_bp ANTI JOIN dedup_boilerplate USING (line_key)
            UNION ALL
            SELECT line_key FROM dedup_boilerplate ANTI JOIN _dedup_bp USING (line_key))
        SELECT post_id FROM _dedup_keys WHERE k IN (
            SELECT k FROM dedup_lines JOIN _dedup_keys USING (post_id) SEMI JOIN changed USING (line_key))
        ORDER BY post_id
    """).fetchall()
    con.execute("DELETE FROM dedup_boilerplate")
    con.execute("""
        INSERT INTO dedup_boilerplate
        SELECT b.line_key, b.posts, b.words, trim(string_split(p.body, chr(10))[b.example_line + 1])
        FROM _dedup_bp b JOIN _dedup_keys k ON k.k = b.example_k LEFT JOIN posts p ON p.post_id = k.post_id
    """)
    s.counts["boilerplate_lines"] = _count(con, "dedup_boilerplate")
    s.counts["boilerplate_flipped_posts"] = len(flipped)
    return [r[0] for r in flipped]


# --- candidates and verification ------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """Two posts sharing enough fingerprints to be worth aligning."""

    post_a: str
    post_b: str
    shared: int


def _candidates(con: duckdb.DuckDBPyConnection, dirty: Sequence[str], cfg: DedupConfig) -> list[Candidate]:
    """Pairs involving a dirty post that share >= min_shared_fps usable fingerprints."""
    if not dirty:
        return []
    _temp_ids(con, "_dedup_dirty", dirty)
    con.execute("CREATE OR REPLACE TEMP TABLE _dedup_keys AS SELECT k.*, d.post_id IS NOT NULL AS dirty "
                "FROM _dedup_keys k LEFT JOIN _dedup_dirty d USING (post_id)")
    few = len(dirty) * 10 < _count(con, "_dedup_keys")
    if few:  # an incremental run: only the fingerprints its posts hold can make a pair
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _dedup_dirty_fps AS
            SELECT DISTINCT fp FROM dedup_fingerprints SEMI JOIN _dedup_dirty USING (post_id)
            ANTI JOIN dedup_boilerplate USING (line_key)""")
    only_dirty = "SEMI JOIN _dedup_dirty_fps USING (fp)" if few else ""
    buckets = 1 if few else _buckets(con, "dedup_fingerprints")
    con.execute("CREATE OR REPLACE TEMP TABLE _dedup_shared (ka INTEGER, kb INTEGER, n BIGINT)")
    for bucket in range(buckets):
        con.execute(f"""
            INSERT INTO _dedup_shared
            WITH held AS (
                SELECT f.fp, k.k, k.dirty FROM dedup_fingerprints f {only_dirty}
                ANTI JOIN dedup_boilerplate b ON b.line_key = f.line_key
                JOIN _dedup_keys k ON k.post_id = f.post_id
                WHERE f.fp % ? = ? GROUP BY f.fp, k.k, k.dirty
            ), rare AS (
                SELECT fp FROM held GROUP BY fp HAVING count(*) BETWEEN 2 AND ? AND bool_or(dirty)
            ), h AS (SELECT * FROM held SEMI JOIN rare USING (fp))
            SELECT least(a.k, b.k), greatest(a.k, b.k), count(*)
            FROM h a JOIN h b ON a.fp = b.fp AND a.k <> b.k
            WHERE a.dirty AND (NOT b.dirty OR a.k < b.k)
            GROUP BY ALL""", [buckets, bucket, cfg.max_df])
    rows = con.execute("""
        SELECT x.post_id, y.post_id, s.n FROM (
            SELECT ka, kb, sum(n) AS n FROM _dedup_shared GROUP BY ka, kb HAVING sum(n) >= ?) s
        JOIN _dedup_keys x ON x.k = s.ka JOIN _dedup_keys y ON y.k = s.kb
        ORDER BY 1, 2
    """, [cfg.min_shared_fps]).fetchall()
    con.execute("DROP TABLE _dedup_shared")
    return [Candidate(a, b, n) for a, b, n in rows]


OUTLET_SLICE = 20_000  # posts read for outlet phrases at a time
VERIFY_CHUNK = 1000  # candidates aligned per chunk: the bodies and alignments held at once


def _docs(con: duckdb.DuckDBPyConnection, ids: set[str], batch_size: int) -> tuple[dict[str, Doc], set[str]]:
    """Tokenised bodies of the given posts, and those of them that are a listing's teaser."""
    _temp_ids(con, "_dedup_need", sorted(ids))
    excerpt = "coalesce(is_excerpt, false)" if "is_excerpt" in _columns(con, "posts") else "false"
    rows = con.execute(
        f"SELECT post_id, coalesce(body, ''), {excerpt} FROM posts SEMI JOIN _dedup_need USING (post_id) ORDER BY post_id"
    ).fetchall()
    vocab = Vocab()
    docs: dict[str, Doc] = {}
    for lo in range(0, len(rows), batch_size):
        chunk = rows[lo : lo + batch_size]
        batch = tokenise_batch([body for _, body, _ in chunk], vocab)
        docs.update((pid, batch.doc(i, body)) for i, (pid, body, _) in enumerate(chunk))
    return docs, {pid for pid, _, is_excerpt in rows if is_excerpt}


def _mask(doc: Doc, boiler: set[int]) -> set[int]:
    """Line numbers of a doc that are boilerplate."""
    return {line for line, key in doc.line_keys.items() if key in boiler}


def _verify(con: duckdb.DuckDBPyConnection, candidates: list[Candidate], cfg: DedupConfig, s: Summary) -> None:
    """Align every candidate; store verified pairs and their passages, drop the rest.

    Candidates come sorted by post_a and are aligned VERIFY_CHUNK at a time, each chunk with the
    bodies it needs, so memory does not grow with the corpus (a post in two chunks is read twice).
    """
    s.counts["candidates"] = len(candidates)
    relations: dict[str, int] = {}
    boiler = {r[0] for r in con.execute("SELECT line_key FROM dedup_boilerplate").fetchall()}  # few: recurring lines
    for lo in range(0, len(candidates), VERIFY_CHUNK):
        _verify_chunk(con, candidates[lo : lo + VERIFY_CHUNK], cfg, relations, boiler)
    s.counts["verified_pairs"] = sum(relations.values())
    s.counts["unverified_candidates"] = len(candidates) - s.counts["verified_pairs"]
    s.counts["relations_found"] = dict(sorted(relations.items()))


def _verify_chunk(con: duckdb.DuckDBPyConnection, candidates: list[Candidate], cfg: DedupConfig,
                  relations: dict[str, int], boiler: set[int]) -> None:
    """Align one chunk of candidates and insert its verified pairs and passages."""
    needed = {c.post_a for c in candidates} | {c.post_b for c in candidates}
    docs, excerpts = _docs(con, needed, cfg.batch_size)
    prepared: dict[str, Prepared] = {}
    reports: dict[str, bool] = {}

    def ready(pid: str) -> Prepared:
        """The post prepared for alignment (once)."""
        if pid not in prepared:
            prepared[pid] = prepare(docs[pid], cfg.align, _mask(docs[pid], boiler))
        return prepared[pid]

    def report(pid: str) -> bool:
        """The post quotes someone in reported speech (once)."""
        if pid not in reports:
            reports[pid] = is_report(docs[pid].body)
        return reports[pid]

    pairs: dict[str, list[Any]] = {k: [] for k in PAIR_COLUMNS}
    passages: dict[str, list[Any]] = {k: [] for k in PASSAGE_COLUMNS}
    for c in candidates:
        if c.post_a not in docs or c.post_b not in docs:
            continue
        al = align_prepared(ready(c.post_a), ready(c.post_b), cfg.align)
        if not al.passages:
            continue
        is_rep = (report(c.post_a), report(c.post_b))
        rel = classify(al.cov_a, al.cov_b, len(al.passages), cfg, report=any(is_rep))
        teaser = excerpt_of(rel, c.post_a, c.post_b, al.cov_a, al.cov_b, excerpts, cfg)
        rel = Relation.EXCERPT if teaser else rel
        relations[rel] = relations.get(rel, 0) + 1
        _pair_row(pairs, c, al, rel, teaser, is_rep)
        _passage_rows(passages, c, al, docs[c.post_a].body)
    _insert(con, "post_pairs", pairs)
    _insert(con, "passage_matches", passages)


PAIR_COLUMNS = ("post_a", "post_b", "relation", "quoter_post_id", "coverage_a", "coverage_b",
                "matched_words", "passages", "longest_passage", "shared_fingerprints")
PASSAGE_COLUMNS = ("post_a", "post_b", "passage_no", "a_start", "a_end", "b_start", "b_end",
                   "matched_words", "shared_text")


def _pair_row(out: dict[str, list[Any]], c: Candidate, al: Alignment, rel: str, teaser: str | None,
              reports: tuple[bool, bool]) -> None:
    """Append one post_pairs row (the quoter of a quote pair is the report, of an excerpt pair the teaser)."""
    q = quoter(c.post_a, c.post_b, al.cov_a, al.cov_b, reports) if rel == "quote" else teaser
    for key, value in zip(PAIR_COLUMNS, (c.post_a, c.post_b, rel, q, round(al.cov_a, 6), round(al.cov_b, 6),
                                         al.matched, len(al.passages), al.longest, c.shared), strict=True):
        out[key].append(value)


def _passage_rows(out: dict[str, list[Any]], c: Candidate, al: Alignment, body_a: str) -> None:
    """Append the passage_matches rows of one pair."""
    for no, p in enumerate(al.passages, 1):
        row = (c.post_a, c.post_b, no, p.a_start, p.a_end, p.b_start, p.b_end, p.matched_words,
               body_a[p.a_start:p.a_end])
        for key, value in zip(PASSAGE_COLUMNS, row, strict=True):
            out[key].append(value)


# --- outlets --------------------------------------------------------------------------------


def _detect_outlets(
    con: duckdb.DuckDBPyConnection, ids: Sequence[str] | None, outlets: Sequence[ol.Outlet], s: Summary
) -> None:
    """Find each post's outlets (all posts when ids is None, e.g. after the table was edited).

    DuckDB first flags the bodies that name an outlet at all (RE2, both cores); only those
    are read by the phrase regexes, the rest get the site's outlet.
    """
    if ids is None:
        con.execute("DELETE FROM post_outlets")
        con.execute("CREATE OR REPLACE TEMP TABLE _dedup_outlets AS "
                    "SELECT post_id, row_number() OVER (ORDER BY post_id) AS rn FROM posts")
    else:
        _temp_ids(con, "_dedup_outlets", ids)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dedup_outlet_posts AS
        SELECT o.rn, post_id, CASE WHEN regexp_matches(lower(p.body), ?) THEN p.body END AS body, p.site
        FROM _dedup_outlets o JOIN posts p USING (post_id)
    """, [ol.mention_regex(outlets)])
    scanned = read = 0
    for rows in _slices(con, "_dedup_outlet_posts", "post_id, body, site", OUTLET_SLICE):
        cols: dict[str, list[Any]] = {k: [] for k in ("post_id", "outlet_id", "rank", "source", "phrase",
                                                      "start_offset", "end_offset")}
        for post_id, body, site in zip(*(rows.column(c).to_pylist() for c in ("post_id", "body", "site")),
                                       strict=True):
            found = ol.detect(body, site, outlets) if body else ol.site_outlet(site, outlets)
            for rank, e in enumerate(found, 1):
                for key, value in zip(cols, (post_id, e.outlet_id, rank, e.source, e.phrase, e.start, e.end),
                                      strict=True):
                    cols[key].append(value)
            read += bool(body)
        scanned += rows.num_rows
        _insert(con, "post_outlets", {k: pa.array(v, pa.int32() if k in ("rank", "start_offset", "end_offset")
                                                  else pa.string()) for k, v in cols.items()})
    con.execute("DROP TABLE _dedup_outlet_posts")
    s.counts["outlet_posts_scanned"] = scanned
    s.counts["outlet_posts_read"] = read


# --- grouping -------------------------------------------------------------------------------


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """Column names of a table or view in the current schema (empty when it does not exist)."""
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = current_schema()"
        " ORDER BY column_index", [relation]).fetchall()]


def _first_seen_sql(con: duckdb.DuckDBPyConnection) -> str:
    """A query of (post_id, first_seen) from posts or the warehouse's v_posts, if either has one."""
    for relation in ("posts", "v_posts"):
        seen = next((c for c in _columns(con, relation) if c.startswith("first_seen") and not c.endswith("_in")), None)
        if seen:
            return f"SELECT post_id, CAST({seen} AS VARCHAR) AS first_seen FROM {relation}"
    return "SELECT post_id, NULL::VARCHAR AS first_seen FROM posts"


GROUPING = ("duplicate", "version", "quote", "excerpt")  # pair relations that group or attach posts


def _group(con: duckdb.DuckDBPyConnection, run_no: int, dirty: Sequence[str] | None, s: Summary) -> None:
    """Regroup the posts a change can reach, keep ids stable, rewrite their articles and members.

    The reach (``_dedup_reach``) is every post linked to a dirty one through stored pairs or a
    previous article, repeated until nothing is added: articles outside it cannot change.  Inside
    it, posts with no pair and no previous company are single-post articles, written in SQL (most
    posts of a full build); the rest are grouped in Python (``group.group`` / ``assign_ids``).
    ``dirty`` None regroups everything (the outlets table changed).
    """
    _previous_members(con)
    reach = _reach(con, dirty)
    infos = _post_infos(con)
    groups = group(infos, _pairs(con))
    prev = _previous(con, infos)
    ids = assign_ids(groups, prev, run_no)
    old = _old_articles(con)
    con.execute("DELETE FROM article_members WHERE article_id IN (SELECT article_id FROM _dedup_prev_reach) "
                "OR post_id IN (SELECT post_id FROM _dedup_reach)")
    con.execute("DELETE FROM articles WHERE article_id IN (SELECT article_id FROM _dedup_prev_reach)")
    _write_articles(con, groups, ids, old, run_no)
    _write_members(con, groups, ids)
    _write_singles(con, run_no)
    _write_redirects(con, ids.redirects, run_no)
    con.execute("""UPDATE articles SET title = p.title FROM posts p
                   WHERE p.post_id = articles.canonical_post_id AND articles.title IS DISTINCT FROM p.title""")
    s.counts.update(
        regrouped_posts=reach,
        articles=_count(con, "articles"),
        multi_member_articles=int(con.execute("SELECT count(*) FROM articles WHERE members > 1").fetchone()[0]),  # type: ignore[index]
        redirects_added=len(ids.redirects),
    )


def _previous_members(con: duckdb.DuckDBPyConnection) -> None:
    """``_dedup_moves`` (post ids the warehouse re-keyed: old -> new) and ``_dedup_prev``: the last
    run's (post_id, raw_post_id, article_id), re-keyed ids followed so an article keeps its id."""
    moves = ("SELECT old_post_id, any_value(new_post_id) AS new_post_id FROM post_redirects "
             "GROUP BY old_post_id HAVING count(DISTINCT new_post_id) = 1") if _columns(con, "post_redirects") \
        else "SELECT NULL::VARCHAR AS old_post_id, NULL::VARCHAR AS new_post_id WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dedup_moves AS {moves}")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dedup_prev AS
        SELECT coalesce(r.new_post_id, m.post_id) AS post_id, m.post_id AS raw_post_id, m.article_id
        FROM article_members m LEFT JOIN _dedup_moves r ON r.old_post_id = m.post_id""")


def _reach(con: duckdb.DuckDBPyConnection, dirty: Sequence[str] | None) -> int:
    """Fill ``_dedup_reach`` (posts to regroup), ``_dedup_prev_reach`` (their previous articles: every
    member, with the article's canonical post and runs) and ``_dedup_world`` (the posts of the reach
    grouped in Python: those with a pair, a previous article of several posts, or several previous
    articles); returns the reach's size."""
    if dirty is None:
        con.execute("CREATE OR REPLACE TEMP TABLE _dedup_reach AS "
                    "SELECT post_id FROM dedup_docs UNION SELECT post_id FROM _dedup_prev")
    else:
        _temp_ids(con, "_dedup_reach", dirty)
        con.execute("CREATE OR REPLACE TEMP TABLE _dedup_reach AS SELECT post_id FROM _dedup_reach")
        while True:
            added = con.execute(f"""
                INSERT INTO _dedup_reach
                SELECT post_id FROM _dedup_prev WHERE article_id IN (
                    SELECT article_id FROM _dedup_prev SEMI JOIN _dedup_reach USING (post_id))
                UNION SELECT post_b FROM post_pairs WHERE relation IN {GROUPING}
                    AND post_a IN (SELECT post_id FROM _dedup_reach)
                UNION SELECT post_a FROM post_pairs WHERE relation IN {GROUPING}
                    AND post_b IN (SELECT post_id FROM _dedup_reach)
                EXCEPT SELECT post_id FROM _dedup_reach""").fetchone()
            if not added or not added[0]:
                break
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dedup_prev_reach AS
        SELECT p.post_id, p.raw_post_id, p.article_id, a.canonical_post_id AS raw_canonical,
               coalesce(mv.new_post_id, a.canonical_post_id) AS canonical, a.created_run, a.changed_run
        FROM _dedup_prev p LEFT JOIN articles a USING (article_id)
        LEFT JOIN _dedup_moves mv ON mv.old_post_id = a.canonical_post_id
        WHERE p.article_id IN (SELECT article_id FROM _dedup_prev SEMI JOIN _dedup_reach USING (post_id))""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dedup_world AS
        WITH company AS (
            SELECT post_id FROM _dedup_prev_reach WHERE article_id IN (
                SELECT article_id FROM _dedup_prev_reach GROUP BY article_id HAVING count(*) > 1)
            UNION ALL SELECT post_id FROM _dedup_prev_reach GROUP BY post_id HAVING count(*) > 1
            UNION ALL SELECT post_a FROM post_pairs WHERE relation IN {GROUPING}
            UNION ALL SELECT post_b FROM post_pairs WHERE relation IN {GROUPING})
        SELECT post_id FROM _dedup_reach SEMI JOIN dedup_docs USING (post_id) SEMI JOIN company USING (post_id)""")
    return _count(con, "_dedup_reach")


def _post_infos(con: duckdb.DuckDBPyConnection) -> dict[str, PostInfo]:
    """Words and first-seen stamp of the posts grouped in Python (the stamp breaks ties only)."""
    rows = con.execute(f"""
        SELECT d.post_id, d.words, coalesce(s.first_seen, '')
        FROM dedup_docs d SEMI JOIN _dedup_world USING (post_id) LEFT JOIN ({_first_seen_sql(con)}) s USING (post_id)
    """).fetchall()
    return {pid: PostInfo(words, first) for pid, words, first in rows}


def _pairs(con: duckdb.DuckDBPyConnection) -> list[Pair]:
    """Stored pairs that can group or attach the posts grouped in Python."""
    rows = con.execute(f"""
        SELECT post_a, post_b, relation, quoter_post_id, coverage_a, coverage_b, matched_words, passages
        FROM post_pairs WHERE relation IN {GROUPING} AND post_a IN (SELECT post_id FROM _dedup_world)
    """).fetchall()
    return [Pair(*r) for r in rows]


def _previous(con: duckdb.DuckDBPyConnection, world: Mapping[str, PostInfo]) -> Previous:
    """The article state the last run left for the reach, and the ids new articles must avoid."""
    rows = con.execute("SELECT post_id, article_id, canonical, created_run FROM _dedup_prev_reach").fetchall()
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
        used = {r[0] for r in _ids_used(con, list(cand))}
        taken |= used
        todo = [cand[i] for i in used]
        salt += 1
    return taken


def _ids_used(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> list[tuple[str]]:
    """Which of these article ids exist or ever existed (redirected, or this run's previous ones)."""
    con.register("_dedup_cand", pa.table({"article_id": pa.array(list(ids), pa.string())}))
    try:
        return con.execute("""
            SELECT article_id FROM _dedup_cand WHERE article_id IN (
                SELECT article_id FROM articles UNION ALL SELECT old_article_id FROM article_redirects
                UNION ALL SELECT article_id FROM _dedup_prev_reach)""").fetchall()
    finally:
        con.unregister("_dedup_cand")


def _old_articles(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, frozenset[tuple[str, str]], int]]:
    """article_id -> (canonical, {(post, relation)}, changed_run) as stored, for the reach's articles."""
    rows = con.execute("""
        SELECT a.article_id, a.canonical_post_id, a.changed_run, list((m.post_id, m.relation))
        FROM articles a JOIN article_members m USING (article_id)
        WHERE a.article_id IN (SELECT article_id FROM _dedup_prev_reach) GROUP BY ALL
    """).fetchall()
    return {aid: (canon, frozenset((p, r) for p, r in members), changed) for aid, canon, changed, members in rows}


def _write_articles(con: duckdb.DuckDBPyConnection, groups: list[Group], ids: Assignment,
                    old: dict[str, tuple[str, frozenset[tuple[str, str]], int]], run_no: int) -> None:
    """Insert the Python-grouped articles; changed_run moves only for articles whose content changed."""
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
    if not groups:
        return
    con.register("_dedup_rows", pa.table(cols))
    try:
        con.execute("""
            INSERT INTO articles BY NAME
            SELECT r.*, p.title FROM _dedup_rows r LEFT JOIN posts p ON p.post_id = r.canonical_post_id""")
    finally:
        con.unregister("_dedup_rows")


_MEMBER_OUTLETS = """
        LEFT JOIN (
            SELECT post_id, list(outlet_id ORDER BY rank) AS outlet_ids,
                   arg_min(source, rank) AS source, arg_min(phrase, rank) AS phrase,
                   arg_min(start_offset, rank) AS start_offset, arg_min(end_offset, rank) AS end_offset
            FROM post_outlets GROUP BY post_id) o USING (post_id)"""


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
    con.execute("""CREATE OR REPLACE TEMP TABLE _dedup_members (article_id VARCHAR, post_id VARCHAR,
        relation VARCHAR, is_canonical BOOLEAN, matched_post_id VARCHAR, matched_relation VARCHAR,
        coverage_self DOUBLE, coverage_other DOUBLE, matched_words INTEGER, passages INTEGER)""")
    names = ("article_id", "post_id", "relation", "is_canonical", "matched_post_id", "matched_relation",
             "coverage_self", "coverage_other", "matched_words", "passages")
    _insert(con, "_dedup_members", {n: [r[i] for r in rows] for i, n in enumerate(names)} if rows else {})
    con.execute(f"""
        INSERT INTO article_members
        SELECT m.article_id, m.post_id, m.relation, m.is_canonical,
               o.outlet_ids[1], coalesce(o.outlet_ids, []), o.source, o.phrase, o.start_offset, o.end_offset,
               m.matched_post_id, m.matched_relation, m.coverage_self, m.coverage_other,
               m.matched_words, m.passages
        FROM _dedup_members m {_MEMBER_OUTLETS}
        ORDER BY m.article_id, m.post_id
    """)


SINGLES_SLICE = 100_000  # new single-post articles given ids at a time


def _write_singles(con: duckdb.DuckDBPyConnection, run_no: int) -> None:
    """Single-post articles of the reach (no pair, no previous company), in SQL: a post keeps its
    previous article id (and its created/changed runs); a new one gets ``group.fresh_id``'s id."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dedup_single AS
        SELECT r.post_id, p.article_id
        FROM _dedup_reach r SEMI JOIN dedup_docs USING (post_id) ANTI JOIN _dedup_world USING (post_id)
        LEFT JOIN _dedup_prev_reach p USING (post_id)""")
    con.execute("CREATE OR REPLACE TEMP TABLE _dedup_single_new (post_id VARCHAR, article_id VARCHAR)")
    con.execute("""CREATE OR REPLACE TEMP TABLE _dedup_single_todo AS
        SELECT post_id, row_number() OVER (ORDER BY post_id) AS rn FROM _dedup_single WHERE article_id IS NULL""")
    for rows in _slices(con, "_dedup_single_todo", "post_id", SINGLES_SLICE):
        posts = rows.column("post_id").to_pylist()
        taken = _taken_ids(con, posts)
        fresh = [fresh_id(p, taken) for p in posts]
        _insert(con, "_dedup_single_new", {"post_id": pa.array(posts, pa.string()), "article_id": pa.array(fresh, pa.string())})
    # A kept article is unchanged when it held just this post under this id (not re-keyed).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dedup_single AS
        SELECT s.post_id, coalesce(s.article_id, n.article_id) AS article_id,
               coalesce(p.created_run, {run_no}) AS created_run,
               CASE WHEN p.raw_canonical = s.post_id AND p.raw_post_id = s.post_id THEN p.changed_run
                    ELSE {run_no} END AS changed_run
        FROM _dedup_single s LEFT JOIN _dedup_single_new n USING (post_id)
        LEFT JOIN _dedup_prev_reach p ON p.article_id = s.article_id""")
    con.execute("""
        INSERT INTO articles BY NAME
        SELECT s.article_id, s.post_id AS canonical_post_id, p.title, 1 AS members, 1 AS versions,
               0 AS duplicates, 0 AS quotes, s.created_run, s.changed_run
        FROM _dedup_single s LEFT JOIN posts p USING (post_id)""")
    con.execute(f"""
        INSERT INTO article_members
        SELECT s.article_id, s.post_id, 'version', true,
               o.outlet_ids[1], coalesce(o.outlet_ids, []), o.source, o.phrase, o.start_offset, o.end_offset,
               NULL, NULL, NULL, NULL, NULL, NULL
        FROM _dedup_single s {_MEMBER_OUTLETS}
        ORDER BY s.article_id""")


def _write_redirects(con: duckdb.DuckDBPyConnection, redirects: dict[str, str], run_no: int) -> None:
    """Record merged ids and repoint older redirects so every lookup is one hop."""
    for old_id, new_id in sorted(redirects.items()):
        con.execute("UPDATE article_redirects SET article_id = ? WHERE article_id = ?", [new_id, old_id])
        upsert(con, ARTICLE_REDIRECTS, {"old_article_id": old_id, "article_id": new_id, "run_no": run_no, "reason": "merged"})
