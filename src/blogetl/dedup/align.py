"""Verify a candidate pair: align the passages two bodies share, with offsets in both.

Seed and extend, in the spirit of passim: every word n-gram the two bodies share is a seed;
seeds on one diagonal (same offset between the texts) that touch form a run of identical
words; runs are taken longest first without overlap (each word is aligned at most once),
then runs in the same order in both texts with small gaps between them are chained into
one passage (the gap is an edit: a reworded phrase, a typo, an added clause).  Words on
masked (boilerplate) lines are removed before aligning, so they can neither seed nor count.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from blogetl.dedup.fingerprint import ngram_hashes
from blogetl.dedup.normalise import Doc


@dataclass(frozen=True)
class AlignParams:
    """How alignment seeds, chains and keeps passages (see ``blogetl.dedup.config``)."""

    n: int = 5
    max_gap: int = 12  # words on both sides between two runs that still chain (an edited phrase)
    max_deletion: int = 40  # words on one side only (a sentence cut from one copy) that still chain
    min_passage_words: int = 10
    max_repeat: int = 4


@dataclass(frozen=True)
class Passage:
    """One shared passage: word and character ranges in both bodies."""

    a_word_start: int
    a_word_end: int
    b_word_start: int
    b_word_end: int
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched_words: int  # identical words (gap words excluded)


@dataclass(frozen=True)
class Alignment:
    """All shared passages of a pair and the figures derived from them."""

    passages: tuple[Passage, ...]
    words_a: int  # unmasked words
    words_b: int

    @property
    def matched(self) -> int:
        """Identical words in kept passages (the same count on both sides)."""
        return sum(p.matched_words for p in self.passages)

    @property
    def cov_a(self) -> float:
        """Share of a's unmasked words found in b."""
        return self.matched / self.words_a if self.words_a else 0.0

    @property
    def cov_b(self) -> float:
        """Share of b's unmasked words found in a."""
        return self.matched / self.words_b if self.words_b else 0.0

    @property
    def longest(self) -> int:
        """Matched words of the longest passage."""
        return max((p.matched_words for p in self.passages), default=0)


@dataclass
class _Run:
    a0: int
    a1: int
    b0: int
    b1: int
    matched: int


def kept_words(doc: Doc, masked_lines: Collection[int]) -> npt.NDArray[np.int64]:
    """Indices of the words that are not on masked lines."""
    if not masked_lines:
        return np.arange(len(doc), dtype=np.int64)
    return np.flatnonzero(~np.isin(doc.line, list(masked_lines)))


@dataclass(frozen=True)
class Prepared:
    """A doc ready to align: unmasked words, their n-grams, and the n-grams sorted."""

    doc: Doc
    kept: npt.NDArray[np.int64]
    grams: npt.NDArray[np.uint64]
    order: npt.NDArray[np.int64]
    sorted_grams: npt.NDArray[np.uint64]


def prepare(doc: Doc, params: AlignParams, masked_lines: Collection[int] = ()) -> Prepared:
    """Mask, hash and sort a doc once; it is then aligned against any number of others."""
    kept = kept_words(doc, masked_lines)
    grams = ngram_hashes(doc.hashes[kept], params.n)
    order = np.argsort(grams, kind="stable")
    return Prepared(doc, kept, grams, order, grams[order])


def align(
    a: Doc,
    b: Doc,
    params: AlignParams,
    mask_a: Collection[int] = (),
    mask_b: Collection[int] = (),
) -> Alignment:
    """Align the shared passages of two tokenised bodies."""
    return align_prepared(prepare(a, params, mask_a), prepare(b, params, mask_b), params)


def align_prepared(a: Prepared, b: Prepared, params: AlignParams) -> Alignment:
    """Align two prepared docs."""
    runs = _select(_runs(a, b.grams, params))
    passages = [
        _passage(a, b, chain)
        for chain in _chain(runs, params)
        if sum(r.matched for r in chain) >= params.min_passage_words
    ]
    return Alignment(tuple(passages), len(a.kept), len(b.kept))


def _runs(a: Prepared, gb: npt.NDArray[np.uint64], params: AlignParams) -> list[_Run]:
    """Maximal runs of touching seeds on one diagonal (vectorised seed join)."""
    lo = np.searchsorted(a.sorted_grams, gb, "left")
    cnt = np.searchsorted(a.sorted_grams, gb, "right") - lo
    cnt[cnt > params.max_repeat] = 0  # a phrase repeated within a text seeds nothing
    if not cnt.any():
        return []
    j = np.repeat(np.arange(len(gb)), cnt)
    first = np.repeat(lo, cnt)
    within = np.arange(len(j)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    i = a.order[first + within]
    d = i - j
    by = np.lexsort((j, d))
    d, j = d[by], j[by]
    n = params.n
    brk = np.ones(len(j), dtype=bool)
    brk[1:] = (d[1:] != d[:-1]) | (j[1:] > j[:-1] + n)
    starts = np.flatnonzero(brk)
    ends = np.append(starts[1:], len(j)) - 1
    b0, b1, dd = j[starts], j[ends] + n, d[starts]
    return [_Run(x0 + y, x1 + y, x0, x1, x1 - x0) for x0, x1, y in zip(b0.tolist(), b1.tolist(), dd.tolist(), strict=True)]


def _select(runs: list[_Run]) -> list[_Run]:
    """Longest runs first, dropping any that reuse a word on either side."""
    runs.sort(key=lambda r: (-r.matched, r.b0, r.a0))
    taken: list[_Run] = []
    for r in runs:
        if all(r.a1 <= t.a0 or r.a0 >= t.a1 for t in taken) and all(
            r.b1 <= t.b0 or r.b0 >= t.b1 for t in taken
        ):
            taken.append(r)
    taken.sort(key=lambda r: (r.b0, r.a0))
    return taken


def _chain(runs: list[_Run], params: AlignParams) -> list[list[_Run]]:
    """Chain runs that follow each other in both texts with small gaps (edits) or a cut."""
    chains: list[list[_Run]] = []
    for r in runs:
        if chains:
            last = chains[-1][-1]
            lo, hi = sorted((r.a0 - last.a1, r.b0 - last.b1))
            if lo >= 0 and (hi <= params.max_gap or (lo <= 2 and hi <= params.max_deletion)):
                chains[-1].append(r)
                continue
        chains.append([r])
    return chains


def _passage(a: Prepared, b: Prepared, chain: list[_Run]) -> Passage:
    """A chain of runs as a passage with character offsets."""
    a0, a1 = int(a.kept[chain[0].a0]), int(a.kept[chain[-1].a1 - 1])
    b0, b1 = int(b.kept[chain[0].b0]), int(b.kept[chain[-1].b1 - 1])
    return Passage(
        a_word_start=a0,
        a_word_end=a1 + 1,
        b_word_start=b0,
        b_word_end=b1 + 1,
        a_start=a.doc.span(a0)[0],
        a_end=a.doc.span(a1)[1],
        b_start=b.doc.span(b0)[0],
        b_end=b.doc.span(b1)[1],
        matched_words=sum(r.matched for r in chain),
    )
