"""Benchmark the dedup stage on generated corpora: quality per relation, speed, and a peer baseline.

Prints, for each corpus size:
- precision and recall per relation (grouping level: what an analyst sees in
  article_members; pair level: what post_pairs classified), reuse pairs kept apart,
  false merges between unrelated posts, outlet accuracy;
- wall time of ``blogetl.dedup.run`` on a fresh database, per 1,000 posts, posts/second,
  and the time of an incremental run adding the last 10 % to the stored state;
- datasketch ``MinHashLSH`` (document level, word 5-gram shingles, threshold 0.5,
  128 permutations) on the same corpus: its recall per relation and its time.

    .venv/bin/python bench/bench_dedup.py                 # 10k and 100k posts
    .venv/bin/python bench/bench_dedup.py --sizes 2000    # quick
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from gen_corpus import Corpus, Truth, generate  # noqa: E402

from blogetl.dedup import DedupConfig, create_input, run  # noqa: E402
from blogetl.dedup.normalise import WORD, normalise_word  # noqa: E402

POSTS_DDL = """CREATE TABLE IF NOT EXISTS posts (post_id VARCHAR PRIMARY KEY, title VARCHAR, body VARCHAR,
               site VARCHAR, page_kind VARCHAR)"""
PairSet = set[tuple[str, str]]


def load_posts(con: duckdb.DuckDBPyConnection, posts: list[dict[str, str | None]]) -> None:
    """Insert generated posts into a minimal posts table (created if missing)."""
    con.execute(POSTS_DDL)
    create_input(con, "posts")
    cols = ("post_id", "title", "body", "site", "page_kind")
    con.register("_gen", pa.table({c: [p[c] for p in posts] for c in cols}))
    con.execute(f"INSERT INTO posts SELECT {', '.join(cols)} FROM _gen")
    con.unregister("_gen")


def sample_posts(raw: Path = ROOT / "raw") -> list[dict[str, str | None]]:
    """The posts of the sample dumps, one per post_id (a re-scrape merges, as in the warehouse)."""
    from blogetl.parse.parser import parse_bytes

    seen: dict[str, dict[str, str | None]] = {}
    for path in sorted(raw.glob("*.txt")):
        for post in parse_bytes(path.read_bytes(), filename=path.name).posts:
            seen.setdefault(post.post_id, {"post_id": post.post_id, "title": post.title, "body": post.body,
                                           "site": post.site, "page_kind": post.page_kind.value})
    return list(seen.values())


def _pair(a: str, b: str) -> tuple[str, str]:
    """An unordered pair as a sorted tuple."""
    return (a, b) if a < b else (b, a)


def _pairs_within(groups: Iterable[list[str]]) -> PairSet:
    """All unordered pairs inside each group."""
    return {_pair(a, b) for g in groups for a, b in itertools.combinations(g, 2)}


@dataclass(frozen=True)
class Score:
    """Precision and recall of one relation."""

    name: str
    predicted: int
    truth: int
    correct: int

    @property
    def precision(self) -> float:
        """Correct share of what was predicted (1.0 when nothing was)."""
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Found share of the truth (1.0 when there was none)."""
        return self.correct / self.truth if self.truth else 1.0


def _score(name: str, predicted: PairSet, truth: PairSet) -> Score:
    """Score a predicted pair set against the truth."""
    return Score(name, len(predicted), len(truth), len(predicted & truth))


class TruthPairs:
    """Pair sets of the generated truth, per relation."""

    def __init__(self, t: Truth) -> None:
        self.t = t
        by_article: dict[str, list[str]] = defaultdict(list)
        for pid, art in sorted(t.article_of.items()):
            by_article[art].append(pid)
        self.by_article = by_article
        self.text_of = {p: self._original(p) for p in t.relation}
        non_quote = [[p for p in ps if t.relation[p] != "quote"] for ps in by_article.values()]
        self.same_article = _pairs_within(non_quote)
        self.duplicate = {p for p in self.same_article if self.text_of[p[0]] == self.text_of[p[1]]}
        self.version = self.same_article - self.duplicate
        self.quote = {_pair(q, m) for q, src in t.source_of.items() if t.relation[q] == "quote"
                      for m in by_article[t.article_of[src]] if t.relation[m] != "quote"}
        self.quote_source = {_pair(q, src) for q, src in t.source_of.items() if t.relation[q] == "quote"}
        self.reuse = {_pair(a, b) for a, b in t.reuse_pairs}


    def _original(self, post_id: str) -> str:
        """The post a duplicate was copied from, following copies of copies."""
        while self.t.relation.get(post_id) == "duplicate" and post_id in self.t.source_of:
            post_id = self.t.source_of[post_id]
        return post_id


def evaluate(con: duckdb.DuckDBPyConnection, truth: Truth) -> dict[str, object]:
    """Quality of the dedup tables in con against the generator's truth."""
    tp = TruthPairs(truth)
    members = con.execute("SELECT article_id, post_id, relation, outlet_ids FROM article_members").fetchall()
    art: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for aid, pid, rel, _ in members:
        art[aid].append((pid, rel))
    same = _pairs_within([[p for p, r in ms if r != "quote"] for ms in art.values()])
    any_same = _pairs_within([[p for p, _ in ms] for ms in art.values()])
    grouping = [
        _score("version", same - tp.duplicate, tp.version),
        _score("same article (non-quote)", same, tp.same_article),
        _quote_score(art, truth),
    ]
    edges = dict(((a, b), rel) for a, b, rel in con.execute("SELECT post_a, post_b, relation FROM post_pairs").fetchall())
    pair_level = [
        _score("duplicate", {p for p, r in edges.items() if r == "duplicate"}, tp.duplicate),
        _score("version", {p for p, r in edges.items() if r == "version"}, tp.version),
        _score("quote", {p for p, r in edges.items() if r == "quote"}, tp.quote),
    ]
    unrelated = {p for p in any_same if truth.article_of[p[0]] != truth.article_of[p[1]]}
    outlets = _outlet_accuracy(members, truth)
    return {"grouping": grouping, "pairs": pair_level, "reuse_total": len(tp.reuse),
            "reuse_merged": len(tp.reuse & any_same), "false_merges": len(unrelated - tp.reuse),
            "outlets": outlets, "articles": len(art), "true_articles": len(tp.by_article)}


def _quote_score(art: dict[str, list[tuple[str, str]]], truth: Truth) -> Score:
    """Quote members: right when the article they joined holds the post they quote."""
    predicted = correct = 0
    for ms in art.values():
        others = {p for p, r in ms if r != "quote"}
        for q, r in ms:
            if r == "quote":
                predicted += 1
                correct += truth.relation.get(q) == "quote" and truth.source_of.get(q) in others
    true_quotes = sum(1 for q, r in truth.relation.items() if r == "quote" and q in truth.source_of)
    return Score("quote", predicted, true_quotes, correct)


def _outlet_accuracy(members: list[tuple[str, str, str, list[str]]], truth: Truth) -> tuple[int, int]:
    """Posts whose detected outlets equal the injected ones, among posts with injected outlets."""
    names = {"VK": "vk", "Folkbladet": "folkbladet", "Offentliga Affärer": "offentliga-affarer"}
    got = {pid: list(ids or []) for _, pid, _, ids in members}
    checked = [(pid, [names[o] for o in outs]) for pid, outs in truth.outlets.items() if outs]
    return sum(1 for pid, want in checked if got.get(pid) == want), len(checked)


def calibration(con: duckdb.DuckDBPyConnection, truth: Truth) -> dict[str, dict[str, tuple[float, ...]]]:
    """Percentiles (5, 50, 95) of lo, hi and passages of verified pairs, per true relation."""
    tp = TruthPairs(truth)
    classes = {"duplicate": tp.duplicate, "version": tp.version, "quote (report, source)": tp.quote_source,
               "reuse (different articles)": tp.reuse}
    rows = con.execute("SELECT post_a, post_b, coverage_a, coverage_b, passages FROM post_pairs").fetchall()
    figures = {(a, b): (min(ca, cb), max(ca, cb), float(n)) for a, b, ca, cb, n in rows}
    out: dict[str, dict[str, tuple[float, ...]]] = {}
    for name, pairs in classes.items():
        found = [figures[p] for p in sorted(pairs) if p in figures]
        if not found:
            continue
        out[name] = {"pairs": (float(len(found)),)}
        for i, key in enumerate(("lo", "hi", "passages")):
            vals = sorted(f[i] for f in found)
            out[name][key] = tuple(vals[min(len(vals) - 1, int(q * len(vals)))] for q in (0.05, 0.5, 0.95))
    return out


# --- baseline -------------------------------------------------------------------------------


def minhash_baseline(corpus: Corpus, tp: TruthPairs, threshold: float = 0.5, num_perm: int = 128) -> dict[str, object]:
    """datasketch MinHashLSH on whole documents: candidate pairs, recall per relation, time."""
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    ids = [str(p["post_id"]) for p in corpus.posts]
    shingles = []
    for p in corpus.posts:
        words = [normalise_word(w) for w in WORD.findall(str(p["body"] or ""))]
        grams = {" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))}
        shingles.append(list(grams))
    hashes = MinHash.bulk(shingles, num_perm=num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for pid, m in zip(ids, hashes, strict=True):
            session.insert(pid, m)
    found: PairSet = set()
    for pid, m in zip(ids, hashes, strict=True):
        found |= {_pair(pid, other) for other in lsh.query(m) if other != pid}
    seconds = time.perf_counter() - start
    related = tp.same_article | tp.quote
    return {
        "seconds": seconds,
        "pairs": len(found),
        "recall": {"duplicate": _score("", found, tp.duplicate).recall,
                   "version": _score("", found, tp.version).recall,
                   "quote": _score("", found, tp.quote_source).recall},
        "precision_related": len(found & related) / len(found) if found else 1.0,
        "reuse_flagged": len(found & tp.reuse),
    }


# --- running --------------------------------------------------------------------------------


def dedup_corpus(corpus: Corpus, config: DedupConfig | None = None, db: Path | None = None,
                 split: float = 0.0) -> tuple[duckdb.DuckDBPyConnection, list[dict[str, object]]]:
    """Load a corpus (optionally in two runs: the first 1-split, then the rest) and dedup it."""
    con = duckdb.connect(str(db) if db else ":memory:")
    cut = int(len(corpus.posts) * (1 - split))
    summaries = []
    for chunk in (corpus.posts[:cut], corpus.posts[cut:]):
        if not chunk:
            continue
        load_posts(con, chunk)
        summaries.append(run(con, config) if config else run(con))
    return con, summaries


def _fmt(scores: list[Score]) -> list[str]:
    """Score rows for printing."""
    return [f"  {s.name:26s} P {s.precision:6.4f}  R {s.recall:6.4f}  (pred {s.predicted}, true {s.truth}, ok {s.correct})"
            for s in scores]


def bench(size: int, seed: int, baseline: bool) -> None:
    """Run and print everything for one corpus size."""
    t = time.perf_counter()
    corpus = generate(size, seed)
    gen_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        con, (summary,) = dedup_corpus(corpus, db=Path(tmp) / "bench.duckdb")
        result = evaluate(con, corpus.truth)
        result["calibration"] = calibration(con, corpus.truth)
        con.close()
        con2, (_, inc) = dedup_corpus(corpus, db=Path(tmp) / "inc.duckdb", split=0.1)
        con2.close()
    secs = float(summary["seconds"])  # type: ignore[arg-type]
    print(f"\n== {size} generated posts (seed {seed}; generated in {gen_s:.1f} s) ==")
    print(f"dedup.run, fresh database: {secs:.1f} s = {1000 * secs / size:.2f} s per 1,000 posts "
          f"= {size / secs:,.0f} posts/s")
    print(f"  stages: {summary['timings']}")
    print(f"  candidates {summary['candidates']}, verified {summary['verified_pairs']}, "
          f"relations {summary['relations_found']}, boilerplate lines {summary['boilerplate_lines']}")
    print(f"incremental run adding the last 10 % ({inc['new_or_changed']} posts) to stored state: "
          f"{inc['seconds']:.1f} s ({inc['candidates']} candidates)")
    print("grouping (article_members):")
    print("\n".join(_fmt(result["grouping"])))  # type: ignore[arg-type]
    print("pairs (post_pairs.relation):")
    print("\n".join(_fmt(result["pairs"])))  # type: ignore[arg-type]
    ok, n = result["outlets"]  # type: ignore[misc]
    print(f"reuse pairs put in one article: {result['reuse_merged']} of {result['reuse_total']}; "
          f"unrelated posts merged (boilerplate or chance): {result['false_merges']}; "
          f"outlets right: {ok}/{n}; articles {result['articles']} (true {result['true_articles']})")
    print("calibration (verified pairs by true relation; p05 / p50 / p95):")
    for name, figs in result["calibration"].items():  # type: ignore[attr-defined]
        cells = "  ".join(f"{k} {v[0]:.2f} / {v[1]:.2f} / {v[2]:.2f}" for k, v in figs.items() if k != "pairs")
        print(f"  {name:28s} n={int(figs['pairs'][0]):6d}  {cells}")
    if baseline:
        b = minhash_baseline(corpus, TruthPairs(corpus.truth))
        print(f"baseline datasketch MinHashLSH(threshold=0.5, num_perm=128), word 5-gram shingles: "
              f"{b['seconds']:.1f} s ({size / b['seconds']:,.0f} posts/s), {b['pairs']} candidate pairs, "
              f"recall {({k: round(v, 4) for k, v in b['recall'].items()})}, "  # type: ignore[attr-defined]
              f"share of its pairs that are related {b['precision_related']:.4f}, reuse pairs flagged {b['reuse_flagged']}")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args(argv)
    for size in args.sizes:
        bench(size, args.seed, not args.no_baseline)


if __name__ == "__main__":
    main()
