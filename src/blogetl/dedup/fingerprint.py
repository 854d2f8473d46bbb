"""Word n-gram fingerprints with hashes fixed by definition, not by a library version.

A word's hash is xxh3_64 of its normalised UTF-8 (xxh3 is a frozen specification).  An
n-gram's hash is a polynomial over its word hashes modulo 2**64, finished with murmur3's
fmix64 so every bit is usable for sampling.  Both are plain arithmetic, so stored
fingerprints stay comparable across runs, machines and library upgrades (a test pins values).

Only n-grams inside one line are made: a line is the unit of boilerplate masking, and an
op-ed paragraph is one line, so nothing of substance is lost.  A fingerprint is kept when
``hash % sample_mod == 0``: content-defined sampling keeps or drops the same n-gram in every
post, so a shared passage keeps its shared fingerprints (a passage of 20 words has 16
n-grams, about 5 of them kept at sample_mod 3).

>>> from blogetl.dedup.normalise import Vocab
>>> fp = fingerprint_bodies(["ett två tre fyra fem sex", "Ett TVÅ tre fyra fem"], n=5, sample_mod=1, vocab=Vocab())
>>> fp.fp_post.tolist(), bool(fp.fp_hash[0] == fp.fp_hash[2]), fp.post_words.tolist()
([0, 0, 1], True, [6, 5])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from blogetl.dedup.normalise import Batch, Vocab, fmix64, tokenise_batch

U64 = npt.NDArray[np.uint64]
_PRIME = np.uint64(0x9E3779B97F4A7C15)


def ngram_hashes(word_hashes: U64, n: int) -> U64:
    """Hash of every n-gram of a word-hash sequence (len - n + 1 values)."""
    m = len(word_hashes) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(m, dtype=np.uint64)
    for k in range(n):
        h = h * _PRIME + word_hashes[k : k + m]
    return fmix64(h)


@dataclass(frozen=True)
class Fingerprints:
    """Fingerprints and lines of a batch of posts, as parallel columns."""

    fp_post: npt.NDArray[np.int64]  # index of the body in the batch
    fp_hash: U64
    fp_pos: npt.NDArray[np.int32]  # word position of the n-gram in its body
    fp_line: U64  # key of the line the n-gram lies in
    line_post: npt.NDArray[np.int64]
    line_no: npt.NDArray[np.int32]
    line_key: U64
    line_words: npt.NDArray[np.int32]
    post_words: npt.NDArray[np.int32]


def fingerprint_bodies(bodies: Sequence[str], *, n: int, sample_mod: int, vocab: Vocab) -> Fingerprints:
    """Fingerprint a batch of bodies: sampled in-line n-grams plus every line's key."""
    return fingerprint_batch(tokenise_batch(bodies, vocab), n=n, sample_mod=sample_mod)


def fingerprint_batch(batch: Batch, *, n: int, sample_mod: int) -> Fingerprints:
    """Sampled in-line n-grams and line keys of an already tokenised batch (vectorised)."""
    starts, keys = batch.line_segments
    ends = np.append(starts[1:], len(batch.hashes))
    grams = ngram_hashes(batch.hashes, n)
    seg = np.repeat(np.arange(len(starts)), ends - starts)  # line segment of each word
    pos = np.arange(len(grams), dtype=np.int64)
    keep = (seg[: len(grams)] == seg[n - 1 :]) & (grams % np.uint64(sample_mod) == 0)
    pos = pos[keep]
    post = batch.post[pos]
    return Fingerprints(
        fp_post=post,
        fp_hash=grams[keep],
        fp_pos=(pos - batch.post_start[post]).astype(np.int32),
        fp_line=keys[seg[pos]],
        line_post=batch.post[starts],
        line_no=batch.line[starts].astype(np.int32),
        line_key=keys,
        line_words=(ends - starts).astype(np.int32),
        post_words=np.diff(batch.post_start).astype(np.int32),
    )
