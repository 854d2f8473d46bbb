"""Words of post bodies: NFC + casefold (å ä ö kept, never stripped), hashed, with lines.

Tokenising works on a whole batch of bodies at once: one regex pass finds words, line
breaks and record separators; every distinct raw token is normalised and hashed once
(``Vocab``); everything after that is numpy.  Character offsets are only computed for the
posts whose passages are reported (``Doc.span``).

>>> vocab = Vocab()
>>> batch = tokenise_batch(["För Umeå\\nfor UMEÅ", "för"], vocab)
>>> [vocab.words[i] for i in batch.ids], batch.post.tolist(), batch.line.tolist()
(['för', 'umeå', 'for', 'umeå', 'för'], [0, 0, 0, 0, 1], [0, 0, 1, 1, 0])
>>> doc = batch.doc(0, "För Umeå\\nfor UMEÅ")
>>> doc.span(3), int(doc.line_keys[0]) != int(doc.line_keys[1])
((13, 17), True)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import xxhash

# Words are runs of letters, digits and combining marks, so a decomposed "o" + U+0308 stays
# inside its word ("för" typed as NFD is still "för", never "fo" + "r").
WORD = re.compile(r"[\w\u0300-\u036f]+")
_TOKEN = re.compile(r"[\w\u0300-\u036f]+|[\n\x1e]")
_NL, _RS = 0, 1  # vocab ids of the line break and the record separator between bodies

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
_Q = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible modulo 2**64
_Q_INV = np.uint64(pow(0x9E3779B97F4A7C15, -1, 2**64))
_LEN = np.uint64(0xC2B2AE3D27D4EB4F)
_M1, _M2, _S33 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33)


def normalise_word(token: str) -> str:
    """NFC, casefold, NFC again (casefold can decompose); diacritics are kept."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", token).casefold())


def word_hash(word: str) -> int:
    """The stable 64-bit hash of a normalised word: xxh3_64 of its UTF-8 (a frozen spec)."""
    return xxhash.xxh3_64_intdigest(word.encode("utf-8"))


def fmix64(h: U64) -> U64:
    """murmur3's 64-bit finaliser, vectorised (wrapping uint64 arithmetic)."""
    h = h ^ (h >> _S33)
    h = h * _M1
    h = h ^ (h >> _S33)
    h = h * _M2
    return h ^ (h >> _S33)


class Vocab(dict[str, int]):
    """Raw token -> id; ``words`` and ``hashes`` are indexed by id.  Grows as it meets tokens."""

    def __init__(self) -> None:
        super().__init__({"\n": _NL, "\x1e": _RS})
        self.words: list[str] = ["\n", "\x1e"]
        self._hashes: list[int] = [0, 0]
        self._array: U64 = np.zeros(2, dtype=np.uint64)

    def __missing__(self, token: str) -> int:
        """Give a new raw token its id, normalised word and hash."""
        idx = len(self.words)
        word = normalise_word(token)
        self[token] = idx
        self.words.append(word)
        self._hashes.append(word_hash(word))
        return idx

    def hashes(self) -> U64:
        """Word hash per id, as an array (rebuilt when the vocabulary grew)."""
        if len(self._array) != len(self._hashes):
            self._array = np.asarray(self._hashes, dtype=np.uint64)
        return self._array


@dataclass(frozen=True)
class Doc:
    """One tokenised body: word hashes, line of each word, line keys, offsets on demand."""

    body: str
    hashes: U64
    line: I64  # 0-based line ("\n"-separated) of each word
    line_keys: dict[int, int]  # line number -> line key, for lines holding words

    @cached_property
    def _spans(self) -> list[tuple[int, int]]:
        """Character span of every word (computed on first use)."""
        return [m.span() for m in WORD.finditer(self.body)]

    def span(self, i: int) -> tuple[int, int]:
        """Character offsets (start, end) of word i in the body."""
        return self._spans[i]

    def __len__(self) -> int:
        """Number of words."""
        return len(self.hashes)


@dataclass(frozen=True)
class Batch:
    """Words of several bodies as flat arrays, in order."""

    ids: I64  # vocab id of each word
    hashes: U64
    post: I64  # index of the body each word belongs to
    line: I64  # line of the word within its body
    post_start: I64 = field(repr=False)  # first word of each body; len = bodies + 1

    def words_of(self, i: int) -> slice:
        """Slice of the flat arrays holding body i."""
        return slice(int(self.post_start[i]), int(self.post_start[i + 1]))

    @cached_property
    def line_segments(self) -> tuple[I64, U64]:
        """Start word of every (body, line) run of words and its line key."""
        return line_keys(self.hashes, self.post, self.line)

    def doc(self, i: int, body: str) -> Doc:
        """Body i as a Doc (body is needed for offsets)."""
        sl = self.words_of(i)
        starts, keys = self.line_segments
        lo, hi = np.searchsorted(starts, [sl.start, sl.stop])
        lines = self.line[starts[lo:hi]].tolist()
        return Doc(body, self.hashes[sl], self.line[sl], dict(zip(lines, keys[lo:hi].tolist(), strict=True)))


def tokenise_batch(bodies: Sequence[str], vocab: Vocab) -> Batch:
    """Tokenise bodies in one regex pass; words are hashed through the vocabulary."""
    text = "\x1e".join(b.replace("\x1e", " ") for b in bodies)
    tokens = _TOKEN.findall(text)
    ids = np.fromiter(map(vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    is_rs, is_nl = ids == _RS, ids == _NL
    post = np.cumsum(is_rs)
    nl = np.cumsum(is_nl)
    nl_at_start = np.concatenate(([0], nl[is_rs]))
    line = nl - nl_at_start[post]
    keep = ~(is_rs | is_nl)
    ids, post, line = ids[keep], post[keep], line[keep]
    counts = np.bincount(post, minlength=len(bodies))
    post_start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return Batch(ids, vocab.hashes()[ids], post.astype(np.int64), line.astype(np.int64), post_start)


def line_keys(hashes: U64, post: I64, line: I64) -> tuple[I64, U64]:
    """Start index and key of every run of words sharing (post, line).

    key = fmix64(sum(h[k] * Q**k for k in the line) + words * C): a polynomial over the word
    hashes modulo 2**64, computed for all lines at once from prefix sums (Q is odd, so Q**-s
    exists and shifts each line back to start at k = 0).
    """
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    change = np.ones(n, dtype=bool)
    change[1:] = (post[1:] != post[:-1]) | (line[1:] != line[:-1])
    starts = np.flatnonzero(change).astype(np.int64)
    ends = np.append(starts[1:], n)
    powers = np.cumprod(np.full(n, _Q, dtype=np.uint64)) * _Q_INV  # Q**k, k = 0..n-1
    inverse = np.cumprod(np.full(n, _Q_INV, dtype=np.uint64)) * _Q  # Q**-k
    prefix = np.concatenate(([np.uint64(0)], np.cumsum(hashes * powers, dtype=np.uint64)))
    sums = (prefix[ends] - prefix[starts]) * inverse[starts]
    return starts, fmix64(sums + (ends - starts).astype(np.uint64) * _LEN)


def tokenise(body: str, vocab: Vocab | None = None) -> Doc:
    """One body as a Doc (convenience over tokenise_batch)."""
    return tokenise_batch([body], vocab or Vocab()).doc(0, body)
