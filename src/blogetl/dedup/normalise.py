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
_RS = "\x1e"  # record separator between the bodies of a batch

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
        super().__init__()
        self.words: list[str] = []
        self._hashes: list[int] = []
        self._array: U64 = np.zeros(0, dtype=np.uint64)

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
    """One tokenised body: word hashes, offsets and line of each word, and line keys."""

    body: str
    hashes: U64
    starts: I64  # character offset of each word in the body
    ends: I64
    line: I64  # 0-based line ("\n"-separated) of each word
    line_keys: dict[int, int]  # line number -> line key, for lines holding words

    def span(self, i: int) -> tuple[int, int]:
        """Character offsets (start, end) of word i in the body."""
        return int(self.starts[i]), int(self.ends[i])

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
    starts: I64  # character offsets of the word within its body
    ends: I64
    post_start: I64 = field(repr=False)  # first word of each body; len = bodies + 1

    def words_of(self, i: int) -> slice:
        """Slice of the flat arrays holding body i."""
        return slice(int(self.post_start[i]), int(self.post_start[i + 1]))

    @cached_property
    def line_segments(self) -> tuple[I64, U64]:
        """Start word of every (body, line) run of words and its line key."""
        return line_keys(self.hashes, self.post, self.line)

    def doc(self, i: int, body: str) -> Doc:
        """Body i as a Doc."""
        sl = self.words_of(i)
        starts, keys = self.line_segments
        lo, hi = np.searchsorted(starts, [sl.start, sl.stop])
        lines = self.line[starts[lo:hi]].tolist()
        return Doc(body, self.hashes[sl], self.starts[sl], self.ends[sl], self.line[sl],
                   dict(zip(lines, keys[lo:hi].tolist(), strict=True)))


_WORD_CHAR = np.full(0x110000, -1, dtype=np.int8)  # per code point: 1 word char, 0 not, -1 not yet known


def _word_chars(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.int8]:
    """1 where a code point is a word character (what WORD matches), else 0."""
    present = np.flatnonzero(np.bincount(codes, minlength=1) if len(codes) else np.zeros(0, np.int64))
    unknown = present[_WORD_CHAR[present] < 0]
    if len(unknown):
        _WORD_CHAR[unknown] = [c == 0x5F or 0x300 <= c < 0x370 or chr(c).isalnum() for c in unknown.tolist()]
    return _WORD_CHAR[codes]


def tokenise_batch(bodies: Sequence[str], vocab: Vocab) -> Batch:
    """Tokenise bodies in one regex pass; offsets, lines and bodies come from numpy."""
    text = _RS.join(b.replace(_RS, " ") for b in bodies)  # same length: offsets hold
    tokens = WORD.findall(text)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    is_word = _word_chars(codes)
    edge = np.diff(is_word, prepend=np.int8(0), append=np.int8(0))
    word_start, word_end = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
    if len(word_start) != len(tokens):  # the table and the regex disagree: trust the regex
        spans = np.array([m.span() for m in WORD.finditer(text)], dtype=np.int64).reshape(-1, 2)
        word_start, word_end = spans[:, 0], spans[:, 1]
    newlines = np.flatnonzero(codes == 10)
    seps = np.flatnonzero(codes == ord(_RS))
    post = np.searchsorted(seps, word_start)
    base = np.concatenate(([0], seps + 1))  # where each body starts in text
    line = np.searchsorted(newlines, word_start) - np.searchsorted(newlines, base)[post]
    ids = np.fromiter(map(vocab.__getitem__, tokens), np.int64, len(tokens))
    counts = np.bincount(post, minlength=len(bodies))
    post_start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return Batch(ids, vocab.hashes()[ids], post.astype(np.int64), line.astype(np.int64),
                 word_start - base[post], word_end - base[post], post_start)


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
