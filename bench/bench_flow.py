"""Wall time of ingest flow runs on the shipped raw/: first run, no-op re-run, Dask run, plain library."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

RAW = Path(__file__).resolve().parent.parent / "raw"


def timed(label: str, fn) -> object:
    """Run fn, print its wall time, return its result."""
    started = time.perf_counter()
    out = fn()
    print(f"  {label:44} {time.perf_counter() - started:7.2f} s")
    return out


def main() -> None:
    """Print flow run times (the temporary Prefect server's start is paid by the first call)."""
    from blogetl import pipeline
    from flows.ingest import run_ingest  # imported here: starting Prefect is part of what we time

    tmp = Path(tempfile.mkdtemp(prefix="blogetl-bench-flow-"))
    try:
        raw = tmp / "raw"
        shutil.copytree(RAW, raw)
        print("ingest flow on the 5 samples (threads unless named):")
        timed("first run (includes temporary server start)", lambda: run_ingest(str(raw), str(tmp / "a.duckdb")))
        timed("first run into a new warehouse (server up)", lambda: run_ingest(str(raw), str(tmp / "b.duckdb")))
        timed("no-op re-run", lambda: run_ingest(str(raw), str(tmp / "b.duckdb")))
        timed("first run, Dask 2-worker LocalCluster", lambda: run_ingest(str(raw), str(tmp / "c.duckdb"), task_runner="dask"))
        timed("plain library ingest, no Prefect (--no-flow)", lambda: pipeline.run(raw, tmp / "d.duckdb").summary)
        timed("plain library no-op re-run", lambda: pipeline.run(raw, tmp / "d.duckdb").summary)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
