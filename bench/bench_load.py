"""Loading speed: the samples copied many times with varied names and titles, then a no-op re-run.

    .venv/bin/python bench/bench_load.py [--copies 200] [--chunk-dumps 200]

Prints figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from blogetl import pipeline
from blogetl.parse.parser import parse_bytes
from blogetl.warehouse import IngestSummary

RAW = Path(__file__).resolve().parents[1] / "raw"


def make_copies(raw: Path, out: Path, copies: int) -> int:
    """Write copies of every sample with each post retitled per copy, so every copy brings new posts."""
    out.mkdir(parents=True)
    titles: dict[Path, list[str]] = {}
    for sample in sorted(raw.iterdir()):
        titles[sample] = [p.title for p in parse_bytes(sample.read_bytes(), filename=sample.name).posts]
    for k in range(copies):
        for sample, names in titles.items():
            text = sample.read_text(encoding="utf-8")
            for title in sorted(set(names), key=len, reverse=True):
                text = text.replace(title, f"{title} (del {k})")
            (out / f"{sample.stem}_copy{k:04d}.txt").write_text(text, encoding="utf-8")
    return copies * len(titles)


def rows_written(s: IngestSummary) -> int:
    """Rows the run inserted across the warehouse tables."""
    return (s.dumps_new + s.dumps_changed + s.post_sightings_added + s.posts_added + s.posts_updated
            + s.comments_added + s.comments_updated + s.comment_sightings_added + s.rejects_added)


def report(label: str, s: IngestSummary, wall: float) -> None:
    """One block of figures for one run."""
    t = s.timings
    rows = rows_written(s)
    print(f"{label}: {wall:.2f} s wall; dumps new {s.dumps_new}, unchanged {s.dumps_unchanged}; "
          f"posts {s.totals['posts']}, sightings {s.totals['post_sightings']}, comments {s.totals['comments']}")
    print("  stages: " + ", ".join(f"{k} {v:.3f} s" for k, v in t.items()))
    if t.get("load"):
        print(f"  loading: {rows} rows in {t['load']:.3f} s = {rows / t['load']:,.0f} rows/s "
              f"({rows / (t['load'] + t.get('parse', 0)):,.0f} rows/s with parsing, "
              f"{s.dumps_new / wall:,.0f} dumps/s end to end)")


def main(argv: list[str] | None = None) -> None:
    """Build, re-run, add one dump; print what each took."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--copies", type=int, default=200)
    args.add_argument("--chunk-dumps", type=int, default=pipeline.CHUNK_DUMPS, help="dumps per parse-and-load chunk")
    opts = args.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        raw, db = Path(tmp) / "raw", Path(tmp) / "warehouse" / "blog.duckdb"
        dumps = make_copies(RAW, raw, opts.copies)
        print(f"{dumps} dumps ({sum(p.stat().st_size for p in raw.iterdir()) / 1e6:.1f} MB) from {opts.copies} copies of the samples")
        for label in ("first run", "no-op re-run"):
            started = time.perf_counter()
            summary = pipeline.run(raw, db, chunk_dumps=opts.chunk_dumps).summary
            report(label, summary, time.perf_counter() - started)
        shutil.copy(RAW / "003_837c0e1b7ac6da94.txt", raw / "one_more.txt")
        started = time.perf_counter()
        report("one new dump", pipeline.run(raw, db, chunk_dumps=opts.chunk_dumps).summary, time.perf_counter() - started)
        print(f"warehouse file: {db.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    sys.exit(main())
