"""The stage's CPU work, as pure functions of plain data: they run in this process or in a pool.

Each function takes what one slice or chunk needs (bodies, candidates, settings) and returns
columns to insert; none touches the database.  ``ordered_map`` runs one over a stream of work
items on ``workers`` processes (forkserver: never a fork of a process holding DuckDB's threads),
keeping at most two items per worker in flight, so memory does not grow with the stream, and
yields the results in input order: a run on two cores writes exactly what a run on one writes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from blogetl.dedup import outlets as ol
from blogetl.dedup.align import Alignment, Prepared, align_prepared, prepare
from blogetl.dedup.classify import Relation, classify, excerpt_of, is_report, quoter
from blogetl.dedup.config import DedupConfig
from blogetl.dedup.fingerprint import Fingerprints, fingerprint_bodies
from blogetl.dedup.normalise import Doc, Vocab, tokenise_batch

T = TypeVar("T")
R = TypeVar("R")
Columns = dict[str, list[Any]]

VOCAB_LIMIT = 100_000  # raw tokens cached between batches; the cache is dropped past it (hashes are content-derived)
_vocab = Vocab()  # per process: a cache only, so results do not depend on which process ran a batch


def fingerprint(bodies: list[str], cfg: DedupConfig) -> Fingerprints:
    """Fingerprints and line keys of one slice of bodies."""
    global _vocab
    if len(_vocab) > VOCAB_LIMIT:
        _vocab = Vocab()
    return fingerprint_bodies(bodies, n=cfg.ngram, sample_mod=cfg.sample_mod, vocab=_vocab)


@dataclass(frozen=True)
class Candidate:
    """Two posts sharing enough fingerprints to be worth aligning."""

    post_a: str
    post_b: str
    shared: int


@dataclass(frozen=True)
class VerifyTask:
    """One chunk of candidates with the bodies they need: (post_id, body, is_excerpt)."""

    candidates: list[Candidate]
    docs: list[tuple[str, str, bool]]
    boiler: frozenset[int]
    cfg: DedupConfig


@dataclass(frozen=True)
class Verified:
    """What one chunk verified: post_pairs and passage_matches columns, pairs per relation."""

    pairs: Columns
    passages: Columns
    relations: dict[str, int]


PAIR_COLUMNS = ("post_a", "post_b", "relation", "quoter_post_id", "coverage_a", "coverage_b",
                "matched_words", "passages", "longest_passage", "shared_fingerprints")
PASSAGE_COLUMNS = ("post_a", "post_b", "passage_no", "a_start", "a_end", "b_start", "b_end",
                   "matched_words", "shared_text")
OUTLET_COLUMNS = ("post_id", "outlet_id", "rank", "source", "phrase", "start_offset", "end_offset")


def verify(task: VerifyTask) -> Verified:
    """Align every candidate of a chunk; keep the pairs with a shared passage, classified."""
    cfg = task.cfg
    docs = _docs(task.docs, cfg.batch_size)
    excerpts = {pid for pid, _, is_excerpt in task.docs if is_excerpt}
    prepared: dict[str, Prepared] = {}
    reports: dict[str, bool] = {}

    def ready(pid: str) -> Prepared:
        """The post prepared for alignment (once)."""
        if pid not in prepared:
            doc = docs[pid]
            prepared[pid] = prepare(doc, cfg.align, {n for n, key in doc.line_keys.items() if key in task.boiler})
        return prepared[pid]

    def report(pid: str) -> bool:
        """The post quotes someone in reported speech (once)."""
        if pid not in reports:
            reports[pid] = is_report(docs[pid].body)
        return reports[pid]

    out = Verified({k: [] for k in PAIR_COLUMNS}, {k: [] for k in PASSAGE_COLUMNS}, {})
    for c in task.candidates:
        if c.post_a not in docs or c.post_b not in docs:
            continue
        al = align_prepared(ready(c.post_a), ready(c.post_b), cfg.align)
        if not al.passages:
            continue
        is_rep = (report(c.post_a), report(c.post_b))
        rel = classify(al.cov_a, al.cov_b, len(al.passages), cfg, report=any(is_rep))
        teaser = excerpt_of(rel, c.post_a, c.post_b, al.cov_a, al.cov_b, excerpts, cfg)
        rel = Relation.EXCERPT if teaser else rel
        out.relations[rel] = out.relations.get(rel, 0) + 1
        _pair_row(out.pairs, c, al, rel, teaser, is_rep)
        _passage_rows(out.passages, c, al, docs[c.post_a].body)
    return out


def _docs(rows: Sequence[tuple[str, str, bool]], batch_size: int) -> dict[str, Doc]:
    """Tokenised bodies by post id."""
    vocab = Vocab()
    docs: dict[str, Doc] = {}
    for lo in range(0, len(rows), batch_size):
        chunk = rows[lo : lo + batch_size]
        batch = tokenise_batch([body for _, body, _ in chunk], vocab)
        docs.update((pid, batch.doc(i, body)) for i, (pid, body, _) in enumerate(chunk))
    return docs


def _pair_row(out: Columns, c: Candidate, al: Alignment, rel: str, teaser: str | None,
              reports: tuple[bool, bool]) -> None:
    """Append one post_pairs row (the quoter of a quote pair is the report, of an excerpt pair the teaser)."""
    q = quoter(c.post_a, c.post_b, al.cov_a, al.cov_b, reports) if rel == "quote" else teaser
    for key, value in zip(PAIR_COLUMNS, (c.post_a, c.post_b, rel, q, round(al.cov_a, 6), round(al.cov_b, 6),
                                         al.matched, len(al.passages), al.longest, c.shared), strict=True):
        out[key].append(value)


def _passage_rows(out: Columns, c: Candidate, al: Alignment, body_a: str) -> None:
    """Append the passage_matches rows of one pair."""
    for no, p in enumerate(al.passages, 1):
        row = (c.post_a, c.post_b, no, p.a_start, p.a_end, p.b_start, p.b_end, p.matched_words,
               body_a[p.a_start:p.a_end])
        for key, value in zip(PASSAGE_COLUMNS, row, strict=True):
            out[key].append(value)


def detect_outlets(rows: tuple[list[str], list[str | None], list[str | None]],
                   outlets: tuple[ol.Outlet, ...]) -> Columns:
    """post_outlets columns for a slice of (post_ids, bodies, sites): a body is None when it names
    no outlet at all (DuckDB checked), and then the post gets its site's outlet."""
    cols: Columns = {k: [] for k in OUTLET_COLUMNS}
    for post_id, body, site in zip(*rows, strict=True):
        found = ol.detect(body, site, outlets) if body else ol.site_outlet(site, outlets)
        for rank, e in enumerate(found, 1):
            for key, value in zip(OUTLET_COLUMNS, (post_id, e.outlet_id, rank, e.source, e.phrase, e.start, e.end),
                                  strict=True):
                cols[key].append(value)
    return cols


# --- running work on several processes -------------------------------------------------------

Mapper = Callable[[Callable[[T], R], Iterable[T]], Iterator[R]]


def cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def in_process(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """The plain map."""
    return map(fn, items)


@contextmanager
def pool(workers: int) -> Iterator[Mapper[Any, Any]]:
    """An ordered, bounded map on `workers` processes (the plain map for one, or inside a daemon
    process such as a Dask worker, which may not start children)."""
    if workers <= 1 or multiprocessing.current_process().daemon:
        yield in_process
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:

        def ordered_map(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
            """Results in input order, at most 2 * workers items submitted and not yet taken."""
            pending: list[Future[R]] = []
            for item in items:
                pending.append(executor.submit(fn, item))
                if len(pending) >= 2 * workers:
                    yield pending.pop(0).result()
            while pending:
                yield pending.pop(0).result()

        yield ordered_map
