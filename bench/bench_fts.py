"""Full-text index cost on a built warehouse: DuckDB's whole-index rebuild against blogetl's
incremental index, for a full build and for a run that changes 1 % of the posts.

    .venv/bin/python bench/bench_fts.py WAREHOUSE.duckdb [--share 0.01]

The first run of a process that meets a word the lemma table lacks also loads simplemma's Swedish
dictionary: timed on its own line, before the full build.  The warehouse is copied first (the original is not touched).  Each figure is wall time and the
process's RSS high-water mark is printed at the end; the DuckDB memory limit is the writer's.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from blogetl.warehouse import fts
from blogetl.warehouse.store import DEFAULT_MEMORY_LIMIT


def timed(label: str, fn: object, *args: object) -> float:
    """Run fn(*args), print and return its wall time."""
    started = time.perf_counter()
    result = fn(*args)  # type: ignore[operator]
    secs = time.perf_counter() - started
    print(f"{label:<48} {secs:8.2f} s   {result if result is not None else ''}")
    return secs


def main(argv: list[str] | None = None) -> None:
    """Copy the warehouse and time the index builds on the copy."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("--share", type=float, default=0.01, help="share of posts changed for the incremental run")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="blogetl-fts-"))
    try:
        db = work / "copy.duckdb"
        shutil.copy(args.warehouse, db)
        con = duckdb.connect(str(db), config={"memory_limit": DEFAULT_MEMORY_LIMIT, "preserve_insertion_order": False,
                                              "temp_directory": str(work / "tmp")})
        fts.load_fts(con)
        posts = con.execute("SELECT count(*), sum(length(body)) FROM posts").fetchone()
        print(f"{posts[0]:,} posts, {posts[1] / 1e6:.0f} M characters of bodies; DuckDB memory limit {DEFAULT_MEMORY_LIMIT}")  # type: ignore[index]
        con.execute("DROP SCHEMA IF EXISTS fts_main_posts CASCADE")
        whole = timed("extension: PRAGMA create_fts_index (whole)", lambda: con.execute(
            "PRAGMA create_fts_index('posts', 'post_id', 'title', 'body', stemmer = 'swedish', overwrite = 1)") and None)
        con.execute("PRAGMA drop_fts_index('posts')")
        if hasattr(fts, "lemmatize"):  # once per run process that meets a word the index has not seen
            timed("blogetl: simplemma's Swedish dictionary loaded", fts.lemmatize, ["bostäderna"])
        full = timed("blogetl: update_fts from empty", fts.update_fts, con)
        noop = timed("blogetl: update_fts, nothing changed", fts.update_fts, con)
        n = con.execute(f"SELECT count(*) FROM posts USING SAMPLE {args.share * 100}% (bernoulli, 7)").fetchone()[0]  # type: ignore[index]
        con.execute(f"""UPDATE posts SET body = body || ' Ett nytt stycke om kvarnbäcksprojektet.'
                        WHERE post_id IN (SELECT post_id FROM posts USING SAMPLE {args.share * 100}% (bernoulli, 7))""")
        inc = timed(f"blogetl: update_fts after ~{n:,} posts changed", fts.update_fts, con)
        print(f"\nincremental / whole rebuild: {inc / whole:.1%}; full build / whole rebuild: {full / whole:.2f}x; "
              f"no-op {noop:.2f} s")
        hits = con.execute("SELECT count(*) FROM posts WHERE fts_main_posts.match_bm25(post_id, 'kvarnbäcksprojektet') IS NOT NULL").fetchone()
        print(f"posts found by a word of the changed text: {hits[0]:,}")  # type: ignore[index]
        print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
