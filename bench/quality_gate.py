"""Hold dedup quality above pinned floors on a generated corpus (CI runs it through a test).

    .venv/bin/python bench/quality_gate.py              # 3,000 posts, seed 1
    .venv/bin/python bench/quality_gate.py --posts 10000 --seed 7

Exit status 1 and a line per failure when any floor is missed.  Raise a floor when the
measured figure has stayed well above it; never lower one to make a change pass.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dedup import Score, dedup_corpus, evaluate  # noqa: E402
from gen_corpus import generate  # noqa: E402

# Grouping level (article_members), per relation: (precision floor, recall floor).
FLOORS: dict[str, tuple[float, float]] = {
    "version": (0.98, 0.95),  # the target
    "same article (non-quote)": (0.98, 0.95),
    "quote": (0.93, 0.88),
}
PAIR_FLOORS: dict[str, tuple[float, float]] = {"duplicate": (0.99, 0.99), "version": (0.98, 0.93)}
MAX_REUSE_MERGED = 0  # different articles sharing a reused paragraph stay apart
MAX_FALSE_MERGES = 0  # unrelated posts (shared boilerplate, chance phrases) never share an article


def check(posts: int = 3000, seed: int = 1) -> list[str]:
    """Run dedup on a generated corpus; return the floors it missed (empty = pass)."""
    corpus = generate(posts, seed)
    con, _ = dedup_corpus(corpus)
    result = evaluate(con, corpus.truth)
    failures = _missed(result["grouping"], FLOORS, "grouping")  # type: ignore[arg-type]
    failures += _missed(result["pairs"], PAIR_FLOORS, "pairs")  # type: ignore[arg-type]
    if int(result["reuse_merged"]) > MAX_REUSE_MERGED:  # type: ignore[call-overload]
        failures.append(f"reuse pairs merged: {result['reuse_merged']} > {MAX_REUSE_MERGED}")
    if int(result["false_merges"]) > MAX_FALSE_MERGES:  # type: ignore[call-overload]
        failures.append(f"unrelated posts merged: {result['false_merges']} > {MAX_FALSE_MERGES}")
    return failures


def _missed(scores: list[Score], floors: dict[str, tuple[float, float]], level: str) -> list[str]:
    """Lines for every score below its floor."""
    out = []
    for s in scores:
        if s.name not in floors:
            continue
        p_min, r_min = floors[s.name]
        if s.precision < p_min:
            out.append(f"{level} {s.name}: precision {s.precision:.4f} < {p_min}")
        if s.recall < r_min:
            out.append(f"{level} {s.name}: recall {s.recall:.4f} < {r_min}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Check the floors and report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    failures = check(args.posts, args.seed)
    for line in failures:
        print(f"FAIL {line}")
    print("quality gate: " + ("failed" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
