"""Calibrate post identity (blogetl.parse.identity): how same_text scores texts that are one post and texts that are not.

Prints, per kind of pair, the containment of the smaller text in the larger (estimated from the
sketches, and exact from all shingles), the size ratio, and how often same_text says "one post".
Texts come from the sample dumps (tests/fixtures/samples, else raw/) and edits made from them,
and from the dedup generator (bench/gen_corpus.py: reused paragraphs, quotes, edited versions).

    .venv/bin/python bench/bench_identity.py              # seed 1, 3,000 generated posts
    .venv/bin/python bench/bench_identity.py --posts 10000 --seed 2
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from gen_corpus import generate  # noqa: E402

from blogetl.parse.identity import Sighting, containment, same_text, shingle_hashes, words  # noqa: E402
from blogetl.parse.parser import parse_bytes  # noqa: E402

Pair = tuple[str, str, bool, bool]  # (text a, text b, a partial, b partial)


def sample_dir() -> Path:
    """The samples: the tests' copy when present, else raw/."""
    fixtures = ROOT / "tests" / "fixtures" / "samples"
    return fixtures if fixtures.is_dir() else ROOT / "raw"


def sample_bodies() -> list[str]:
    """Distinct bodies of the sample posts."""
    bodies = {}
    for path in sorted(sample_dir().glob("*.txt")):
        for post in parse_bytes(path.read_bytes(), filename=path.name).posts:
            bodies.setdefault(" ".join(words(post.body)), post.body)
    return list(bodies.values())


def typo(rng: random.Random, text: str, n: int) -> str:
    """n typo fixes: a letter changed, dropped or doubled in n random words."""
    ws = text.split(" ")
    for i in rng.sample(range(len(ws)), min(n, len(ws))):
        w = ws[i]
        if len(w) < 2:
            continue
        j = rng.randrange(len(w))
        ws[i] = rng.choice([w[:j] + "x" + w[j + 1 :], w[:j] + w[j + 1 :], w[:j] + w[j] + w[j:]])
    return " ".join(ws)


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs."""
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def cut(rng: random.Random, text: str) -> str:
    """The text cut at a random character after its first tenth (a dump ending mid-post)."""
    return text[: rng.randint(max(1, len(text) // 10), max(1, len(text) - 1))]


def excerpt(text: str, n: int = 55) -> str:
    """A WordPress-style teaser: the first n words and an ellipsis."""
    return " ".join(text.split()[:n]) + " …"


@dataclass(frozen=True)
class Row:
    """Figures of one kind of pair."""

    name: str
    should_merge: bool | None  # None: no right answer, merges are counted
    est: list[float]
    exact: list[float]
    ratio: list[float]
    merged: int

    def line(self) -> str:
        """One table row."""
        def q(xs: list[float]) -> str:
            if not xs:
                return "-"
            s = sorted(xs)
            pick = [s[0], s[int(0.01 * (len(s) - 1))], statistics.median(s), s[int(0.99 * (len(s) - 1))], s[-1]]
            return " / ".join(f"{x:.2f}" for x in pick)
        wrong = len(self.est) - self.merged if self.should_merge else self.merged
        mark = "merged" if self.should_merge is None else ""
        return f"| {self.name:<44} | {len(self.est):>5} | {q(self.est):<30} | {q(self.exact):<30} | {q(self.ratio):<30} | {wrong:>5} {mark}|"


def score(name: str, should_merge: bool | None, pairs: Iterator[Pair]) -> Row:
    """Containment, ratio and decisions over pairs."""
    est, exact, ratio, merged = [], [], [], 0
    for a, b, pa, pb in pairs:
        x, y = Sighting("k", "1", ("a", 1), a, pa), Sighting("k", "2", ("b", 1), b, pb)
        small, large = sorted((x, y), key=lambda s: (not s.partial, s.sketch.shingles))
        est.append(containment(small.sketch, large.sketch)[0])
        full_s = shingle_hashes(words(a if small is x else b)[: -1 if small.partial else None])
        full_l = shingle_hashes(words(b if small is x else a))
        exact.append(len(full_s & full_l) / len(full_s) if full_s else 1.0)
        ratio.append(small.sketch.shingles / max(1, large.sketch.shingles))
        merged += same_text(x, y)
    return Row(name, should_merge, est, exact, ratio, merged)


def kinds(bodies: list[str], posts: int, seed: int) -> list[tuple[str, bool | None, Callable[[], Iterator[Pair]]]]:
    """Every kind of pair measured: name, whether it is one post, the pairs."""
    rng = random.Random(seed)
    corpus = generate(posts, seed)
    by_id = {str(p["post_id"]): str(p["body"]) for p in corpus.posts}
    t = corpus.truth
    long_ones = [b for b in bodies if len(words(b)) >= 60]
    short20 = [" ".join(b.split()[:20]) for b in long_ones]

    def distinct_samples() -> Iterator[Pair]:
        for i, a in enumerate(bodies):
            for b in bodies[i + 1 :]:
                yield a, b, False, False

    def singles() -> Iterator[Pair]:
        ids = [p for p, r in t.relation.items() if r == "version"]
        for _ in range(3000):
            a, b = rng.sample(ids, 2)
            if t.article_of[a] != t.article_of[b]:
                yield by_id[a], by_id[b], False, False

    def one_paragraph() -> Iterator[Pair]:
        for b in long_ones:
            for p in paragraphs(b):
                if len(words(p)) >= 8:
                    yield p, b, False, False

    def cut_other() -> Iterator[Pair]:
        for new, old in t.reuse_pairs:
            yield cut(rng, by_id[new]), by_id[old], True, False

    return [
        ("samples: two different posts", False, distinct_samples),
        ("generated: unrelated posts (signatures)", False, singles),
        ("generated: reused paragraph", False, lambda: ((by_id[a], by_id[b], False, False) for a, b in t.reuse_pairs)),
        ("generated: report quoting its source", False,
         lambda: ((by_id[q], by_id[s], False, False) for q, s in t.source_of.items() if t.relation[q] == "quote")),
        ("samples: one paragraph of a post vs the post", None, one_paragraph),
        ("generated: cut-short post vs one it reuses", False, cut_other),
        ("samples: same text", True, lambda: ((b, b.replace("\n\n", "\n"), False, False) for b in bodies)),
        ("samples: 1 typo fix", True, lambda: ((b, typo(rng, b, 1), False, False) for b in bodies for _ in range(10))),
        ("samples: typo fixes in 1 word of 20", True,
         lambda: ((b, typo(rng, b, len(b.split()) // 20), False, False) for b in bodies for _ in range(10))),
        ("samples: typo fixes in 1 word of 10", None,
         lambda: ((b, typo(rng, b, len(b.split()) // 10), False, False) for b in bodies for _ in range(10))),
        ("20 words: 1 typo fix", True, lambda: ((b, typo(rng, b, 1), False, False) for b in short20 for _ in range(10))),
        ("20 words: 3 typo fixes", None, lambda: ((b, typo(rng, b, 3), False, False) for b in short20 for _ in range(10))),
        ("samples: a paragraph appended", True,
         lambda: ((b, b + "\n\n" + paragraphs(rng.choice(bodies))[0], False, False) for b in bodies)),
        ("samples: cut short (truncated)", True,
         lambda: ((b, cut(rng, b), False, True) for b in bodies for _ in range(20))),
        ("samples: excerpt of 55 words", True, lambda: ((b, excerpt(b), False, True) for b in long_ones)),
        ("samples: 2 typo fixes, then cut short", True,
         lambda: ((b, cut(rng, typo(rng, b, 2)), False, True) for b in bodies for _ in range(20))),
        ("generated: edited version, intro dropped", None,
         lambda: _versions(corpus.posts, t.article_of, t.relation)),
    ]


def _versions(posts: list[dict[str, str | None]], article_of: dict[str, str], relation: dict[str, str]) -> Iterator[Pair]:
    """Pairs of generated versions of one op-ed, their outlet intros removed (an author's heavy edit)."""
    groups: dict[str, list[str]] = {}
    for p in posts:
        pid = str(p["post_id"])
        if relation[pid] == "version":
            groups.setdefault(article_of[pid], []).append("\n\n".join(paragraphs(str(p["body"]))[1:]))
    for bodies in groups.values():
        for i, a in enumerate(bodies):
            for b in bodies[i + 1 :]:
                yield a, b, False, False


def main(argv: list[str] | None = None) -> None:
    """Print the calibration table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--posts", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    bodies = sample_bodies()
    print(f"{len(bodies)} distinct sample bodies; min / p01 / median / p99 / max; 'wrong' = decisions against the truth column")
    print(f"| {'pair':<44} | {'n':>5} | {'containment (sketch)':<30} | {'containment (exact)':<30} | {'size ratio':<30} | wrong |")
    print(f"|{'-' * 46}|{'-' * 7}|{'-' * 32}|{'-' * 32}|{'-' * 32}|{'-' * 7}|")
    for name, merge, pairs in kinds(bodies, args.posts, args.seed):
        print(score(name, merge, pairs()).line())


if __name__ == "__main__":
    main()
