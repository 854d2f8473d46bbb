"""Parser throughput: the parse stage against the floor on a VK corpus, per stage and on 1 and 2
processes; then the shipped samples, a large synthetic listing and a saved page with a nested thread.

    .venv/bin/python bench/bench_parse.py [--raw DIR] [--mb 20] [--repeat 3] [--skip-workers] [--stages-only]
                                          [--pages DIR ...]

The floor is reading, decoding (UTF-8, NFC) and splitting the same bytes into lines in one process
(``bench/scale.py``'s ``floor``); the parse stage is ``blogetl.pipeline.parse_dump`` (read, decode,
parse, Arrow tables), the same dumps one after the other in one process.
Both are the best of --repeat passes in this run, so the ratio compares like with like on a busy
machine (CPU time too: steadier than wall time when other processes share the cores).  Without
--raw, --mb MB of generated VK listing pages (``bench/scale.py``'s corpus) are written to a
temporary folder.  --pages times the parser on folders of real pages (kept outside the repository).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

from blogetl.parse.identity import sketch
from blogetl.parse.parser import parse_bytes
from blogetl.pipeline import parse_dump, parse_in_processes
from blogetl.sources.decode import decode_dump
from blogetl.sources.files import DumpFile
from blogetl.sources.scan import DumpMeta, scan
from blogetl.warehouse.arrow import to_arrow

HERE = Path(__file__).resolve().parent
RAW = HERE.parent / "raw"
sys.path.insert(0, str(HERE))
from scale import Corpus, floor  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (this process) of repeat calls."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - started), min(cpu, time.process_time() - started_cpu)
    return wall, cpu


def floor_of(files: Sequence[Path], repeat: int) -> tuple[float, float, int]:
    """bench/scale.py's floor (best wall time) with its best CPU time, and the lines."""
    wall, lines = floor(list(files), repeat)
    _, cpu = best(lambda: floor(list(files), 1), repeat)
    return wall, cpu, lines


def stages(metas: Sequence[DumpMeta], repeat: int, workers: bool) -> None:
    """The parse stage against the floor, its parts, and on one and two processes."""
    mb = sum(m.size for m in metas) / 1e6
    floor_wall, floor_cpu, lines = floor_of([m.file for m in metas], repeat)
    dumps = [m.read() for m in metas]
    decoded = [decode_dump(d.data, filename=d.path) for d in dumps]
    results = [parse_bytes(d.data, filename=d.path, site_hint=d.site_hint, line_uses=False) for d in dumps]
    posts = [p for r in results for p in r.posts]
    parts = {
        "read (bytes, sha256)": lambda: [m.read() for m in metas],
        "decode (decode_dump)": lambda: [decode_dump(d.data, filename=d.path) for d in dumps],
        "parse_bytes (decode + parse)": lambda: [parse_bytes(d.data, filename=d.path, site_hint=d.site_hint, line_uses=False)
                                                 for d in dumps],
        # not in the stage since the sketch is made only when a sighting is compared: what it would cost
        "identity sketches, were every post sketched": lambda: [sketch(p.body, partial=p.truncated or p.is_excerpt)
                                                               for p in posts],
        "to_arrow": lambda: [to_arrow(d, r) for d, r in zip(dumps, results, strict=True)],
    }
    print(f"parse stage on {len(metas)} dumps, {mb:.1f} MB, {lines:,} lines, {len(posts):,} posts "
          f"({sum(len(d.text) for d in decoded) / 1e6:.1f} M characters decoded); best of {repeat}, "
          "wall time and CPU time of this process (steadier on a busy machine):")

    def show(name: str, wall: float, cpu: float) -> None:
        print(f"  {name:48} {wall:7.3f} s wall {mb / wall:7.1f} MB/s = floor x {wall / floor_wall:5.1f} | "
              f"{cpu:7.3f} s CPU = floor x {cpu / floor_cpu:5.1f}")

    show("floor: read, decode (UTF-8, NFC), split lines", floor_wall, floor_cpu)
    show("parse_dump, one process", *best(lambda: [parse_dump(m) for m in metas], repeat))
    for name, fn in parts.items():
        show(f"  {name}", *best(fn, repeat))
    if workers:
        for n in (1, 2):
            started = time.perf_counter()
            with parse_in_processes(n) as parse_map:
                list(parse_map(metas))
            secs = time.perf_counter() - started
            print(f"  {f'parse_in_processes({n}), pool start included':48} {secs:7.3f} s wall {mb / secs:7.1f} MB/s "
                  f"= floor x {secs / floor_wall:5.1f}")


def page_times(folders: Sequence[Path], repeat: int) -> None:
    """parse_bytes over every page below some folders (real pages: small, of every family)."""
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.suffix in (".txt", ".html", ".htm"))
    data = [(p.name, p.read_bytes()) for p in files]
    wall, cpu = best(lambda: [parse_bytes(d, filename=name) for name, d in data], repeat)
    print(f"parser: {len(data)} pages, {sum(len(d) for _, d in data) / 1e6:.2f} MB: {wall:.3f} s wall, {cpu:.3f} s CPU "
          f"(best of {repeat})")


def corpus_stages(args: argparse.Namespace) -> None:
    """stages() on --raw, or on a generated corpus."""
    if args.raw is not None:
        stages(scan(args.raw), args.repeat, not args.skip_workers)
        return
    with tempfile.TemporaryDirectory(prefix="bench_parse_") as tmp:
        corpus = Corpus(Path(tmp), seed=1)
        corpus.grow(args.mb)
        stages(scan(Path(tmp)), args.repeat, not args.skip_workers)


def time_parse(data: bytes, name: str, repeat: int) -> list[float]:
    """Seconds per parse over `repeat` runs."""
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        parse_bytes(data, filename=name)
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    """Print the parse stage against the floor; per-sample parse times and MB/s on a 5 MB listing page."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, help="a folder of dumps (default: --mb MB of generated VK listings)")
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-workers", action="store_true", help="leave out the 1 and 2 process runs")
    ap.add_argument("--stages-only", action="store_true", help="only the parse stage against the floor")
    ap.add_argument("--pages", type=Path, nargs="*", default=[],
                    help="folders of real pages (*.txt, *.html below them): their parse time, best of --repeat")
    args = ap.parse_args()
    if args.pages:
        page_times(args.pages, args.repeat)
    corpus_stages(args)
    if args.stages_only:
        return
    print("parser: per sample (median of 50)")
    for path in sorted(RAW.glob("*.txt")):
        data = path.read_bytes()
        result = parse_bytes(data, filename=path.name)
        secs = statistics.median(time_parse(data, path.name, 50))
        print(f"  {path.name:28} {len(data):>7} B  {secs * 1000:7.2f} ms  "
              f"{len(result.posts)} posts, {len(result.comments)} comments, {len(result.rejects)} rejects")
    # the three listing samples without their closing chrome ('Arkiv', the RSS footer: 002 has only the latter)
    listing = b"\n\n".join(re.split(rb"\n(?:Arkiv|RSS Nytt)", (RAW / n).read_bytes())[0]
                            for n in ("000_17c9fd5fd54ce450.txt", "001_2e98f75a052abd0d.txt", "002_cfe29880190abf46.txt"))
    # 110 copies with numbered titles: distinct posts, as a real listing has (repeated titles over
    # different texts would each be compared by blogetl.parse.identity, which real pages rarely need)
    title = re.compile(rb"(?m)^(.+)(\n\nAv , ,)")
    big = b"".join(title.sub(rb"\1 #%d\2" % k, listing) + b"\n\n" for k in range(110)) + b"\nArkiv\nRSS Nytt fr\xc3\xa5n vk.se\n"
    started = time.perf_counter()
    result = parse_bytes(big, filename="big.txt")
    secs = time.perf_counter() - started
    tracemalloc.start()  # measured in a second run: tracing slows allocation several times over
    parse_bytes(big, filename="big.txt")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    mb = len(big) / 1e6
    print(f"parser: one {mb:.1f} MB listing page, {len(result.posts)} posts: {secs:.2f} s "
          f"({mb / secs:.2f} MB/s, {len(result.posts) / secs:,.0f} posts/s), peak Python memory {peak / 1e6:.0f} MB")
    html_thread()
    single_line()


def single_line(sizes_mb: tuple[int, ...] = (2, 8)) -> None:
    """A dump that is one line (issue 14: 50 MB took 211 s to ingest, most of it the full-text
    index): the parse stage's share grows linearly with it."""
    unit = " ".join(line.strip() for line in (RAW / "004_49aed72cbd58d17c.txt").read_text().split("\n") if line.strip()) + " "
    print("parse stage: a dump that is one line (decode + parse, then Arrow tables)")
    for mb in sizes_mb:
        data = (unit * (mb * 1_000_000 // len(unit.encode()) + 1)).encode()
        dump = DumpFile("one_line.txt", data, "0" * 64, len(data), None)
        started = time.process_time()
        result = parse_bytes(data, filename=dump.path, line_uses=False)
        parsed = time.process_time() - started
        to_arrow(dump, result)
        tables = time.process_time() - started - parsed
        print(f"  {len(data) / 1e6:5.1f} MB: parse_bytes {parsed:6.2f} s CPU ({len(data) / 1e6 / parsed:5.1f} MB/s), "
              f"to_arrow {tables:6.2f} s CPU; {len(result.posts)} post(s), {len(result.rejects)} rejects")


def html_thread(sizes: tuple[int, ...] = (500, 1000, 2000, 4000)) -> None:
    """A saved page whose thread is one <ol> of n comments, each with a nested reply: time should
    grow linearly with n (bs4's insert/replace made it quadratic: 3,000 comments took 20.9 s)."""
    print("parser: saved HTML page with a nested comment list")
    for n in sizes:
        items = "".join(
            f"<li><div>user{i}</div><p>Kommentar nummer {i} med lite text.</p><ul class='children'><li>"
            f"<div>Andreas Lundgren (inläggsförfattare)</div><p>Svar {i}.</p></li></ul></li>" for i in range(n)
        )
        page = (f"<html><body><h1>Rubrik</h1><p>En text om något viktigt här.</p><h3>{2 * n} kommentarer</h3>"
                f"<ol>{items}</ol><h3>Lämna ett svar</h3></body></html>").encode()
        started = time.perf_counter()
        result = parse_bytes(page, filename="thread.html")
        secs = time.perf_counter() - started
        replies = sum(c.depth == 1 for c in result.comments)
        print(f"  {n:>5} comments + {replies} replies, {len(page) / 1e6:.2f} MB: {secs:.2f} s "
              f"({len(result.comments) / secs:,.0f} comments/s, {len(result.rejects)} rejects)")


if __name__ == "__main__":
    main()
