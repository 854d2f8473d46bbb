"""Post identity: which sightings are one post, so that two different texts never share an id.

A post's identity key (``Post.title_key``) hashes its site and normalised title, so the same post
gets the same key on a listing page, its own page and an archive page.  A key is not enough: a
blog's name taken as every article's title, two posts with one title on one listing page, or a
headline reused months later put different texts under one key.  Under each key a post is
therefore one *text*: sightings join a post when their bodies are the same text (unchanged,
edited, truncated or an excerpt of it), and every other text gets an id of its own.

A body is summarised by a ``Sketch``: the xxh3 hash of its normalised words, the number of
distinct word 4-gram shingles, the smallest ``SKETCH_SIZE`` shingle hashes (a bottom-k sketch)
and its first ``HEAD_CHARS`` normalised characters.  A ``Sighting`` carries its body and makes
its sketch only when it is first compared: most sightings (a title key seen once, nothing stored
under it) never are, and sketching every post cost the parse stage 18x the floor.  The sketch is
never stored: the warehouse re-sketches a stored sighting from its text when a run needs it.
``same_text`` decides from two sketches (equal bodies need none); ``resolve`` gives every new
sighting its post id; ``disambiguate`` applies the rule within one page for the parser.

``resolve`` works key by key: complete sightings first, then cut-short ones, each in rank order
(path, position).  A sighting joins the first post that takes it: posts of kept sightings (their
ids stand) before posts founded in the same call.  A complete sighting must be the same text as
every text the post has shown, a cut-short one as any of them.  A founded post takes back an id
its text had (a prev sighting of the key, e.g. the dump's last version, showing one of its
texts), else the plain key if no post holds it, else ``stable_id(key, <body hash of its first
sighting>)``.  One page never shows one post twice (``one_per_page``), except in the parser's
own call, where same-text copies on a page become one post.

Thresholds, measured with ``bench/bench_identity.py`` (sample posts, edits made from them, and
the dedup generator's corpora, seeds 1-3 at 10,000 posts; containment = share of the shorter
text's shingles found in the longer, estimated from the sketches):

- ``MIN_CONTAINMENT = 0.65``: two complete texts are one post at 0.65 or more.  Different texts
  measured at most 0.60 (a report quoting 20-40 % of its source: 0.60, exactly 0.55; short
  unrelated posts sharing a signature: 0.57; the samples' two versions of one op-ed: 0.54; a
  new article reusing an older one's paragraph: 0.36).  Edits measured at least 0.76 (typo
  fixes in one word of twenty: 0.77; one typo in a 20-word post: 0.76; an appended paragraph:
  1.0).  Heavier edits may split (one word in ten: 0.59-0.84, 84 % stay one post); dedup still
  groups such versions into one article.
- ``MIN_SIZE_RATIO = 0.4``: and the shorter has at least 40 % of the longer's shingles.  An
  appended sample paragraph left a ratio of 0.53 or more; a short post that is one paragraph of
  a longer one is mostly far below (10 of 165 sample paragraphs are 40-60 % of their post and
  read as that post cut down by an edit).
- ``SKETCH_SIZE = 256``: at 128 the estimate's noise lifted a quote to 0.65 (exactly 0.55).
- A sighting cut short (``truncated``) or an excerpt joins a text when its opening words open
  that text (a word in five, plus one, may differ: a typo fixed since) and, when at least
  ``PARTIAL_MIN_SAMPLES = 12`` of its shingles can be compared, 0.65 of them are in that text.
  Measured: cut at a random point, 1,800 of 1,800 joined; 55-word excerpts 90 of 90; two typo
  fixes, then cut, 1,797 of 1,800; a cut-short article against an older post whose paragraph it
  reuses (containment up to 0.78), 0 of 1,116.  One of fewer than ``FRAGMENT_WORDS = 8`` words
  cannot tell texts apart: unless it opens one, it joins the key's first post.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import xxhash

from blogetl.ids import normalise_key, stable_id
from blogetl.models import Comment, Post

SHINGLE_WORDS = 4
SKETCH_SIZE = 256
HEAD_CHARS = 120
MIN_CONTAINMENT = 0.65
MIN_SIZE_RATIO = 0.4
PARTIAL_MIN_SAMPLES = 12
FRAGMENT_WORDS = 8

_WORD = re.compile(r"[\w\u0300-\u036f]+")
_xxh3 = xxhash.xxh3_64_intdigest
_NO_LIMIT = 2**64


@dataclass(frozen=True)
class Sketch:
    """A body's summary for identity: exact hash, shingle count, bottom-k hashes, head."""

    text_hash: str
    shingles: int
    mins: tuple[int, ...]
    head: str

    @property
    def limit(self) -> int:
        """Largest hash the sketch is complete up to (every shingle hash at or below it is kept)."""
        return self.mins[-1] if self.shingles > len(self.mins) else _NO_LIMIT


def words(text: str) -> list[str]:
    """Normalised words: NFC, casefold, NFC again (casefold can decompose); å ä ö kept, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold()))


def shingle_hashes(ws: Sequence[str]) -> set[int]:
    """xxh3 hashes of the word 4-grams (a shorter text is one shingle)."""
    return _shingle_hashes(" ".join(ws).encode("utf-8").split(b" ")) if ws else set()


def _shingle_hashes(encoded: list[bytes]) -> set[int]:
    """shingle_hashes of words already encoded (UTF-8): the 4-grams joined, hashed and collected
    by C loops (map, zip), not a Python loop (a post's sketch cost 20x reading its bytes)."""
    if len(encoded) <= SHINGLE_WORDS:
        return {_xxh3(b" ".join(encoded))}
    grams = zip(*(encoded[i:] for i in range(SHINGLE_WORDS)), strict=False)
    return set(map(_xxh3, map(b" ".join, grams)))


def sketch(body: str, *, partial: bool = False) -> Sketch:
    """The sketch of a body; for a partial one (cut short, excerpt) the last word, maybe cut, is left out."""
    ws = words(body)
    joined = " ".join(ws)
    data = joined.encode("utf-8")
    text_hash = xxhash.xxh3_64_hexdigest(data)
    kept = ws[:-1] if partial else ws
    # words hold no space (_WORD): the encoded text split at spaces is the encoded words
    hashes = _shingle_hashes(data.split(b" ")[: len(kept)]) if kept else set()
    head = " ".join(kept)[:HEAD_CHARS] if partial else joined[:HEAD_CHARS]
    return Sketch(text_hash, len(hashes), tuple(sorted(hashes)[:SKETCH_SIZE]), head)


def containment(small: Sketch, large: Sketch) -> tuple[float, int]:
    """Estimated share of small's shingles found in large, and how many shingles it rests on."""
    limit = min(small.limit, large.limit)
    sample = [h for h in small.mins if h <= limit]
    if not sample:
        return 0.0, 0
    other = set(large.mins)
    return sum(h in other for h in sample) / len(sample), len(sample)


def head_words(s: Sketch) -> list[str]:
    """The words of a sketch's head, a last word cut at HEAD_CHARS left out."""
    ws = s.head.split()
    return ws[:-1] if len(s.head) >= HEAD_CHARS else ws


def prefix_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Fewest word edits (change, insert, delete) that turn a into some prefix of b."""
    prev = list(range(len(b) + 1))
    for i, wa in enumerate(a, start=1):
        cur = [i]
        for j, wb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (wa != wb)))
        prev = cur
    return min(prev)


def starts_alike(small: Sketch, large: Sketch) -> bool:
    """small's opening words open large too, but for one word in five (plus one) edited since."""
    a = head_words(small)
    return prefix_distance(a, head_words(large)) <= 1 + len(a) // 5


def is_fragment(s: Sighting) -> bool:
    """A cut-short sighting with too few words to tell one text from another."""
    return s.partial and len(head_words(s.sketch)) < FRAGMENT_WORDS


@dataclass(frozen=True)
class Sighting:
    """A post as one page showed it: its key, page, order, body, and the id it has or had."""

    key: str
    page: str
    rank: tuple[str, int]  # (path, position): the first sighting of a text names it
    body: str
    partial: bool = False  # truncated, or an excerpt: its text is (about) a prefix of the post's
    post_id: str = ""

    @cached_property
    def sketch(self) -> Sketch:
        """The body's sketch, made when first needed (most sightings are never compared)."""
        return sketch(self.body, partial=self.partial)


def same_text(a: Sighting, b: Sighting) -> bool:
    """True when two sightings show the same post's text (edited, cut short or excerpted)."""
    if a.body == b.body or a.sketch.text_hash == b.sketch.text_hash:  # equal bodies: equal text hashes, no sketch made
        return True
    small, large = sorted((a, b), key=lambda s: (not s.partial, s.sketch.shingles))
    if small.partial:
        share, samples = containment(small.sketch, large.sketch)
        return starts_alike(small.sketch, large.sketch) and (samples < PARTIAL_MIN_SAMPLES or share >= MIN_CONTAINMENT)
    if small.sketch.shingles < MIN_SIZE_RATIO * large.sketch.shingles:
        return False
    return containment(small.sketch, large.sketch)[0] >= MIN_CONTAINMENT


@dataclass
class _Post:
    """A post being resolved: its id (None until named), its sightings, pages and distinct texts."""

    post_id: str | None
    members: list[Sighting] = field(default_factory=list)
    pages: set[str] = field(default_factory=set)
    # body -> a sighting showing it.  Keyed by the body, not its sketch's text hash, so that no sketch is made
    # here: bodies with equal words (one text hash) have equal sketches (a sketch is made of the words and
    # the partial flag, which one dict shares), so same_text against either gives the same answer.
    complete: dict[str, Sighting] = field(default_factory=dict)
    partial: dict[str, Sighting] = field(default_factory=dict)

    def add(self, s: Sighting) -> None:
        """Take s into the post."""
        self.members.append(s)
        self.pages.add(s.page)
        (self.partial if s.partial else self.complete).setdefault(s.body, s)

    def open_to(self, s: Sighting, one_per_page: bool) -> bool:
        """s's page does not show this post already (or pages may repeat a post)."""
        return not one_per_page or s.page not in self.pages

    def takes(self, s: Sighting, one_per_page: bool) -> bool:
        """s shows this post's text: a complete s matches every text it has shown, a partial s any."""
        # every text, so that a page running two posts together cannot bridge them into one post;
        # the texts are the complete sightings', the partial ones' only while there are none
        texts = (self.complete or self.partial).values()
        return self.open_to(s, one_per_page) and (any if s.partial else all)(same_text(s, t) for t in texts)


def resolve(new: Sequence[Sighting], kept: Iterable[Sighting] = (), prev: Iterable[Sighting] = (),
            *, one_per_page: bool = True) -> list[str]:
    """The post id of each new sighting (the rule is in the module docstring)."""
    by_key: dict[str, list[int]] = {}
    for i, s in enumerate(new):
        by_key.setdefault(s.key, []).append(i)
    kept_by, prev_by = _group(kept), _group(prev)
    out = [""] * len(new)
    for key, idx in by_key.items():
        ids = _resolve_key(key, [new[i] for i in idx], kept_by.get(key, []), prev_by.get(key, []), one_per_page)
        for i, post_id in zip(idx, ids, strict=True):
            out[i] = post_id
    return out


def _group(sightings: Iterable[Sighting]) -> dict[str, list[Sighting]]:
    """Sightings by key."""
    out: dict[str, list[Sighting]] = {}
    for s in sightings:
        out.setdefault(s.key, []).append(s)
    return out


def _resolve_key(key: str, new: list[Sighting], kept: list[Sighting], prev: list[Sighting],
                 one_per_page: bool) -> list[str]:
    """Ids for the new sightings of one key, in order."""
    posts = _kept_posts(kept)
    fixed = len(posts)
    where: dict[int, _Post] = {}
    for i in sorted(range(len(new)), key=lambda i: (new[i].partial, new[i].rank)):  # complete first: a cut one then joins its text
        s = new[i]
        post = next((p for p in posts if p.takes(s, one_per_page)), None)
        if post is None and posts and is_fragment(s):  # posts first: a fragment's sketch only when it could join one
            post = next((p for p in posts if p.open_to(s, one_per_page)), None)
        if post is None:
            post = _Post(None)
            posts.append(post)
        post.add(s)
        where[i] = post
    _name(key, posts[fixed:], {p.post_id for p in posts[:fixed] if p.post_id}, prev)
    return [where[i].post_id or "" for i in range(len(new))]


def _kept_posts(kept: list[Sighting]) -> list[_Post]:
    """Stored posts of a key, in order of their first sighting."""
    posts: dict[str, _Post] = {}
    for s in sorted(kept, key=lambda s: (s.partial, s.rank)):
        posts.setdefault(s.post_id, _Post(s.post_id)).add(s)
    return sorted(posts.values(), key=lambda p: min(m.rank for m in p.members))


def _name(key: str, posts: list[_Post], taken: set[str], prev: list[Sighting]) -> None:
    """Name founded posts: an id their text had, else the plain key, else one derived from the text."""
    for post in posts:
        texts = [*post.complete.values(), *post.partial.values()]
        claims = sorted({q.post_id for q in prev if q.post_id not in taken and any(same_text(q, t) for t in texts)},
                        key=lambda pid: (pid != key, pid))
        if claims:
            post.post_id = claims[0]
            taken.add(claims[0])
    for post in posts:
        if post.post_id is None:
            post.post_id = key if key not in taken else _fresh(key, post.members[0].sketch.text_hash, taken)
            taken.add(post.post_id)


def _fresh(key: str, anchor: str, taken: set[str]) -> str:
    """stable_id(key, anchor), salted only if that id is held already."""
    post_id, salt = stable_id(key, anchor), 1
    while post_id in taken:
        post_id, salt = stable_id(key, anchor, salt), salt + 1
    return post_id


# --- one page ---------------------------------------------------------------------------------


def page_sighting(post: Post, page: str = "", path: str = "") -> Sighting:
    """A parsed post as a sighting of its page."""
    partial = post.truncated or post.is_excerpt
    return Sighting(post.title_key or post.post_id, page, (path, post.position), post.body, partial)


def disambiguate(posts: Sequence[Post], comments: Sequence[Comment]) -> tuple[list[Post], list[Comment]]:
    """Posts of one page under one title key: one id per text (the first keeps the key); comments follow."""
    keys = [p.title_key or p.post_id for p in posts]
    times = Counter(keys)
    shared = [i for i, k in enumerate(keys) if times[k] > 1]  # only these need their texts compared
    ids = list(keys)
    for i, post_id in zip(shared, resolve([page_sighting(posts[i]) for i in shared], one_per_page=False), strict=True):
        ids[i] = post_id
    ids = _split_edits(posts, keys, ids)
    out_posts = [p if (p.post_id, p.title_key) == (i, k) else p.model_copy(update={"post_id": i, "title_key": k})
                 for p, k, i in zip(posts, keys, ids, strict=True)]
    out_comments = list(comments)
    for old, new in zip(posts, out_posts, strict=True):
        if old.post_id != new.post_id:
            out_comments = _move_comments(out_comments, old, new.post_id)
    return out_posts, out_comments


def _split_edits(posts: Sequence[Post], keys: Sequence[str], ids: Sequence[str]) -> list[str]:
    """One page shows a post twice only as a copy: the same words, or a cut-short copy of them. An edited
    version beside it (same title, other words) is a post of its own, or its words would be in no record
    (a page's sightings of one post are one row)."""
    out = list(ids)
    taken = set(ids)
    groups: dict[str, list[int]] = {}
    for i, post_id in enumerate(ids):
        groups.setdefault(post_id, []).append(i)
    for post_id, members in groups.items():
        if len(members) < 2:
            continue
        texts: list[tuple[str, list[str], bool]] = []  # (id, words, partial) of each distinct text, complete first
        for i in sorted(members, key=lambda i: (posts[i].truncated or posts[i].is_excerpt, posts[i].position)):
            partial, ws = posts[i].truncated or posts[i].is_excerpt, words(posts[i].body)
            same = next((pid for pid, other, other_partial in texts if _copy(ws, partial, other, other_partial)), None)
            if same is None:
                same = post_id if not texts else _fresh(keys[i], sketch(posts[i].body).text_hash, taken)
                taken.add(same)
                texts.append((same, ws, partial))
            out[i] = same
    return out


def _copy(a: list[str], a_partial: bool, b: list[str], b_partial: bool) -> bool:
    """a and b are one text shown twice: the same words, or the cut-short one's words opening the other
    (its last word maybe cut)."""
    if a == b:
        return True
    for short, short_partial, long in ((a, a_partial, b), (b, b_partial, a)):
        if short_partial and len(short) <= len(long) and short[:-1] == long[: len(short) - 1] \
                and (not short or long[len(short) - 1].startswith(short[-1])):
            return True
    return False


def _move_comments(comments: list[Comment], post: Post, post_id: str) -> list[Comment]:
    """Comments of post (its old id, inside its span) under post_id, their ids derived anew."""
    mine = sorted((i for i, c in enumerate(comments)
                   if c.post_id == post.post_id and post.start_offset <= c.start_offset < post.end_offset),
                  key=lambda i: comments[i].position)
    ids = comment_ids(post_id, [(str(i), _index_of(comments, mine, comments[i].parent_id), comments[i].author, comments[i].body)
                                for i in mine])
    out = list(comments)
    for i in mine:
        parent = _index_of(comments, mine, comments[i].parent_id)
        out[i] = comments[i].model_copy(update={"post_id": post_id, "comment_id": ids[str(i)],
                                                "parent_id": ids[parent] if parent else comments[i].parent_id})
    return out


def _index_of(comments: list[Comment], mine: list[int], comment_id: str | None) -> str | None:
    """The index (as text) of the comment among mine with this id; None for a top-level comment."""
    return next((str(i) for i in mine if comment_id is not None and comments[i].comment_id == comment_id), None)


def comment_ids(post_id: str, thread: Sequence[tuple[str, str | None, str, str]]) -> dict[str, str]:
    """Old comment id -> its id under post_id as the parser derives it; thread: (id, parent, author, body), in order."""
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    for comment_id, parent_id, author, body in thread:
        parent = out.get(parent_id, parent_id) if parent_id else None
        key = stable_id("comment", post_id, parent, normalise_key(author), normalise_key(body))
        seen[key] = seen.get(key, 0) + 1
        out[comment_id] = stable_id(key, seen[key]) if seen[key] > 1 else key
    return out
