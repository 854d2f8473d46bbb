"""Group posts into articles and give articles ids that survive later runs.

Grouping is a pure function of the verified pairs: ``duplicate`` and ``version`` pairs join
posts (union-find); a post left alone that quotes others attaches, as ``quote``, to the
article it shares most quoted words with.  A quote never joins two articles: only single
posts attach, and a post that attaches elsewhere is never itself a target.

Ids: an article keeps the id its posts had; when articles merge the oldest id survives and
the others are recorded as redirects; a new article's id is derived from its canonical post.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from blogetl.ids import stable_id


@dataclass(frozen=True)
class Pair:
    """A verified, classified pair (post_a < post_b)."""

    post_a: str
    post_b: str
    relation: str
    quoter: str | None
    cov_a: float
    cov_b: float
    matched: int
    passages: int

    def other(self, post_id: str) -> str:
        """The post at the other end."""
        return self.post_b if post_id == self.post_a else self.post_a

    def cov(self, post_id: str) -> float:
        """Coverage of the given end."""
        return self.cov_a if post_id == self.post_a else self.cov_b


@dataclass(frozen=True)
class PostInfo:
    """What grouping needs to know about a post."""

    words: int
    first_seen: str = ""  # sortable; empty when the posts table has no first-seen column


@dataclass
class Group:
    """One article before it has an id."""

    members: dict[str, str]  # post_id -> relation
    canonical: str
    best: dict[str, Pair] = field(default_factory=dict)  # post_id -> its strongest pair inside


class _UnionFind:
    """Disjoint sets over post ids; the root is the smallest id (order-independent)."""

    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {i: i for i in items}

    def find(self, x: str) -> str:
        """Root of x, compressing the path."""
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        """Join the sets of a and b."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo

    def sets(self) -> dict[str, list[str]]:
        """Root -> sorted members."""
        out: dict[str, list[str]] = defaultdict(list)
        for x in sorted(self.parent):
            out[self.find(x)].append(x)
        return out


ATTACHING = ("quote", "excerpt")  # relations that attach a single post to one article


def _rank(post_id: str, posts: Mapping[str, PostInfo]) -> tuple[int, str, str]:
    """Sort key for 'fullest first': most words, then first seen, then id."""
    info = posts[post_id]
    return (-info.words, info.first_seen, post_id)


def group(posts: Mapping[str, PostInfo], pairs: Iterable[Pair]) -> list[Group]:
    """Articles from verified pairs; every post lands in exactly one group."""
    pairs = sorted(pairs, key=lambda p: (p.post_a, p.post_b))
    joined = _UnionFind(posts)
    for p in pairs:
        if p.relation in ("duplicate", "version") and p.post_a in posts and p.post_b in posts:
            joined.union(p.post_a, p.post_b)
    sets = joined.sets()
    attach = _quote_targets(sets, joined, pairs, posts)
    touching: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        touching[p.post_a].append(p)
        touching[p.post_b].append(p)
    groups: dict[str, Group] = {}
    for root, members in sets.items():
        if root in attach:
            continue
        groups[root] = _members(members, touching, posts)
    for quoter, (target, relation) in sorted(attach.items()):
        groups[target].members[quoter] = relation
    for g in groups.values():
        g.best = _best_pairs(g, touching)
    return sorted(groups.values(), key=lambda g: g.canonical)


def _quote_targets(
    sets: Mapping[str, list[str]], joined: _UnionFind, pairs: list[Pair], posts: Mapping[str, PostInfo]
) -> dict[str, tuple[str, str]]:
    """Single posts that quote or excerpt others -> (root of the article they take most from, relation).

    Only the quoter of a quote pair attaches (the report, ``classify.quoter``: a source op-ed never
    becomes a quote of the report, even when the report's article has several posts); of an
    excerpt pair only the teaser.  A post that attaches is never a target itself, so neither a
    quote nor an excerpt bridges two articles.
    """
    singles = {m[0] for m in sets.values() if len(m) == 1}
    score: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kind: dict[str, str] = {}
    for p in pairs:
        if p.relation not in ATTACHING or p.post_a not in posts or p.post_b not in posts:
            continue
        for s in (p.post_a, p.post_b):
            other = p.other(s)
            if s in singles and p.quoter == s:
                score[s][joined.find(other)] += p.matched
                kind[s] = "excerpt" if p.relation == "excerpt" or kind.get(s) == "excerpt" else "quote"
    attach: dict[str, tuple[str, str]] = {}
    for q, targets in score.items():
        eligible = {t: v for t, v in targets.items() if t not in score}
        if eligible:
            attach[q] = (min(eligible, key=lambda t: (-eligible[t], t)), kind[q])
    return attach


def _members(members: list[str], touching: Mapping[str, list[Pair]], posts: Mapping[str, PostInfo]) -> Group:
    """Relations inside one joined set: one version per group of duplicates."""
    inside = set(members)
    dups = _UnionFind(members)
    for p in (p for m in members for p in touching.get(m, ())):
        if p.relation == "duplicate" and p.post_a in inside and p.post_b in inside:
            dups.union(p.post_a, p.post_b)
    relation: dict[str, str] = {}
    for same_text in dups.sets().values():
        keep = min(same_text, key=lambda m: _rank(m, posts))
        relation.update({m: "version" if m == keep else "duplicate" for m in same_text})
    canonical = min((m for m, r in relation.items() if r == "version"), key=lambda m: _rank(m, posts))
    return Group(relation, canonical)


def _best_pairs(g: Group, touching: Mapping[str, list[Pair]]) -> dict[str, Pair]:
    """Each member's strongest pair with another member (for quotes: a quote pair)."""
    best: dict[str, Pair] = {}
    for p in {id(p): p for m in g.members for p in touching.get(m, ())}.values():
        if p.post_a not in g.members or p.post_b not in g.members:
            continue
        for end in (p.post_a, p.post_b):
            role = g.members[end]
            wanted = (role,) if role in ATTACHING else ("duplicate", "version")
            if p.relation in wanted and g.members[p.other(end)] not in ATTACHING:
                cur = best.get(end)
                if cur is None or (p.matched, p.other(end)) > (cur.matched, cur.other(end)):
                    best[end] = p
    return best


@dataclass(frozen=True)
class Previous:
    """Article state left by the last run."""

    article_of: Mapping[str, str]  # post_id -> article_id
    canonical: Mapping[str, str]  # article_id -> canonical post_id
    created: Mapping[str, int]  # article_id -> created_run
    taken: frozenset[str] = frozenset()  # every id ever used, including redirected ones


@dataclass(frozen=True)
class Assignment:
    """Ids for this run's groups and the ids merged away."""

    ids: list[str]  # parallel to the groups
    created: dict[str, int]
    redirects: dict[str, str]  # old id -> surviving id


def assign_ids(groups: list[Group], prev: Previous, run_no: int) -> Assignment:
    """Stable ids: keep, merge to the oldest, or derive a new one from the canonical post."""
    claims = _claims(groups, prev)
    ids: list[str] = []
    created: dict[str, int] = {}
    used = set(prev.taken)
    for gi, g in enumerate(groups):
        mine = sorted(claims.get(gi, []), key=lambda a: (prev.created.get(a, run_no), a))
        if mine:
            aid = mine[0]
            created[aid] = prev.created.get(aid, run_no)
        else:
            aid = fresh_id(g.canonical, used)
            created[aid] = run_no
        used.add(aid)
        ids.append(aid)
    redirects = _redirects(groups, ids, prev)
    return Assignment(ids, created, redirects)


def _claims(groups: list[Group], prev: Previous) -> dict[int, list[str]]:
    """Old article id -> the one group that inherits it; returned per group."""
    holders: dict[str, list[int]] = defaultdict(list)
    for gi, g in enumerate(groups):
        for aid in {prev.article_of[m] for m in g.members if m in prev.article_of}:
            holders[aid].append(gi)
    old_members = _members_of(prev)
    out: dict[int, list[str]] = defaultdict(list)
    for aid, gis in holders.items():
        old = old_members[aid]

        def weight(gi: int, aid: str = aid, old: set[str] = old) -> tuple[bool, int, str]:
            """Prefer the group holding the old canonical post, then most old members."""
            g = groups[gi]
            return (prev.canonical.get(aid) not in g.members, -len(old & g.members.keys()), g.canonical)

        out[min(gis, key=weight)].append(aid)
    return out


def _members_of(prev: Previous) -> dict[str, set[str]]:
    """Old article id -> its posts."""
    out: dict[str, set[str]] = defaultdict(set)
    for m, aid in prev.article_of.items():
        out[aid].add(m)
    return out


def fresh_id(canonical: str, used: set[str]) -> str:
    """An id derived from the canonical post, salted only if that id was ever used."""
    aid = stable_id("article", canonical)
    salt = 1
    while aid in used:
        aid = stable_id("article", canonical, salt)
        salt += 1
    return aid


def _redirects(groups: list[Group], ids: list[str], prev: Previous) -> dict[str, str]:
    """Every previous id that no group kept -> the group holding most of its posts."""
    alive = set(ids)
    where = {m: ids[gi] for gi, g in enumerate(groups) for m in g.members}
    old_members = _members_of(prev)
    out: dict[str, str] = {}
    for aid in sorted(old_members.keys() - alive):
        targets = [where[m] for m in sorted(old_members[aid]) if m in where]
        if targets:
            out[aid] = max(sorted(set(targets)), key=targets.count)
    return out
