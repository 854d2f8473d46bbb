"""What each table and column of a warehouse costs on disk, against the dumps it was built from.

    .venv/bin/python bench/bench_size.py --db warehouse/blog.duckdb [--raw raw]     # measure a warehouse
    .venv/bin/python bench/bench_size.py --raw /work/exp/raw20 [--runs 5] [--keep]  # build, measure, re-run

How bytes are counted, so that they sum to the file exactly: a DuckDB file is a header (12 KiB) and
blocks of 256 KiB (``pragma_database_size``: used and free; free blocks at the end are cut off the file).  ``pragma_storage_info`` lists
every column segment of a table with the block it lives in (``block_id``, ``block_offset``) and the
blocks its long strings or ZSTD frames spill into (``additional_block_ids``).  A block held by one
column counts whole for that column; a block shared by several segments (DuckDB packs small
segments together) is split by their offsets, the last one taking the block's unused tail.  What
no segment holds is metadata (the catalog, row-group pointers, the free list).  So:
file = header + the tables' blocks + metadata + free blocks inside the file (checked on every report).

With --raw and no --db the corpus is copied to a fresh folder (so the benchmark can change it), built
with ``blogetl ingest --no-flow`` (its time and stages printed), measured, then re-run --runs times,
each after re-scraping 1 % of the dumps (bench/scale.py's change: one post edited in each), with the
file's size and free blocks after each run: a run must not grow the file without bound.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BLOGETL = ROOT / ".venv" / "bin" / "blogetl"
sys.path.insert(0, str(HERE))
from scale import Corpus  # noqa: E402

MiB = 2**20
HEADER = 3 * 4096  # DuckDB's main header and its two database headers
_TIMINGS = re.compile(r"^timings\s+(.*)$", re.M)


@dataclass
class TableSize:
    """One table's blocks, by column."""

    name: str
    rows: int
    columns: Counter[str] = field(default_factory=Counter)  # column -> bytes
    compression: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))  # column -> kind -> rows

    @property
    def bytes(self) -> int:
        """The table's bytes: the sum of its columns'."""
        return sum(self.columns.values())


@dataclass
class FileSize:
    """A warehouse file split into tables, metadata, free blocks and header; the parts sum to file_bytes."""

    path: Path
    file_bytes: int
    block_size: int
    used_blocks: int
    free_blocks: int
    storage_version: str
    tables: list[TableSize]

    @property
    def table_bytes(self) -> int:
        """Bytes of all tables' blocks."""
        return sum(t.bytes for t in self.tables)

    referenced_blocks: int = 0  # blocks some column segment lives or spills in

    @property
    def metadata_bytes(self) -> int:
        """Used blocks that hold no column segment: the catalog, row-group pointers, the free list."""
        return (self.used_blocks - self.referenced_blocks) * self.block_size

    @property
    def free_bytes(self) -> int:
        """Free blocks inside the file: freed by deletes and rewrites, reused by later writes.  (DuckDB
        cuts free blocks off the file's end, but still counts them in free_blocks.)"""
        return self.file_bytes - HEADER - self.used_blocks * self.block_size


def measure(db: Path) -> FileSize:
    """Every table's and column's bytes in a checkpointed warehouse file (see the module doc)."""
    with duckdb.connect(str(db), read_only=True, config={"autoinstall_known_extensions": False}) as con:
        block_size, used, free = con.execute("SELECT block_size, used_blocks, free_blocks FROM pragma_database_size() "
                                             "WHERE database_name = current_database()").fetchone()  # type: ignore[misc]
        tags = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
        version = str((tags[0] if tags else {}).get("storage_version", "?"))
        names = [f"{s}.{t}" if s != "main" else t for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY ALL").fetchall()]
        holders: dict[int, list[tuple[int, str, str]]] = defaultdict(list)  # block -> (offset, table, column)
        spill: dict[int, set[tuple[str, str]]] = defaultdict(set)  # block -> columns whose strings or frames spill into it
        tables = {}
        for name in names:
            rows = int(con.execute(f"SELECT count(*) FROM {name}").fetchone()[0])  # type: ignore[index]
            table = tables[name] = TableSize(name, rows)
            for column, block, offset, extra, kind, count in con.execute(
                f"SELECT column_name, block_id, block_offset, additional_block_ids, compression, count "
                f"FROM pragma_storage_info('{name}') WHERE persistent").fetchall():
                table.compression[column][kind] += count
                if block is not None and block >= 0:
                    holders[block].append((offset, name, column))
                for b in extra or ():
                    spill[b].add((name, column))
    for segments in holders.values():  # each block whole: the first segment from 0, the last to its end
        segments.sort()
        for i, (_, name, column) in enumerate(segments):
            start = 0 if i == 0 else segments[i][0]
            end = segments[i + 1][0] if i + 1 < len(segments) else block_size
            tables[name].columns[column] += end - start
    for block, owners in spill.items():
        if block in holders:
            continue  # already split between the segments that start in it
        shares = sorted(owners)
        for i, (name, column) in enumerate(shares):
            tables[name].columns[column] += block_size // len(shares) + (block_size % len(shares) if i == 0 else 0)
    size = FileSize(db, db.stat().st_size, block_size, used, free, version, sorted(tables.values(), key=lambda t: -t.bytes),
                    referenced_blocks=len(holders.keys() | spill.keys()))
    if size.table_bytes != size.referenced_blocks * block_size or size.metadata_bytes < 0 or size.free_bytes < 0 \
            or size.free_bytes > free * block_size:
        raise AssertionError(f"{db}: the blocks do not add up: {size}")
    return size


def dumps_bytes(raw: Path) -> int:
    """Bytes of every file under raw/ (what the warehouse is compared with)."""
    return sum(p.stat().st_size for p in raw.rglob("*") if p.is_file())


def report(size: FileSize, dumps: int | None, *, columns: float = 0.005) -> str:
    """The file as a table of tables (and their columns above `columns` of the file), summing to the file."""
    f = size.file_bytes
    ratio = (lambda b: f"{b / dumps:.2f}×") if dumps else (lambda b: "–")
    out = [f"{size.path}: {f / MiB:.1f} MiB (storage {size.storage_version}, {size.used_blocks} used and "
           f"{size.free_bytes // size.block_size} free blocks of {size.block_size // 1024} KiB)"
           + (f"; dumps {dumps / 1e6:.1f} MB: the warehouse is {f / dumps:.2f}× the dumps" if dumps else ""),
           "", "| table / column | rows | MiB | share of file | × dumps | compression |", "|---|---:|---:|---:|---:|---|"]
    for t in size.tables:
        if t.bytes < columns * f and t is not size.tables[0]:
            continue
        out.append(f"| {t.name} | {t.rows:,} | {t.bytes / MiB:.2f} | {t.bytes / f:.1%} | {ratio(t.bytes)} | |")
        for col, b in t.columns.most_common():
            if b >= columns * f:
                kinds = ", ".join(k for k, _ in t.compression[col].most_common() if k != "Constant") or "Constant"
                out.append(f"| &nbsp;&nbsp;{col} | | {b / MiB:.2f} | {b / f:.1%} | {ratio(b)} | {kinds} |")
    small = [t for t in size.tables if t.bytes < columns * f and t is not size.tables[0]]
    rest = sum(t.bytes for t in small)
    out.append(f"| {len(small)} smaller tables | {sum(t.rows for t in small):,} | {rest / MiB:.2f} | {rest / f:.1%} | {ratio(rest)} | |")
    for name, b in (("metadata", size.metadata_bytes), ("free blocks", size.free_bytes), ("header", HEADER)):
        out.append(f"| {name} | | {b / MiB:.2f} | {b / f:.1%} | {ratio(b)} | |")
    out.append(f"| **file** | | **{f / MiB:.2f}** | 100% | {ratio(f)} | |")
    return "\n".join(out)


def ingest(raw: Path, db: Path, log: Path) -> tuple[float, str]:
    """One `blogetl ingest --no-flow` run: its wall time and its timings line."""
    cmd = [str(BLOGETL), "ingest", "--no-flow", "--raw", str(raw), "--db", str(db)]
    started = time.perf_counter()
    with log.open("ab") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    wall = time.perf_counter() - started
    if rc != 0:
        sys.exit(f"{' '.join(cmd)} exited {rc}; see {log}")
    timings = _TIMINGS.findall(log.read_text(encoding="utf-8", errors="replace"))
    return wall, timings[-1] if timings else ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--db", type=Path, help="measure this warehouse (no build)")
    ap.add_argument("--raw", type=Path, help="the dumps: compared with the warehouse; without --db, built first")
    ap.add_argument("--runs", type=int, default=5, help="incremental runs after the build, each re-scraping --change of the dumps")
    ap.add_argument("--change", type=float, default=0.01, help="share of the dumps each incremental run changes")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()), help="where the build's folder is made")
    ap.add_argument("--keep", action="store_true", help="keep the build's folder")
    ap.add_argument("--columns", type=float, default=0.005, help="list columns above this share of the file")
    args = ap.parse_args(argv)
    if not args.db and not args.raw:
        ap.error("give --db, --raw or both")
    return args


def build(args: argparse.Namespace) -> int:
    """Copy the corpus, build it, measure; then the incremental runs."""
    work = Path(tempfile.mkdtemp(prefix="blogetl-size-", dir=args.work))
    try:
        raw, db, log = work / "raw", work / "blog.duckdb", work / "ingest.log"
        shutil.copytree(args.raw, raw)
        dumps = dumps_bytes(raw)
        wall, stages = ingest(raw, db, log)
        print(f"full build of {args.raw} ({dumps / 1e6:.1f} MB): {wall:.1f} s; {stages}\n")
        print(report(measure(db), dumps, columns=args.columns))
        corpus = Corpus(raw, seed=1)
        corpus.files = sorted(p for p in raw.iterdir() if p.is_file())
        rng = random.Random(1)
        if args.runs:
            print("\n| run | dumps changed | wall | file MiB | × dumps | free blocks |\n|---|---:|---:|---:|---:|---:|")
        for run in range(1, args.runs + 1):
            changed = corpus.change(args.change, rng)
            dumps = dumps_bytes(raw)
            wall, stages = ingest(raw, db, log)
            size = measure(db)
            print(f"| +{args.change:.0%} changed #{run} | {len(changed)} | {wall:.1f} s | {size.file_bytes / MiB:.1f} | "
                  f"{size.file_bytes / dumps:.2f}× | {size.free_bytes // size.block_size} |", flush=True)
        if args.runs:
            print("\nafter the incremental runs:\n")
            print(report(measure(db), dumps, columns=args.columns))
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Measure a warehouse, or build one and measure it."""
    args = parse_args(argv)
    if args.db:
        print(report(measure(args.db), dumps_bytes(args.raw) if args.raw else None, columns=args.columns))
        return 0
    return build(args)


if __name__ == "__main__":
    sys.exit(main())
