"""Scale benchmark (`make bench-scale`): N MB of generated VK listing dumps through a full build with
the library and with the flow, then incremental runs on the library's warehouse.

    .venv/bin/python bench/scale.py --mb 100 [--work DIR] [--flow/--no-flow] [--keep] [--seed S]

Every post is distinct: bench/gen_corpus.py writes its sentences and bodies, and each title gets a
running number.  As in the dedup benchmarks, about a fifth of the posts are cross-publications the
dedup stage has to find (edited versions of op-eds, quotes, re-scrapes under another title).  The
posts go 12-30 to a listing page (about 45 kB a dump).

Each step is a separate `blogetl ingest` process whose command is printed.  Peak RSS is the
process and all its descendants (the flow's temporary Prefect server included): the sum of their
RSS sampled with psutil every 0.2 s, and the largest single process's high-water mark (VmHWM).
The children get a PREFECT_HOME of their own under the work dir, so a run neither reads nor
grows the project's .prefect.  MB here are 10^6 bytes of dumps.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BLOGETL = ROOT / ".venv" / "bin" / "blogetl"
sys.path.insert(0, str(HERE))
from gen_corpus import Generator  # noqa: E402

MB = 1_000_000
POSTS_PER_CHUNK = 2000  # gen_corpus builds its cross-publications within one chunk of posts
POLL = 0.2
HEARTBEAT = 60.0  # seconds between progress lines of a long step
_TIMINGS = re.compile(r"^timings\s+(.*)$", re.M)
_STAGE = re.compile(r"(\w+) ([\d.]+) s")
_REACTIONS = re.compile(r"^(Av , , [^\n]*?kommentera|Av , , \d+ kommentar(?:er)?) (\d+)$", re.M)


# --- corpus -------------------------------------------------------------------------------------


def listing_page(posts: list[tuple[str, str]], rng: random.Random) -> str:
    """A VK listing page: per post its title, byline, body and comment footer; then the page's end chrome."""
    out = []
    for title, body in posts:
        n = rng.choice([0, 0, 0, 1, 2, 3, 6])
        label = "Bli först att kommentera" if n == 0 else f"{n} kommentar" if n == 1 else f"{n} kommentarer"
        out.append(f"{title}\n\nAv , , {label} {rng.randint(1, 20)}\n\n{body}\n\n{label}\n\n")
    return "".join(out) + "Arkiv\nRSS Nytt från vk.se\n"


@dataclass
class Corpus:
    """Dumps written so far under one folder."""

    raw: Path
    seed: int
    files: list[Path] = field(default_factory=list)
    posts: int = 0
    bytes: int = 0
    chunks: int = 0

    def grow(self, mb: float) -> list[Path]:
        """Write about mb MB more of new dumps (distinct posts, numbered titles); returns the new files."""
        target, written, new = self.bytes + mb * MB, self.bytes, []
        while written < target:
            chunk_seed = self.seed * 100_000 + self.chunks
            self.chunks += 1
            rng = random.Random(chunk_seed)
            posts = Generator(POSTS_PER_CHUNK, chunk_seed).run().posts
            i = 0
            while i < len(posts) and written < target:
                page = []
                for post in posts[i : i + rng.randint(12, 30)]:
                    self.posts += 1
                    page.append((f"{post['title']} #{self.posts}", str(post["body"])))
                i += len(page)
                data = listing_page(page, rng).encode("utf-8")
                path = self.raw / f"{len(self.files):06d}_vk_{chunk_seed}.txt"
                path.write_bytes(data)
                self.files.append(path)
                new.append(path)
                written += len(data)
        self.bytes = written
        return new

    def change(self, share: float, rng: random.Random) -> list[Path]:
        """Re-scrape a share of the dumps: in each, one post's text edited (a sentence added to its
        first paragraph) and its reaction counter moved on.  Returns the changed files."""
        picked = rng.sample(self.files, max(1, round(share * len(self.files))))
        writer = Generator(1, self.seed).w
        for path in picked:
            text = path.read_text(encoding="utf-8")
            bylines = list(_REACTIONS.finditer(text))
            m = rng.choice(bylines)
            para_end = text.index("\n\n", m.end() + 2)
            text = (text[: m.start()] + f"{m[1]} {int(m[2]) + 1}" + text[m.end() : para_end]
                    + " " + writer.sentence() + text[para_end:])
            data = text.encode("utf-8")
            self.bytes += len(data) - path.stat().st_size
            path.write_bytes(data)
        return picked


def floor(files: list[Path], repeat: int = 3) -> tuple[float, int]:
    """Seconds to read, decode (UTF-8, NFC) and split the files into lines (best of repeat passes:
    a floor, so the machine's noise is left out); and the lines."""
    best, lines = float("inf"), 0
    for _ in range(repeat):
        started, lines = time.perf_counter(), 0
        for path in files:
            lines += len(unicodedata.normalize("NFC", path.read_bytes().decode("utf-8")).splitlines())
        best = min(best, time.perf_counter() - started)
    return best, lines


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Step:
    """One measured `blogetl ingest` run."""

    name: str
    cmd: list[str]
    mb: float  # MB of dumps the step is about (the corpus, or what it adds/changes)
    wall: float = 0.0
    peak_tree: int = 0  # bytes: max over samples of the summed RSS of the process tree
    peak_proc: int = 0  # bytes: the largest VmHWM of a single process of the tree
    procs: int = 0  # processes seen in the tree
    rc: int | None = None
    killed: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def hwm(pid: int) -> int:
    """The process's peak RSS so far (VmHWM, bytes), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def kill(tree: list[psutil.Process]) -> None:
    """Kill a process tree, children first."""
    for p in reversed(tree):
        with contextlib.suppress(psutil.Error):
            p.kill()


def run(step: Step, env: dict[str, str], log: Path, rss_limit: int) -> Step:
    """Run the step's command, sampling its process tree every POLL s; kills it above rss_limit bytes."""
    print(f"\n$ {' '.join(step.cmd)}", flush=True)
    seen: dict[int, int] = {}
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(step.cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        top, tree, heartbeat = psutil.Process(proc.pid), [], started + HEARTBEAT
        try:
            while proc.poll() is None:
                try:
                    tree = [top, *top.children(recursive=True)]
                except psutil.NoSuchProcess:
                    tree = []
                total = 0
                for p in tree:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        continue
                    seen[p.pid] = max(seen.get(p.pid, 0), hwm(p.pid))
                step.peak_tree = max(step.peak_tree, total)
                if total > rss_limit:
                    step.killed = f"killed at {total / 1e9:.1f} GB (--rss-limit-gb)"
                    kill(tree)
                if time.perf_counter() > heartbeat:  # a long step shows how far it got
                    heartbeat += HEARTBEAT
                    print(f"  ... {time.perf_counter() - started:.0f} s: RSS {total / 1e9:.2f} GB now, "
                          f"{step.peak_tree / 1e9:.2f} GB at most", flush=True)
                time.sleep(POLL)
        except BaseException:  # Ctrl-C or SIGTERM of the benchmark: take the step down with it
            kill(tree or [top])
            raise
        step.wall = time.perf_counter() - started
    step.rc = proc.returncode
    step.peak_proc = max(seen.values(), default=0)
    step.procs = len(seen)
    text = log.read_text(encoding="utf-8", errors="replace")
    if m := _TIMINGS.search(text):
        step.timings = {k: float(v) for k, v in _STAGE.findall(m[1])}
        print(f"  {m[0]}")
    print(f"  exit {step.rc}{' ' + step.killed if step.killed else ''}: {step.wall:.1f} s, peak RSS "
          f"{step.peak_tree / 1e9:.2f} GB (tree of {step.procs} processes), largest process {step.peak_proc / 1e9:.2f} GB",
          flush=True)
    if step.rc != 0:
        print("  last lines of its output (" + str(log) + "):")
        for line in text.splitlines()[-15:]:
            print("    " + line)
    return step


def revision() -> str:
    """The commit measured, and how many files under src/ and flows/ differ from it."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src", "flows"],
                               capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{head}" + (f" + {len(dirty)} uncommitted files in src/ and flows/" if dirty else "")


def size(db: Path) -> int:
    """Bytes of a warehouse file and its write-ahead log."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + ".wal")) if p.exists())


def table_sizes(db: Path, dumps: int) -> str:
    """What each table and column of the warehouse costs, against the dumps (bench/bench_size.py)."""
    from bench_size import measure, report  # it imports this module's Corpus

    return report(measure(db), dumps, columns=0.01)


def count_posts(db: Path) -> int | None:
    """Posts in a published warehouse (None if it cannot be read)."""
    try:
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute("SELECT count(*) FROM posts").fetchone()
            return int(row[0]) if row else None
    except Exception:
        return None


LOADED_TABLES = ("dumps", "posts", "post_sightings", "comments", "comment_sightings", "rejects")


def parquet_load(db: Path, work: Path) -> tuple[float, int]:
    """DuckDB's own load of the rows the loader wrote (the tables above, exported to Parquet first):
    seconds to create them from Parquet in a fresh database file, and the rows."""
    import duckdb

    folder = work / "parquet"
    folder.mkdir(exist_ok=True)
    with duckdb.connect(str(db), read_only=True) as con:
        have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        tables = [t for t in LOADED_TABLES if t in have]
        rows = 0
        for t in tables:
            con.execute(f"COPY {t} TO '{folder / t}.parquet' (FORMAT parquet)")
            rows += int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
    target = work / "parquet.duckdb"
    started = time.perf_counter()
    with duckdb.connect(str(target)) as con:
        for t in tables:
            con.execute(f"CREATE TABLE {t} AS SELECT * FROM read_parquet('{folder / t}.parquet')")
        con.execute("CHECKPOINT")
    secs = time.perf_counter() - started
    shutil.rmtree(folder)
    target.unlink()
    return secs, rows


def last_dedup(db: Path) -> dict[str, float] | None:
    """The latest dedup run's posts done and posts/s (None when there is none)."""
    import json

    import duckdb

    try:
        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute("SELECT summary FROM dedup_runs ORDER BY run_no DESC LIMIT 1").fetchone()
    except Exception:
        return None
    if not row:
        return None
    summary = json.loads(row[0])
    return {"posts": summary.get("new_or_changed", 0), "seconds": summary.get("seconds", 0.0),
            "per_second": summary.get("posts_per_second") or 0.0}


# --- the run ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--mb", type=float, required=True, help="MB (10^6 bytes) of dumps to generate")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()),
                    help="folder (outside the repository) in which a fresh blogetl-scale-* folder is made")
    ap.add_argument("--flow", action=argparse.BooleanOptionalAction, default=True,
                    help="also run the full build as a Prefect flow (--no-flow: the library only)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (dumps, warehouses, logs)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--small-repeats", type=int, default=3,
                    help="+1 %% new dumps this many times, each 1 %% more (a 2-3 s run swings with the machine's load: "
                         "the median is reported too)")
    ap.add_argument("--rss-limit-gb", type=float, default=round(0.6 * psutil.virtual_memory().total / 1e9, 1),
                    help="kill a step whose process tree passes this RSS (default: 60%% of RAM; the machine is shared)")
    args = ap.parse_args(argv)
    if args.mb <= 0:
        ap.error("--mb must be positive")
    work = args.work.resolve()
    if work == ROOT or ROOT in work.parents:
        ap.error(f"--work must be outside the repository ({ROOT})")
    args.work = work
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate, build, re-run; print the table.  Returns 0 when every step exited 0."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM cleans up as Ctrl-C does
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="blogetl-scale-", dir=args.work))
    try:
        return bench(args, work)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def bench(args: argparse.Namespace, work: Path) -> int:
    """The steps, in order, then the table."""
    raw, logs = work / "raw", work / "logs"
    raw.mkdir()
    logs.mkdir()
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect")}
    rss_limit = int(args.rss_limit_gb * 1e9)
    code = [revision()]
    settings = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("BLOGETL_"))
    print(f"blogetl scale benchmark: {args.mb:g} MB in {work} ({os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 1e9:.0f} GB RAM, PREFECT_HOME={env['PREFECT_HOME']}"
          f"{', ' + settings if settings else ''}); code: {code[0]}")

    corpus = Corpus(raw, args.seed)
    started = time.perf_counter()
    corpus.grow(args.mb)
    gen_secs = time.perf_counter() - started
    full_mb = corpus.bytes / MB
    print(f"generated {len(corpus.files):,} dumps, {corpus.posts:,} posts, {full_mb:.1f} MB "
          f"({corpus.bytes / len(corpus.files) / 1000:.0f} kB a dump) in {gen_secs:.1f} s")
    floor_secs, lines = floor(corpus.files)
    print(f"floor: read + decode (UTF-8, NFC) + split into lines, best of 3: {lines:,} lines in {floor_secs:.2f} s "
          f"({full_mb / floor_secs:.0f} MB/s)")

    lib_db, flow_db = work / "lib.duckdb", work / "flow.duckdb"
    lib = [str(BLOGETL), "ingest", "--raw", str(raw), "--db", str(lib_db), "--no-flow"]
    steps: list[Step] = []

    def step(name: str, cmd: list[str], mb: float) -> Step:
        log = logs / f"{len(steps)}_{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.log"
        # blogetl's bytecode up to date, as pip writes it for an installed package: where
        # PYTHONDONTWRITEBYTECODE is set (this machine), each run would compile src/ again (0.1 s)
        for folder in ("src", "flows"):
            compileall.compile_dir(ROOT / folder, quiet=1)
        if (now := revision()) != code[-1]:  # others commit while a long benchmark runs
            print(f"\ncode changed since the previous step: now {now}")
            code.append(now)
        s = run(Step(name, cmd, mb), env, log, rss_limit)
        steps.append(s)
        return s

    full = step("full build, library", lib, full_mb)
    sizes = {"library": size(lib_db) if full.rc == 0 else 0}
    tables = table_sizes(lib_db, corpus.bytes) if full.rc == 0 else ""
    lib_posts = count_posts(lib_db) if full.rc == 0 else None
    dedups = {full.name: last_dedup(lib_db)} if full.rc == 0 else {}
    parquet = parquet_load(lib_db, work) if full.rc == 0 else None
    if args.flow:
        flow = step("full build, flow", [str(BLOGETL), "ingest", "--raw", str(raw), "--db", str(flow_db)], full_mb)
        sizes["flow"] = size(flow_db) if flow.rc == 0 else 0
    n_dumps, n_posts = len(corpus.files), corpus.posts
    if full.rc == 0:
        step("no-op re-run", lib, 0.0)
        repeats = max(1, args.small_repeats)
        for i in range(repeats):
            name = "+1 % new dumps" if repeats == 1 else f"+1 % new dumps ({i + 1} of {repeats})"
            before = corpus.bytes
            new = corpus.grow(0.01 * full_mb)
            print(f"\n{name}: {len(new)} new dumps, {(corpus.bytes - before) / MB:.2f} MB")
            step(name, lib, (corpus.bytes - before) / MB)
            dedups[name] = last_dedup(lib_db)
        changed = corpus.change(0.01, random.Random(args.seed))
        print(f"\n+1 % changed: {len(changed)} dumps re-scraped, one post edited in each")
        step("+1 % changed dumps", lib, sum(p.stat().st_size for p in changed) / MB)
        dedups["+1 % changed dumps"] = last_dedup(lib_db)

    print_table(steps, full_mb, floor_secs)
    small = [st for st in steps if st.name.startswith("+1 % new dumps") and st.rc == 0]
    if len(small) > 1 and steps[0].rc == 0:
        walls = sorted(st.wall for st in small)
        median = statistics.median(walls)
        print(f"\n+1 % new dumps, median of {len(walls)}: {median:.2f} s = {median / steps[0].wall:.1%} of the full build "
              f"(runs {', '.join(f'{w:.2f}' for w in walls)} s)")
    if parquet and full.timings.get("load"):
        print(f"\nload: {full.timings['load']:.1f} s against DuckDB's own load of the same {parquet[1]:,} rows from "
              f"Parquet into a new file, {parquet[0]:.1f} s: {full.timings['load'] / parquet[0]:.1f}×")
    for name, d in dedups.items():
        if d:
            print(f"dedup, {name}: {d['posts']:,} new or changed posts in {d['seconds']:.1f} s = {d['per_second']:,.0f} posts/s")
    print(f"\ncode measured: {' then '.join(code)}")
    print(f"\nfull build: {n_dumps:,} dumps, {full_mb:.1f} MB, {n_posts:,} posts generated; "
          f"posts in the library's warehouse: {lib_posts if lib_posts is not None else 'none (the build failed)'}")
    print("warehouse after the full build: " + ", ".join(
        f"{who} {b / MB:.0f} MB = {b / (full_mb * MB):.1f}× the dumps" if b else f"{who} not published (the build failed)"
        for who, b in sizes.items())
        + (f"; library after the incremental runs: {size(lib_db) / MB:.0f} MB" if full.rc == 0 else ""))
    if tables:
        print(f"\nthe library's warehouse after the full build, by table (bench/bench_size.py):\n\n{tables}")
    return 0 if all(s.rc == 0 for s in steps) else 1


def print_table(steps: list[Step], full_mb: float, floor_secs: float) -> None:
    """One table of every step (shares against the library's full build); then parse against the floor."""
    full = steps[0]
    print("\n| step | wall | share of full build | MB/s | peak RSS, tree | largest process | exit |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for s in steps:
        share = "1" if s is full else f"{s.wall / full.wall:.2f}×" if s.name.startswith("full") else f"{s.wall / full.wall:.1%}"
        rate = f"{s.mb / s.wall:.3g}" if s.mb and s.wall and s.rc == 0 else "–"
        wall = f"{s.wall:.1f} s" if s.rc == 0 else f"failed after {s.wall:.1f} s"
        print(f"| {s.name} | {wall} | {share} | {rate} | {s.peak_tree / 1e9:.2f} GB | "
              f"{s.peak_proc / 1e9:.2f} GB | {s.rc}{' ' + s.killed if s.killed else ''} |")
    floor_rate = full_mb / floor_secs
    print(f"| floor: read, decode (UTF-8, NFC), split into lines | {floor_secs:.1f} s | – | {floor_rate:.0f} | – | – | – |")
    if any(s.timings.get("parse") for s in steps):
        print()
    for s in steps:
        if s.timings.get("parse"):
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in s.timings.items())
            line = f"{s.name} stages: {stages}"
            if s.name.startswith("full"):
                rate = full_mb / s.timings["parse"]
                line += f"; parse {rate:.1f} MB/s = floor / {floor_rate / rate:.0f}"
            print(line)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: the running step was killed and the work folder removed (unless --keep)")
