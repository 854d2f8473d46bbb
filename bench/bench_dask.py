"""When does `--task-runner dask` beat threads?  The ingest flow on generated corpora, both runners.

    .venv/bin/python bench/bench_dask.py [--mb 10,45,110] [--batch 50,200] [--workers 2]

Each corpus (bench/scale.py's VK listing dumps, about 45 kB a dump) is ingested into a fresh
warehouse by the flow with threads (ThreadPoolTaskRunner, a thread per core) and with Dask (a
LocalCluster of --workers one-thread processes), for each parse batch size (dumps per parse
task; blogetl's default is 50). The parse cache is cleared before every run, and one Prefect
server (started once, as a long-running server would be) serves every run, so neither runner
pays a server's start. Figures: the run's wall time and its parse stage (parse + hand-over,
the stage a task runner changes). The dedup stage is off: it does not depend on the runner.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def numbers(text: str, kind: type = float) -> list:
    return [kind(x) for x in text.split(",") if x]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--mb", default="10,45,110", help="corpus sizes in MB, comma-separated")
    ap.add_argument("--batch", default="50,200", help="dumps per parse task, comma-separated")
    ap.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="blogetl-bench-dask-"))
    os.environ["PREFECT_HOME"] = str(work / "prefect")
    os.environ.setdefault("BLOGETL_VERBOSITY", "quiet")
    import flows  # noqa: F401  (blogetl's Prefect settings, before Prefect is imported)

    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url  # for the Dask workers
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        try:
            table(args, work)
        finally:
            server.stop()


def table(args: argparse.Namespace, work: Path) -> None:
    from scale import Corpus

    import flows.ingest as ingest
    from flows import cache, runners

    real_make = runners.make_task_runner
    ingest.make_task_runner = lambda kind="threads", address=None: real_make(kind, address, dask_workers=args.workers)
    print(f"{os.cpu_count()} cores; Dask: {args.workers} worker processes of one thread; threads: {os.cpu_count()}")
    print("\n| corpus | dumps | dumps per task | tasks | threads: wall / parse | dask: wall / parse | dask / threads (wall) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    corpus = Corpus(work / "raw", args.seed)
    corpus.raw.mkdir()
    for mb in numbers(args.mb):
        corpus.grow(mb - corpus.bytes / 1e6)
        n = len(corpus.files)
        for batch in numbers(args.batch, int):
            ingest.BATCH_DUMPS = batch
            ingest.BATCH_BYTES = batch * 100_000  # the dump count decides
            tasks = ingest.batches_for(ingest.scan(str(corpus.raw)))
            figures = {}
            for kind in ("threads", "dask"):
                cache.clean()
                db = work / f"{kind}.duckdb"
                for f in work.glob(f"{kind}.duckdb*"):
                    f.unlink()
                started = time.perf_counter()
                state, report = ingest.run_ingest(str(corpus.raw), str(db), dedup=False, task_runner=kind)
                wall = time.perf_counter() - started
                assert state.is_completed() and report is not None, state.message
                figures[kind] = (wall, report.summary.timings.get("parse", 0.0))
            t, d = figures["threads"], figures["dask"]
            print(f"| {corpus.bytes / 1e6:.0f} MB | {n:,} | {batch} | {tasks} | {t[0]:.1f} s / {t[1]:.1f} s "
                  f"| {d[0]:.1f} s / {d[1]:.1f} s | {d[0] / t[0]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
